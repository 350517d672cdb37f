"""Structure: are revisits rarer than work with the same serial persistence would produce?

Shuffling commits uniformly destroys the persistence of work in a phase, so almost any real
history "beats" it. The null here is a first-order Markov surrogate (Kantz & Schreiber 2004,
ch. 7, surrogate data; a parametric bootstrap of the fitted chain, Davison & Hinkley 1997,
§8.2.3): sequences of primary phases drawn from the observed transition matrix T, starting
at the observed first phase, each step then taking the shares of a commit drawn at random
among the commits of that primary phase. The same focus window and revisit mode count the
surrogates' revisit events. One-sided: p = (1 + surrogates with at most the observed number)
/ (1 + surrogates).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from miner.measures.statistics.common import (
    CONFIDENCE,
    RESAMPLES,
    FloatArray,
    IntArray,
    Statistic,
    monte_carlo_p,
    resampling,
    too_few,
    undefined,
)
from miner.sequence.focus import ROUNDING_BITS
from miner.sequence.kernels import count_steps, use_compiled
from miner.sequence.revisits import (
    SequenceAnalysis,
    Step,
    primary_indices,
    quantize_shares,
    step_kinds,
)

MIN_COMMITS = 30
_BATCH_CELLS = 4_000_000  # surrogate steps generated at once: bounds the memory (~100 MB)


def structure(
    steps: Sequence[Step],
    sequence: SequenceAnalysis,
    phases: Sequence[str],
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Statistic:
    """``observed`` revisit events vs ``expected`` (surrogate mean), ``expected_sd``,
    ``expected_range`` (central 95% of the surrogates), ``ratio`` = observed / expected and
    the one-sided ``p_value``."""
    n = len(steps)
    window = sequence.options.window
    if isinstance(window, timedelta):
        return undefined(n, "needs a commit-count window (--window N), not a time span")
    if n < MIN_COMMITS:
        return too_few(n, "classified commits", MIN_COMMITS)
    primary = primary_indices(steps, phases)
    if len(set(primary.tolist())) < 2:
        return undefined(n, "every commit has the same primary phase: nothing to compare")
    kinds = step_kinds(primary, quantize_shares(steps, phases))
    rng = np.random.default_rng(seed)
    batches = _batches(resamples, n)
    compiled = use_compiled(n * len(batches))  # two loops of n steps per batch
    counts = np.concatenate(
        [
            count_steps(
                surrogates(primary, kinds.of, len(phases), rows, rng, compiled=compiled),
                kinds.primary,
                kinds.by_phase,
                window=window,
                rounding_bits=ROUNDING_BITS,
                backward_only=sequence.options.revisits == "backward",
                compiled=compiled,
            )
            for rows in batches
        ]
    )
    observed = len(sequence.revisit_events)
    expected = float(counts.mean())
    if expected == 0:
        return undefined(
            n, "the Markov surrogates never produce a revisit event: nothing to compare with"
        )
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(counts, [tail, 1 - tail])
    return {
        "n": n,
        "observed": observed,
        "expected": expected,
        "expected_sd": float(counts.std(ddof=1)),
        "expected_range": [float(low), float(high)],
        "ratio": observed / expected,
        "alternative": "less: fewer revisit events than Markov surrogates (structured work)",
        "p_value": monte_carlo_p(int((counts <= observed).sum()), resamples),
        **resampling(resamples, "first-order Markov surrogate (same transition matrix)"),
    }


def _batches(resamples: int, n: int) -> list[int]:
    size = max(1, _BATCH_CELLS // n)
    return [min(size, resamples - start) for start in range(0, resamples, size)]


def transition_probabilities(primary: IntArray, phases: int) -> FloatArray:
    """Row-stochastic transitions of the primary phases; a phase never left (it occurs only
    last) continues with the phase shares."""
    counts = np.zeros((phases, phases))
    np.add.at(counts, (primary[:-1], primary[1:]), 1.0)
    shares = np.bincount(primary, minlength=phases) / len(primary)
    totals = counts.sum(axis=1, keepdims=True)
    probabilities: FloatArray = np.where(totals > 0, counts / np.maximum(totals, 1), shares)
    return probabilities


def surrogates(
    primary: IntArray,
    kind_of: IntArray,
    phases: int,
    rows: int,
    rng: np.random.Generator,
    *,
    compiled: bool = False,
) -> npt.NDArray[np.int32]:
    """``rows`` surrogate sequences of step kinds, each as long as ``primary``, step-major:
    (steps, rows), as :func:`miner.sequence.kernels.count_steps` reads them. The chain's steps
    run in :mod:`miner.sequence.compiled` when ``compiled``, else in numpy: the same draws, the
    same states."""
    n = len(primary)
    cumulative = np.cumsum(transition_probabilities(primary, phases), axis=1)
    cumulative[:, -1] = 1.0
    # Row s of the cumulative matrix shifted to (s, s + 1]: one sorted array, so a step of
    # every chain is one searchsorted of state + uniform draw.
    shifted = (cumulative + np.arange(phases)[:, None]).ravel()
    # One draw for every step after the first, in the order a draw per step would take them.
    uniforms = rng.random((n - 1, rows))
    if compiled:
        from miner.sequence.compiled import markov_chain

        chain: IntArray = markov_chain(shifted, phases, int(primary[0]), uniforms)
    else:
        chain = _markov_chain(shifted, phases, int(primary[0]), uniforms)
    del uniforms
    # Each step takes the kind (shares) of a random commit of its primary phase.
    by_phase = np.argsort(primary, kind="stable")
    members = np.ascontiguousarray(kind_of[by_phase], dtype=np.int64)
    starts = np.searchsorted(primary[by_phase], np.arange(phases))
    sizes = np.bincount(primary, minlength=phases)
    picks = rng.random((n, rows))
    if compiled:
        from miner.sequence.compiled import pick_kinds as compiled_pick

        sequences: npt.NDArray[np.int32] = compiled_pick(chain, picks, members, starts, sizes)
        return sequences
    return pick_kinds(chain, picks, members, starts, sizes)


def pick_kinds(
    chain: IntArray, uniforms: FloatArray, members: IntArray, starts: IntArray, sizes: IntArray
) -> npt.NDArray[np.int32]:
    """Kinds of surrogate steps (steps, rows): a step in state p takes member
    int(uniform x sizes[p]) of ``members[starts[p]:starts[p] + sizes[p]]``."""
    pick = (uniforms * sizes[chain]).astype(np.int64)
    kinds: npt.NDArray[np.int32] = members[starts[chain] + pick].astype(np.int32)
    return kinds


def _markov_chain(shifted: FloatArray, phases: int, first: int, uniforms: FloatArray) -> IntArray:
    chain = np.empty((len(uniforms) + 1, uniforms.shape[1]), dtype=np.int64)
    chain[0] = first
    for t in range(1, len(chain)):
        state = chain[t - 1]
        chain[t] = np.searchsorted(shifted, state + uniforms[t - 1]) - state * phases
    return chain
