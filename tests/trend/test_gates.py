"""``--fail-on`` gates: parsing, every operator at its boundary, every metric, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_periods import HISTORY, MODEL, MONITOR, PREP, analysis_of

import miner.trend.gates
from miner.cli import main
from miner.errors import UsageError
from miner.trend.gates import (
    METRICS,
    MIN_SAMPLES,
    Condition,
    Gate,
    evaluate,
    metric_value,
    parse_gate,
    parse_gates,
    parse_min_samples,
)
from miner.trend.periods import PeriodReport, period_report

NO_MINIMUM = dict.fromkeys(MIN_SAMPLES, 0)


@pytest.fixture(scope="module")
def april() -> PeriodReport:
    """April 2024 (2 commits: monitoring, model; 1 backward revisit) against an empty March."""
    return period_report(analysis_of(HISTORY), "month")


@pytest.fixture(scope="module")
def february() -> PeriodReport:
    """February (3 commits, 2 classified, both model; 1 forward revisit) against January (3
    classified: prep, model, prep; 1 backward revisit)."""
    return period_report(analysis_of(HISTORY), "month", as_of=date(2024, 2, 1))


@pytest.mark.parametrize(
    ("text", "metric", "arg", "op", "threshold"),
    [
        ("revisit_rate>0.35", "revisit_rate", None, ">", 0.35),
        ("  backward_revisit_events >= 10 ", "backward_revisit_events", None, ">=", 10.0),
        ("phase_share[monitoring]<0.02", "phase_share", "monitoring", "<", 0.02),
        ("phase_share[ monitoring ] <= 2%", "phase_share", "monitoring", "<=", 0.02),
        ("revisit_events_change==-3", "revisit_events_change", None, "==", -3.0),
        ("commits!=1e2", "commits", None, "!=", 100.0),
    ],
)
def test_parse(text: str, metric: str, arg: str | None, op: str, threshold: float) -> None:
    assert parse_gate(text) == Gate(text, (Condition(metric, arg, op, threshold),))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "revisit_rate",
            "--fail-on 'revisit_rate': expected METRIC OP NUMBER, e.g. "
            "revisit_rate>0.35 (OP: < <= > >= == !=; join conditions with 'and')",
        ),
        (
            "revisit_rate => 1",
            "--fail-on 'revisit_rate => 1': expected METRIC OP NUMBER, e.g. "
            "revisit_rate>0.35 (OP: < <= > >= == !=; join conditions with 'and')",
        ),
        (
            "revisit_rate > lots",
            "--fail-on 'revisit_rate > lots': the threshold must be a number (digits 0-9), "
            "not 'lots'",
        ),
        (
            "revisit_rate > nan",
            "--fail-on 'revisit_rate > nan': the threshold must be a number (digits 0-9), "
            "not 'nan'",
        ),
        (
            "revisit_rate > 1e999",
            "--fail-on 'revisit_rate > 1e999': the threshold must be a finite number, not '1e999'",
        ),
        (
            "revisit_rate[model_development] > 1",
            "--fail-on 'revisit_rate[model_development] > 1': revisit_rate takes no [argument]",
        ),
        (
            "phase_share < 0.1",
            "--fail-on 'phase_share < 0.1': phase_share needs an argument: phase_share[PHASE]",
        ),
        (
            "reason_events > 1",
            "--fail-on 'reason_events > 1': reason_events needs an argument: reason_events[REASON]",
        ),
    ],
)
def test_invalid_expressions_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_gate(text)
    assert str(raised.value) == message
    assert raised.value.exit_code == 2


def test_unknown_metric_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown metric 'revisits' \(known: commits, "):
        parse_gate("revisits > 1")


@pytest.mark.parametrize(
    ("op", "threshold", "tripped"),
    [
        ("<", 0.5, False),
        ("<", 0.6, True),
        ("<=", 0.5, True),
        ("<=", 0.4, False),
        (">", 0.5, False),
        (">", 0.4, True),
        (">=", 0.5, True),
        (">=", 0.6, False),
        ("==", 0.5, True),
        ("==", 0.4, False),
        ("!=", 0.5, False),
        ("!=", 0.4, True),
    ],
)
def test_every_operator_at_its_boundary(
    april: PeriodReport, op: str, threshold: float, tripped: bool
) -> None:
    gates = parse_gates([f"revisit_rate {op} {threshold}"])
    (result,) = evaluate(gates, april, min_samples=NO_MINIMUM)
    assert result.value == 0.5
    assert result.tripped is tripped


EXPECTED_APRIL = {
    "commits": 2,
    "classified_commits": 2,
    "unclassified_commits": 0,
    "revisit_events": 1,
    "backward_revisit_events": 1,
    "forward_revisit_events": 0,
    "revisit_rate": 0.5,
    "revisit_events_change": 1,
    "revisit_rate_change": None,  # March has no classified commit
    f"phase_commits[{MONITOR}]": 1,
    f"phase_share[{MODEL}]": 0.5,
    f"phase_share_change[{MODEL}]": None,
    f"revisits_to[{MODEL}]": 1,
    f"revisits_from[{MONITOR}]": 1,
    "reason_events[unspecified]": 1,
}
EXPECTED_FEBRUARY = {
    "commits": 3,
    "classified_commits": 2,
    "unclassified_commits": 1,
    "revisit_events": 1,
    "backward_revisit_events": 0,
    "forward_revisit_events": 1,
    "revisit_rate": 0.5,
    "revisit_events_change": 0,
    "revisit_rate_change": 0.5 - 1 / 3,
    f"phase_commits[{PREP}]": 0,
    f"phase_share[{MODEL}]": 1.0,
    f"phase_share_change[{PREP}]": -2 / 3,
    f"revisits_to[{MODEL}]": 1,
    f"revisits_from[{PREP}]": 1,
    "reason_events[bug_fix]": 0,
}


@pytest.mark.parametrize("expected", [EXPECTED_APRIL, EXPECTED_FEBRUARY], ids=["apr", "feb"])
def test_every_metric(request: pytest.FixtureRequest, expected: dict[str, float | None]) -> None:
    report = request.getfixturevalue("april" if expected is EXPECTED_APRIL else "february")
    assert {name.split("[")[0] for name in expected} == set(METRICS)
    for name, value in expected.items():
        actual = metric_value(parse_gate(f"{name} > 0"), report)
        assert actual == (value if value is None else pytest.approx(value)), name


def test_undefined_metrics_trip_nothing(april: PeriodReport) -> None:
    gates = parse_gates(["revisit_rate_change > -1", "revisit_rate_change < 1"])
    results = evaluate(gates, april, min_samples=NO_MINIMUM)
    assert [(r.value, r.tripped) for r in results] == [(None, False), (None, False)]
    assert results[0].describe("2024-04") == (
        "revisit_rate_change > -1 (revisit_rate_change = undefined in 2024-04)"
    )


def test_describe_a_tripped_gate(april: PeriodReport) -> None:
    (result,) = evaluate(
        parse_gates(["phase_share[monitoring]>=0.5"]), april, min_samples=NO_MINIMUM
    )
    assert result.tripped
    assert result.describe("2024-04") == (
        "phase_share[monitoring] >= 0.5 (phase_share[monitoring] = 0.5 in 2024-04)"
    )


def test_unknown_phase_or_reason_is_a_usage_error(april: PeriodReport) -> None:
    with pytest.raises(UsageError, match=r"unknown phase 'monitorin' \(phases: problem_definition"):
        evaluate(parse_gates(["phase_share[monitorin] < 0.1"]), april)
    with pytest.raises(UsageError, match=r"unknown reason 'typo' \(reasons: .*unspecified\)"):
        evaluate(parse_gates(["reason_events[typo] > 1"]), april)


def test_every_metric_is_documented() -> None:
    doc = miner.trend.gates.__doc__ or ""
    for name in METRICS:
        assert f"``{name}" in doc, name


def test_every_metric_documents_its_minimum_sample() -> None:
    doc = miner.trend.gates.__doc__ or ""
    assert set(MIN_SAMPLES) == set(METRICS)
    for name, minimum in MIN_SAMPLES.items():
        (line,) = [
            line
            for line in doc.splitlines()
            if line.startswith((f"``{name}`` ", f"``{name}[")) and "``  " in line
        ]
        assert line.split()[-1] == str(minimum), name


def test_a_gate_on_too_small_a_sample_reports_not_enough_data(april: PeriodReport) -> None:
    (result,) = evaluate(parse_gates(["revisit_rate > 0.35"]), april)
    assert (result.value, result.tripped) == (0.5, False)
    assert result.verdict == "not enough data (revisit_rate: 2 of 20 classified commits)"
    (counted,) = evaluate(parse_gates(["commits >= 2"]), april)
    assert counted.tripped  # commit counts need no minimum


def test_a_minimum_sample_can_be_changed(april: PeriodReport) -> None:
    chosen = parse_min_samples(["revisit_rate=2"])
    (result,) = evaluate(parse_gates(["revisit_rate > 0.35"]), april, min_samples=chosen)
    assert result.tripped
    for bad, message in (
        ("revisit_rate", "expected METRIC=N"),
        ("typo=3", "expected METRIC=N"),
        ("revisit_rate=\uff15", r"must be a whole number \(digits 0-9\)"),
        ("revisit_rate=-1", "must be a whole number"),
    ):
        with pytest.raises(UsageError, match=message):
            parse_min_samples([bad])


def test_conditions_joined_by_and_must_all_hold(april: PeriodReport) -> None:
    both = parse_gate("revisit_rate > 0.35 and commits >= 2")
    assert both.conditions == (
        Condition("revisit_rate", None, ">", 0.35),
        Condition("commits", None, ">=", 2.0),
    )
    one_false = parse_gate("revisit_rate > 0.35 and commits >= 3")
    results = evaluate((both, one_false), april, min_samples=NO_MINIMUM)
    assert [r.verdict for r in results] == ["TRIPPED", "passed"]
    assert results[0].describe("2024-04") == (
        "revisit_rate > 0.35 and commits >= 2 (revisit_rate = 0.5, commits = 2 in 2024-04)"
    )
    # a false condition decides even when another lacks data; a lacking one blocks a trip
    short = evaluate(parse_gates(["revisit_rate > 0.35 and commits >= 3"]), april)
    assert short[0].verdict == "passed"
    unsure = evaluate(parse_gates(["revisit_rate > 0.35 and commits >= 2"]), april)
    assert unsure[0].verdict.startswith("not enough data") and not unsure[0].tripped
    with pytest.raises(UsageError, match="join conditions with 'and'"):
        parse_gate("revisit_rate > 0.35 and")


def test_report_on_a_six_commit_repository_does_not_trip_a_rate_gate(
    make_repo: Callable[[dict[str, Any]], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        {
            "spacing": "1d",
            "commits": [
                {"message": f"Train model {i}", "write": {f"src/models/m{i}.py": "fit()\n"}}
                for i in range(6)
            ],
        }
    )
    argv = ["report", str(repo), "--no-cache", "--format", "markdown"]
    gate = ["--fail-on", "revisit_rate >= 0"]
    assert main([*argv, *gate]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "not enough data (revisit_rate: 6 of 20 classified commits)" in out
    assert main([*argv, *gate, "--gate-min-sample", "revisit_rate=6"]) == 1
    assert capsys.readouterr().err == (
        "miner: gate tripped: revisit_rate >= 0 (revisit_rate = 0 in 2024-01)\n"
    )
