"""Counting revisit events over many orderings at once: a numpy scan, or a compiled one.

The focus of a step depends on the previous step's focus (the tie rule), so counting revisit
events is a sequential scan along the sequence. The structure test (docs/method.md §5.4) runs
it over 999 surrogate sequences. The numpy scan walks the positions once and every numpy
operation handles all sequences of a batch together, so the Python loop costs n iterations, not
n x sequences; but each iteration pays ~20 numpy calls, so on a long history (git/git: 55k
steps, 14 batches) it takes most of a minute. Above :data:`COMPILED_FROM` loop iterations the
same scan runs compiled (:mod:`miner.sequence.compiled`, numba), whose import and cached machine
code cost ~0.7 s once: more than the numpy scan on a small history. Table and command in
docs/method.md §7; both give the same counts (tests/sequence/test_kernels.py).

The rules are those of :func:`miner.sequence.revisits.analyse_sequence` (a Hypothesis test asserts
the
same count): focus = phase with the largest rounded window sum of quantised shares, ties to the
previous focus, then to canonical order; a run of consecutive departures to one phase under one
focus is one visit, an advance when that phase was never primary before, else one revisit event.
"""

from __future__ import annotations

import sys

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

_BATCH_CELLS = 10_000_000  # sequences x steps per batch (int32: 40 MB): bounds memory
# Iterations of a sequential Python loop (steps x batches) from which the compiled loop is
# cheaper, its ~0.7 s import and cache load included (measured: docs/method.md §7).
COMPILED_FROM = 8_000


def use_compiled(iterations: int) -> bool:
    """Whether a sequential loop of ``iterations`` numpy steps should run compiled instead:
    when it is long enough to repay numba's start-up, or that start-up is already paid."""
    return iterations >= COMPILED_FROM or "miner.sequence.compiled" in sys.modules


def count_orderings(
    orderings: IntArray,
    kind_primary: IntArray,
    by_phase: IntArray,
    *,
    window: int,
    rounding_bits: int,
    backward_only: bool,
) -> IntArray:
    """Revisit events of each row of ``orderings`` (kind ids; any sequence of kinds, not only
    a reordering). ``kind_primary``: (kinds,) primary phase of each kind; ``by_phase``:
    (phases, kinds) quantised shares."""
    sequences = np.ascontiguousarray(orderings, dtype=np.int32)
    if sequences.ndim != 2:
        raise ValueError("orderings must be a 2-d array (orderings, steps)")
    batch = max(1, _BATCH_CELLS // max(1, sequences.shape[1]))
    parts = [
        count_steps(
            np.ascontiguousarray(sequences[start : start + batch].T),
            kind_primary,
            by_phase,
            window=window,
            rounding_bits=rounding_bits,
            backward_only=backward_only,
        )
        for start in range(0, sequences.shape[0], batch)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


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
    """Revisit events of ``shuffles`` seeded random reorderings of ``kind_of`` (the same
    result on every run: one generator, drawn batch by batch in a fixed order)."""
    rng = np.random.default_rng(seed)
    order = np.asarray(kind_of, dtype=np.int64)
    batch = max(1, _BATCH_CELLS // max(1, order.shape[0]))
    counts = []
    for start in range(0, shuffles, batch):
        rows = min(batch, shuffles - start)
        shuffled = rng.permuted(np.tile(order, (rows, 1)), axis=1)
        counts.append(
            count_steps(
                np.ascontiguousarray(shuffled.T, dtype=np.int32),
                kind_primary,
                by_phase,
                window=window,
                rounding_bits=rounding_bits,
                backward_only=backward_only,
            )
        )
    return np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)


def count_steps(
    by_step: npt.NDArray[np.int32],
    kind_primary: IntArray,
    by_phase: IntArray,
    *,
    window: int,
    rounding_bits: int,
    backward_only: bool,
    compiled: bool | None = None,
) -> IntArray:
    """Revisit events of each column of ``by_step`` (steps, sequences), step-major so that
    one step of every sequence is contiguous: one pass along the steps, all sequences at once;
    compiled when ``compiled`` (default: :func:`use_compiled` of the steps), else in numpy."""
    if use_compiled(by_step.shape[0]) if compiled is None else compiled:
        from miner.sequence.compiled import count_steps as compiled_count

        kinds, phase_of = np.nonzero(np.asarray(by_phase, dtype=np.int64).T)
        counted: IntArray = compiled_count(
            np.ascontiguousarray(by_step, dtype=np.int32),
            np.ascontiguousarray(kind_primary, dtype=np.int64),
            np.searchsorted(kinds, np.arange(by_phase.shape[1] + 1)).astype(np.int64),
            phase_of.astype(np.int64),
            np.ascontiguousarray(by_phase.T[kinds, phase_of], dtype=np.int64),
            by_phase.shape[0],
            window,
            rounding_bits,
            backward_only,
        )
        return counted
    return _scan(
        by_step,
        kind_primary,
        by_phase,
        window=window,
        rounding_bits=rounding_bits,
        backward_only=backward_only,
    )


def _scan(
    by_step: npt.NDArray[np.int32],
    kind_primary: IntArray,
    by_phase: IntArray,
    *,
    window: int,
    rounding_bits: int,
    backward_only: bool,
) -> IntArray:
    """The numpy scan of :func:`count_steps`.

    Per-row cells are addressed in flat arrays (``cell = row * phases + phase``) and rows of
    the per-kind table are gathered with ``np.take``: both several times faster than 2-d fancy
    indexing, which dominates the cost of a step."""
    steps, rows = by_step.shape
    phases = by_phase.shape[0]
    quanta = np.ascontiguousarray(by_phase.T, dtype=np.int64)  # (kinds, phases)
    primary_of = np.asarray(kind_primary, dtype=np.int64)
    half = np.int64(1 << (rounding_bits - 1))
    base = np.arange(rows, dtype=np.int64) * phases
    sums = np.zeros((rows, phases), dtype=np.int64)
    keys = np.zeros((rows, phases), dtype=np.int64)
    flat_keys = keys.reshape(-1)
    seen = np.zeros(rows * phases, dtype=np.bool_)
    count = np.zeros(rows, dtype=np.int64)
    previous_focus = np.zeros(rows, dtype=np.int64)
    previous_primary = np.full(rows, -1, dtype=np.int64)
    previous_departure = np.zeros(rows, dtype=np.bool_)
    for t in range(steps):
        kind = by_step[t]
        primary = np.take(primary_of, kind)
        if t == 0:
            focus = primary
        else:
            # argmax returns the first maximum: the canonical-order tie rule.
            leader = keys.argmax(axis=1)
            stays = np.take(flat_keys, base + previous_focus) == np.take(flat_keys, base + leader)
            focus = np.where(stays, previous_focus, leader)
        departure = focus != primary
        continued = previous_departure & (previous_primary == primary) & (previous_focus == focus)
        cell = base + primary
        counted = departure & ~continued & np.take(seen, cell)
        if backward_only:
            counted &= primary < focus
        count += counted
        seen[cell] = True
        previous_departure, previous_primary, previous_focus = departure, primary, focus
        sums += np.take(quanta, kind, axis=0)
        if t >= window:
            sums -= np.take(quanta, by_step[t - window], axis=0)
        np.add(sums, half, out=keys)
        np.right_shift(keys, rounding_bits, out=keys)
    return count
