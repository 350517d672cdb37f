"""Settings a team commits: ``[tool.miner]`` in ``pyproject.toml`` or ``.miner/config.toml`` of the
analysed repository, found like the rules file, shown in the header; the command line wins; the
file is untrusted (validated like the CLI, unknown keys are one-line errors)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_run import Run

MakeRepo = Callable[[dict[str, Any]], Path]


def repo_with(make_repo: MakeRepo, files: dict[str, str]) -> Path:
    commits = [
        {"message": f"Train model {i}", "write": {f"src/models/m{i}.py": "fit()\n"}}
        for i in range(4)
    ]
    commits.append({"message": "Add the team settings", "write": files})
    return make_repo({"spacing": "1d", "commits": commits})


def test_pyproject_tool_miner_sets_options_and_gates(run: Run, make_repo: MakeRepo) -> None:
    repo = repo_with(
        make_repo,
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.miner]\nwindow = "14d"\n'
            'revisits = "backward"\nperiod = "quarter"\nfail_on = ["commits >= 1"]\n'
        },
    )
    code, out, err = run("report", repo, "--no-cache", "--format", "json")
    assert (code, err) == (1, "miner: gate tripped: commits >= 1 (commits = 5 in 2024-Q1)\n")
    document = json.loads(out)
    assert document["analysis"]["options"]["window"] == "14 days"
    assert document["analysis"]["options"]["revisits"] == "backward"
    # flags win: a given --fail-on replaces the file's gates, --window its window
    code, out, err = run(
        "report",
        repo,
        "--no-cache",
        "--format",
        "json",
        "--window",
        "3",
        "--fail-on",
        "commits > 100",
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["analysis"]["options"]["window"] == "3 commits"
    code, out, _ = run("analyze", repo, "--no-cache", "--format", "markdown")
    assert "| settings | pyproject.toml [tool.miner] (command-line options win) |" in out


def test_miner_config_toml_is_found_like_the_rules_file(run: Run, make_repo: MakeRepo) -> None:
    repo = repo_with(make_repo, {".miner/config.toml": "window = 2\ninclude_bots = true\n"})
    code, out, _ = run("analyze", repo / "src", "--no-cache", "--format", "json")
    assert code == 0
    options = json.loads(out)["options"]
    assert options["window"] == "2 commits"
    assert options["exclude_authors"] == []  # include_bots = true: no default bot pattern
    code, out, _ = run("analyze", repo, "--no-cache", "--format", "json", "--no-include-bots")
    assert json.loads(out)["options"]["exclude_authors"] == ["\\[bot\\]"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {".miner/config.toml": "windw = 3\n"},
            ".miner/config.toml: unknown setting 'windw' (known: window, revisits,",
        ),
        (
            {".miner/config.toml": 'window = "\uff15"\n'},
            ".miner/config.toml: window: --window must be a number of commits or a span",
        ),
        (
            {".miner/config.toml": "window = 99999999999\n"},
            ".miner/config.toml: window: --window must be at most 1,000,000 commits",
        ),
        ({".miner/config.toml": "min_share = true\n"}, ".miner/config.toml: min_share: expected"),
        (
            {".miner/config.toml": 'fail_on = ["revisit_rate >> 1"]\n'},
            ".miner/config.toml: fail_on: --fail-on 'revisit_rate >> 1': expected METRIC OP",
        ),
        (
            {".miner/config.toml": "gate_min_samples = {revisit_rate = -1}\n"},
            ".miner/config.toml: gate_min_samples: --gate-min-sample revisit_rate=-1 must be",
        ),
        ({".miner/config.toml": "window = [\n"}, ".miner/config.toml: not valid TOML: "),
        (
            {".miner/config.toml": "window = 3\n", "pyproject.toml": "[tool.miner]\nwindow = 4\n"},
            "settings in both .miner/config.toml and pyproject.toml [tool.miner]: keep them in",
        ),
        (
            {"pyproject.toml": '[tool.miner]\nrules = "/etc/passwd"\n'},
            "pyproject.toml [tool.miner]: unknown setting 'rules'",
        ),
    ],
)
def test_a_bad_settings_file_is_one_line(
    run: Run, make_repo: MakeRepo, files: dict[str, str], message: str
) -> None:
    repo = repo_with(make_repo, files)
    for command in ("analyze", "report"):
        code, out, err = run(command, repo, "--no-cache")
        assert (code, out) == (2, "")
        assert err.startswith(f"miner: error: {message}") and err.count("\n") == 1, err


def test_a_bare_repository_reads_settings_at_its_tip(
    run: Run, make_repo: MakeRepo, git: Callable[..., str], tmp_path: Path
) -> None:
    repo = repo_with(make_repo, {".miner/config.toml": "window = 2\n"})
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    code, out, _ = run("analyze", bare, "--no-cache", "--format", "json")
    assert (code, json.loads(out)["options"]["window"]) == (0, "2 commits")


def test_a_broken_pyproject_without_tool_miner_is_not_read(run: Run, make_repo: MakeRepo) -> None:
    repo = repo_with(make_repo, {"pyproject.toml": "[project\nname = 'x'\n"})
    code, out, err = run("analyze", repo, "--no-cache", "--format", "json")
    assert (code, err) == (0, "")
    assert "settings" not in json.loads(out)["options"]
