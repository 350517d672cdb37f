"""Stage 5, measures over the sequence: revisit and transition matrices, statistics."""
