"""Pooled matrices over the repositories of a fleet, with their per-repository spread.

Read from each repository's schema-1 document (the plain result a worker returns):

- ``revisits`` R and ``transitions`` T are summed;
- ``overlap_rate`` O is commit-weighted: sum of revisit-event commits f -> p over the sum of
  commits made under focus f, i.e. each repository's O row weighted by its commits under f;
- the spread of each cell across repositories (median and interquartile range, repositories
  where the cell is undefined left out) is taken over a *rate*: R[f, p] per commit under focus
  f, the transition probability T[a, b] / T[a, .], and O[f, p] itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
Document = Mapping[str, Any]
MATRICES = ("revisits", "transitions", "overlap_rate")


@dataclass(frozen=True)
class Spread:
    """Per cell, over the repositories where the cell's rate is defined."""

    median: pd.DataFrame
    iqr: pd.DataFrame  # 75th minus 25th percentile
    repositories: pd.DataFrame  # how many repositories define the cell


@dataclass(frozen=True)
class Pooled:
    """Pooled R (int), T (int) and O (float, NaN for a focus no repository had), and the
    spread of each cell's per-repository rate, keyed like the matrices."""

    revisits: pd.DataFrame
    transitions: pd.DataFrame
    overlap_rate: pd.DataFrame
    spread: Mapping[str, Spread]


def matrix_frame(data: Mapping[str, Any], rows: str, columns: str) -> pd.DataFrame:
    """A schema-1 matrix object back as a DataFrame (null -> NaN)."""
    values = np.array(
        [[np.nan if v is None else v for v in row] for row in data["data"]], dtype=np.float64
    )
    return pd.DataFrame(
        values.reshape(len(data["index"]), len(data["columns"])),
        index=pd.Index(data["index"], name=rows),
        columns=pd.Index(data["columns"], name=columns),
    )


def under_focus(document: Document, phases: Sequence[str]) -> FloatArray:
    """Commits made under each focus phase (the focus episodes' commits, summed by phase)."""
    order = {phase: index for index, phase in enumerate(phases)}
    counts = np.zeros(len(phases), dtype=np.float64)
    for episode in document["focus_episodes"]:
        counts[order[episode["phase"]]] += episode["commits"]
    return counts


def pool(documents: Sequence[Document], phases: Sequence[str]) -> Pooled:
    """Pooled matrices and spreads of ``documents`` (at least one, all with ``phases``)."""
    shape = (len(phases), len(phases))
    revisits, transitions = np.zeros(shape), np.zeros(shape)
    event_commits, focus_commits = np.zeros(shape), np.zeros(len(phases))
    rates: dict[str, list[FloatArray]] = {name: [] for name in MATRICES}
    for document in documents:
        matrices = document["matrices"]
        r = matrix_frame(matrices["revisits"], "from", "to").to_numpy()
        t = matrix_frame(matrices["transitions"], "from", "to").to_numpy()
        o = matrix_frame(matrices["overlap_rate"], "focus", "to").to_numpy()
        focus = under_focus(document, phases)
        revisits += r
        transitions += t
        event_commits += np.nan_to_num(o) * focus[:, None]
        focus_commits += focus
        rates["revisits"].append(_per_row(r, focus))
        rates["transitions"].append(_per_row(t, t.sum(axis=1)))
        rates["overlap_rate"].append(o)
    frame = _framer(phases)
    return Pooled(
        revisits=frame(revisits.astype(np.int64), "from", "to"),
        transitions=frame(transitions.astype(np.int64), "from", "to"),
        overlap_rate=frame(_per_row(event_commits, focus_commits), "focus", "to"),
        spread={
            name: _spread(values, frame, ("focus" if name != "transitions" else "from"))
            for name, values in rates.items()
        },
    )


def _per_row(counts: FloatArray, totals: FloatArray) -> FloatArray:
    """counts / totals row by row; NaN rows where the total is zero."""
    safe = np.where(totals > 0, totals, 1.0)
    ratio: FloatArray = np.where(totals[:, None] > 0, counts / safe[:, None], np.nan)
    return ratio


def _framer(phases: Sequence[str]) -> Any:
    def frame(values: npt.NDArray[Any], rows: str, columns: str) -> pd.DataFrame:
        return pd.DataFrame(
            values,
            index=pd.Index(list(phases), name=rows),
            columns=pd.Index(list(phases), name=columns),
        )

    return frame


def _spread(values: list[FloatArray], frame: Any, rows: str) -> Spread:
    stack = np.stack(values)
    defined = (~np.isnan(stack)).sum(axis=0)
    median, q1, q3 = (_nanquantile(stack, q) for q in (0.5, 0.25, 0.75))
    return Spread(
        median=frame(median, rows, "to"),
        iqr=frame(q3 - q1, rows, "to"),
        repositories=frame(defined.astype(np.int64), rows, "to"),
    )


def _nanquantile(stack: FloatArray, q: float) -> FloatArray:
    """The q-quantile over repositories (axis 0), NaN where no repository defines the cell
    (without numpy's all-NaN warning)."""
    defined = ~np.isnan(stack).all(axis=0)
    result = np.full(stack.shape[1:], np.nan)
    if defined.any():
        result[defined] = np.nanquantile(stack[:, defined], q, axis=0)
    return result
