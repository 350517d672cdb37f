"""Stage 5a: phase x phase matrices over the analysed sequence (SPEC §4).

Every matrix is a DataFrame with rows and columns in canonical phase order, every phase present;
counts are int64, rates float64 with NaN where the denominator is zero (renderers show it as
"undefined", never as 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from miner.sequence.revisits import SequenceAnalysis, Step

Array = npt.NDArray[np.float64] | npt.NDArray[np.int64]
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Matrices:
    """The matrices of SPEC §4 (index = row phase, columns = column phase).

    - ``revisits`` R[f, p]: revisit events from focus f to p (int; diagonal 0).
    - ``revisit_share`` R%: R row-normalised; NaN rows for foci without events.
    - ``overlap_rate`` O[f, p]: commits of revisit events f -> p / steps whose focus is f; NaN
      rows for phases that were never the focus.
    - ``transitions`` T[a, b]: consecutive steps with primary a then b (int; diagonal = staying).
    - ``transition_probabilities`` P: T row-normalised; NaN rows without outgoing transitions.
    - ``cooccurrence`` C[a, b]: steps labelled with both a and b (int; symmetric; the diagonal is
      the number of steps labelled a).
    - ``jaccard`` J[a, b] = C[a, b] / (C[a, a] + C[b, b] - C[a, b]); NaN where neither phase
      labels any step.
    """

    revisits: pd.DataFrame
    revisit_share: pd.DataFrame
    overlap_rate: pd.DataFrame
    transitions: pd.DataFrame
    transition_probabilities: pd.DataFrame
    cooccurrence: pd.DataFrame
    jaccard: pd.DataFrame


def build_matrices(
    steps: Sequence[Step], sequence: SequenceAnalysis, phases: Sequence[str]
) -> Matrices:
    """All matrices of SPEC §4 for ``steps`` and their sequence analysis."""
    order = {phase: index for index, phase in enumerate(phases)}
    revisits = _revisit_counts(sequence, order)
    cooccurrence = _cooccurrence(steps, order)
    transitions = _transitions(steps, order)
    return Matrices(
        revisits=_frame(revisits, phases, "from", "to"),
        revisit_share=_frame(_row_normalised(revisits), phases, "from", "to"),
        overlap_rate=_frame(_overlap_rate(sequence, order), phases, "focus", "to"),
        transitions=_frame(transitions, phases, "from", "to"),
        transition_probabilities=_frame(_row_normalised(transitions), phases, "from", "to"),
        cooccurrence=_frame(cooccurrence, phases, "phase", "with"),
        jaccard=_frame(_jaccard(cooccurrence), phases, "phase", "with"),
    )


def _frame(values: Array, phases: Sequence[str], rows: str, columns: str) -> pd.DataFrame:
    return pd.DataFrame(
        values,
        index=pd.Index(list(phases), name=rows),
        columns=pd.Index(list(phases), name=columns),
    )


def _square(order: dict[str, int]) -> Counts:
    return np.zeros((len(order), len(order)), dtype=np.int64)


def _revisit_counts(sequence: SequenceAnalysis, order: dict[str, int]) -> Counts:
    counts = _square(order)
    for event in sequence.revisit_events:
        counts[order[event.source], order[event.target]] += 1
    return counts


def _overlap_rate(sequence: SequenceAnalysis, order: dict[str, int]) -> npt.NDArray[np.float64]:
    commits = _square(order)
    for event in sequence.revisit_events:
        commits[order[event.source], order[event.target]] += len(event.commits)
    under_focus = np.zeros(len(order), dtype=np.int64)
    for phase in sequence.focus:
        under_focus[order[phase]] += 1
    return _divide_rows(commits, under_focus)


def _transitions(steps: Sequence[Step], order: dict[str, int]) -> Counts:
    counts = _square(order)
    primary = np.array([order[step.primary] for step in steps], dtype=np.int64)
    np.add.at(counts, (primary[:-1], primary[1:]), 1)
    return counts


def _cooccurrence(steps: Sequence[Step], order: dict[str, int]) -> Counts:
    """C = L^T L, for L the (steps, phases) 0/1 matrix of labels."""
    labelled = np.zeros((len(steps), len(order)), dtype=np.int64)
    for row, step in enumerate(steps):
        labelled[row, [order[label] for label in step.labels]] = 1
    counts: Counts = labelled.T @ labelled
    return counts


def _jaccard(cooccurrence: Counts) -> npt.NDArray[np.float64]:
    labelled = np.diag(cooccurrence)
    union = labelled[:, None] + labelled[None, :] - cooccurrence
    ratio: npt.NDArray[np.float64] = np.where(
        union > 0, cooccurrence / np.where(union > 0, union, 1), np.nan
    )
    return ratio


def _row_normalised(counts: Counts) -> npt.NDArray[np.float64]:
    return _divide_rows(counts, counts.sum(axis=1))


def _divide_rows(counts: Counts, totals: Counts) -> npt.NDArray[np.float64]:
    """counts / totals row by row; NaN rows where the total is zero."""
    safe = np.where(totals > 0, totals, 1)
    ratio: npt.NDArray[np.float64] = np.where(totals[:, None] > 0, counts / safe[:, None], np.nan)
    return ratio
