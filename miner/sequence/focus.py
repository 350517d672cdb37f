"""The focus of recent history and the kind of each departure from it (SPEC §3), step by step.

The one implementation of the rule: :func:`miner.sequence.revisits.analyse_sequence` walks a
whole history through a :class:`FocusTracker`, and the commit hook keeps one between commits
(with a :class:`CountWindow`, in its state file) and asks it about the commit being made. Pure
Python, no numpy: the hook imports it on every commit.

Float noise: shares are quantised to multiples of 2**-40 (:func:`quantize`) so window sums are
exact integers, independent of summation order, and sums are compared after rounding to a 2**-30
grid (:func:`round_key`, about 9 decimals), so e.g. ``1/3 + 1/3 + 1/3`` ties with ``1.0``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import add, sub

DEFAULT_WINDOW = 10  # SPEC §3: the focus is read over the previous 10 classified commits
QUANTUM = float(2**40)  # a share is a whole number of 2**-40
ROUNDING_BITS = 10  # 2**-40 quanta -> 2**-30 grid
ROUNDING_HALF = 1 << (ROUNDING_BITS - 1)

ADVANCE = "advance"
REVISIT = "revisit"


def quantize(share: float) -> int:
    """A share in units of 2**-40: sums of these are exact."""
    return round(share * QUANTUM)


def round_key(total: int) -> int:
    """A quantised window sum rounded to the 2**-30 grid: what the focus rule compares
    (quantisation noise, at most 2**-41 per share, never separates sums equal in exact
    arithmetic)."""
    return (total + ROUNDING_HALF) >> ROUNDING_BITS


@dataclass(slots=True)
class FocusTracker:
    """Focus and departure kind of each step, in sequence order, by canonical phase index.

    Focus of a step: the phase with the largest window key (``keys``, one per phase, from
    :func:`round_key`); on a tie the previous focus stays if it is among the tied phases, else
    the first tied phase in canonical order wins; without a window (``keys`` None: a time window
    holding no earlier step) the previous focus stays. The first step's focus is its own primary.

    Departure: primary != focus. A run of consecutive departures to the same phase under the
    same focus is one *visit*, and its steps share the kind of its first step: an ``advance``
    when the phase had never been a primary before the run, else a ``revisit`` (None instead
    when ``backward_only`` and the phase follows the focus in canonical order).
    """

    backward_only: bool = False
    focus: int | None = None
    seen: set[int] = field(default_factory=set)
    previous: tuple[int, int, str | None] | None = None  # (focus, target, event) of a departure

    def next_focus(self, primary: int, keys: Sequence[int] | None) -> int:
        """The focus of a step with this primary phase and window keys (nothing changes)."""
        if self.focus is None:
            return primary
        if keys is None:
            return self.focus
        top = max(keys)
        return self.focus if keys[self.focus] == top else keys.index(top)

    def event(self, primary: int, focus: int) -> tuple[str | None, bool]:
        """The step's event, and whether it continues the previous departure (nothing
        changes)."""
        if primary == focus:
            return None, False
        previous = self.previous
        if previous is not None and previous[0] == focus and previous[1] == primary:
            return previous[2], True
        if primary not in self.seen:
            return ADVANCE, False
        if self.backward_only and primary > focus:
            return None, False
        return REVISIT, False

    def step(self, primary: int, keys: Sequence[int] | None) -> tuple[int, str | None, bool]:
        """Take one step: its focus, its event and whether it continues the previous departure
        (one visit, so one revisit event)."""
        focus = self.next_focus(primary, keys)
        event, continued = self.event(primary, focus)
        if primary == focus:
            self.previous = None
        elif not continued:
            self.previous = (focus, primary, event)
        self.focus = focus
        self.seen.add(primary)
        return focus, event, continued


@dataclass(slots=True)
class CountWindow:
    """The quantised shares of the last ``size`` steps and their per-phase sums, kept up to date
    one step at a time (``keys`` for the step about to come, then ``add`` it)."""

    phases: int
    size: int = DEFAULT_WINDOW
    rows: deque[Sequence[int]] = field(default_factory=deque)
    totals: list[int] = field(init=False)

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("the focus window must be at least one step")
        if any(len(row) != self.phases for row in self.rows):
            raise ValueError("a window row does not have one share per phase")
        while len(self.rows) > self.size:
            self.rows.popleft()
        self.totals = [sum(column) for column in zip(*self.rows, strict=True)] or [0] * self.phases

    def keys(self) -> list[int]:
        """The window keys of the next step: the rounded sums of the last ``size`` steps
        (:func:`round_key`, inlined: the analysis calls this once per commit)."""
        return [(total + ROUNDING_HALF) >> ROUNDING_BITS for total in self.totals]

    def add(self, row: Sequence[int]) -> None:
        """Add a step's quantised shares (one per phase); the oldest step beyond ``size`` goes."""
        if len(row) != self.phases:
            raise ValueError("a window row does not have one share per phase")
        rows = self.rows
        rows.append(row)
        totals = map(add, self.totals, row)
        self.totals = list(map(sub, totals, rows.popleft()) if len(rows) > self.size else totals)


def count_window_keys(rows: Iterable[Sequence[int]], phases: int, size: int) -> Iterator[list[int]]:
    """The window keys of each step of a sequence given as quantised share rows."""
    window = CountWindow(phases, size)
    for row in rows:
        yield window.keys()
        window.add(row)
