"""Periods: bucketing (ISO weeks, months, quarters, in each commit's own offset) and the
current-against-previous comparison, on literal commits with hand-computed expectations."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from miner.classify.records import Classification
from miner.errors import UsageError
from miner.history.records import CommitRecord
from miner.history.repository import RepositoryInfo
from miner.pipeline.analysis import Analysis, build_analysis
from miner.pipeline.mine import MiningCounts
from miner.pipeline.options import AnalysisOptions
from miner.rules.load import load_rules
from miner.trend.periods import Period, period_of, period_report, periods_from

PREP, MODEL, MONITOR = "data_preparation", "model_development", "monitoring"


def record(sha: str, when: str, message: str = "work") -> CommitRecord:
    moment = datetime.fromisoformat(when)
    return CommitRecord(sha, (), "Ann", "ann@example.com", moment, moment, message, ())


def classified(phase: str | None, reasons: tuple[str, ...] = ()) -> Classification:
    if phase is None:
        return Classification(None, (), {}, (), reasons, "none")
    return Classification(phase, (phase,), {phase: 1.0}, (), reasons, "rules")


def analysis_of(commits: list[tuple[str, str, str | None]]) -> Analysis:
    """Commits (sha, author date, primary phase) in sequence order; window 1, so the focus is
    the previous commit's phase and every return to an earlier phase is one revisit event."""
    pairs = [(record(sha, when), classified(phase)) for sha, when, phase in commits]
    info = RepositoryInfo("repo", "repo/.git", "f" * 40, "main", False)
    return build_analysis(info, AnalysisOptions(window=1), load_rules(), pairs, MiningCounts())


HISTORY = [
    ("a" * 40, "2024-01-05T10:00:00+00:00", PREP),
    ("b" * 40, "2024-01-10T10:00:00+00:00", MODEL),
    ("c" * 40, "2024-01-20T10:00:00+00:00", PREP),  # revisit prep <- model (backward), January
    # 1 March in UTC, February for its author; revisit model <- prep (forward), February
    ("d" * 40, "2024-02-29T23:30:00-08:00", MODEL),
    ("e" * 40, "2024-02-10T10:00:00+00:00", MODEL),
    ("0" * 40, "2024-02-11T10:00:00+00:00", None),  # unclassified: counted, never sequenced
    ("f" * 40, "2024-04-02T10:00:00+00:00", MONITOR),  # first visit: an advance
    ("1" * 40, "2024-04-03T10:00:00+00:00", MODEL),  # revisit model <- monitoring (backward)
]


@pytest.mark.parametrize(
    ("day", "unit", "start", "end", "label"),
    [
        (date(2024, 3, 10), "week", date(2024, 3, 4), date(2024, 3, 11), "2024-W10"),  # Sunday
        (date(2024, 3, 11), "week", date(2024, 3, 11), date(2024, 3, 18), "2024-W11"),  # Monday
        (date(2024, 12, 30), "week", date(2024, 12, 30), date(2025, 1, 6), "2025-W01"),
        (date(2021, 1, 3), "week", date(2020, 12, 28), date(2021, 1, 4), "2020-W53"),
        (date(2024, 1, 31), "month", date(2024, 1, 1), date(2024, 2, 1), "2024-01"),
        (date(2024, 2, 29), "month", date(2024, 2, 1), date(2024, 3, 1), "2024-02"),
        (date(2024, 12, 31), "month", date(2024, 12, 1), date(2025, 1, 1), "2024-12"),
        (date(2024, 3, 31), "quarter", date(2024, 1, 1), date(2024, 4, 1), "2024-Q1"),
        (date(2024, 4, 1), "quarter", date(2024, 4, 1), date(2024, 7, 1), "2024-Q2"),
        (date(2024, 12, 31), "quarter", date(2024, 10, 1), date(2025, 1, 1), "2024-Q4"),
    ],
)
def test_period_boundaries(day: date, unit: str, start: date, end: date, label: str) -> None:
    period = period_of(day, unit)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.following().start == end
    assert period.following().preceding() == period


