"""The CI examples cannot rot: their exact shell commands, parsed from the YAML, run here against a
real repository, with the CI's variables pointed at temporary files.

Only the installation lines are neutralised (no network in tests; ``miner`` is this working
copy): ``python -m pip ...`` and ``apt-get ...`` are no-ops, every other command runs as written.
Steps that ``uses:`` another action (checkout, setup-python, cache, upload-artifact) are the
CI's business; their inputs are checked instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.bench_incremental import grow

ROOT = Path(__file__).resolve().parents[2]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ci") / "project"
    grow(path, 400, first=0, seed=3)
    return path


@pytest.fixture
def shims(tmp_path: Path) -> Path:
    """A bin folder first on PATH: ``miner`` runs this working copy, installs do nothing."""
    folder = tmp_path / "bin"
    folder.mkdir()
    scripts = {
        "miner": f'#!/bin/sh\nexec "{sys.executable}" -m miner "$@"\n',
        "python": (
            '#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "pip" ]; then exit 0; fi\n'
            f'exec "{sys.executable}" "$@"\n'
        ),
        "apt-get": "#!/bin/sh\nexit 0\n",
    }
    for name, body in scripts.items():
        (folder / name).write_text(body)
        (folder / name).chmod(0o755)
    return folder


def environment(shims: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI"))}
    env.update(PATH=f"{shims}{os.pathsep}{env['PATH']}", PYTHONPATH=str(ROOT), CI="true")
    env.update(extra)
    return env


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub's and GitLab's default: bash, stop at the first failing command or pipe stage.
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def steps_with(steps: list[dict[str, Any]], action: str) -> dict[str, Any]:
    (step,) = [s for s in steps if str(s.get("uses", "")).startswith(action)]
    return step


def test_github_workflow(project: Path, shims: Path, tmp_path: Path) -> None:
    workflow = load("examples/ci/github-actions.yml")
    assert "schedule" in workflow[True]  # YAML 1.1 reads the key `on` as True
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    assert steps_with(steps, "actions/checkout")["with"]["fetch-depth"] == 0
    assert steps_with(steps, "actions/cache")["with"]["path"] == ".git/miner"
    artifacts = steps_with(steps, "actions/upload-artifact")["with"]["path"].split()
    assert artifacts == ["miner-report.json", "miner-report.html"]
    summary = tmp_path / "summary.md"
    env = environment(shims, GITHUB_STEP_SUMMARY=str(summary), GITHUB_WORKSPACE=str(project))
    assert sum(str(s.get("run", "")).count("miner report") for s in steps) == 1  # mined once
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"]
            result = bash(step["run"], project, env)
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""  # quiet in CI: no progress bar, no chatter
    assert summary.read_text(encoding="utf-8").startswith("## MLOps workflow report: ")
    assert len(summary.read_bytes()) < 1024 * 1024
    report = json.loads((project / artifacts[0]).read_text(encoding="utf-8"))
    page = (project / artifacts[1]).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "MLOps workflow report: " in page
    assert report["kind"] == "period_report"
    assert report["history"]["commits_seen"] == 400
    assert (project / ".git" / "miner" / "cache.sqlite").is_file()  # what actions/cache keeps


def test_gitlab_job(project: Path, shims: Path, tmp_path: Path) -> None:
    (job,) = load("examples/ci/gitlab-ci.yml").values()
    assert job["variables"]["GIT_DEPTH"] == 0
    workspace = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(project), str(workspace)], check=True)
    env = environment(shims, CI_PROJECT_DIR=str(workspace), CI_COMMIT_REF_SLUG="main")
    for name, value in job["variables"].items():
        env[name] = str(value).replace("$CI_PROJECT_DIR", str(workspace))
    assert sum(line.count("miner report") for line in job["script"]) == 1  # mined once
    script = "\n".join([*job["before_script"], *job["script"]])
    result = bash(script, workspace, env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for artifact in job["artifacts"]["paths"]:
        assert (workspace / artifact).is_file(), artifact
    assert (workspace / "miner-report.md").read_text(encoding="utf-8").startswith("## MLOps")
    assert (workspace / "miner-report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")
    (cached,) = job["cache"]["paths"]
    assert (workspace / cached / "cache.sqlite").is_file()


def action_script(inputs: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The action's report step, and its env with the ``inputs`` expressions filled in."""
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "report"]
    assert "${{" not in step["run"]  # inputs travel through env, never pasted into the script

    def fill(text: str) -> str:
        return EXPRESSION.sub(lambda m: values[m.group(1).removeprefix("inputs.")], text)

    return step["run"], {name: fill(str(value)) for name, value in step["env"].items()}


@pytest.mark.parametrize(
    "case",
    [
        ("revisit_rate > 0.99\n", 0, None),
        (
            "revisit_rate > 0.99\ncommits>=0 and revisit_events>=0\n",
            0,  # revisit_events needs 10 classified commits: October has none, no trip
            None,
        ),
        (
            "revisit_rate > 0.99\ncommits>=0\n",
            1,
            "miner: gate tripped: commits >= 0 (commits = 0 in 2020-10)",
        ),
    ],
)
def test_composite_action(
    project: Path, shims: Path, tmp_path: Path, case: tuple[str, int, str | None]
) -> None:
    gates, code, line = case
    install = next(
        s for s in load("action.yml")["runs"]["steps"] if s.get("name") == "Install miner"
    )
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    script, step_env = action_script({"fail-on": gates, "as-of": "2020-10-05", "period": "month"})
    assert script.count("miner report") == 1  # the history is mined once
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = environment(
        shims,
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
        GITHUB_ACTION_PATH=str(ROOT),
        **step_env,
    )
    assert bash(install["run"], project, env).returncode == 0
    result = bash(script, project, env)
    assert result.returncode == code, result.stderr
    assert result.stderr.splitlines() == ([line] if line else [])
    assert outputs.read_text() == "json=miner-report.json\n"
    document = json.loads((project / "miner-report.json").read_text(encoding="utf-8"))
    assert document["current"]["label"] == "2020-10"
    assert summary.read_text(encoding="utf-8").startswith(
        "## MLOps workflow report: 2020-10 against 2020-09 (months)"
    )
