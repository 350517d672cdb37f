"""Stage 5b: phase distribution, and the statistics of docs/method.md §5
(:mod:`miner.measures.statistics`).

The methods, their references and every field are defined in ``docs/method.md``. This module
keeps the phase table and the one entry point, ``compute_statistics``; the tests live in the
``miner.measures.statistics`` subpackage, re-exported here for callers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from miner.measures.matrices import Matrices
from miner.measures.statistics.common import RESAMPLES, Statistic
from miner.measures.statistics.independence import (
    adjusted_residuals,
    independence,
    quasi_independence,
)
from miner.measures.statistics.linearity import linearity
from miner.measures.statistics.persistence import persistence
from miner.measures.statistics.rate import revisit_rate
from miner.measures.statistics.structure import structure
from miner.measures.statistics.trend import trend
from miner.sequence.revisits import SequenceAnalysis, Step

__all__ = [
    "PHASE_COLUMNS",
    "RESAMPLES",
    "Statistic",
    "adjusted_residuals",
    "compute_statistics",
    "independence",
    "linearity",
    "persistence",
    "phase_statistics",
    "quasi_independence",
    "revisit_rate",
    "structure",
    "trend",
]

PHASE_COLUMNS = [
    "phase",
    "commits",
    "labelled",
    "share",
    "share_of_total",
    "churn",
    "first_seen",
    "last_seen",
    "active_days",
]


def phase_statistics(
    steps: Sequence[Step], phases: Sequence[str], *, commits_total: int
) -> pd.DataFrame:
    """One row per phase, in canonical order. Columns:

    ``phase``; ``commits`` (steps with this primary phase); ``labelled`` (steps with this label);
    ``share`` (commits / classified steps; NaN without classified steps); ``share_of_total``
    (commits / ``commits_total``, the analysed commits including unclassified ones; NaN when 0);
    ``churn`` (added + deleted lines of its commits, None unless every step has churn);
    ``first_seen``/``last_seen`` (ISO author dates of its earliest/latest commit, None if
    never primary); ``active_days`` (distinct author dates, in each commit's own offset).
    """
    with_churn = bool(steps) and all(s.churn is not None for s in steps)
    rows = []
    for phase in phases:
        mine = [s for s in steps if s.primary == phase]
        rows.append(
            {
                "phase": phase,
                "commits": len(mine),
                "labelled": sum(phase in s.labels for s in steps),
                "share": len(mine) / len(steps) if steps else math.nan,
                "share_of_total": len(mine) / commits_total if commits_total else math.nan,
                "churn": sum(s.churn or 0 for s in mine) if with_churn else None,
                "first_seen": min(s.when for s in mine).isoformat() if mine else None,
                "last_seen": max(s.when for s in mine).isoformat() if mine else None,
                "active_days": len({s.when.date() for s in mine}),
            }
        )
    frame = pd.DataFrame(rows, columns=PHASE_COLUMNS)
    for column in ("churn", "first_seen", "last_seen"):  # keep None (not NaN) for the JSON
        frame[column] = pd.Series([row[column] for row in rows], dtype=object)
    return frame


def compute_statistics(
    steps: Sequence[Step],
    sequence: SequenceAnalysis,
    matrices: Matrices,
    phases: Sequence[str],
    *,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> dict[str, Statistic]:
    """The statistics of docs/method.md §5, keyed ``independence``, ``linearity``, ``revisit_rate``,
    ``structure``, ``trend``, ``persistence`` (fields: ``docs/method.md``). ``resamples``
    Monte-Carlo draws per test (default 999: p >= 0.001), all seeded by ``seed``."""
    backward_only = sequence.options.revisits == "backward"
    # The two Monte-Carlo tests take most of the time; each has its own seeded generator and
    # their loops release the GIL (numpy, numba nogil), so they run beside the others.
    with ThreadPoolExecutor(max_workers=2) as pool:
        structure_test = pool.submit(
            structure, steps, sequence, phases, resamples=resamples, seed=seed
        )
        independence_test = pool.submit(
            independence,
            matrices.revisits,
            backward_only=backward_only,
            resamples=resamples,
            seed=seed,
        )
        rest = {
            "linearity": linearity(steps, phases, resamples=resamples, seed=seed),
            "revisit_rate": revisit_rate(sequence, len(steps)),
            "trend": trend(steps, sequence),
            "persistence": persistence(steps, phases),
        }
        return {
            "independence": independence_test.result(),
            "linearity": rest["linearity"],
            "revisit_rate": rest["revisit_rate"],
            "structure": structure_test.result(),
            "trend": rest["trend"],
            "persistence": rest["persistence"],
        }
