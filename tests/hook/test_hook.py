"""The commit hook, through real ``git commit`` calls in temporary repositories."""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spec_phases import PHASES

import miner
from miner.errors import UsageError
from miner.git import hook_git_environment, run_git
from miner.hook.install import install, is_miner_hook, uninstall
from miner.hook.message import add_trailers, only_gains_lines
from miner.hook.rules_cache import FORMS_FILE, RULES_FILE
from miner.hook.run import _plain_request, build_parser, main, request_from
from miner.hook.state import RecentFocus, prime_state
from miner.rules.resolve import file_rules
from miner.rules.stored import rules_from_data, rules_to_data
from miner.sequence.focus import DEFAULT_WINDOW
from miner.sequence.revisits import SequenceOptions, Step, analyse_sequence

PROJECT = Path(miner.__file__).resolve().parent.parent  # the checkout holding the package
# Small, stable rules so these tests do not move when the default rules are tuned.
RULES = f"""version: 1
phases: [{", ".join(PHASES)}]
rules:
  - {{id: data-files, phase: data_preparation, weight: 1, paths: ["data/**"]}}
  - {{id: model-files, phase: model_development, weight: 1, paths: ["models/**"]}}
  - {{id: serve-files, phase: model_deployment, weight: 1, paths: ["serve/**"]}}
"""
PINNED = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_AUTHOR_DATE": "2024-01-01T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_COMMITTER_DATE": "2024-01-01T12:00:00+00:00",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GIT_") or name.startswith("PRE_COMMIT"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, value in PINNED.items():
        monkeypatch.setenv(name, value)


def git(repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    """stdout; with ``check=False`` stdout and stderr together (to read git's refusal)."""
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout + result.stderr if not check else result.stdout


def commit(
    repo: Path, files: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        git(repo, "add", name)
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=check,
    )


def message(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%B", rev).rstrip("\n")


def make_repo(path: Path) -> Path:
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", str(path)], check=True)
    (path / ".miner").mkdir()
    (path / ".miner" / "phase_rules.yaml").write_text(RULES)
    git(path, "config", "core.editor", "true")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def hooked(repo: Path) -> Path:
    install(repo, python=sys.executable)
    return repo


# -- install / uninstall --------------------------------------------------------------------------


def test_first_commit_is_tagged(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert message(hooked) == "Train a model\n\nMLOps-Phase: model_development"


def test_hook_keeps_the_rules_regex_forms_between_commits(
    hooked: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from miner.rules import load as rules_load
    from miner.rules import regex as linear_regex

    (hooked / ".miner" / "phase_rules.yaml").unlink()  # the packaged rules: 25 message patterns
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    kept = hooked / ".git" / "miner" / FORMS_FILE
    document = json.loads(kept.read_text(encoding="utf-8"))  # written by the commit's hook
    assert document["translator"] == linear_regex.TRANSLATOR_VERSION
    assert len(document["forms"]) >= 20
    monkeypatch.setattr(linear_regex, "_KNOWN", {})

    def no_translation(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kept form was translated again")

    monkeypatch.setattr(linear_regex, "_translate", no_translation)
    rules_load._default_rules.cache_clear()  # as in a new process: the rules are compiled again
    try:
        assert prime_state(hooked) >= 0  # every form comes from the file
    finally:
        rules_load._default_rules.cache_clear()


def test_install_twice_is_harmless(repo: Path) -> None:
    install(repo, python=sys.executable)
    first = (repo / ".git/hooks/prepare-commit-msg").read_bytes()
    install(repo, python=sys.executable)
    assert (repo / ".git/hooks/prepare-commit-msg").read_bytes() == first
    assert not (repo / ".git/hooks/prepare-commit-msg.legacy").exists()
    commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert message(repo).count("MLOps-Phase") == 1


def user_hook(repo: Path, stage: str, body: str) -> Path:
    path = repo / ".git" / "hooks" / stage
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_existing_hook_is_chained_and_restored(repo: Path) -> None:
    original = user_hook(repo, "prepare-commit-msg", 'echo "$2" >> "$(dirname "$0")/../../ran"')
    before = original.read_bytes()
    lines = install(repo, python=sys.executable)
    assert "chaining the existing hook" in lines[0]
    commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert (repo / "ran").read_text() == "message\n"
    assert message(repo).endswith("MLOps-Phase: model_development")

    uninstall(repo)
    assert original.read_bytes() == before
    assert not (repo / ".git/hooks/prepare-commit-msg.legacy").exists()
    assert not (repo / ".git/hooks/commit-msg").exists()


def test_chained_hook_failure_blocks_as_before(repo: Path) -> None:
    user_hook(repo, "prepare-commit-msg", "echo no >&2; exit 3")
    install(repo, python=sys.executable)
    result = commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train", check=False)
    assert result.returncode != 0
    assert git(repo, "rev-list", "--all") == ""


def test_foreign_hook_with_taken_legacy_needs_force(repo: Path) -> None:
    user_hook(repo, "commit-msg", "exit 0")
    user_hook(repo, "commit-msg.legacy", "exit 0")
    with pytest.raises(UsageError, match=r"commit-msg\.legacy already exists"):
        install(repo, stages=("commit-msg",), python=sys.executable)
    install(repo, stages=("commit-msg",), force=True, python=sys.executable)
    hooks = repo / ".git" / "hooks"
    assert (hooks / "commit-msg.legacy.1").read_text() == "#!/bin/sh\nexit 0\n"
    assert is_miner_hook(hooks / "commit-msg")


def test_core_hooks_path_is_honoured(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    install(repo, python=sys.executable)
    assert is_miner_hook(repo / ".githooks" / "prepare-commit-msg")
    assert not (repo / ".git" / "hooks" / "prepare-commit-msg").exists()
    commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert message(repo).endswith("MLOps-Phase: model_development")


def test_worktree(hooked: Path, tmp_path: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    worktree = tmp_path / "wt"
    git(hooked, "worktree", "add", "-q", "-b", "side", str(worktree))
    (worktree / ".miner").mkdir()
    (worktree / ".miner" / "phase_rules.yaml").write_text(RULES)
    commit(worktree, {"serve/api.py": "app\n"}, "-m", "Serve it")
    assert message(worktree) == "Serve it\n\nMLOps-Phase: model_deployment"
    assert (hooked / ".git" / "worktrees" / "wt" / "miner" / "hook-state.json").is_file()


def test_partial_clone_is_tagged_without_fetching(repo: Path, tmp_path: Path) -> None:
    commit(repo, {"data/raw.csv": "0\n", "models/train.py": "fit()\n"}, "-m", "Start")
    commit(repo, {"models/train.py": "fit(1)\n"}, "-m", "Tune")
    git(repo, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{repo}", str(clone))
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone"))  # any fetch would fail
    git(clone, "config", "core.editor", "true")
    (clone / ".miner").mkdir()
    (clone / ".miner" / "phase_rules.yaml").write_text(RULES)
    install(clone, python=sys.executable)
    git(clone, "mv", "models/train.py", "models/fit.py")  # a rename: read exactly, no blob
    result = commit(clone, {"models/fit.py": "fit(2)\n"}, "-m", "Rename the training")
    assert result.stderr == "miner: added MLOps-Phase: model_development\n"
    assert message(clone) == "Rename the training\n\nMLOps-Phase: model_development"


# -- what gets tagged -----------------------------------------------------------------------------


def test_amend_does_not_duplicate(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    commit(hooked, {"models/train.py": "fit(2)\n"}, "--amend", "--no-edit")
    assert message(hooked) == "Train a model\n\nMLOps-Phase: model_development"


def test_amend_tags_an_untagged_commit_with_its_whole_change(repo: Path) -> None:
    commit(repo, {"data/raw.csv": "a\n"}, "-m", "Add data")
    install(repo, python=sys.executable)
    commit(repo, {"notes.txt": "x\n"}, "--amend", "--no-edit")
    assert message(repo) == "Add data\n\nMLOps-Phase: data_preparation"


def test_user_trailer_wins(hooked: Path) -> None:
    text = "Train a model\n\nMLOps-Phase: data_preparation"
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", text)
    assert message(hooked) == text


def test_message_from_file_is_tagged_and_the_file_untouched(hooked: Path, tmp_path: Path) -> None:
    source = tmp_path / "msg.txt"
    source.write_text("Serve the model\n\nWith a body.\n")
    commit(hooked, {"serve/api.py": "app\n"}, "-F", str(source))
    assert message(hooked) == "Serve the model\n\nWith a body.\n\nMLOps-Phase: model_deployment"
    assert source.read_text() == "Serve the model\n\nWith a body.\n"


def test_unrecognised_change_is_left_alone(hooked: Path) -> None:
    commit(hooked, {"misc.txt": "x\n"}, "-m", "Update stuff")
    assert message(hooked) == "Update stuff"


def test_fixup_is_not_tagged(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    commit(hooked, {"models/train.py": "fit(1)\n"}, "--fixup", "HEAD")
    assert message(hooked) == "fixup! Train a model"


def test_merge_is_not_tagged(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    git(hooked, "checkout", "-q", "-b", "side")
    commit(hooked, {"data/raw.csv": "a\n"}, "-m", "Add data")
    git(hooked, "checkout", "-q", "main")
    commit(hooked, {"serve/api.py": "app\n"}, "-m", "Serve")
    git(hooked, "merge", "-q", "--no-ff", "--no-edit", "side")
    assert message(hooked) == "Merge branch 'side'"
    assert message(hooked, "HEAD^2") == "Add data\n\nMLOps-Phase: data_preparation"


def test_squash_merge_message_is_tagged(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    git(hooked, "checkout", "-q", "-b", "side")
    commit(hooked, {"data/raw.csv": "a\n"}, "-m", "Add data")
    git(hooked, "checkout", "-q", "main")
    git(hooked, "merge", "-q", "--squash", "side")
    commit(hooked, {}, "--no-edit")
    assert message(hooked).endswith("\n\nMLOps-Phase: data_preparation")
    assert message(hooked).count("MLOps-Phase") == 2  # the squashed commit's, and the new one


def test_rebase_keeps_one_trailer_per_commit(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    git(hooked, "checkout", "-q", "-b", "side")
    commit(hooked, {"data/raw.csv": "a\n"}, "-m", "Add data")
    commit(hooked, {"data/clean.csv": "a\n"}, "-m", "Clean data")
    git(hooked, "checkout", "-q", "main")
    commit(hooked, {"serve/api.py": "app\n"}, "-m", "Serve")
    git(hooked, "checkout", "-q", "side")
    git(hooked, "rebase", "-q", "main")
    assert message(hooked) == "Clean data\n\nMLOps-Phase: data_preparation"
    assert message(hooked, "HEAD^") == "Add data\n\nMLOps-Phase: data_preparation"


def test_revisit_trailer(hooked: Path) -> None:
    commit(hooked, {"data/raw.csv": "0\n"}, "-m", "Add data")
    for n in range(1, 4):
        commit(hooked, {"models/train.py": f"fit({n})\n"}, "-m", f"Tune {n}")
    commit(hooked, {"data/raw.csv": "1\n"}, "-m", "Fix a data issue")
    assert message(hooked) == (
        "Fix a data issue\n\nMLOps-Phase: data_preparation\n"
        "MLOps-Revisit: model_development -> data_preparation"
    )
    assert "Revisit" not in message(hooked, "HEAD~3")  # the first model commit is an advance


def test_revisit_survives_a_lost_cache(hooked: Path) -> None:
    commit(hooked, {"data/raw.csv": "0\n"}, "-m", "Add data")
    commit(hooked, {"models/train.py": "fit\n"}, "-m", "Train")
    commit(hooked, {"models/train.py": "fit(1)\n"}, "-m", "Tune")
    (hooked / ".git" / "miner" / "hook-state.json").write_text("{not json")
    commit(hooked, {"data/raw.csv": "1\n"}, "-m", "Fix data")
    assert message(hooked).endswith("MLOps-Revisit: model_development -> data_preparation")


def edit_with(repo: Path, script: str) -> dict[str, str]:
    editor = repo.parent / "editor.sh"
    editor.write_text(f"#!/bin/sh\n{script}\n")
    editor.chmod(0o755)
    return {"GIT_EDITOR": str(editor)}


def test_editor_message_with_commit_verbose(hooked: Path) -> None:
    (hooked / "data").mkdir()
    (hooked / "data" / "raw.csv").write_text("Key: value\n")
    git(hooked, "add", "data/raw.csv")
    env = edit_with(
        hooked, 'printf \'Add raw data\\n\' | cat - "$1" > "$1.new" && mv "$1.new" "$1"'
    )
    git(hooked, "-c", "commit.verbose=true", "commit", "-q", env=env)
    assert message(hooked) == "Add raw data\n\nMLOps-Phase: data_preparation"


def test_editor_with_message_and_scissors(hooked: Path) -> None:
    env = edit_with(hooked, 'cp "$1" "$(dirname "$1")/../seen"')
    (hooked / "models").mkdir()
    (hooked / "models" / "m.py").write_text("Foo: bar\n")
    git(hooked, "add", "models/m.py")
    git(hooked, "-c", "commit.verbose=true", "commit", "-q", "-e", "-m", "Train", env=env)
    seen = (hooked / "seen").read_text()
    assert seen.startswith("Train\n\nMLOps-Phase: model_development\n\n# ")
    assert "+Foo: bar" in seen.split(">8", 1)[1]
    assert message(hooked) == "Train\n\nMLOps-Phase: model_development"


def test_empty_editor_message_still_aborts(hooked: Path) -> None:
    env = edit_with(hooked, "true")
    (hooked / "models").mkdir()
    (hooked / "models" / "m.py").write_text("x\n")
    git(hooked, "add", "models/m.py")
    out = git(hooked, "commit", check=False, env=env)
    assert "empty commit message" in out
    assert git(hooked, "rev-list", "--all") == ""


def test_untouched_template_still_aborts(hooked: Path) -> None:
    template = hooked.parent / "template.txt"
    template.write_text("Subject\n\n# Why:\n")
    (hooked / "models").mkdir()
    (hooked / "models" / "m.py").write_text("x\n")
    git(hooked, "add", "models/m.py")
    out = git(
        hooked,
        "-c",
        f"commit.template={template}",
        "commit",
        check=False,
        env=edit_with(hooked, "true"),
    )
    assert "did not edit the message" in out


def test_untouched_template_in_the_home_folder_still_aborts(hooked: Path) -> None:
    (Path.home() / "template.txt").write_text("Subject\n\n# Why:\n")  # HOME is the test's
    (hooked / "models").mkdir()
    (hooked / "models" / "m.py").write_text("x\n")
    git(hooked, "add", "models/m.py")
    git(hooked, "config", "commit.template", "~/template.txt")  # git expands it, so must we
    out = git(hooked, "commit", check=False, env=edit_with(hooked, "true"))
    assert "did not edit the message" in out


# -- git's hook environment -----------------------------------------------------------------------


def test_commit_all_is_read_from_the_index_git_commits(hooked: Path) -> None:
    commit(hooked, {"notes.txt": "x\n", "models/train.py": "fit()\n"}, "-m", "Start")
    (hooked / "models" / "train.py").write_text("fit(2)\n")  # changed, not staged
    git(hooked, "commit", "-a", "-m", "Tune")  # git stages it into the index it gives the hook
    assert message(hooked) == "Tune\n\nMLOps-Phase: model_development"
    (hooked / "models" / "train.py").write_text("fit(3)\n")
    git(hooked, "commit", "-m", "Tune again", "models/train.py")  # a temporary index
    assert message(hooked) == "Tune again\n\nMLOps-Phase: model_development"


def test_comment_char_places_trailers_before_the_scissors(hooked: Path) -> None:
    (hooked / "models").mkdir()
    (hooked / "models" / "m.py").write_text("x\n")
    git(hooked, "add", "models/m.py")
    env = edit_with(hooked, 'printf \'Train\\n\' | cat - "$1" > "$1.new" && mv "$1.new" "$1"')
    # The trailer must go before '; --- >8 ---': after it, git would cut it off with the diff.
    git(hooked, "-c", "core.commentChar=;", "-c", "commit.verbose=true", "commit", "-q", env=env)
    assert message(hooked) == "Train\n\nMLOps-Phase: model_development"


def test_hook_git_keeps_gits_variables_and_forces_the_safe_settings(repo: Path) -> None:
    git(repo, "config", "core.fsmonitor", "touch fsmonitor-ran")  # the repository's, untrusted
    inherited = {
        **os.environ,
        "GIT_INDEX_FILE": str(repo / ".git" / "next-index"),  # as git sets it for a hook
        "GIT_CONFIG_COUNT": "1",  # the user's own settings, given in the environment
        "GIT_CONFIG_KEY_0": "user.name",
        "GIT_CONFIG_VALUE_0": "Bob",
    }
    env = hook_git_environment(inherited)
    assert env["GIT_INDEX_FILE"] == inherited["GIT_INDEX_FILE"]
    assert run_git(["config", "--get", "user.name"], cwd=repo, env=env) == b"Bob\n"
    assert run_git(["config", "--get", "core.fsmonitor"], cwd=repo, env=env) == b"false\n"
    assert run_git(["config", "--get", "protocol.allow"], cwd=repo, env=env) == b"never\n"


def test_no_hook_module_starts_a_process_itself() -> None:
    """Every git call of the hook goes through miner.git's runner and its safe environment."""
    forbidden_modules = {"subprocess", "multiprocessing", "pty", "asyncio"}
    forbidden_os = ("system", "popen", "exec", "spawn", "posix_spawn", "fork")
    for path in sorted((PROJECT / "miner" / "hook").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                modules = {(node.module or "").split(".")[0]}
                if node.module == "os":
                    modules |= {f"os.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                modules = {f"{node.value.id}.{node.attr}"}
            else:
                continue
            assert not modules & forbidden_modules, f"{path.name} imports {modules}"
            assert not any(m.startswith(tuple(f"os.{f}" for f in forbidden_os)) for m in modules), (
                f"{path.name} uses {modules}"
            )


# -- strict and fail-open -------------------------------------------------------------------------


def test_strict_rejects_a_message_without_phase(repo: Path) -> None:
    install(repo, stages=("commit-msg",), strict=True, python=sys.executable)
    result = commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train a model", check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "miner: error: commit message has no MLOps-Phase trailer: end it with a line such as "
        f"'MLOps-Phase: problem_definition' (phases: {', '.join(PHASES)}; "
        "'MLOps-Phase: none' for none); the rules would add 'MLOps-Phase: model_development' "
        "(rule model-files)"
    ]
    bad = commit(repo, {}, "-m", "Train\n\nMLOps-Phase: training", check=False)
    assert "unknown phase(s) training" in bad.stderr
    commit(repo, {}, "-m", "Train\n\nMLOps-Phase: model_development")
    assert message(repo) == "Train\n\nMLOps-Phase: model_development"


def test_strict_accepts_phase_none_and_its_aliases(repo: Path) -> None:
    install(repo, stages=("commit-msg",), strict=True, python=sys.executable)
    for n, alias in enumerate(("none", "None", "n/a", "-")):
        result = commit(repo, {f"README{n}.md": "x\n"}, "-m", f"Fix a typo\n\nMLOps-Phase: {alias}")
        assert (result.returncode, result.stderr) == (0, "")


def test_strict_names_no_rule_when_none_would_match(repo: Path) -> None:
    install(repo, stages=("commit-msg",), strict=True, python=sys.executable)
    result = commit(repo, {"notes.txt": "x\n"}, "-m", "Update notes", check=False)
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(
        "; no rule matches this change ('MLOps-Phase: none' if it has none)"
    )


def test_the_hook_says_what_it_added_in_one_stderr_line(hooked: Path) -> None:
    result = commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert result.stderr.splitlines() == ["miner: added MLOps-Phase: model_development"]
    quiet = commit(hooked, {"notes.txt": "x\n"}, "-m", "Notes")
    assert quiet.stderr == ""  # nothing added, nothing said


def test_strict_with_tagging_stage_accepts_tagged_commits(repo: Path) -> None:
    install(repo, strict=True, python=sys.executable)
    commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert message(repo).endswith("MLOps-Phase: model_development")


def test_broken_rules_fail_open_with_the_message_byte_identical(hooked: Path) -> None:
    (hooked / ".miner" / "phase_rules.yaml").write_text("rules: [\n")
    msgfile = hooked / "MSG"
    original = b"Train a model\r\n\n# comment \xff\n"
    msgfile.write_bytes(original)
    result = subprocess.run(
        [str(hooked / ".git/hooks/prepare-commit-msg"), str(msgfile), "message"],
        cwd=hooked,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("miner: warning: hook skipped (ConfigError): ")
    assert msgfile.read_bytes() == original
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    assert message(hooked) == "Train a model"


def test_missing_interpreter_fails_open(repo: Path, tmp_path: Path) -> None:
    install(repo, python=str(tmp_path / "gone" / "python"))
    result = commit(repo, {"models/train.py": "fit()\n"}, "-m", "Train", check=False)
    assert result.returncode == 0
    assert "miner: warning: hook skipped" in result.stderr


def test_not_a_repository_fails_open(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    msgfile = tmp_path / "MSG"
    msgfile.write_bytes(b"Train\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.chdir(outside)
    assert main(["prepare-commit-msg", str(msgfile)]) == 0
    assert capsys.readouterr().err.startswith("miner: warning: hook skipped (RepositoryError)")
    assert msgfile.read_bytes() == b"Train\n"


@pytest.mark.parametrize(
    "args",
    [
        ["prepare-commit-msg", "MSG"],
        ["prepare-commit-msg", "MSG", "message"],
        ["prepare-commit-msg", "MSG", "commit", "HEAD"],
        ["commit-msg", "MSG", "--strict"],
        ["--strict", "commit-msg", "MSG"],
        ["prepare-commit-msg", "MSG", ""],
    ],
)
def test_git_arguments_are_read_as_argparse_reads_them(args: list[str]) -> None:
    environ = {"PRE_COMMIT_COMMIT_MSG_SOURCE": "message"}
    parsed = build_parser(argparse.ArgumentParser()).parse_args(args)
    assert _plain_request(args, environ) == request_from(parsed, environ)


@pytest.mark.parametrize(
    "args",
    [
        ["pre-push", "MSG"],
        ["commit-msg"],
        ["commit-msg", "-x", "MSG"],
        ["commit-msg", "MSG", "a", "b", "c"],
    ],
)
def test_other_arguments_are_left_to_argparse(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _plain_request(args, {}) is None
    assert main(args) == 0
    assert capsys.readouterr().err.endswith("miner: warning: hook skipped: bad arguments\n")


# -- the message file, as git interpret-trailers writes it ----------------------------------------

MESSAGES = [
    "Subject\n",
    "Subject\n\nBody line one.\nBody line two.\n",
    "Subject\n\nBody\n\nSigned-off-by: Ada <ada@example.com>\n",
    "Subject\n\nBody\n\n# Please enter the commit message\n# On branch main\n",
    "Subject\n\n\n\n# comment\n\n",
    "Subject\n\nReviewed-by: Bob\n# comment\n",
    "Subject\n\nBody\n# ------------------------ >8 ------------------------\n+Key: value\n",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_add_trailers_matches_git(text: str, tmp_path: Path) -> None:
    trailers = ["MLOps-Phase: model_development", "MLOps-Revisit: a -> b"]
    ours = add_trailers(text, trailers)
    args = [arg for line in trailers for arg in ("--trailer", line)]
    theirs = subprocess.run(
        ["git", "interpret-trailers", "--no-divider", *args],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert ours == theirs
    assert only_gains_lines(text, ours)


def test_add_trailers_keeps_a_one_line_subject_apart() -> None:
    # git would glue the trailer to a subject without newline; the subject is never a trailer.
    assert add_trailers("Subject", ["MLOps-Phase: x"]) == "Subject\n\nMLOps-Phase: x\n"


def test_only_gains_lines_rejects_a_loss() -> None:
    assert not only_gains_lines("a\nb\n", "a\nMLOps-Phase: x\n")


# -- the incremental focus agrees with miner.sequence.revisits ----------------------------------

share_maps = st.dictionaries(
    st.sampled_from(PHASES[:5]), st.integers(1, 3), min_size=1, max_size=3
).map(lambda weights: {p: w / sum(weights.values()) for p, w in weights.items()})


@settings(max_examples=150, deadline=None)
@given(st.lists(share_maps, min_size=1, max_size=40))
def test_focus_tracker_matches_analyse_sequence(shares: list[dict[str, float]]) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    steps = [
        Step(
            sha=f"{i:040x}",
            when=start + timedelta(hours=i),
            primary=max(s, key=lambda p: (s[p], -PHASES.index(p))),
            labels=(),
            shares=s,
            reasons=(),
        )
        for i, s in enumerate(shares)
    ]
    expected = analyse_sequence(steps, PHASES, SequenceOptions(window=DEFAULT_WINDOW))
    tracker = RecentFocus.start(PHASES)
    got: list[tuple[str, str | None]] = []
    for step in steps:
        restored = RecentFocus.from_json(tracker.to_json())  # survives the cache file
        assert restored.peek(step.primary) == tracker.peek(step.primary)
        got.append(tracker.push(step.primary, step.shares))
    assert got == list(zip(expected.focus, expected.events, strict=True))


# -- speed: the hook path stays light -------------------------------------------------------------

HEAVY = (
    "pandas",
    "scipy",
    "rich",
    "git",
    "pydriller",
    "matplotlib",
    "numpy",
    "miner.pipeline.analysis",
)


def test_hook_path_imports_nothing_heavy(hooked: Path) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train a model")
    msgfile = hooked / "MSG"
    msgfile.write_text("Tune\n")
    (hooked / "models" / "train.py").write_text("fit(2)\n")
    git(hooked, "add", "models/train.py")
    probe = (
        "import sys; from miner.hook import main; main(sys.argv[1:]); "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, "prepare-commit-msg", str(msgfile), "message"],
        cwd=hooked,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert msgfile.read_text() == "Tune\n\nMLOps-Phase: model_development\n"
    assert out.stdout.strip() == "[]"


# -- the compiled rules, kept between commits -----------------------------------------------------


def rules_cache(repo: Path) -> Path:
    return repo / ".git" / "miner" / RULES_FILE


# A rules file of the repository's is validated, which compiles its regexes with Python's re.
MESSAGE_RULES = RULES + "\n".join(
    f"  - {{id: {phase}-words, phase: {phase}, weight: 1, message: '\\b{phase}\\b'}}"
    for phase in PHASES
)


@pytest.mark.parametrize("rules_text", [None, MESSAGE_RULES], ids=["packaged", "repository"])
def test_kept_rules_spare_the_yaml_parser_and_every_rule_regex(
    tmp_path: Path, rules_text: str | None
) -> None:
    repo = make_repo(tmp_path / "plain")
    rules_file = repo / ".miner" / "phase_rules.yaml"
    if rules_text is None:
        rules_file.unlink()  # the packaged rules: 25 message patterns
    else:
        rules_file.write_text(rules_text)
    install(repo, python=sys.executable)
    # No message rule matches "zzz" (here, nor when the focus reads this commit back): nothing
    # for Python's re to confirm.
    commit(repo, {"models/train.py": "fit()\n"}, "-m", "zzz")
    assert rules_cache(repo).is_file()
    rules = file_rules(None if rules_text is None else rules_text.encode())
    patterns = [r.regex for r in (*rules.message_rules, *rules.reasons, *rules.noise)]
    patterns += [r.include for r in rules.path_rules]
    msgfile = repo / "MSG"
    msgfile.write_text("zzz\n")
    (repo / "models" / "train.py").write_text("fit(2)\n")
    git(repo, "add", "models/train.py")
    probe = (
        "import re, sys\n"
        "compiled = []\n"
        "original = re._compile\n"
        "def spy(pattern, flags):\n"
        "    compiled.append(pattern)\n"
        "    return original(pattern, flags)\n"
        "re._compile = spy\n"
        "from miner.hook import main\n"
        "main(sys.argv[1:])\n"
        f"heavy = {(*HEAVY, 'yaml', 'jsonschema', 'miner.rules.load')!r}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))\n"
        f"print(sorted(set(compiled) & set({patterns!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, "prepare-commit-msg", str(msgfile), "message"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert msgfile.read_text() == "zzz\n\nMLOps-Phase: model_development\n"
    assert out.stdout.splitlines() == ["[]", "[]"]


def test_a_changed_rules_file_is_never_read_from_the_cache(hooked: Path) -> None:
    rules_file = hooked / ".miner" / "phase_rules.yaml"
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train")
    assert message(hooked) == "Train\n\nMLOps-Phase: model_development"
    kept = rules_cache(hooked).read_bytes()
    before = rules_file.stat()
    # Same size and modification time, other rules: models/ now counts as deployment.
    swapped = (
        RULES.replace("phase: model_development", "phase: PHASE")
        .replace("phase: model_deployment", "phase: model_development")
        .replace("phase: PHASE", "phase: model_deployment")
    )
    rules_file.write_text(swapped)
    os.utime(rules_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert rules_file.stat().st_size == before.st_size
    commit(hooked, {"models/train.py": "fit(2)\n"}, "-m", "Tune")
    assert message(hooked) == "Tune\n\nMLOps-Phase: model_deployment"
    assert rules_cache(hooked).read_bytes() != kept
    rules_file.write_text("rules: [\n")  # broken now: never the kept rules, a warning
    result = commit(hooked, {"models/train.py": "fit(3)\n"}, "-m", "Tune again")
    assert result.stderr.startswith("miner: warning: hook skipped (ConfigError): ")
    assert message(hooked) == "Tune again"


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: b"",
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: text.replace(b'"model_development"', b'"model_deployment"', 1),  # checksum
        lambda text: text.replace(b"\n", b"\n0000\n", 1),  # not the checksum line
        lambda text: b"\n".join(  # a checksum that fits a payload of the wrong shape
            [
                text.split(b"\n", 1)[0],
                hashlib.sha256(b'{"format": 1}').hexdigest().encode(),
                b'{"format": 1}',
            ]
        ),
    ],
    ids=["empty", "truncated", "edited", "no-checksum", "wrong-shape"],
)
def test_a_damaged_rules_cache_is_rebuilt_and_the_commit_still_tagged(
    hooked: Path, damage: Callable[[bytes], bytes]
) -> None:
    commit(hooked, {"models/train.py": "fit()\n"}, "-m", "Train")
    kept = rules_cache(hooked).read_bytes()
    rules_cache(hooked).write_bytes(damage(kept))
    result = commit(hooked, {"models/train.py": "fit(2)\n"}, "-m", "Tune")
    assert result.stderr == "miner: added MLOps-Phase: model_development\n"
    assert message(hooked) == "Tune\n\nMLOps-Phase: model_development"
    assert rules_cache(hooked).read_bytes() == kept  # written again, as it was


def test_kept_rules_are_the_rules(repo: Path) -> None:
    """What the cache holds reads back as the very rules it was made from."""
    for text in (RULES, None):
        if text is None:
            (repo / ".miner" / "phase_rules.yaml").unlink()
        compiled = file_rules(None if text is None else text.encode())
        assert rules_from_data(json.loads(json.dumps(rules_to_data(compiled)))) == compiled


# -- the pre-commit framework ---------------------------------------------------------------------


def pre_commit(
    repo: Path, cache: Path, hook_id: str, *args: str
) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "pre-commit"
    if not executable.exists() or not (PROJECT / ".git").exists():
        pytest.skip("needs the pre-commit package and a git checkout of this project")
    head = git(PROJECT, "rev-parse", "HEAD").strip()
    env = {
        **os.environ,
        # Persistent across sessions: pip downloads and pre-commit's environment per revision.
        "PRE_COMMIT_HOME": str(cache / "home"),
        "PIP_CACHE_DIR": str(cache / "pip"),
    }
    # --ref: the committed hooks (no shadow copy), so the environment is built once per revision.
    command = [str(executable), "try-repo", str(PROJECT), hook_id, "--ref", head, *args]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, check=False)


# About 90 s, nearly all of it pre-commit installing miner into its environment: --run-slow.
@pytest.mark.slow
def test_pre_commit_try_repo(repo: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cache = request.config.cache.mkdir("miner-pre-commit")  # type: ignore[union-attr]
    (repo / "models").mkdir()
    (repo / "models" / "train.py").write_text("fit()\n")
    git(repo, "add", "models/train.py")
    msgfile = tmp_path / "COMMIT_EDITMSG"
    msgfile.write_text("Train a model\n")
    tagged = pre_commit(
        repo,
        cache,
        "miner-tag",
        "--hook-stage",
        "prepare-commit-msg",
        "--commit-msg-filename",
        str(msgfile),
        "--prepare-commit-message-source",
        "message",
    )
    if tagged.returncode != 0 and "Installing environment" in tagged.stdout + tagged.stderr:
        last = (tagged.stdout + tagged.stderr).strip().splitlines()[-1]
        pytest.skip(f"pre-commit could not build the hook environment (offline?): {last}")
    assert tagged.returncode == 0, tagged.stdout + tagged.stderr
    assert msgfile.read_text() == "Train a model\n\nMLOps-Phase: model_development\n"

    msgfile.write_text("Update\n")
    checked = pre_commit(
        repo,
        cache,
        "miner-check",
        "--hook-stage",
        "commit-msg",
        "--commit-msg-filename",
        str(msgfile),
    )
    assert checked.returncode == 1
    assert "miner: error: commit message has no MLOps-Phase trailer" in checked.stdout
    assert msgfile.read_text() == "Update\n"


def test_path_votes_are_remembered_and_a_bad_cache_is_ignored(hooked: Path) -> None:
    commit(hooked, {"data/raw.csv": "0\n"}, "-m", "Add data")
    votes = json.loads((hooked / ".git" / "miner" / "hook-paths.json").read_text())
    assert votes["votes"]["data/raw.csv"]
    # A cache naming rules that do not exist, or of other rules, is never trusted.
    votes["votes"]["models/train.py"] = ["no.such.rule"]
    (hooked / ".git" / "miner" / "hook-paths.json").write_text(json.dumps(votes))
    commit(hooked, {"models/train.py": "fit\n"}, "-m", "Train")
    assert message(hooked) == "Train\n\nMLOps-Phase: model_development"
    (hooked / ".git" / "miner" / "hook-paths.json").write_text('{"rules": "other", "votes": 1}')
    commit(hooked, {"models/train.py": "fit(2)\n"}, "-m", "Tune")
    assert message(hooked) == "Tune\n\nMLOps-Phase: model_development"


def test_the_staged_diff_decides_when_message_and_paths_do_not(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "plain")
    (repo / ".miner" / "phase_rules.yaml").unlink()  # the packaged rules and content rules
    install(repo, python=sys.executable)
    commit(repo, {"src/thing.py": "import torch\n\nnet = torch.nn.Linear(2, 1)\n"}, "-m", "wip")
    assert message(repo) == "wip\n\nMLOps-Phase: model_development"
    commit(repo, {"src/other.py": "x = 1\n"}, "-m", "wip again")
    assert message(repo) == "wip again"  # nothing in the diff speaks: left alone
