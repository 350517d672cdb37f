"""Matrices (SPEC §4) of the hand-worked history in ``test_revisits`` and invariants.

The expected matrices are derived by hand from the per-step table in ``hand_history``'s
docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from miner.measures.matrices import Matrices, build_matrices
from miner.sequence.revisits import SequenceOptions, Step, analyse_sequence
from tests.sequence.test_revisits import PHASES, hand_history, sequences

NAN = math.nan


def hand_matrices(mode: str = "all") -> Matrices:
    steps = hand_history()
    options = SequenceOptions(window=2, revisits="backward" if mode == "backward" else "all")
    return build_matrices(steps, analyse_sequence(steps, PHASES, options), PHASES)


def expect(frame: pd.DataFrame, rows: list[list[float]], dtype: str) -> None:
    assert list(frame.index) == list(PHASES)
    assert list(frame.columns) == list(PHASES)
    assert str(frame.dtypes.iloc[0]) == dtype
    np.testing.assert_allclose(frame.to_numpy(dtype=float), np.array(rows), equal_nan=True)


def test_revisit_matrix_and_row_shares() -> None:
    m = hand_matrices()
    # Events: b->a, a->c, c->b (2 commits), b->c.
    expect(m.revisits, [[0, 0, 1, 0], [1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]], "int64")
    expect(
        m.revisit_share,
        [[0, 0, 1, 0], [0.5, 0, 0.5, 0], [0, 1, 0, 0], [NAN] * 4],
        "float64",
    )
    assert (m.revisits.index.name, m.revisits.columns.name) == ("from", "to")


def test_overlap_rate() -> None:
    # Steps under focus: a = t0-t3, t6 (5); b = t4, t5, t9, t10 (4); c = t7, t8 (2); d never.
    expect(
        hand_matrices().overlap_rate,
        [[0, 0, 1 / 5, 0], [1 / 4, 0, 1 / 4, 0], [0, 2 / 2, 0, 0], [NAN] * 4],
        "float64",
    )


def test_transitions_and_probabilities() -> None:
    # Primaries a a b b a c c b b c b.
    m = hand_matrices()
    expect(m.transitions, [[1, 1, 1, 0], [1, 2, 1, 0], [0, 2, 1, 0], [0, 0, 0, 0]], "int64")
    expect(
        m.transition_probabilities,
        [[1 / 3, 1 / 3, 1 / 3, 0], [1 / 4, 2 / 4, 1 / 4, 0], [0, 2 / 3, 1 / 3, 0], [NAN] * 4],
        "float64",
    )


def test_cooccurrence_and_jaccard() -> None:
    # Labelled: a = t0 t1 t4 t5 (4); b = t2 t3 t7 t8 t10 (5); c = t5 t6 t9 (3); t5 is a and c.
    m = hand_matrices()
    expect(m.cooccurrence, [[4, 0, 1, 0], [0, 5, 0, 0], [1, 0, 3, 0], [0, 0, 0, 0]], "int64")
    expect(
        m.jaccard,
        [[1, 0, 1 / 6, 0], [0, 1, 0, 0], [1 / 6, 0, 1, 0], [0, 0, 0, NAN]],
        "float64",
    )


def test_backward_only_matrices() -> None:
    m = hand_matrices("backward")
    expect(m.revisits, [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]], "int64")
    expect(
        m.overlap_rate,
        [[0, 0, 0, 0], [1 / 4, 0, 0, 0], [0, 1, 0, 0], [NAN] * 4],
        "float64",
    )


def test_phases_without_steps_are_present_in_canonical_order() -> None:
    m = build_matrices([], analyse_sequence([], PHASES, SequenceOptions()), PHASES)
    for frame in (m.revisits, m.transitions, m.cooccurrence):
        assert frame.shape == (4, 4)
        assert int(frame.to_numpy().sum()) == 0
    assert m.transition_probabilities.isna().all().all()


@settings(max_examples=200, deadline=None)
@given(sequences(), st.integers(1, 6), st.sampled_from(["all", "backward"]))
def test_matrix_invariants(
    generated: tuple[list[Step], tuple[str, ...]], window: int, mode: str
) -> None:
    steps, phases = generated
    options = SequenceOptions(window=window, revisits="backward" if mode == "backward" else "all")
    sequence = analyse_sequence(steps, phases, options)
    m = build_matrices(steps, sequence, phases)
    revisits = m.revisits.to_numpy()
    assert np.diag(revisits).sum() == 0
    assert revisits.sum() == len(sequence.revisit_events)
    assert m.transitions.to_numpy().sum() == max(0, len(steps) - 1)
    cooccurrence = m.cooccurrence.to_numpy()
    assert (cooccurrence == cooccurrence.T).all()
    assert np.diag(cooccurrence).tolist() == [sum(p in s.labels for s in steps) for p in phases]
    for frame in (m.revisit_share, m.transition_probabilities):
        sums = frame.sum(axis=1, min_count=1).dropna()
        np.testing.assert_allclose(sums.to_numpy(), 1.0)
    focus_counts = pd.Series(sequence.focus, dtype=object).value_counts()
    event_commits = m.overlap_rate.mul(focus_counts.reindex(phases), axis=0).sum(axis=1)
    expected = [
        sum(len(e.commits) for e in sequence.revisit_events if e.source == p) for p in phases
    ]
    np.testing.assert_allclose(event_commits.to_numpy(), expected, atol=1e-9)
