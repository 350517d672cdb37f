"""Period-over-period views of one analysis: weeks, months or quarters, current against previous.

Bucketing: a commit belongs to the period of its *author date in its own offset* (the calendar
day its author saw: a commit made Monday 00:30 +02:00 is in Monday's week although it is still
Sunday in UTC). Weeks are ISO weeks (Monday to Sunday, labelled ``2024-W09`` with the ISO
year), months are calendar months (``2024-03``), quarters start in January, April, July and
October (``2024-Q1``).

A revisit event belongs to the period its first commit belongs to. Events are found over the
whole analysed range (a focus window does not restart at a period boundary), then counted per
period; the revisit rate of a period is its events / its classified commits. The SPEC §5
statistics of the current period are computed on the current period's commits alone, as a
history of their own (there, focus starts afresh at the period's first commit).

The *current* period is the one holding ``as_of`` (``--as-of``), by default the one holding the
newest author date among the analysed commits, so the same history always gives the same
report; the *previous* period is the calendar period before it, empty or not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from miner.errors import UsageError

if TYPE_CHECKING:
    from miner.pipeline.analysis import AnalysedCommit, Analysis
    from miner.sequence.revisits import RevisitEvent

PeriodUnit = Literal["week", "month", "quarter"]
UNITS: tuple[str, ...] = get_args(PeriodUnit)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """``[start, end)`` in calendar days; ``unit`` is week, month or quarter."""

    start: date
    end: date
    unit: str

    @property
    def label(self) -> str:
        if self.unit == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.unit == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    def following(self) -> Period:
        return period_of(self.end, self.unit)

    def preceding(self) -> Period:
        return period_of(self.start - timedelta(days=1), self.unit)


# Every period of a report and its neighbours must be dates: a quarter holding 9999-12-31 would
# end in year 10000. Days outside these bounds are refused (one line), never a crash.
FIRST_REPORTABLE_DAY = date(2, 1, 1)
LAST_REPORTABLE_DAY = date(9998, 12, 31)


def check_reportable(day: date, what: str, *, hint: str = "") -> date:
    """``day`` itself, or UsageError when a period report cannot cover it."""
    if not FIRST_REPORTABLE_DAY <= day <= LAST_REPORTABLE_DAY:
        raise UsageError(
            f"{what} {day.isoformat()} is outside the days a period report covers "
            f"({FIRST_REPORTABLE_DAY.isoformat()} to {LAST_REPORTABLE_DAY.isoformat()}){hint}"
        )
    return day


def period_of(day: date, unit: str) -> Period:
    """The period of ``unit`` holding the calendar day ``day``."""
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=7), unit)
    if unit == "month":
        return Period(date(day.year, day.month, 1), _add_months(day.year, day.month, 1), unit)
    if unit == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return Period(date(day.year, first, 1), _add_months(day.year, first, 3), unit)
    raise UsageError(f"--period must be one of {', '.join(UNITS)}, not {unit!r}")


def _add_months(year: int, month: int, months: int) -> date:
    index = year * 12 + month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods_from(first: Period, last: Period) -> list[Period]:
    """Every period from ``first`` to ``last``, both included, oldest first."""
    periods = [first]
    while periods[-1] < last:
        periods.append(periods[-1].following())
    return periods


def commit_day(commit: AnalysedCommit) -> date:
    """The author's own calendar day (the date in the commit's recorded offset)."""
    return commit.record.authored_at.date()


@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """One period's numbers. ``phase_commits``: commits per primary phase, every phase, in
    canonical order; ``revisit_events``: the events that started in the period."""

    period: Period
    commits: int
    classified: int
    phase_commits: Mapping[str, int]
    revisit_events: tuple[RevisitEvent, ...]

    @property
    def backward_revisit_events(self) -> int:
        return sum(e.direction == "backward" for e in self.revisit_events)

    @property
    def forward_revisit_events(self) -> int:
        return sum(e.direction == "forward" for e in self.revisit_events)

    @property
    def revisit_rate(self) -> float | None:
        """Revisit events per classified commit; None for a period with no classified commit."""
        return len(self.revisit_events) / self.classified if self.classified else None

    def phase_share(self, phase: str) -> float | None:
        """The phase's share of the period's classified commits (by primary phase)."""
        return self.phase_commits[phase] / self.classified if self.classified else None

    def revisits_to(self, phase: str) -> int:
        return sum(e.target == phase for e in self.revisit_events)

    def revisits_from(self, phase: str) -> int:
        return sum(e.source == phase for e in self.revisit_events)

    def reason_events(self, reason: str) -> int:
        return sum(reason in e.reasons for e in self.revisit_events)


@dataclass(frozen=True, slots=True)
class PhaseChange:
    """A phase's commits and share, previous period against current. ``change`` is in share
    points (0.05 = five percentage points); None when either period has no classified commit."""

    phase: str
    previous_commits: int
    current_commits: int
    previous_share: float | None
    current_share: float | None

    @property
    def change(self) -> float | None:
        if self.previous_share is None or self.current_share is None:
            return None
        return self.current_share - self.previous_share


def difference(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


@dataclass(frozen=True)
class PeriodReport:
    """The whole range's analysis, cut into periods.

    ``periods``: every calendar period from the first commit's to the latest of the current and
    the last commit's, oldest first (empty periods included, with zeros). ``current_analysis``:
    the current period's commits analysed on their own (its statistics are SPEC §5's).
    """

    analysis: Analysis
    unit: str
    periods: tuple[PeriodSummary, ...]
    current: PeriodSummary
    previous: PeriodSummary
    current_analysis: Analysis

    @property
    def phase_changes(self) -> tuple[PhaseChange, ...]:
        """One per phase, in canonical order."""
        return tuple(
            PhaseChange(
                phase,
                self.previous.phase_commits[phase],
                self.current.phase_commits[phase],
                self.previous.phase_share(phase),
                self.current.phase_share(phase),
            )
            for phase in self.analysis.phases
        )

    @property
    def revisit_events_change(self) -> int:
        return len(self.current.revisit_events) - len(self.previous.revisit_events)

    @property
    def revisit_rate_change(self) -> float | None:
        return difference(self.current.revisit_rate, self.previous.revisit_rate)

    @property
    def rate_changes(self) -> tuple[float | None, ...]:
        """Per period (aligned with ``periods``): its revisit rate minus the one before it
        (None for the first period, or when either rate is undefined)."""
        rates = [s.revisit_rate for s in self.periods]
        return (None, *(difference(b, a) for a, b in itertools.pairwise(rates)))

    @property
    def grew(self) -> tuple[PhaseChange, ...]:
        """Phases whose share grew, largest growth first (canonical order among equals)."""
        rising = [c for c in self.phase_changes if c.change is not None and c.change > 0]
        return tuple(sorted(rising, key=lambda c: -(c.change or 0.0)))

    @property
    def shrank(self) -> tuple[PhaseChange, ...]:
        """Phases whose share shrank, largest drop first."""
        falling = [c for c in self.phase_changes if c.change is not None and c.change < 0]
        return tuple(sorted(falling, key=lambda c: c.change or 0.0))


def period_report(analysis: Analysis, unit: str, *, as_of: date | None = None) -> PeriodReport:
    """Cut ``analysis`` into periods of ``unit`` and compare the current one with the previous.

    Raises UsageError for an unknown unit, or when there is neither a commit nor ``as_of`` to
    say which period is current.
    """
    from miner.pipeline.analysis import build_analysis
    from miner.pipeline.mine import MiningCounts

    period_of(date(2000, 1, 1), unit)  # validates the unit
    commits = analysis.commits
    if as_of is None:
        if not commits:
            raise UsageError("no commits in the analysed range: give --as-of DATE to report on it")
        newest = max(commits, key=lambda c: c.record.authored_at)
        as_of = commit_day(newest)
    days = [commit_day(c) for c in commits]
    for day in (min(days), max(days)) if days else ():
        check_reportable(day, "a commit dated", hint=": leave it out with --since or --until")
    current = period_of(check_reportable(as_of, "--as-of"), unit)
    first = period_of(min(days), unit) if days else current
    last = max(current, period_of(max(days), unit)) if days else current
    periods = periods_from(min(first, current.preceding()), last)
    summaries = summarise(analysis, periods)
    by_period = {s.period: s for s in summaries}
    in_current = [c for c in commits if current.start <= commit_day(c) < current.end]
    current_analysis = build_analysis(
        analysis.repository,
        analysis.options,
        analysis.rules,
        [(c.record, c.classification) for c in in_current],
        MiningCounts(),
    )
    return PeriodReport(
        analysis=analysis,
        unit=unit,
        periods=tuple(summaries),
        current=by_period[current],
        previous=by_period[current.preceding()],
        current_analysis=current_analysis,
    )


def summarise(analysis: Analysis, periods: Iterable[Period]) -> list[PeriodSummary]:
    """Numbers per period, for the given consecutive periods (commits outside them ignored)."""
    periods = list(periods)
    unit = periods[0].unit if periods else "month"
    phases = analysis.phases
    commits: dict[Period, list[AnalysedCommit]] = {p: [] for p in periods}
    for commit in analysis.commits:
        bucket = commits.get(period_of(commit_day(commit), unit))
        if bucket is not None:
            bucket.append(commit)
    events: dict[Period, list[RevisitEvent]] = {p: [] for p in periods}
    for event in analysis.sequence.revisit_events:
        bucket_events = events.get(period_of(event.start.date(), unit))
        if bucket_events is not None:
            bucket_events.append(event)
    return [
        PeriodSummary(
            period=period,
            commits=len(commits[period]),
            classified=sum(c.classification.classified for c in commits[period]),
            phase_commits=_phase_counts(commits[period], phases),
            revisit_events=tuple(events[period]),
        )
        for period in periods
    ]


def _phase_counts(commits: Iterable[AnalysedCommit], phases: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(phases, 0)
    for commit in commits:
        primary = commit.classification.primary
        if primary is not None:
            counts[primary] += 1
    return counts
