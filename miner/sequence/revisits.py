"""Stage 4: the sequence of classified commits — focus, departures, revisit events (SPEC §3).

Pure functions over plain records; no git, no pandas. The rule itself (focus, ties, departure
kinds) is :class:`miner.sequence.focus.FocusTracker`, the one implementation the commit hook uses
too. Two ways to apply it:

- ``analyse_sequence`` walks the steps through it once and returns every per-step and per-event
  detail;
- ``count_revisit_events`` only counts revisit events, vectorised over a batch of orderings, so
  the structure test (``miner.stats``) can score thousands of shuffled orderings quickly.

Both must agree exactly (a Hypothesis property). Shares are quantised and window sums rounded as
:mod:`miner.sequence.focus` says, so ``1/3 + 1/3 + 1/3`` ties with ``1.0``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from miner.sequence.focus import (
    DEFAULT_WINDOW,
    REVISIT,
    ROUNDING_BITS,
    ROUNDING_HALF,
    FocusTracker,
    count_window_keys,
    quantize,
)

RevisitMode = Literal["all", "backward"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Step:
    """One classified commit as the sequence analysis sees it (sequence order = topo order)."""

    sha: str
    when: datetime  # author date
    primary: str
    labels: tuple[str, ...]
    shares: Mapping[str, float]
    reasons: tuple[str, ...]
    churn: int | None = None


@dataclass(frozen=True, slots=True)
class SequenceOptions:
    window: int | timedelta = DEFAULT_WINDOW
    revisits: RevisitMode = "all"


@dataclass(frozen=True, slots=True)
class RevisitEvent:
    """Consecutive departures to ``target`` under the same focus ``source`` (SPEC §3)."""

    source: str
    target: str
    direction: Literal["backward", "forward"]
    commits: tuple[str, ...]  # shas, oldest first
    first_index: int  # positions in the step sequence
    last_index: int
    start: datetime
    end: datetime
    reasons: tuple[str, ...]  # ('unspecified',) when no reason matched
    returned_after_commits: (
        int | None
    )  # steps after the event's last commit until primary == source
    churn: int | None


@dataclass(frozen=True, slots=True)
class FocusEpisode:
    """A maximal run of steps with the same focus."""

    phase: str
    first_commit: str
    last_commit: str
    first_index: int
    commits: int
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SequenceAnalysis:
    """Per step: ``focus`` and ``events`` (``advance``, ``revisit`` or None), plus the aggregates.

    ``options`` are the options the sequence was analysed with (the structure test re-counts
    shuffled orderings with the same window and revisit mode).
    """

    focus: tuple[str, ...]
    events: tuple[str | None, ...]
    revisit_events: tuple[RevisitEvent, ...]
    episodes: tuple[FocusEpisode, ...]
    options: SequenceOptions = SequenceOptions()


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive departures to the same target under the same focus."""

    source: int
    target: int
    first: int
    last: int


def analyse_sequence(
    steps: Sequence[Step], phases: Sequence[str], options: SequenceOptions
) -> SequenceAnalysis:
    """Focus, events, revisit events and focus episodes of ``steps`` (SPEC §3).

    Focus of step t: the phase with the largest sum of shares over the window before t (t
    excluded). A count window is the previous ``window`` steps. A time window is every earlier
    step whose date lies in ``[when_t - window, when_t)`` (dates compared as instants, so a step
    dated after t is never in t's window); when that set is empty, t keeps the previous step's
    focus. The first step's focus is its own primary. Ties: the previous focus if it is among
    the tied phases, else the first tied phase in canonical order.

    Departure: primary != focus. A run of consecutive departures to the same phase under the
    same focus is one *visit*: it is an ``advance`` when its phase had never been a primary
    before the run started (its first visit; later steps of the same run stay ``advance``),
    otherwise a revisit, counted (``revisit``, one ``RevisitEvent``) unless ``options.revisits``
    is ``backward`` and the phase follows the focus in canonical order (then the event is None).
    Event start/end are the dates of its first/last step; likewise for episodes.
    """
    order = _phase_order(phases)
    primary = primary_indices(steps, order)
    quanta = quantize_shares(steps, order)
    keys = _window_keys(steps, quanta, options.window)
    focus, events, runs = _walk(primary, keys, backward_only=options.revisits == "backward")
    positions = _positions_by_phase(primary, len(phases))
    return SequenceAnalysis(
        focus=tuple(phases[f] for f in focus),
        events=tuple(events),
        revisit_events=tuple(_event(steps, phases, run, positions) for run in runs),
        episodes=_episodes(steps, phases, focus),
        options=options,
    )


