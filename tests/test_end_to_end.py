"""End to end: golden outputs per format, real histories, and this project's own repository.

Golden files live in tests/golden/; regenerate them with `pytest --update-golden` after an
intended change, and read the diff before committing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from miner.cli import main

GOLDEN = Path(__file__).parent / "golden"
PROJECT = Path(__file__).resolve().parents[1]
SMALL_HISTORIES = (
    "e2e-taxi-ride-duration-prediction",
    "fsdl-text-recognizer-2022",
    "mlops-zoomcamp",
)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> str:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    return captured.out


def check_golden(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("terminal", "txt"), ("json", "json"), ("markdown", "md")]
)
def test_edge_golden(
    capsys: pytest.CaptureFixture[str],
    built_fixture: Callable[[str], Path],
    update_golden: bool,
    fmt: str,
    suffix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = built_fixture("edge")
    # Given relative to its folder, the repository shows the same in every run (the report
    # prints the path as given, padded to the panel's width).
    monkeypatch.chdir(repo.parent)
    out = run(capsys, "analyze", repo.name, "--format", fmt, "--no-cache")
    check_golden(f"edge.{suffix}", out, update_golden)


def test_edge_commits_golden(
    capsys: pytest.CaptureFixture[str], built_fixture: Callable[[str], Path], update_golden: bool
) -> None:
    check_golden(
        "edge.commits.jsonl",
        run(capsys, "commits", built_fixture("edge"), "--format", "jsonl"),
        update_golden,
    )


def assert_spec_invariants(document: dict[str, object]) -> None:
    matrices = document["matrices"]
    summary = document["summary"]
    assert isinstance(matrices, dict) and isinstance(summary, dict)
    revisits = np.array(matrices["revisits"]["data"])
    transitions = np.array(matrices["transitions"]["data"])
    cooccurrence = np.array(matrices["cooccurrence"]["data"])
    assert np.trace(revisits) == 0
    assert revisits.sum() == summary["revisit_events"] == len(document["revisit_events"])  # type: ignore[arg-type]
    assert transitions.sum() == max(summary["commits_classified"] - 1, 0)
    assert (cooccurrence == cooccurrence.T).all()
    assert matrices["revisits"]["index"] == document["phases"]


@pytest.mark.parametrize("name", SMALL_HISTORIES)
def test_real_history_every_command_and_format(
    capsys: pytest.CaptureFixture[str],
    real_history: Callable[[str], Path],
    tmp_path: Path,
    name: str,
) -> None:
    repo = real_history(name)
    document = json.loads(run(capsys, "analyze", repo, "--format", "json"))
    assert_spec_invariants(document)
    assert document["summary"]["commits_total"] > 0
    mainline = json.loads(run(capsys, "analyze", repo, "--format", "json", "--first-parent"))
    assert_spec_invariants(mainline)
    assert mainline["summary"]["merges_skipped"] == 0
    assert "Overlap rate" in run(capsys, "analyze", repo)
    assert "### Summary" in run(capsys, "analyze", repo, "--format", "markdown")
    run(capsys, "analyze", repo, "--format", "csv", "--output", tmp_path / "csv")
    commits = run(capsys, "commits", repo, "--format", "jsonl").splitlines()
    assert len(commits) == document["summary"]["commits_total"]
    assert "primary" in run(capsys, "explain", repo, json.loads(commits[-1])["sha"])


def test_this_projects_own_repository(capsys: pytest.CaptureFixture[str]) -> None:
    if not (PROJECT / ".git").exists():
        pytest.skip("not running from a git checkout of the project")
    document = json.loads(run(capsys, "analyze", PROJECT, "--format", "json"))
    assert_spec_invariants(document)
    assert "Statistics" in run(capsys, "analyze", PROJECT)
    assert "### Statistics" in run(capsys, "analyze", PROJECT, "--format", "markdown")


def test_the_library_api_gives_dataframes(built_fixture: Callable[[str], Path]) -> None:
    import miner

    analysis = miner.analyze(str(built_fixture("edge")))
    frame = analysis.commits_frame()
    assert list(frame.columns) == [
        "sha", "authored_at", "utc_offset_minutes", "author", "subject", "primary", "labels",
        "focus", "event", "source", *(f"share:{p}" for p in analysis.phases),
    ]  # fmt: skip
    assert len(frame) == analysis.summary["commits_total"]
    assert list(analysis.matrices.overlap_rate.index) == list(analysis.phases)
    assert analysis.phase_stats["commits"].sum() == analysis.summary["commits_classified"]
