"""Stage 5b: phase distribution and the statistics of SPEC §5 (scipy).

Every statistic is a JSON-ready dict (plain ``int``/``float``/``str``/``list``/``dict``/None,
never a numpy type, never NaN) with its sample size ``n`` and either its values or
``"undefined": "<why>"``. Everything is deterministic: resampling uses the given seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from miner.matrices import Matrices
from miner.revisits import (
    SequenceAnalysis,
    Step,
    count_kind_sequences,
    count_shuffled,
    primary_indices,
    quantize_shares,
    step_kinds,
)

Statistic = dict[str, Any]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

PERMUTATIONS = 1000  # Monte Carlo orderings; exact enumeration when there are at most this many
BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_BATCH = 250  # resamples per batch: bounds the index arrays scipy draws
CONFIDENCE = 0.95
RESIDUAL_FLAG = 1.96
_IPF_TOLERANCE = 1e-10
_IPF_MAX_ITERATIONS = 10_000

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
) -> dict[str, Statistic]:
    """The statistics of SPEC §5, keyed ``independence``, ``linearity``, ``revisit_rate``,
    ``structure``, ``trend``, ``markov``; see each function for its fields."""
    return {
        "independence": independence(matrices.revisits),
        "linearity": linearity(steps, phases),
        "revisit_rate": revisit_rate(steps, sequence, seed=seed),
        "structure": structure(steps, sequence, phases, seed=seed),
        "trend": trend(steps, sequence),
        "markov": markov(matrices.transitions),
    }


def _undefined(n: int, why: str, **values: Any) -> Statistic:
    return {"n": n, **values, "undefined": why}


# --- independence of R -------------------------------------------------------------------------


def independence(revisits: pd.DataFrame) -> Statistic:
    """Chi-square test of quasi-independence of R (focus x target).

    R is restricted to the rows and columns with events. Its diagonal cells (f -> f) are
    structural zeros, so the expected counts come from the quasi-independence model (row and
    column effects fitted by iterative proportional fitting over the off-diagonal cells only)
    and ``df = (rows - 1)(columns - 1) - masked cells``. Reported: Pearson ``chi2``, ``df``,
    ``p_value``, ``cramers_v`` (sqrt(chi2 / (n (min(rows, columns) - 1)))), every off-diagonal
    cell with observed, expected and adjusted standardised residual (o - e) / sqrt(e (1 - h)),
    h the leverage of the cell in the Poisson log-linear model; ``flagged`` lists the cells with
    |residual| >= 1.96; ``low_expected`` counts cells with expected < 5 (the chi-square
    approximation is rough when many are).
    """
    counts = revisits.to_numpy(dtype=np.float64)
    n = int(counts.sum())
    rows = np.flatnonzero(counts.sum(axis=1) > 0)
    columns = np.flatnonzero(counts.sum(axis=0) > 0)
    if len(rows) < 2 or len(columns) < 2:
        return _undefined(n, "needs revisit events from at least 2 focus phases to 2 targets")
    table = counts[np.ix_(rows, columns)]
    masked = rows[:, None] == columns[None, :]
    df = (len(rows) - 1) * (len(columns) - 1) - int(masked.sum())
    if df <= 0:
        return _undefined(n, "no degrees of freedom left once the diagonal is excluded")
    expected = quasi_independence(table, masked)
    if expected is None:
        return _undefined(n, "the quasi-independence model has no fit (too sparse a table)")
    free = ~masked
    chi2 = float((((table - expected) ** 2)[free] / expected[free]).sum())
    residuals = adjusted_residuals(table, expected, masked)
    names = [str(x) for x in revisits.index]
    targets = [str(x) for x in revisits.columns]
    cells = [
        {
            "from": names[rows[i]],
            "to": targets[columns[j]],
            "observed": int(table[i, j]),
            "expected": float(expected[i, j]),
            "residual": None if math.isnan(residuals[i, j]) else float(residuals[i, j]),
        }
        for i, j in zip(*np.nonzero(free), strict=True)
    ]
    return {
        "n": n,
        "model": "quasi-independence (diagonal excluded as structural zeros)",
        "rows": len(rows),
        "columns": len(columns),
        "chi2": chi2,
        "df": df,
        "p_value": float(stats.chi2.sf(chi2, df)),
        "cramers_v": math.sqrt(chi2 / (n * (min(len(rows), len(columns)) - 1))),
        "cells": cells,
        "flagged": [
            [c["from"], c["to"]]
            for c in cells
            if c["residual"] is not None and abs(c["residual"]) >= RESIDUAL_FLAG
        ],
        "low_expected": int((expected[free] < 5).sum()),
    }


def quasi_independence(table: FloatArray, masked: BoolArray) -> FloatArray | None:
    """Expected counts under quasi-independence (masked cells fixed at 0) by iterative
    proportional fitting; None when it does not converge to positive expected counts."""
    row_totals = table.sum(axis=1)
    column_totals = table.sum(axis=0)
    fitted = (~masked).astype(np.float64)
    for _ in range(_IPF_MAX_ITERATIONS):
        fitted *= (row_totals / fitted.sum(axis=1))[:, None]
        fitted *= column_totals / fitted.sum(axis=0)
        if np.abs(fitted.sum(axis=1) - row_totals).max() < _IPF_TOLERANCE:
            break
    else:
        return None
    if (fitted[~masked] <= _IPF_TOLERANCE).any():
        return None
    return fitted


def adjusted_residuals(table: FloatArray, expected: FloatArray, masked: BoolArray) -> FloatArray:
    """(o - e) / sqrt(e (1 - h)) for every unmasked cell (NaN on masked cells and on cells
    with leverage 1), h from the hat matrix of the Poisson log-linear model with row and
    column effects fitted over the unmasked cells."""
    cells = np.argwhere(~masked)
    n_rows, n_columns = table.shape
    design = np.zeros((len(cells), 1 + (n_rows - 1) + (n_columns - 1)))
    design[:, 0] = 1.0
    for k, (i, j) in enumerate(cells):
        if i > 0:
            design[k, i] = 1.0
        if j > 0:
            design[k, n_rows - 1 + j] = 1.0
    weights = expected[~masked]
    information = design.T @ (design * weights[:, None])
    leverage = weights * np.einsum("ij,jk,ik->i", design, np.linalg.pinv(information), design)
    residuals = np.full(table.shape, np.nan)
    spread = weights * (1.0 - leverage)
    defined = spread > _IPF_TOLERANCE
    observed = table[~masked]
    values = np.full(len(cells), np.nan)
    values[defined] = (observed - weights)[defined] / np.sqrt(spread[defined])
    residuals[cells[:, 0], cells[:, 1]] = values
    return residuals


# --- linearity ---------------------------------------------------------------------------------


def linearity(steps: Sequence[Step], phases: Sequence[str]) -> Statistic:
    """Kendall's tau-b between step position and canonical index of the primary phase
    (+1: strictly waterfall; about 0: iterative), with its two-sided p-value."""
    n = len(steps)
    order = primary_indices(steps, phases)
    if n < 2 or len(set(order.tolist())) < 2:
        return _undefined(n, "needs at least 2 commits with different primary phases")
    result = stats.kendalltau(np.arange(n), order)
    return _finite({"n": n, "tau": float(result.statistic), "p_value": float(result.pvalue)})


def _finite(result: Statistic) -> Statistic:
    """Guard against NaN from scipy (e.g. numerically degenerate input)."""
    if any(isinstance(v, float) and not math.isfinite(v) for v in result.values()):
        return _undefined(int(result["n"]), "scipy could not compute it for this data")
    return result


# --- revisit rate ------------------------------------------------------------------------------


def revisit_rate(steps: Sequence[Step], sequence: SequenceAnalysis, *, seed: int) -> Statistic:
    """Revisit events / classified commits, with a 95% percentile bootstrap interval that
    resamples focus episodes (each: events starting in it, commits in it; statistic = sum of
    events / sum of commits), ``BOOTSTRAP_RESAMPLES`` resamples, fixed seed."""
    n = len(steps)
    if n == 0:
        return _undefined(0, "no classified commits")
    rate = len(sequence.revisit_events) / n
    events, commits = _per_episode(sequence)
    base = {"events": len(sequence.revisit_events), "episodes": len(commits), "rate": rate}
    if len(commits) < 2:
        return _undefined(n, "needs at least 2 focus episodes to resample", **base)
    if np.all(events * commits[0] == events[0] * commits):
        return _undefined(
            n, "every focus episode has the same revisit rate: nothing to resample", **base
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", stats.DegenerateDataWarning)
        try:
            result = stats.bootstrap(
                (events, commits),
                _ratio_of_sums,
                paired=True,
                vectorized=True,
                n_resamples=BOOTSTRAP_RESAMPLES,
                confidence_level=CONFIDENCE,
                method="percentile",
                batch=_BOOTSTRAP_BATCH,
                rng=np.random.default_rng(seed),
            )
        except stats.DegenerateDataWarning:
            return _undefined(n, "the bootstrap distribution is degenerate", **base)
    interval = result.confidence_interval
    return _finite(
        {
            "n": n,
            **base,
            "ci_low": float(interval.low),
            "ci_high": float(interval.high),
            "confidence": CONFIDENCE,
            "resamples": BOOTSTRAP_RESAMPLES,
            "method": "percentile bootstrap over focus episodes",
        }
    )


def _per_episode(sequence: SequenceAnalysis) -> tuple[FloatArray, FloatArray]:
    starts = np.array([e.first_index for e in sequence.episodes], dtype=np.int64)
    commits = np.array([e.commits for e in sequence.episodes], dtype=np.float64)
    events = np.zeros(len(starts), dtype=np.float64)
    if len(starts):
        begun = np.array([e.first_index for e in sequence.revisit_events], dtype=np.int64)
        episode = np.searchsorted(starts, begun, side="right") - 1
        np.add.at(events, episode, 1.0)
    return events, commits


def _ratio_of_sums(events: FloatArray, commits: FloatArray, axis: int = -1) -> FloatArray:
    ratio: FloatArray = events.sum(axis=axis) / commits.sum(axis=axis)
    return ratio


# --- structure (permutation test) --------------------------------------------------------------


def structure(
    steps: Sequence[Step], sequence: SequenceAnalysis, phases: Sequence[str], *, seed: int
) -> Statistic:
    """Permutation test: are there fewer revisit events than in a shuffled commit order?

    The observed count is compared with the counts of the same commits in shuffled orders
    (same window and revisit mode). All distinct orderings are enumerated when there are at
    most ``PERMUTATIONS`` (exact p = share of orderings with at most the observed count);
    otherwise ``PERMUTATIONS`` random shuffles with a fixed seed (p = (1 + at most observed) /
    (1 + shuffles)). One-sided: a small p means work was more structured than chance.
    """
    n = len(steps)
    window = sequence.options.window
    if isinstance(window, timedelta):
        return _undefined(n, "needs a commit-count window (--window N), not a time span")
    if n < 2:
        return _undefined(n, "needs at least 2 classified commits")
    kinds = step_kinds(primary_indices(steps, phases), quantize_shares(steps, phases))
    orderings = _distinct_orderings(np.bincount(kinds.of).tolist())
    if orderings == 1:
        return _undefined(n, "all commits have the same phases: there is only one ordering")
    observed = len(sequence.revisit_events)
    backward_only = sequence.options.revisits == "backward"
    if orderings is not None:
        sequences = np.array(list(_multiset_permutations(sorted(kinds.of.tolist()))))
        counts = count_kind_sequences(kinds, sequences, window, backward_only=backward_only)
        method, p_value = "exact", float(np.mean(counts <= observed))
    else:
        counts = count_shuffled(
            kinds, window, shuffles=PERMUTATIONS, seed=seed, backward_only=backward_only
        )
        method = "monte_carlo"
        p_value = (1 + int((counts <= observed).sum())) / (1 + len(counts))
    return {
        "n": n,
        "observed": observed,
        "mean_permuted": float(counts.mean()),
        "permutations": len(counts),
        "method": method,
        "alternative": "less: fewer revisit events than in shuffled order (structured work)",
        "p_value": p_value,
    }


def _distinct_orderings(multiplicities: list[int]) -> int | None:
    """Number of distinct orderings of a multiset, or None when above ``PERMUTATIONS``."""
    n = sum(multiplicities)
    log_count = math.lgamma(n + 1) - sum(math.lgamma(m + 1) for m in multiplicities)
    if log_count > math.log(PERMUTATIONS) + 1e-6:
        return None
    count = math.factorial(n)
    for m in multiplicities:
        count //= math.factorial(m)
    return count if count <= PERMUTATIONS else None


def _multiset_permutations(items: list[int]) -> Iterator[list[int]]:
    """Distinct orderings of sorted ``items`` in lexicographic order (next-permutation)."""
    current = list(items)
    while True:
        yield list(current)
        i = len(current) - 2
        while i >= 0 and current[i] >= current[i + 1]:
            i -= 1
        if i < 0:
            return
        j = len(current) - 1
        while current[j] <= current[i]:
            j -= 1
        current[i], current[j] = current[j], current[i]
        current[i + 1 :] = reversed(current[i + 1 :])


# --- trend -------------------------------------------------------------------------------------


def trend(steps: Sequence[Step], sequence: SequenceAnalysis) -> Statistic:
    """Revisit events per calendar month (every month from the first to the last commit, zeros
    included; an event counts in the month of its start, in its own offset) and a Mann-Kendall
    style trend: Kendall's tau of the counts against the month index, two-sided p-value."""
    if not steps:
        return _undefined(0, "no classified commits")
    months = [_month(s.when.year, s.when.month) for s in steps]
    first, last = min(months), max(months)
    span = last - first + 1
    counts = [0] * span
    for event in sequence.revisit_events:
        counts[_month(event.start.year, event.start.month) - first] += 1
    labels = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
    base = {"months": labels, "events_per_month": counts}
    if span < 3:
        return _undefined(span, "needs at least 3 calendar months of history", **base)
    if len(set(counts)) < 2:
        return _undefined(span, "the number of revisit events is the same every month", **base)
    result = stats.kendalltau(np.arange(span), np.array(counts))
    return _finite(
        {"n": span, **base, "tau": float(result.statistic), "p_value": float(result.pvalue)}
    )


