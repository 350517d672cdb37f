"""Stage 4, the sequence: the focus over time, transitions and revisit events."""
