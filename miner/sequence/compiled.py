"""Compiled (numba) versions of the three sequential loops of the statistics, for long histories.

Each loop carries state from one step to the next, so numpy can only vectorise it across the
sequences and pays its per-call overhead once per step: on git/git's history (55k classified
steps, 999 sequences) that is most of a minute. Here the same loops are compiled, with the
surrogates' kind lookup (one pass instead of five numpy temporaries). Importing numba and
loading the cached machine code costs ~0.7 s, more than the numpy loop on a small history, so
the callers use these only above a measured size (docs/method.md §7); both paths give the same
numbers (tests/sequence/test_kernels.py).

Only the loops are here: every random number is still drawn by numpy, in the same order and
the same calls, so the results are those of the numpy versions.

The machine code is cached (``cache=True``) beside this file, or in the user's cache directory
when the package is not writable (numba's own fallback), or under ``NUMBA_CACHE_DIR``; where
no cache location is writable, the loops are compiled in memory on each run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Function = TypeVar("Function", bound=Callable[..., Any])


def _compile(function: Function) -> Function:
    try:
        compiled = numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "no locator available": no writable cache directory anywhere
        compiled = numba.njit(nogil=True)(function)
    return cast(Function, compiled)


@_compile
def count_steps(  # noqa: PLR0917 (numba takes no keyword-only parameters)
    by_step: npt.NDArray[np.int32],
    kind_primary: IntArray,
    offsets: IntArray,
    phase_of: IntArray,
    quantum_of: IntArray,
    phases: int,
    window: int,
    rounding_bits: int,
    backward_only: bool,
) -> IntArray:
    """:func:`miner.sequence.kernels.count_steps` compiled: ``by_step`` (steps, sequences) of kind
    ids among ``phases`` phases; kind k's non-zero quantised shares are ``quantum_of[e]`` in phase
    ``phase_of[e]`` for e in ``offsets[k]:offsets[k + 1]`` (most kinds touch one or two
    phases: only those sums change).
    Steps outer, sequences inner, so the state of every sequence (window sums, keys, seen
    phases) stays in the cache while the steps stream past."""
    steps, rows = by_step.shape
    half = np.int64(1) << (rounding_bits - 1)
    sums = np.zeros((rows, phases), dtype=np.int64)
    keys = np.zeros((rows, phases), dtype=np.int64)
    seen = np.zeros((rows, phases), dtype=np.bool_)
    count = np.zeros(rows, dtype=np.int64)
    previous_focus = np.zeros(rows, dtype=np.int64)
    previous_primary = np.full(rows, -1, dtype=np.int64)
    previous_departure = np.zeros(rows, dtype=np.bool_)
    for t in range(steps):
        for r in range(rows):
            kind = by_step[t, r]
            primary = kind_primary[kind]
            if t == 0:
                focus = primary
            else:
                # The first maximum (the canonical-order tie rule); the best key is kept in a
                # register, not reloaded: a reload makes every comparison wait for the last.
                leader, best = 0, keys[r, 0]
                for p in range(1, phases):
                    if keys[r, p] > best:
                        leader, best = p, keys[r, p]
                kept = previous_focus[r]
                focus = kept if keys[r, kept] == best else leader
            departure = focus != primary
            continued = (
                previous_departure[r]
                and previous_primary[r] == primary
                and previous_focus[r] == focus
            )
            if (
                departure
                and not continued
                and seen[r, primary]
                and (not backward_only or primary < focus)
            ):
                count[r] += 1
            seen[r, primary] = True
            previous_departure[r] = departure
            previous_primary[r] = primary
            previous_focus[r] = focus
            for e in range(offsets[kind], offsets[kind + 1]):
                p = phase_of[e]
                sums[r, p] += quantum_of[e]
                keys[r, p] = (sums[r, p] + half) >> rounding_bits
            if t >= window:
                leaving = by_step[t - window, r]
                for e in range(offsets[leaving], offsets[leaving + 1]):
                    p = phase_of[e]
                    sums[r, p] -= quantum_of[e]
                    keys[r, p] = (sums[r, p] + half) >> rounding_bits
    return count


@_compile
def markov_chain(
    shifted: npt.NDArray[np.float64], phases: int, first: int, uniforms: npt.NDArray[np.float64]
) -> IntArray:
    """States of Markov chains (steps, chains) over ``phases`` states from ``first``: step
    t moves from state s to the first index of ``shifted`` at least s + ``uniforms[t - 1]``,
    minus s x phases, as ``np.searchsorted`` (side left) finds it in
    :func:`miner.measures.statistics.structure.surrogates`. ``shifted``: row s of the cumulative
    transition matrix plus s, flattened, non-decreasing."""
    steps = uniforms.shape[0] + 1
    chains = uniforms.shape[1]
    chain = np.empty((steps, chains), dtype=np.int64)
    chain[0, :] = first
    for t in range(1, steps):
        for c in range(chains):
            state = chain[t - 1, c]
            target = state + uniforms[t - 1, c]
            start = state * phases
            # The row is sorted and ends at s + 1 >= target: the answer is in it, at the
            # number of its entries below the target (no branch to mispredict), unless the
            # target lies on the previous row's end (a draw of 0 or one rounding to it).
            below = 0
            for j in range(phases):
                below += shifted[start + j] < target
            i = start + below
            while i > 0 and shifted[i - 1] >= target:
                i -= 1
            chain[t, c] = i - start
    return chain


@_compile
def pick_kinds(
    chain: IntArray,
    uniforms: npt.NDArray[np.float64],
    members: IntArray,
    starts: IntArray,
    sizes: IntArray,
) -> npt.NDArray[np.int32]:
    """Kind of each surrogate step: ``members`` lists the kinds of the commits of each phase
    one phase after another (phase p's at ``starts[p]``, ``sizes[p]`` of them); a step in
    state p takes member ``int(uniform x sizes[p])`` of its phase, as the numpy expression in
    :func:`miner.measures.statistics.structure.pick_kinds` computes it (one pass: no
    temporaries)."""
    steps, chains = chain.shape
    kinds = np.empty((steps, chains), dtype=np.int32)
    for t in range(steps):
        for c in range(chains):
            state = chain[t, c]
            kinds[t, c] = members[starts[state] + np.int64(uniforms[t, c] * sizes[state])]
    return kinds


@_compile
def swap_block(
    state: IntArray,
    sources: IntArray,
    allowed: npt.NDArray[np.bool_],
    firsts: IntArray,
    seconds: IntArray,
) -> None:
    """One block of :func:`miner.measures.statistics.independence._swap_chain`'s proposals, in
    place:
    for every chain (row of ``state``, of ``firsts`` and of ``seconds``) and step (column),
    events ``first`` and ``second`` exchange targets when both new cells are ``allowed``.
    The proposals come chain-major so that each chain reads its own contiguously."""
    chains, size = firsts.shape
    columns = allowed.shape[1]
    cells = allowed.ravel()
    for c in range(chains):
        row = state[c]
        for k in range(size):
            first = firsts[c, k]
            second = seconds[c, k]
            to_first = row[second]
            to_second = row[first]
            if (
                cells[sources[first] * columns + to_first]
                and cells[sources[second] * columns + to_second]
            ):
                row[first] = to_first
                row[second] = to_second
