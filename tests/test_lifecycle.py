"""The `lifecycle` fixture (the demo project): the miner must reproduce the hand-worked story.

Every expectation here and in ``fixtures/repos/lifecycle.yaml`` was derived by hand from SPEC §3
with the default rules and a focus window of 10 classified commits (the arithmetic is in the
spec's block comments), never pasted from the program's output. Advance vs revisit follows the
README's reading of SPEC §3: a run of consecutive departures to one phase under one focus is one
visit, so when a phase's first visit opens a new block, every commit of the run made while the
focus is still the old phase is an advance; a run into a phase that was primary before is a
revisit event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from spec_phases import PHASES

import miner
from fixtures.build import BuildResult, BuiltCommit
from miner.pipeline.analysis import AnalysedCommit, Analysis
from miner.report import json as json_report

# (from, to, direction, commit ids, reasons), in sequence order.
EXPECTED_EVENTS: list[tuple[str, str, str, list[str], list[str]]] = [
    (
        "data_acquisition",
        "problem_definition",
        "backward",
        ["scope-prepaid"],
        ["requirement_change"],
    ),
    (
        "data_preparation",
        "data_acquisition",
        "backward",
        ["redownload-billing", "billing-lookback"],
        ["bug_fix", "data_issue"],
    ),
    (
        "model_development",
        "data_preparation",
        "backward",
        ["dedup-rows", "resplit"],
        ["bug_fix", "data_issue"],
    ),
    (
        "model_development",
        "management",
        "forward",
        ["dvc-stages", "ci-workflow", "pin-deps", "mlflow-config", "pre-commit", "unit-tests"],
        ["dependency_update"],
    ),
    ("model_deployment", "model_development", "backward", ["class-order"], ["bug_fix"]),
    (
        "monitoring",
        "model_development",
        "backward",
        ["retrain-shift", "evaluate-retrained"],
        ["drift", "model_performance"],
    ),
    ("scalability", "management", "backward", ["bump-pandas"], ["dependency_update"]),
    (
        "scalability",
        "governance_compliance",
        "forward",
        ["model-card", "pseudonymise", "security-policy", "fairness-audit", "codeowners"],
        ["compliance"],
    ),
    ("governance_compliance", "data_preparation", "backward", ["drop-age"], ["compliance"]),
    (
        "governance_compliance",
        "model_development",
        "backward",
        ["retrain-v2", "usage-trend-inputs", "search-v2", "evaluate-region", "patience"],
        ["experiment"],
    ),
    ("model_development", "model_deployment", "forward", ["rollout-v2"], ["unspecified"]),
]

# The revisit matrix R, written cell by cell from the event list above (every other cell is 0).
EXPECTED_R = {
    ("data_acquisition", "problem_definition"): 1,
    ("data_preparation", "data_acquisition"): 1,
    ("model_development", "data_preparation"): 1,
    ("model_development", "management"): 1,
    ("model_development", "model_deployment"): 1,
    ("model_deployment", "model_development"): 1,
    ("monitoring", "model_development"): 1,
    ("scalability", "management"): 1,
    ("scalability", "governance_compliance"): 1,
    ("governance_compliance", "data_preparation"): 1,
    ("governance_compliance", "model_development"): 1,
}

# Commits per primary phase, counted from the story's blocks (see the spec's comments).
EXPECTED_PHASE_COMMITS = {
    "problem_definition": 7,  # s1, s3-s7, s17
    "data_acquisition": 15,  # s8-s16, s18-s21, s32-s33
    "data_preparation": 20,  # s22-s31, s34-s40, s53-s54, s130
    "model_development": 33,  # s41-s52, s55-s60, s85, s99-s100, s134-s143, s145-s146
    "model_deployment": 17,  # s71-s80, s82-s84, s86-s88, s144
    "monitoring": 14,  # s89-s98, s101-s104
    "management": 12,  # s2, s61-s70, s114
    "scalability": 13,  # s105-s113, s115-s118
    "governance_compliance": 15,  # s81, s119-s129, s131-s133
}


@pytest.fixture(scope="module")
def built(built_fixture_result: Callable[[str], BuildResult]) -> BuildResult:
    return built_fixture_result("lifecycle")


@pytest.fixture(scope="module")
def analysis(built: BuildResult) -> Analysis:
    return miner.analyze(str(built.path))


def _commits(built: BuildResult) -> list[BuiltCommit]:
    """The spec's non-merge commits, in build order (= topological order: branches were merged
    without commits on main in between)."""
    return [c for c in built.commits if c.expect.get("skipped") != "merge"]


def _ids(built: BuildResult) -> dict[str, str]:
    return {c.sha: str(c.id) for c in built.commits}


def _per_commit(
    built: BuildResult, analysis: Analysis, field: Callable[[AnalysedCommit], Any]
) -> list[tuple[str, Any]]:
    ids = _ids(built)
    return [(ids[c.record.sha], field(c)) for c in analysis.commits]


def _expected(built: BuildResult, key: str) -> list[tuple[str, Any]]:
    return [(str(c.id), c.expect[key]) for c in _commits(built)]


def test_every_commit_is_analysed_in_build_order_and_merges_are_skipped(
    built: BuildResult, analysis: Analysis
) -> None:
    assert [c.record.sha for c in analysis.commits] == [c.sha for c in _commits(built)]
    merges = [c for c in built.commits if c.expect.get("skipped") == "merge"]
    assert [c.id for c in merges] == [
        "merge-cohort-features",
        "merge-serving-api",
        "merge-drift-report",
    ]


def test_primary_phase_of_every_commit(built: BuildResult, analysis: Analysis) -> None:
    got = _per_commit(built, analysis, lambda c: c.classification.primary or "unclassified")
    assert got == _expected(built, "primary")


def test_commits_are_single_phase_so_window_sums_are_counts(analysis: Analysis) -> None:
    # The hand arithmetic counts each classified commit as one whole vote for its primary phase.
    for commit in analysis.classified:
        assert dict(commit.classification.shares) == {commit.classification.primary: 1.0}


def test_focus_of_every_commit(built: BuildResult, analysis: Analysis) -> None:
    assert _per_commit(built, analysis, lambda c: c.focus) == _expected(built, "focus")


def test_event_of_every_commit(built: BuildResult, analysis: Analysis) -> None:
    assert _per_commit(built, analysis, lambda c: c.event) == _expected(built, "event")


def test_revisit_events(built: BuildResult, analysis: Analysis) -> None:
    ids = _ids(built)
    got = [
        (e.source, e.target, e.direction, [ids[sha] for sha in e.commits], list(e.reasons))
        for e in analysis.sequence.revisit_events
    ]
    assert got == EXPECTED_EVENTS


def test_revisit_matrix(analysis: Analysis) -> None:
    counted = Counter((source, target) for source, target, *_ in EXPECTED_EVENTS)
    assert dict(counted) == EXPECTED_R  # the hand-written matrix agrees with the event list
    expected = pd.DataFrame(0, index=list(PHASES), columns=list(PHASES), dtype="int64")
    for (source, target), count in EXPECTED_R.items():
        expected.loc[source, target] = count
    pd.testing.assert_frame_equal(analysis.matrices.revisits, expected, check_names=False)


_SUMMARY_KEYS = (
    "commits_total",
    "commits_classified",
    "commits_unclassified",
    "merges_skipped",
    "revisit_events",
    "backward_revisit_events",
    "first_commit",
    "last_commit",
    "period_start",
    "period_end",
)


def test_summary(built: BuildResult, analysis: Analysis) -> None:
    summary = analysis.summary
    assert {key: summary[key] for key in _SUMMARY_KEYS} == {
        "commits_total": 149,
        "commits_classified": 146,
        "commits_unclassified": 3,
        "merges_skipped": 3,
        "revisit_events": 11,
        "backward_revisit_events": 8,
        "first_commit": built.by_id("charter").sha,
        "last_commit": built.by_id("retire-baseline").sha,
        "period_start": "2024-01-08T09:30:00+01:00",
        "period_end": "2024-09-23T08:30:00+02:00",
    }
    assert summary["revisit_rate"] == pytest.approx(11 / 146)


def test_commits_per_phase(analysis: Analysis) -> None:
    stats = analysis.phase_stats.set_index("phase")["commits"]
    assert {phase: int(stats[phase]) for phase in PHASES} == EXPECTED_PHASE_COMMITS


def test_story_shape(built: BuildResult, analysis: Analysis) -> None:
    """~150 commits over ~9 months by four fixed people: what `make demo` shows first."""
    assert len(built.commits) == 152
    assert sorted({c.record.author for c in analysis.commits}) == [
        "Ana Lima",
        "Ben Okafor",
        "Chloé Martin",
        "Dev Patel",
    ]
    visited = {c.classification.primary for c in analysis.classified}
    assert visited == set(PHASES)


def test_analysis_json_is_byte_identical_across_runs(
    built: BuildResult, analysis: Analysis
) -> None:
    again = miner.analyze(str(built.path))
    assert json_report.render(again) == json_report.render(analysis)
