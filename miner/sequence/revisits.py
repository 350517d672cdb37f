"""Stage 4: the sequence of classified commits — focus, departures, revisit events (SPEC §3).

Pure functions over plain records; no git, no pandas. Two implementations of the same rules:

- ``analyse_sequence`` walks the steps once and returns every per-step and per-event detail;
- ``count_revisit_events`` only counts revisit events, vectorised over a batch of orderings, so
  the structure test (``miner.stats``) can score thousands of shuffled orderings quickly.

Both read window sums from ``window_keys`` and must agree exactly (a Hypothesis property).

Float noise: shares are quantised to multiples of 2**-40 so window sums are exact integers
(independent of summation order), and the sums are compared after rounding to a 2**-30 grid
(about 9 decimals), so e.g. ``1/3 + 1/3 + 1/3`` ties with ``1.0``.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

RevisitMode = Literal["all", "backward"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_QUANTUM = float(2**40)
_ROUNDING_BITS = 10  # 2**-40 quanta -> 2**-30 grid
_ROUNDING_HALF = 2 ** (_ROUNDING_BITS - 1)


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


DEFAULT_WINDOW = 10  # SPEC §3: focus = most shares over the previous 10 classified commits


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
    focus = _focus(steps, primary, quanta, options.window)
    events, runs = _departures(primary, focus, backward_only=options.revisits == "backward")
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
            quanta[row, order[phase]] = round(share * _QUANTUM)
    return quanta


def window_keys(by_phase: IntArray, window: int) -> IntArray:
    """Comparable window sums, phase-major: ``by_phase`` has shape (phases, ..., n) (quantised
    shares, see ``quantize_shares``); element [..., t] is the sum over steps [t - window, t),
    rounded (``_round_keys``). Index 0 of the last axis is all zero (no step before the first).
    """
    steps = by_phase.shape[-1]
    totals = np.zeros(by_phase.shape, dtype=np.int64)  # totals[t] = sum of steps [0, t)
    np.cumsum(by_phase[..., : steps - 1], axis=-1, out=totals[..., 1:])
    if window >= steps:
        return _round_keys(totals)
    sums = np.empty_like(totals)
    sums[..., :window] = totals[..., :window]
    np.subtract(totals[..., window:], totals[..., : steps - window], out=sums[..., window:])
    return _round_keys(sums)


def _round_keys(sums: IntArray) -> IntArray:
    """Round quantised sums to multiples of 2**-30 (about 1e-9): integer ops, in place.

    This is the "round to 9 decimals" of the focus rule: quantisation noise (at most 2**-41 per
    share) never separates sums that are equal in exact arithmetic, e.g. 1/3 + 1/3 + 1/3 and 1.
    """
    sums += _ROUNDING_HALF
    sums >>= _ROUNDING_BITS
    return sums


def _focus(
    steps: Sequence[Step], primary: IntArray, quanta: IntArray, window: int | timedelta
) -> list[int]:
    if not steps:
        return []
    if isinstance(window, timedelta):
        if window <= timedelta(0):
            raise ValueError("the focus window must be a positive duration")
        keys, has_window = _time_window_keys(steps, quanta, window)
    else:
        if window < 1:
            raise ValueError("the focus window must be at least one step")
        keys = window_keys(quanta.T, window).T
        has_window = np.ones(len(steps), dtype=np.bool_)
    return _resolve_focus(keys, has_window, int(primary[0]))


def _resolve_focus(keys: IntArray, has_window: BoolArray, first: int) -> list[int]:
    """Focus of each step: the phase of the window's top key; on a tie with the previous focus,
    or without a window, the previous focus stays; other ties go to the first phase in canonical
    order. Only steps with a tie or no window depend on the previous focus: the others take
    their row's argmax directly, and only the dependent ones are walked in order."""
    is_top = keys == keys.max(axis=1)[:, None]
    focus: list[int] = keys.argmax(axis=1).tolist()
    focus[0] = first
    dependent = np.flatnonzero((is_top.sum(axis=1) != 1) | ~has_window)
    for t in dependent.tolist():
        if t == 0:
            continue
        previous = focus[t - 1]
        if not has_window[t] or is_top[t, previous]:
            focus[t] = previous
    return focus


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


def _departures(
    primary: IntArray, focus: list[int], *, backward_only: bool
) -> tuple[list[str | None], list[_Run]]:
    events: list[str | None] = []
    runs: list[_Run] = []
    seen: set[int] = set()
    previous: tuple[int, int, str | None] | None = None  # (focus, target, event) of a departure
    for t, (p, f) in enumerate(zip(primary.tolist(), focus, strict=True)):
        if p == f:
            event, previous = None, None
        elif previous is not None and previous[:2] == (f, p):
            event = previous[2]
            if event == "revisit":
                runs[-1] = _Run(f, p, runs[-1].first, t)
        else:
            event = _departure_kind(p, f, seen, backward_only=backward_only)
            if event == "revisit":
                runs.append(_Run(f, p, t, t))
            previous = (f, p, event)
        events.append(event)
        seen.add(p)
    return events, runs


def _departure_kind(p: int, f: int, seen: set[int], *, backward_only: bool) -> str | None:
    if p not in seen:
        return "advance"
    if backward_only and p > f:
        return None
    return "revisit"


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
        rounding_bits=_ROUNDING_BITS,
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
        rounding_bits=_ROUNDING_BITS,
        backward_only=backward_only,
    )


def _check_window(window: int) -> None:
    if window < 1:
        raise ValueError("the focus window must be at least one step")
