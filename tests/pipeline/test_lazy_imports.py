"""Pay only for what is asked: commands that show commits never import the statistics stack.

Each command runs in a fresh interpreter (the modules a test process already imported would
hide an import); the check is on ``sys.modules`` after the command finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HEAVY = ("pandas", "scipy", "numba", "matplotlib")
PROBE = (
    "import sys\n"
    "from miner.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as stop:\n"
    "    assert not stop.code, stop.code\n"
    f"print(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)), file=sys.stderr)\n"
)


def imported(args: list[str], *, stdin: str = "", cwd: Path | None = None) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []


@pytest.fixture
def repo(built_fixture: Callable[[str], Path]) -> Path:
    return built_fixture("lifecycle")


def test_commits_imports_no_statistics_stack(repo: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache.sqlite")
    assert imported(["commits", str(repo), "--cache", cache]) == []  # fills the store
    assert imported(["commits", str(repo), "--cache", cache, "--format", "jsonl"]) == []


def test_explain_imports_no_statistics_stack(repo: Path, git: Callable[..., str]) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    assert imported(["explain", str(repo), head, "--no-cache"]) == []


def test_classify_imports_no_statistics_stack(tmp_path: Path) -> None:
    line = json.dumps({"id": "a", "message": "Train the model", "paths": ["train.py"]})
    assert imported(["classify"], stdin=line + "\n", cwd=tmp_path) == []


def test_analyze_json_still_computes_statistics(repo: Path) -> None:
    assert "scipy" in imported(["analyze", str(repo), "--no-cache", "--format", "json"])
