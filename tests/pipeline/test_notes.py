"""``miner tag``: phases of existing commits as git notes, written once and read back."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from miner.cli import main
from miner.history.repository import open_repository
from miner.pipeline.notes import NOTES_REF, parse_note, read_notes, tag_history
from miner.rules.resolve import resolve_rules
from tests.hook.test_hook import PINNED, RULES


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def commit(repo: Path, path: str, text: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(f"{text}\n")
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", text)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", str(path)], check=True)
    (path / ".miner").mkdir()
    (path / ".miner" / "phase_rules.yaml").write_text(RULES)
    return path


def build_history(repo: Path) -> dict[str, str]:
    shas = {"data": commit(repo, "data/raw.csv", "Add data")}
    shas["model"] = commit(repo, "models/train.py", "Train")
    shas["tagged"] = commit(repo, "models/eval.py", "Evaluate\n\nMLOps-Phase: monitoring")
    shas["other"] = commit(repo, "misc.txt", "Update stuff")
    git(repo, "checkout", "-q", "-b", "side", shas["data"])
    shas["serve"] = commit(repo, "serve/api.py", "Serve")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge side", "side")
    return shas


def tag(repo: Path, rev: str | None = None) -> tuple[object, dict[str, tuple[str, ...]]]:
    with open_repository(str(repo), rev=rev) as opened:
        summary = tag_history(opened, resolve_rules(None, work_tree=repo), rev=rev)
        return summary, read_notes(opened)


def test_notes_written_and_read_back(repo: Path) -> None:
    shas = build_history(repo)
    summary, notes = tag(repo)
    assert notes == {
        shas["data"]: ("data_preparation",),
        shas["model"]: ("model_development",),
        shas["serve"]: ("model_deployment",),
    }
    assert (summary.written, summary.by_trailer, summary.unclassified, summary.merges) == (
        3,
        1,
        1,
        1,
    )
    digest = resolve_rules(None, work_tree=repo).digest[:16]
    assert git(repo, "notes", f"--ref={NOTES_REF}", "show", shas["model"]) == (
        f"MLOps-Phase: model_development\nMLOps-Rules: {digest}\n"
    )
    assert git(repo, "log", "--format=%B", "-1", shas["model"]) == "Train\n\n"  # not rewritten


def test_tagging_twice_writes_nothing(repo: Path) -> None:
    build_history(repo)
    tag(repo)
    notes_commit = git(repo, "rev-parse", NOTES_REF)
    summary, _ = tag(repo)
    assert (summary.written, summary.unchanged) == (0, 3)
    assert git(repo, "rev-parse", NOTES_REF) == notes_commit


def test_hand_written_note_is_kept(repo: Path) -> None:
    shas = build_history(repo)
    git(repo, "notes", f"--ref={NOTES_REF}", "add", "-m", "MLOps-Phase: scalability", shas["model"])
    summary, notes = tag(repo)
    assert summary.kept == 1
    assert notes[shas["model"]] == ("scalability",)


def test_range_and_cli(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shas = build_history(repo)
    assert main(["tag", str(repo), "--rev", f"{shas['data']}..{shas['model']}"]) == 0
    assert capsys.readouterr().out == (
        f"1 note(s) written to {NOTES_REF}, 0 unchanged, 0 hand-written kept; 0 commit(s) tagged "
        "by trailer, 0 unclassified, 0 merge(s) and 0 bot/author-excluded commit(s) skipped "
        "(1 commits read)\n"
    )
    with open_repository(str(repo)) as opened:
        assert read_notes(opened) == {shas["model"]: ("model_development",)}


def test_no_notes_ref(repo: Path) -> None:
    commit(repo, "data/raw.csv", "Add data")
    with open_repository(str(repo)) as opened:
        assert read_notes(opened) == {}


def test_parse_note() -> None:
    assert parse_note("mlops-phase: a, b ,a\nOther: x\n") == ("a", "b")
    assert parse_note("just text\n") == ()


def test_tag_and_analyze_use_the_same_rules_on_a_bare_clone(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The repository's committed rules (not the packaged ones) decide both the notes ``tag``
    writes and the analysis of the same bare clone."""
    shas = build_history(repo)
    git(repo, "add", ".miner/phase_rules.yaml")
    git(repo, "commit", "-q", "-m", "Rules")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    assert main(["tag", str(bare)]) == 0
    assert main(["analyze", str(bare), "--format", "json"]) == 0
    analysis = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    own = resolve_rules(None, work_tree=repo)
    assert own.digest != resolve_rules(None).digest  # the packaged rules would differ
    assert analysis["options"]["rules"] == ".miner/phase_rules.yaml"
    assert analysis["options"]["rules_hash"] == own.digest
    note = git(bare, "notes", f"--ref={NOTES_REF}", "show", shas["serve"])
    assert note == f"MLOps-Phase: model_deployment\nMLOps-Rules: {own.digest[:16]}\n"