def _month(year: int, month: int) -> int:
    return year * 12 + month - 1


# --- Markov view -------------------------------------------------------------------------------


def markov(transitions: pd.DataFrame) -> Statistic:
    """Stationary distribution of the transition chain over the phases that occur, and the
    mean return time 1 / pi per phase. Defined only when that chain is irreducible (then the
    stationary distribution is unique)."""
    counts = transitions.to_numpy(dtype=np.float64)
    n = int(counts.sum())
    if n == 0:
        return _undefined(0, "needs at least one transition (2 classified commits)")
    names = [str(x) for x in transitions.index]
    states = np.flatnonzero((counts.sum(axis=1) + counts.sum(axis=0)) > 0)
    sub = counts[np.ix_(states, states)]
    dead_ends = [names[s] for s, total in zip(states, sub.sum(axis=1), strict=True) if total == 0]
    if dead_ends:
        return _undefined(n, f"not irreducible: no transition leaves {', '.join(dead_ends)}")
    components, _ = connected_components(csr_matrix(sub > 0), directed=True, connection="strong")
    if components > 1:
        return _undefined(n, "not irreducible: some phases are never reached again from others")
    pi = _stationary(sub / sub.sum(axis=1, keepdims=True))
    stationary = {names[s]: float(p) for s, p in zip(states, pi, strict=True)}
    return _finite_mapping(
        n,
        {
            "n": n,
            "stationary": stationary,
            "mean_return_time": {phase: 1.0 / p for phase, p in stationary.items()},
        },
    )


def _stationary(probabilities: FloatArray) -> FloatArray:
    """pi P = pi, sum(pi) = 1 (unique for an irreducible chain)."""
    size = len(probabilities)
    system = probabilities.T - np.eye(size)
    system[-1, :] = 1.0
    target = np.zeros(size)
    target[-1] = 1.0
    pi: FloatArray = np.linalg.solve(system, target).astype(np.float64)
    return pi


def _finite_mapping(n: int, result: Statistic) -> Statistic:
    for value in result.values():
        if isinstance(value, Mapping) and not all(
            math.isfinite(v) and v > 0 for v in value.values()
        ):
            return _undefined(n, "the stationary distribution could not be computed reliably")
    return result
