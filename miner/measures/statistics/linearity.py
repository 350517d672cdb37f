"""Linearity: did work move forward through the canonical phase order? (docs/method.md §5)

Effect size: Goodman and Kruskal's gamma between commit position and the primary phase's
canonical index, gamma = (C - D) / (C + D) over the pairs of commits with different phases.
Positions never tie, so gamma equals Somers' d of position given phase and Kendall's tau-b
divided by the largest tau-b the phase ties allow: a perfect waterfall (phases never decrease)
scores +1 whatever the ties, a reverse one -1 (Agresti 2010, §7.1).

Commits depend on their neighbours (work stays in a phase), so pairs are not independent and
Kendall's asymptotic p-value overclaims. The p-value permutes blocks of consecutive commits
(Künsch 1989; Politis & Romano 1994): the order inside each block, and so the short-range
persistence, is kept; only the order of the blocks, which carries a trend, is randomised. The
interval is a delete-one-block jackknife (Künsch 1989) with a t quantile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from miner.measures.statistics.common import (
    CONFIDENCE,
    RESAMPLES,
    FloatArray,
    IntArray,
    Statistic,
    finite,
    monte_carlo_p,
    resampling,
    too_few,
    undefined,
)
from miner.sequence.revisits import Step, primary_indices

MIN_BLOCKS = 6  # fewer blocks give too coarse a permutation distribution (720 orders)
RUN_MULTIPLE = 8  # a block spans this many mean runs of one phase (calibrated: method.md)
_PERMUTATION_BATCH = 100


def linearity(
    steps: Sequence[Step], phases: Sequence[str], *, resamples: int = RESAMPLES, seed: int = 0
) -> Statistic:
    """``gamma`` with its jackknife interval ``gamma_ci``, and a two-sided block-permutation
    ``p_value`` (blocks of ``block_length`` commits); ``n`` = classified commits."""
    n = len(steps)
    order = primary_indices(steps, phases)
    if n < 2 or len(set(order.tolist())) < 2:
        return undefined(n, "needs at least 2 commits with different primary phases")
    length = block_length(order)
    if n < MIN_BLOCKS * length:
        return too_few(
            n, f"classified commits ({MIN_BLOCKS} blocks of {length})", MIN_BLOCKS * length
        )
    counts, within = _blocks(order, length, len(phases))
    between = _between(counts)
    concordance = float(within.sum() + np.triu(between, 1).sum())
    pairs = _untied_pairs(counts.sum(axis=0))
    null = _permuted(within.sum(), counts, resamples, np.random.default_rng(seed))
    extreme = int((np.abs(null) >= abs(concordance) - 1e-9).sum())
    low, high = _jackknife_interval(counts, within, between, concordance)
    return finite(
        {
            "n": n,
            "gamma": concordance / pairs,
            "gamma_ci": [low, high],
            "confidence": CONFIDENCE,
            "p_value": monte_carlo_p(extreme, resamples),
            **resampling(resamples, "block permutation, two-sided"),
            "block_length": length,
            "blocks": len(counts),
        }
    )


def gamma(order: IntArray, phases: int) -> float:
    """Goodman and Kruskal's gamma of position and phase index (no blocks, no test)."""
    counts, within = _blocks(order, len(order), phases)
    return float(within.sum()) / _untied_pairs(counts.sum(axis=0))


def block_length(order: IntArray) -> int:
    """max(n^(1/3), RUN_MULTIPLE x the mean run length of one primary phase): long enough to
    hold the persistence of work in a phase, which a trend does not lengthen."""
    runs = 1 + int(np.count_nonzero(np.diff(order)))
    mean_run = len(order) / runs
    return int(max(math.ceil(len(order) ** (1 / 3)), math.ceil(RUN_MULTIPLE * mean_run)))


def _blocks(order: IntArray, length: int, phases: int) -> tuple[FloatArray, FloatArray]:
    """Per block of ``length`` consecutive commits (the last may be shorter): its phase
    counts, and C - D over the pairs inside it."""
    n = len(order)
    block = np.arange(n) // length
    onehot = np.zeros((n, phases))
    onehot[np.arange(n), order] = 1.0
    before = np.cumsum(onehot, axis=0) - onehot  # commits earlier in the sequence, by phase
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    before -= (np.cumsum(onehot, axis=0) - onehot)[starts][block]  # ... earlier in its block
    below = np.cumsum(before, axis=1)
    at = below[np.arange(n), order]
    lower = at - before[np.arange(n), order]
    higher = below[:, -1] - at
    within: FloatArray = np.bincount(block, weights=lower - higher).astype(np.float64)
    counts = np.zeros((block[-1] + 1, phases))
    np.add.at(counts, block, onehot)
    return counts, within


def _sign(phases: int) -> FloatArray:
    index = np.arange(phases)
    sign: FloatArray = np.sign(index[None, :] - index[:, None]).astype(np.float64)
    return sign


def _between(counts: FloatArray) -> FloatArray:
    """[a, b]: C - D over pairs with one commit in block a, the later one in block b."""
    result: FloatArray = counts @ _sign(counts.shape[1]) @ counts.T
    return result


def _untied_pairs(per_phase: FloatArray) -> float:
    n = per_phase.sum()
    return float(n * (n - 1) / 2 - (per_phase * (per_phase - 1) / 2).sum())


def _permuted(
    within: float, counts: FloatArray, resamples: int, rng: np.random.Generator
) -> FloatArray:
    """C - D of ``resamples`` random block orders."""
    sign = _sign(counts.shape[1])
    parts = []
    for start in range(0, resamples, _PERMUTATION_BATCH):
        size = min(_PERMUTATION_BATCH, resamples - start)
        orders = rng.permuted(np.tile(np.arange(len(counts)), (size, 1)), axis=1)
        shuffled = counts[orders]  # (size, blocks, phases)
        earlier = np.cumsum(shuffled, axis=1) - shuffled
        parts.append(within + np.einsum("bkp,pq,bkq->b", earlier, sign, shuffled))
    return np.concatenate(parts)


def _jackknife_interval(
    counts: FloatArray, within: FloatArray, between: FloatArray, concordance: float
) -> tuple[float, float]:
    """Delete-one-block jackknife of gamma, gamma +- t(blocks - 1) x SE, clipped to [-1, 1]."""
    blocks = len(counts)
    later = np.triu(between, 1)  # [a, b], b after a
    without = concordance - within - later.sum(axis=1) - later.sum(axis=0)
    totals = counts.sum(axis=0)
    pairs = np.array([_untied_pairs(totals - c) for c in counts])
    with np.errstate(divide="ignore", invalid="ignore"):  # one phase left: caught by finite()
        estimates = without / pairs
    spread = math.sqrt((blocks - 1) / blocks * ((estimates - estimates.mean()) ** 2).sum())
    quantile = float(stats.t.ppf(0.5 + CONFIDENCE / 2, blocks - 1))
    gamma = concordance / _untied_pairs(totals)
    return max(-1.0, gamma - quantile * spread), min(1.0, gamma + quantile * spread)