@pytest.mark.parametrize(
    ("when", "unit", "label"),
    [
        # Late evening west of UTC: already the next month/week/quarter in UTC, not for its author.
        ("2024-03-31T23:30:00-05:00", "month", "2024-03"),
        ("2024-03-31T23:30:00-05:00", "quarter", "2024-Q1"),
        ("2024-03-10T23:30:00-05:00", "week", "2024-W10"),
        # Just after midnight east of UTC: still the previous day in UTC.
        ("2024-04-01T00:30:00+02:00", "month", "2024-04"),
        ("2024-04-01T00:30:00+02:00", "quarter", "2024-Q2"),
        ("2024-03-11T00:30:00+14:00", "week", "2024-W11"),
    ],
)
def test_commits_fall_in_the_period_of_their_own_offset(when: str, unit: str, label: str) -> None:
    report = period_report(analysis_of([("a" * 40, when, PREP)]), unit)
    assert report.current.period.label == label
    assert report.current.commits == 1


def test_unknown_unit_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--period must be one of week, month, quarter"):
        period_of(date(2024, 1, 1), "year")


def test_periods_from_lists_every_period_between() -> None:
    first, last = period_of(date(2024, 11, 5), "month"), period_of(date(2025, 2, 1), "month")
    assert [p.label for p in periods_from(first, last)] == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]


def test_current_is_the_newest_commits_period_and_previous_may_be_empty() -> None:
    report = period_report(analysis_of(HISTORY), "month")
    assert [p.period.label for p in report.periods] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert [(p.commits, p.classified, len(p.revisit_events)) for p in report.periods] == [
        (3, 3, 1),
        (3, 2, 1),
        (0, 0, 0),
        (2, 2, 1),
    ]
    assert report.current.period.label == "2024-04"
    assert report.previous.period.label == "2024-03"
    assert report.current.revisit_rate == 0.5
    assert report.previous.revisit_rate is None
    assert report.revisit_rate_change is None
    assert report.revisit_events_change == 1
    assert report.rate_changes == (None, pytest.approx(0.5 - 1 / 3), None, None)
    (event,) = report.current.revisit_events
    assert (event.source, event.target, event.direction) == (MONITOR, MODEL, "backward")
    assert report.current.backward_revisit_events == 1
    assert report.current.phase_commits == {
        **dict.fromkeys(report.analysis.phases, 0),
        MONITOR: 1,
        MODEL: 1,
    }
    assert report.current_analysis.summary["commits_total"] == 2


def test_as_of_picks_the_current_period_and_phase_changes_follow() -> None:
    report = period_report(analysis_of(HISTORY), "month", as_of=date(2024, 2, 15))
    assert (report.current.period.label, report.previous.period.label) == ("2024-02", "2024-01")
    assert report.current.phase_share(MODEL) == 1.0
    assert report.previous.phase_share(MODEL) == pytest.approx(1 / 3)
    assert report.revisit_rate_change == pytest.approx(0.5 - 1 / 3)
    assert [c.phase for c in report.grew] == [MODEL]
    assert [c.phase for c in report.shrank] == [PREP]
    assert report.grew[0].change == pytest.approx(2 / 3)
    assert report.shrank[0].change == pytest.approx(-2 / 3)
    assert report.current.revisits_to(PREP) == 0
    assert report.current.revisits_to(MODEL) == 1
    assert report.current.forward_revisit_events == 1
    assert report.previous.revisits_to(PREP) == 1
    assert report.previous.revisits_from(MODEL) == 1
    assert report.previous.reason_events("unspecified") == 1


def test_periods_run_to_the_last_commit_when_as_of_is_earlier() -> None:
    report = period_report(analysis_of(HISTORY), "quarter", as_of=date(2024, 1, 1))
    assert [p.period.label for p in report.periods] == ["2023-Q4", "2024-Q1", "2024-Q2"]
    assert report.previous.commits == 0
    assert report.current.commits == 6


def test_weeks_of_a_quiet_history_include_the_empty_ones() -> None:
    report = period_report(analysis_of(HISTORY[:3]), "week")
    assert [p.period.label for p in report.periods] == ["2024-W01", "2024-W02", "2024-W03"]
    assert [p.commits for p in report.periods] == [1, 1, 1]


def test_an_empty_range_needs_as_of() -> None:
    empty = analysis_of([])
    with pytest.raises(UsageError, match="no commits in the analysed range: give --as-of DATE"):
        period_report(empty, "month")
    report = period_report(empty, "month", as_of=date(2024, 5, 5))
    assert [p.period.label for p in report.periods] == ["2024-04", "2024-05"]
    assert report.current.revisit_rate is None


def test_period_ordering_is_by_start() -> None:
    assert Period(date(2024, 1, 1), date(2024, 2, 1), "month") < period_of(
        date(2024, 2, 2), "month"
    )
