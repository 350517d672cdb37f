"""Independence of R: do revisit targets depend on the phase in focus? (docs/method.md §5)

Quasi-independence (Agresti 2013, §10.4): the cells that cannot hold an event are structural
zeros — the diagonal, and under ``--revisits backward`` the upper triangle too (a backward
revisit goes to an earlier phase) — and the model fits row and column effects to the other
cells. R is sparse (most expected counts are below 5), so the chi-square approximation is not
used: the p-value is a parametric bootstrap of G² under the fitted model (Davison & Hinkley
1997, §4.2.3): tables of ``n`` events are drawn from the fitted cell probabilities, refitted,
and p = (1 + tables with G² at least the observed) / (1 + tables).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from miner.measures.statistics.common import (
    ALPHA,
    CONFIDENCE,
    RESAMPLES,
    BoolArray,
    FloatArray,
    IntArray,
    Statistic,
    monte_carlo_p,
    resampling,
    too_few,
    undefined,
)
from miner.sequence.kernels import use_compiled

MIN_EVENTS = 10  # below this, no test: a handful of events cannot show an association
_TOLERANCE = 1e-9
_MAX_ITERATIONS = 250  # tables whose MLE lies on the boundary converge slowly: see method.md
_BATCH = 1000  # bootstrap tables fitted together
_DRAWS = 256  # swap proposals drawn at once per chain


def independence(
    revisits: pd.DataFrame,
    *,
    backward_only: bool = False,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Statistic:
    """Quasi-independence test of R (focus x target); fields in ``docs/method.md``.

    ``g2``, ``df`` and ``p_value`` (parametric bootstrap, ``resamples`` tables, seeded);
    ``chi2`` (Pearson X² against the same fit) and ``cramers_v`` = sqrt(X² / (n (min(rows,
    columns) - 1))) with a percentile bootstrap interval ``cramers_v_ci`` (events resampled);
    ``cells``: every free cell with observed, expected, adjusted residual and its Holm-adjusted
    two-sided p; ``flagged``: cells with Holm-adjusted p < alpha, listed only when p_value < alpha.
    """
    counts = revisits.to_numpy(dtype=np.float64)
    n = int(counts.sum())
    rows = np.flatnonzero(counts.sum(axis=1) > 0)
    columns = np.flatnonzero(counts.sum(axis=0) > 0)
    if n < MIN_EVENTS:
        return too_few(n, "revisit events", MIN_EVENTS)
    if len(rows) < 2 or len(columns) < 2:
        return undefined(n, "needs revisit events from at least 2 focus phases to 2 targets")
    table = counts[np.ix_(rows, columns)]
    masked = structural_zeros(rows, columns, backward_only=backward_only)
    if degrees_of_freedom(masked) <= 0:
        return undefined(n, "no degrees of freedom left once the structural zeros are excluded")
    structural = masked.copy()
    masked |= ~fit_support(table, masked)
    df = degrees_of_freedom(masked)
    if df <= 0:
        return undefined(
            n, "too sparse: the events fit the model exactly, no degrees of freedom are left"
        )
    expected = quasi_independence(table, masked)
    g2 = float(g_squared(table, expected))
    null_g2 = _conditional_g2(table, expected, structural, resamples, seed)
    p_value = monte_carlo_p(int((null_g2 >= g2 - 1e-9).sum()), resamples)
    chi2 = float(pearson_x2(table, expected))
    shorter = min(len(rows), len(columns)) - 1
    v_low, v_high = _cramers_v_interval(
        table, masked, shorter, resamples, np.random.default_rng(seed)
    )
    names = [str(x) for x in revisits.index]
    targets = [str(x) for x in revisits.columns]
    cells = _cells(table, expected, masked, labels=(names, targets), kept=(rows, columns))
    return {
        "n": n,
        "model": "quasi-independence; structural zeros: "
        + ("diagonal and upper triangle (backward revisits)" if backward_only else "diagonal"),
        "rows": len(rows),
        "columns": len(columns),
        "g2": g2,
        "df": df,
        "p_value": p_value,
        **resampling(resamples, "exact conditional test of G² (margins fixed), Monte Carlo"),
        "chi2": chi2,
        "cramers_v": math.sqrt(chi2 / (n * shorter)),
        "cramers_v_ci": [v_low, v_high],
        "confidence": CONFIDENCE,
        "cells": cells,
        "flagged": [
            [c["from"], c["to"]]
            for c in cells
            if p_value < ALPHA and c["p_adjusted"] is not None and c["p_adjusted"] < ALPHA
        ],
        "flag_rule": "Holm-adjusted p < 0.05, and only when the overall test has p < 0.05",
        "low_expected": int((expected[~masked] < 5).sum()),
    }


def structural_zeros(rows: IntArray, columns: IntArray, *, backward_only: bool) -> BoolArray:
    """Cells that cannot hold a revisit event: target == focus, and under backward-only
    counting every target after the focus in canonical order. ``rows``/``columns``: the
    canonical indices of the phases kept."""
    source, target = rows[:, None], columns[None, :]
    masked: BoolArray = target >= source if backward_only else target == source
    return masked


def degrees_of_freedom(masked: BoolArray) -> int:
    """Free cells minus the rank of the row + column effects over them (Agresti 2013,
    §10.4.1): the usual (r - 1)(c - 1) - masked when the free cells are connected."""
    design = _design(masked)
    return int((~masked).sum()) - int(np.linalg.matrix_rank(design))


def fit_support(table: FloatArray, masked: BoolArray) -> BoolArray:
    """Cells the maximum-likelihood fit can make positive: those positive in some table with
    the observed margins and the structural zeros (Fienberg & Rinaldo 2012: the MLE exists
    on this support, and a sampling zero outside it is fitted as 0). Found with one linear
    program: maximise the number of cells x_ij >= s_ij / cells, 0 <= s_ij <= 1, over tables x
    with the observed margins; the average of the integral vertices shows each support cell
    can reach 1 / cells at once."""
    free = np.argwhere(~masked)
    k = len(free)
    n_rows, n_columns = table.shape
    margins = np.zeros((n_rows + n_columns, 2 * k))
    margins[free[:, 0], np.arange(k)] = 1.0
    margins[n_rows + free[:, 1], np.arange(k)] = 1.0
    reach = np.hstack([-np.eye(k), np.eye(k) / k])  # s_ij / k - x_ij <= 0
    result = optimize.linprog(
        c=np.concatenate([np.zeros(k), -np.ones(k)]),
        A_ub=reach,
        b_ub=np.zeros(k),
        A_eq=margins,
        b_eq=np.concatenate([table.sum(axis=1), table.sum(axis=0)]),
        bounds=[(0, None)] * k + [(0, 1)] * k,
        method="highs",
    )
    support = np.zeros(table.shape, dtype=np.bool_)
    chosen = free if result.x is None else free[result.x[k:] > 0.5]
    support[chosen[:, 0], chosen[:, 1]] = True
    return support


def _design(masked: BoolArray) -> FloatArray:
    cells = np.argwhere(~masked)
    n_rows, n_columns = masked.shape
    design = np.zeros((len(cells), n_rows + n_columns))
    design[np.arange(len(cells)), cells[:, 0]] = 1.0
    design[np.arange(len(cells)), n_rows + cells[:, 1]] = 1.0
    return design


def quasi_independence(table: FloatArray, masked: BoolArray) -> FloatArray:
    """Expected counts under quasi-independence by iterative proportional fitting over the
    free cells (``table`` may be a batch (..., rows, columns)). Where the maximum-likelihood
    fit does not exist (a sparse pattern of zeros), IPF converges to its limit, with some
    expected counts 0 where the observed ones are 0 too (the extended MLE)."""
    row_totals = table.sum(axis=-1)
    column_totals = table.sum(axis=-2)
    fitted = np.broadcast_to((~masked).astype(np.float64), table.shape).copy()
    scale = 1.0 + float(row_totals.max()) if row_totals.size else 1.0
    for iteration in range(_MAX_ITERATIONS):
        fitted *= _ratio(row_totals, fitted.sum(axis=-1))[..., :, None]
        fitted *= _ratio(column_totals, fitted.sum(axis=-2))[..., None, :]
        if iteration % 10 == 9:  # checking costs as much as a step
            error = float(np.abs(fitted.sum(axis=-1) - row_totals).max())
            if error < _TOLERANCE * scale:
                break
    return fitted


def _ratio(target: FloatArray, current: FloatArray) -> FloatArray:
    """target / current, 0 where current is 0 (an empty row or column stays empty)."""
    result: FloatArray = np.divide(target, current, out=np.zeros_like(current), where=current > 0)
    return result


def g_squared(table: FloatArray, expected: FloatArray) -> FloatArray:
    """2 Σ o log(o / e) over cells with o > 0 (batched over leading axes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(table > 0, table * np.log(table / expected), 0.0)
    result: FloatArray = 2.0 * terms.sum(axis=(-2, -1))
    return result


def pearson_x2(table: FloatArray, expected: FloatArray) -> FloatArray:
    """Σ (o - e)² / e over cells with e > 0 (batched over leading axes)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    result: FloatArray = terms.sum(axis=(-2, -1))
    return result


def _multinomial_tables(
    probabilities: FloatArray, n: int, count: int, rng: np.random.Generator
) -> FloatArray:
    flat = probabilities.ravel() / probabilities.sum()
    draws = rng.multinomial(n, flat, size=count).astype(np.float64)
    return draws.reshape(count, *probabilities.shape)


def _conditional_g2(
    table: FloatArray, expected: FloatArray, masked: BoolArray, resamples: int, seed: int
) -> FloatArray:
    """G² of ``resamples`` tables with the observed margins and structural zeros, drawn by
    Besag & Clifford's (1989) parallel method: a swap chain over the events' pairings of focus
    and target runs ``steps`` swaps back from the observed table to a hub, then ``resamples``
    independent chains run the same number of swaps forward from it. The chain is reversible
    with the conditional null (each table weighted by 1 / prod x_ij!) as its stationary law,
    so the observed table and the draws are exchangeable and the p-value is exact whatever
    the mixing. The margins are fixed, so every draw has the same fitted counts: no refit."""
    cells = np.argwhere(table > 0)
    repeats = table[cells[:, 0], cells[:, 1]].astype(np.int64)
    sources = np.repeat(cells[:, 0], repeats)
    targets = np.repeat(cells[:, 1], repeats)
    allowed = ~masked
    n = len(sources)
    steps = max(200, 2 * n * math.ceil(math.log(n + 1)))  # ~ mixing of random swaps
    rng = np.random.default_rng(seed)
    compiled = use_compiled(2 * steps)
    hub = _swap_chain(sources, targets[None, :], allowed, steps, rng, compiled=compiled)
    draws = _swap_chain(
        sources, np.repeat(hub, resamples, axis=0), allowed, steps, rng, compiled=compiled
    )
    n_columns = table.shape[1]
    flat = (np.arange(resamples)[:, None] * table.size + sources * n_columns + draws).ravel()
    tables = np.bincount(flat, minlength=resamples * table.size).astype(np.float64)
    return g_squared(tables.reshape(resamples, *table.shape), expected)


def _swap_chain(
    sources: IntArray,
    targets: IntArray,
    allowed: BoolArray,
    steps: int,
    rng: np.random.Generator,
    *,
    compiled: bool = False,
) -> IntArray:
    """``steps`` swap proposals on every row of ``targets`` (chains x events): two events
    exchange their targets when both new cells are allowed (a symmetric proposal, so the
    chain is reversible; uniform over pairings = the conditional null over tables). The
    proposals are drawn in blocks; each block's swaps run compiled (:mod:`miner.sequence.compiled`)
    when ``compiled``, else one numpy step at a time across the chains."""
    state = np.array(targets, dtype=np.int64)  # a copy: the caller's targets stay
    n = state.shape[1]
    for block in range(0, steps, _DRAWS):
        size = min(_DRAWS, steps - block)
        firsts = rng.integers(n, size=(size, state.shape[0]))
        seconds = rng.integers(n, size=(size, state.shape[0]))
        if compiled:
            from miner.sequence.compiled import swap_block

            swap_block(
                state,
                sources,
                np.ascontiguousarray(allowed),
                np.ascontiguousarray(firsts.T),
                np.ascontiguousarray(seconds.T),
            )
        else:
            _swap_block(state, sources, allowed, firsts, seconds)
    return state


def _swap_block(
    state: IntArray, sources: IntArray, allowed: BoolArray, firsts: IntArray, seconds: IntArray
) -> None:
    chains, n = state.shape
    flat = state.reshape(-1)
    offsets = np.arange(chains, dtype=np.int64) * n
    for first, second in zip(firsts, seconds, strict=True):
        at_first, at_second = offsets + first, offsets + second
        to_first, to_second = flat[at_second], flat[at_first]
        ok = allowed[sources[first], to_first] & allowed[sources[second], to_second]
        flat[at_first[ok]] = to_first[ok]
        flat[at_second[ok]] = to_second[ok]


def _cramers_v_interval(
    table: FloatArray, masked: BoolArray, shorter: int, resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile interval of V over tables of n events resampled from the observed ones."""
    n = int(table.sum())
    values = []
    for start in range(0, resamples, _BATCH):
        tables = _multinomial_tables(table, n, min(_BATCH, resamples - start), rng)
        values.append(np.sqrt(pearson_x2(tables, quasi_independence(tables, masked)) / n / shorter))
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(np.concatenate(values), [tail, 1 - tail])
    return float(low), float(high)


def adjusted_residuals(table: FloatArray, expected: FloatArray, masked: BoolArray) -> FloatArray:
    """(o - e) / sqrt(e (1 - h)) for every free cell (NaN on masked cells and where the
    leverage h is 1 or the expected count 0), h from the hat matrix of the Poisson
    log-linear model with row and column effects over the free cells (Agresti 2013, §2.4.5)."""
    cells = np.argwhere(~masked)
    design = _design(masked)
    weights = expected[~masked]
    information = design.T @ (design * weights[:, None])
    leverage = weights * np.einsum("ij,jk,ik->i", design, np.linalg.pinv(information), design)
    spread = weights * (1.0 - leverage)
    defined = spread > 1e-9
    values = np.full(len(cells), np.nan)
    values[defined] = (table[~masked] - weights)[defined] / np.sqrt(spread[defined])
    residuals = np.full(table.shape, np.nan)
    residuals[cells[:, 0], cells[:, 1]] = values
    return residuals


def holm(p_values: FloatArray) -> FloatArray:
    """Holm's step-down adjustment (Holm 1979): controls the family-wise error rate."""
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p_values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _cells(
    table: FloatArray,
    expected: FloatArray,
    masked: BoolArray,
    *,
    labels: tuple[list[str], list[str]],
    kept: tuple[IntArray, IntArray],
) -> list[Statistic]:
    (names, targets), (rows, columns) = labels, kept
    residuals = adjusted_residuals(table, expected, masked)
    free = np.argwhere(~masked)
    values = residuals[free[:, 0], free[:, 1]]
    defined = ~np.isnan(values)
    adjusted = np.full(len(values), np.nan)
    adjusted[defined] = holm(2 * stats.norm.sf(np.abs(values[defined])))
    return [
        {
            "from": names[rows[i]],
            "to": targets[columns[j]],
            "observed": int(table[i, j]),
            "expected": float(expected[i, j]),
            "residual": None if math.isnan(r) else float(r),
            "p_adjusted": None if math.isnan(p) else float(p),
        }
        for (i, j), r, p in zip(free, values, adjusted, strict=True)
    ]