def _phase_order(phases: Sequence[str]) -> dict[str, int]:
    return {phase: index for index, phase in enumerate(phases)}


def primary_indices(steps: Sequence[Step], phases: Sequence[str] | Mapping[str, int]) -> IntArray:
    """Canonical index of each step's primary phase."""
    order = phases if isinstance(phases, Mapping) else _phase_order(phases)
    try:
        return np.array([order[s.primary] for s in steps], dtype=np.int64)
    except KeyError as error:
        raise ValueError(f"primary phase {error} is not one of the phases") from None


def quantize_shares(steps: Sequence[Step], phases: Sequence[str] | Mapping[str, int]) -> IntArray:
    """Shares as an (n, phases) integer matrix in units of 2**-40 (exact, order-free sums)."""
    order = phases if isinstance(phases, Mapping) else _phase_order(phases)
    quanta = np.zeros((len(steps), len(order)), dtype=np.int64)
    for row, step in enumerate(steps):
        for phase, share in step.shares.items():
            if phase not in order:
                raise ValueError(f"share of {phase!r}, which is not one of the phases")
            quanta[row, order[phase]] = quantize(share)
    return quanta


def _round_keys(sums: IntArray) -> IntArray:
    """:func:`miner.sequence.focus.round_key` of every quantised sum, in place."""
    sums += ROUNDING_HALF
    sums >>= ROUNDING_BITS
    return sums


def _window_keys(
    steps: Sequence[Step], quanta: IntArray, window: int | timedelta
) -> Iterable[Sequence[int] | None]:
    """Each step's window keys (rounded share sums, one per phase), or None when a time window
    holds no earlier step."""
    if not steps:
        return []
    if isinstance(window, timedelta):
        if window <= timedelta(0):
            raise ValueError("the focus window must be a positive duration")
        keys, has_window = _time_window_keys(steps, quanta, window)
        return [
            row if present else None
            for row, present in zip(keys.tolist(), has_window.tolist(), strict=True)
        ]
    if window < 1:
        raise ValueError("the focus window must be at least one step")
    return count_window_keys(quanta.tolist(), quanta.shape[1], window)


def _walk(
    primary: IntArray, keys: Iterable[Sequence[int] | None], *, backward_only: bool
) -> tuple[list[int], list[str | None], list[_Run]]:
    """Focus and event of every step, through the one tracker; and the revisit runs."""
    tracker = FocusTracker(backward_only=backward_only)
    focus: list[int] = []
    events: list[str | None] = []
    runs: list[_Run] = []
    for t, (p, row) in enumerate(zip(primary.tolist(), keys, strict=True)):
        f, event, continued = tracker.step(p, row)
        focus.append(f)
        events.append(event)
        if event == REVISIT and continued:
            runs[-1] = _Run(f, p, runs[-1].first, t)
        elif event == REVISIT:
            runs.append(_Run(f, p, t, t))
    return focus, events, runs


def _time_window_keys(
    steps: Sequence[Step], quanta: IntArray, window: timedelta
) -> tuple[IntArray, BoolArray]:
    """Window sums for a time window. Topological order need not be date order, so the scan
    back from t stops only once every earlier step is older than the window (running max)."""
    micros = [_micros(s.when) for s in steps]
    span = window // timedelta(microseconds=1)
    latest = list(np.maximum.accumulate(np.array(micros, dtype=np.int64)).tolist())
    sums = np.zeros(quanta.shape, dtype=np.int64)
    has_window = np.zeros(len(steps), dtype=np.bool_)
    for t in range(1, len(steps)):
        members = _members(micros, latest, t, micros[t] - span)
        if members:
            sums[t] = quanta[members].sum(axis=0)
            has_window[t] = True
    return _round_keys(sums), has_window


def _members(micros: list[int], latest: list[int], t: int, low: int) -> list[int]:
    members = []
    s = t - 1
    while s >= 0 and latest[s] >= low:
        if low <= micros[s] < micros[t]:
            members.append(s)
        s -= 1
    return members


def _micros(when: datetime) -> int:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _positions_by_phase(primary: IntArray, phases: int) -> list[list[int]]:
    positions: list[list[int]] = [[] for _ in range(phases)]
    for t, p in enumerate(primary.tolist()):
        positions[p].append(t)
    return positions


