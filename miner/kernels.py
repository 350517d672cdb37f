"""Compiled kernels (numba) for the one loop numpy cannot vectorise: counting revisit events.

The focus of a step depends on the previous step's focus (the tie rule), so counting revisit
events is a sequential scan. The structure test (SPEC §5) runs it over 1,000 shuffled orderings
of every classified commit; at 100,000 commits that is 10^8 steps, which in numpy cost seconds
of memory traffic and in Python minutes. Here each ordering is one pass in machine code, and
orderings run in parallel.

The rules are those of :func:`miner.revisits.analyse_sequence` (a Hypothesis test asserts the
same count): focus = phase with the largest rounded window sum of quantised shares, ties to the
previous focus, then to canonical order; a run of consecutive departures to one phase under one
focus is one visit, an advance when that phase was never primary before, else one revisit event.
Shuffles use a counter-based generator seeded per ordering, so results do not depend on the
number of threads.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
from numba import njit

IntArray = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True)
def _splitmix(state: np.uint64) -> tuple[np.uint64, np.uint64]:
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _shuffle(order: IntArray, seed: np.uint64) -> None:
    """Fisher-Yates with splitmix64; an index in [0, i] is the top 32 bits of a 32-bit draw
    times i + 1 (Lemire's multiply-shift: no division, bias below 2^-32 · n)."""
    state = seed
    for i in range(order.shape[0] - 1, 0, -1):
        state, draw = _splitmix(state)
        j = np.int64(((draw >> np.uint64(32)) * np.uint64(i + 1)) >> np.uint64(32))
        order[i], order[j] = order[j], order[i]


# ``kinds``: (primary, offsets, phases, quanta) of each kind of step, the latter three a CSR
# table of its non-zero quantised shares (see ``_kind_tables``). ``rule``: (window, number of
# phases, rounding half, rounding bits, backward only).
KindTables = tuple[IntArray, IntArray, IntArray, IntArray]
Rule = tuple[int, int, int, int, bool]


@njit(cache=True, nogil=True)
def _count(order: IntArray, kinds: KindTables, rule: Rule) -> int:
    kind_primary, kind_ptr, kind_phase, kind_quanta = kinds
    window, phases, half, bits, backward_only = rule
    sums = np.zeros(phases, dtype=np.int64)
    keys = np.zeros(phases, dtype=np.int64)  # sums rounded to the tie grid, kept up to date
    seen = np.zeros(phases, dtype=np.bool_)
    count = 0
    previous_focus = -1
    previous_primary = -1
    previous_departure = False
    for t in range(order.shape[0]):
        kind = order[t]
        primary = kind_primary[kind]
        focus = primary
        if t > 0:
            top = keys[0]
            for phase in range(1, phases):
                top = max(top, keys[phase])  # branch-free: the keys of shuffles are random
            if keys[previous_focus] == top:
                focus = previous_focus
            else:
                focus = 0
                while keys[focus] != top:
                    focus += 1
        departure = focus != primary
        if departure:
            continued = (
                previous_departure and previous_primary == primary and previous_focus == focus
            )
            if not continued and seen[primary] and (not backward_only or primary < focus):
                count += 1
        seen[primary] = True
        previous_departure = departure
        previous_primary = primary
        previous_focus = focus
        for entry in range(kind_ptr[kind], kind_ptr[kind + 1]):
            phase = kind_phase[entry]
            sums[phase] += kind_quanta[entry]
            keys[phase] = (sums[phase] + half) >> bits
        if t >= window:
            gone = order[t - window]
            for entry in range(kind_ptr[gone], kind_ptr[gone + 1]):
                phase = kind_phase[entry]
                sums[phase] -= kind_quanta[entry]
                keys[phase] = (sums[phase] + half) >> bits
    return count


@njit(cache=True, nogil=True)
def _count_orderings(orderings: IntArray, kinds: KindTables, rule: Rule) -> IntArray:
    counts = np.zeros(orderings.shape[0], dtype=np.int64)
    for b in range(orderings.shape[0]):
        counts[b] = _count(orderings[b], kinds, rule)
    return counts


@njit(cache=True, nogil=True)
def _count_shuffles(
    kind_of: IntArray, span: tuple[int, int], seed: int, kinds: KindTables, rule: Rule
) -> IntArray:
    """Shuffles ``span[0]`` to ``span[1] - 1``; shuffle b is seeded by (``seed``, b)."""
    first, end = span
    counts = np.zeros(end - first, dtype=np.int64)
    for b in range(first, end):
        order = kind_of.copy()
        _, stream = _splitmix(np.uint64(seed) * _MIX2 + np.uint64(b))
        _shuffle(order, stream)
        counts[b - first] = _count(order, kinds, rule)
    return counts


def _kind_tables(kind_primary: IntArray, by_phase: IntArray) -> KindTables:
    """Per kind its primary phase and its non-zero quantised shares in CSR layout.

    ``by_phase`` is (phases, kinds); most kinds have one or two phases, so the window update
    touches only those."""
    kinds_major = np.ascontiguousarray(by_phase.T)
    kind_index, phase_index = np.nonzero(kinds_major)
    offsets = np.zeros(kinds_major.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(kind_index, minlength=kinds_major.shape[0]), out=offsets[1:])
    quanta = kinds_major[kind_index, phase_index].astype(np.int64)
    return kind_primary.astype(np.int64), offsets, phase_index.astype(np.int64), quanta


def _rule(window: int, phases: int, rounding_bits: int, backward_only: bool) -> Rule:
    return window, phases, 1 << (rounding_bits - 1), rounding_bits, backward_only


def count_orderings(
    orderings: IntArray,
    kind_primary: IntArray,
    by_phase: IntArray,
    *,
    window: int,
    rounding_bits: int,
    backward_only: bool,
) -> IntArray:
    """Revisit events of each ordering (rows of kind ids)."""
    result: IntArray = _count_orderings(
        np.ascontiguousarray(orderings, dtype=np.int64),
        _kind_tables(kind_primary, by_phase),
        _rule(window, by_phase.shape[0], rounding_bits, backward_only),
    )
    return result


def count_shuffles(
    kind_of: IntArray,
    kind_primary: IntArray,
    by_phase: IntArray,
    *,
    shuffles: int,
    seed: int,
    window: int,
    rounding_bits: int,
    backward_only: bool,
) -> IntArray:
    """Revisit events of ``shuffles`` seeded random reorderings of ``kind_of``, counted on
    every core (the kernel releases the GIL; shuffle b is the same whoever runs it)."""
    kinds = _kind_tables(kind_primary, by_phase)
    rule = _rule(window, by_phase.shape[0], rounding_bits, backward_only)
    order = np.ascontiguousarray(kind_of, dtype=np.int64)
    workers = max(1, min(os.cpu_count() or 1, shuffles))
    bounds = [shuffles * w // workers for w in range(workers + 1)]
    with ThreadPoolExecutor(workers) as pool:
        parts = pool.map(
            lambda span: _count_shuffles(order, span, seed, kinds, rule),
            itertools.pairwise(bounds),
        )
        return np.concatenate(list(parts))
