"""``miner report`` called in-process: formats, gates and exit codes, the store's location,
capped Markdown, shallow clones, bad input as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.bench_incremental import grow
from miner.cli import main

EXPECTED_GATE_LINES = [
    "miner: gate tripped: revisit_events > 30 (revisit_events = 33 in 2020-10)",
    "miner: gate tripped: phase_share[monitoring] < 0.1 "
    "(phase_share[monitoring] = 0.0883978 in 2020-10)",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 hourly commits from 2020-09-13 to 2020-10-08 (synthetic, see the benchmark)."""
    path = tmp_path_factory.mktemp("report") / "project"
    grow(path, 600, first=0, seed=1)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report(project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cache = tmp_path / "store.sqlite"
    code, out, err = run(capsys, str(project), "--format", "json", "--cache", str(cache))
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["kind"] == "period_report"
    assert (document["current"]["label"], document["previous"]["label"]) == ("2020-10", "2020-09")
    assert (document["current"]["start"], document["current"]["end"]) == (
        "2020-10-01",
        "2020-11-01",
    )
    assert document["current"]["revisit_events"] == len(document["new_revisit_events"]) == 33
    assert [p["label"] for p in document["periods"]] == ["2020-09", "2020-10"]
    assert document["history"] == {
        "commits_seen": 600,
        "first_commit_date": "2020-09-13T12:26:40+00:00",
        "shallow": False,
    }
    options = document["analysis"]["options"]
    assert "cache" not in options and "use_cache" not in options
    assert cache.is_file()
    again = run(capsys, str(project), "--format", "json", "--cache", str(cache))
    assert again == (0, out, "")
    assert run(capsys, str(project), "--format", "json", "--no-cache") == (0, out, "")


def test_the_store_defaults_to_the_git_dir_and_no_cache_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "small"
    grow(path, 40, first=0, seed=4)
    assert run(capsys, str(path), "--format", "json", "--no-cache")[0] == 0
    assert not (path / ".git" / "miner").exists()
    assert run(capsys, str(path), "--format", "json")[0] == 0
    assert (path / ".git" / "miner" / "cache.sqlite").is_file()


def test_gates_exit_1_with_one_line_each_after_the_report(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        str(project),
        "--format",
        "markdown",
        "--no-cache",
        "--fail-on",
        "revisit_events > 30",
        "--fail-on",
        "revisit_rate >= 0.5",
        "--fail-on",
        "phase_share[monitoring]<0.1",
    )
    assert code == 1
    assert err.splitlines() == EXPECTED_GATE_LINES
    assert "| revisit_rate &gt;= 0.5 | 0.18232 | passed |" in out
    assert "| revisit_events &gt; 30 | 33 | TRIPPED |" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--fail-on", "revisit_rate"],
            "miner: error: --fail-on 'revisit_rate': expected METRIC OP NUMBER, e.g. "
            "revisit_rate>0.35 (OP: < <= > >= == !=; join conditions with 'and')",
        ),
        (
            ["--fail-on", "phase_share[monitor]<1"],
            "miner: error: --fail-on 'phase_share[monitor]<1': unknown phase 'monitor' "
            "(phases: problem_definition, data_acquisition, data_preparation, "
            "model_development, model_deployment, monitoring, management, scalability, "
            "governance_compliance)",
        ),
        (
            ["--as-of", "yesterday"],
            "miner: error: --as-of must be a date like 2024-03-31, not 'yesterday'",
        ),
        (
            ["--period", "year"],
            "miner: error: argument --period: invalid choice: 'year' "
            "(choose from 'week', 'month', 'quarter')",
        ),
        (
            ["--cache", "x.sqlite", "--no-cache"],
            "miner: error: argument --cache: not allowed with argument --no-cache",
        ),
        (
            ["--since", "2030-01-01"],
            "miner: error: no commits in the analysed range: give --as-of DATE to report on it",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(capsys, str(project), "--no-cache", *args) == (2, "", message + "\n")


def test_markdown_caps_long_lists(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(project), "--format", "markdown", "--no-cache")
    assert code == 0
    assert "### New revisit events in 2020-10 (33)" in out
    assert "… and 13 more: see the JSON report." in out
    code, weekly, _ = run(
        capsys,
        str(project),
        "--period",
        "week",
        "--as-of",
        "2021-06-01",
        "--format",
        "markdown",
        "--no-cache",
    )
    assert code == 0
    assert weekly.startswith("## MLOps workflow report: 2021-W22 against 2021-W21 (weeks)")
    assert "Only the last 24 of 39 weeks are shown: see the JSON report for all." in weekly
    assert "No revisit events in this period." in weekly
    assert len(weekly.encode()) < 64 * 1024


def test_terminal_report_to_a_file(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "report.txt"
    code, out, err = run(
        capsys,
        str(project),
        "--no-cache",
        "--period",
        "quarter",
        "--output",
        str(output),
        "--fail-on",
        "commits>0",
    )
    assert (code, out) == (1, "")
    assert err == "miner: gate tripped: commits > 0 (commits = 181 in 2020-Q4)\n"
    text = output.read_text(encoding="utf-8")
    assert text.startswith("MLOps workflow report: 2020-Q4 against 2020-Q3 (quarters)\n")
    assert "history seen: 600 commits from 2020-09-13 to 2020-10-08" in text
    assert "\x1b[" not in text


def test_a_shallow_clone_says_how_much_was_seen(
    shallow_clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(shallow_clone), "--format", "markdown", "--no-cache")
    assert (code, err) == (0, "")
    assert "| history seen | shallow clone: only " in out
    assert "`fetch-depth: 0` (actions/checkout), `GIT_DEPTH: 0` (GitLab CI)" in out
    code, out, _ = run(capsys, str(shallow_clone), "--format", "json", "--no-cache")
    assert json.loads(out)["history"]["shallow"] is True