def _event(
    steps: Sequence[Step], phases: Sequence[str], run: _Run, positions: list[list[int]]
) -> RevisitEvent:
    members = steps[run.first : run.last + 1]
    reasons = sorted({reason for s in members for reason in s.reasons})
    churns = [s.churn for s in members]
    back = positions[run.source]
    after = bisect.bisect_right(back, run.last)
    return RevisitEvent(
        source=phases[run.source],
        target=phases[run.target],
        direction="backward" if run.target < run.source else "forward",
        commits=tuple(s.sha for s in members),
        first_index=run.first,
        last_index=run.last,
        start=members[0].when,
        end=members[-1].when,
        reasons=tuple(reasons) or ("unspecified",),
        returned_after_commits=back[after] - run.last if after < len(back) else None,
        churn=None if any(c is None for c in churns) else sum(c for c in churns if c is not None),
    )


def _episodes(
    steps: Sequence[Step], phases: Sequence[str], focus: list[int]
) -> tuple[FocusEpisode, ...]:
    episodes = []
    start = 0
    for t in range(1, len(focus) + 1):
        if t == len(focus) or focus[t] != focus[start]:
            episodes.append(
                FocusEpisode(
                    phase=phases[focus[start]],
                    first_commit=steps[start].sha,
                    last_commit=steps[t - 1].sha,
                    first_index=start,
                    commits=t - start,
                    start=steps[start].when,
                    end=steps[t - 1].when,
                )
            )
            start = t
    return tuple(episodes)


def count_revisit_events(
    primary: IntArray, quanta: IntArray, window: int, *, backward_only: bool = False
) -> IntArray:
    """Number of revisit events per ordering, for a count window; same rules and result as
    ``len(analyse_sequence(...).revisit_events)``.

    ``primary``: (orderings, n) canonical phase indices; ``quanta``: (orderings, n, phases)
    from ``quantize_shares``. Returns an (orderings,) array.
    """
    counts = [
        count_kind_sequences(kinds, kinds.of[None], window, backward_only=backward_only)[0]
        for kinds in map(step_kinds, primary, quanta)
    ]
    return np.array(counts, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class StepKinds:
    """A sequence reduced to its distinct kinds of step (primary phase and shares): reordering
    the steps is reordering ``of``, and counting gathers from the small per-kind tables."""

    primary: IntArray  # (kinds,) canonical index of each kind's primary phase
    by_phase: IntArray  # (phases, kinds) quantised shares
    of: IntArray  # (n,) kind of each step, in sequence order


def step_kinds(primary: IntArray, quanta: IntArray) -> StepKinds:
    """``primary`` (n,): ``primary_indices``; ``quanta`` (n, phases): ``quantize_shares``."""
    rows = np.ascontiguousarray(np.column_stack([primary, quanta]).astype(np.int64))
    raw = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, kind_of = np.unique(raw, return_index=True, return_inverse=True)
    kinds = rows[first]
    return StepKinds(
        primary=np.ascontiguousarray(kinds[:, 0]),
        by_phase=np.ascontiguousarray(kinds[:, 1:].T),
        of=kind_of.astype(np.int64).ravel(),
    )


def count_kind_sequences(
    kinds: StepKinds, sequences: IntArray, window: int, *, backward_only: bool = False
) -> IntArray:
    """``count_revisit_events`` for reorderings given as kind sequences: ``sequences`` is
    (orderings, n), each row a reordering of ``kinds.of`` (compiled:
    :mod:`miner.sequence.kernels`)."""
    from miner.sequence.kernels import count_orderings

    _check_window(window)
    return count_orderings(
        sequences,
        kinds.primary,
        kinds.by_phase,
        window=window,
        rounding_bits=ROUNDING_BITS,
        backward_only=backward_only,
    )


def count_shuffled(
    kinds: StepKinds, window: int, *, shuffles: int, seed: int, backward_only: bool = False
) -> IntArray:
    """Revisit events of ``shuffles`` random reorderings of the steps (seeded, so the result
    is the same on every run and every number of threads)."""
    from miner.sequence.kernels import count_shuffles

    _check_window(window)
    return count_shuffles(
        kinds.of,
        kinds.primary,
        kinds.by_phase,
        shuffles=shuffles,
        seed=seed,
        window=window,
        rounding_bits=ROUNDING_BITS,
        backward_only=backward_only,
    )


def _check_window(window: int) -> None:
    if window < 1:
        raise ValueError("the focus window must be at least one step")
