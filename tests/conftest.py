"""Shared fixtures: deterministic repositories built with real git, never mocks.

- ``built_fixture(name) -> Path``: ``fixtures/repos/NAME.yaml`` built once per session (treat it
  as read-only; a test that changes a repository works on a clone). ``built_fixture_result``
  also gives every commit's sha and ``expect:`` annotations.
- ``make_repo(spec) -> Path``: a small history written inline, built in the test's tmp folder.
- ``real_history(name) -> Path``: one of ``../shared/histories`` rebuilt with ``git fast-import``
  once per session (skipped when the histories are absent; ``pytest`` only with ``--run-slow``).
- ``git(repo, *args) -> str``: run git with the pinned identity and no user configuration.
- ``shallow_clone``: a ``--depth 3`` clone of the edge fixture.
"""

from __future__ import annotations

import gzip
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cli_run import Run

from fixtures.build import GIT_CONFIG, BuildResult, build, git_env
from miner.cli import main

HISTORIES = Path(__file__).resolve().parents[2] / "shared" / "histories"
SMALL_HISTORIES = (
    "e2e-taxi-ride-duration-prediction",
    "fsdl-text-recognizer-2022",
    "mlops-zoomcamp",
)
PINNED_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_AUTHOR_DATE": "1704700800 +0000",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_COMMITTER_DATE": "1704700800 +0000",
}

GitRunner = Callable[..., str]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run tests marked slow (pytest's 17,666-commit history, Dask worker restarts, "
        "pre-commit try-repo, large calibration runs)",
    )
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing with them",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow (minutes): use --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def update_golden(pytestconfig: pytest.Config) -> bool:
    return bool(pytestconfig.getoption("--update-golden"))


@pytest.fixture(scope="session")
def git_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("git-home")


@pytest.fixture(scope="session")
def git(git_home: Path) -> GitRunner:
    """``git(repo, *args, input=b"") -> stdout``: pinned identity, no user or system config."""
    env = {**git_env(git_home), **PINNED_IDENTITY}

    def run(repo: Path, *args: str, input: bytes = b"") -> str:
        result = subprocess.run(
            ["git", *GIT_CONFIG, *args],
            cwd=repo,
            env=env,
            input=input,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.decode()}")
        return result.stdout.decode("utf-8", "replace")

    return run


@pytest.fixture(scope="session")
def built_fixture_result(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], BuildResult]:
    cache: dict[str, BuildResult] = {}

    def get(name: str) -> BuildResult:
        if name not in cache:
            from fixtures.build import REPOS

            cache[name] = build(REPOS / f"{name}.yaml", tmp_path_factory.mktemp(name))
        return cache[name]

    return get


@pytest.fixture(scope="session")
def built_fixture(built_fixture_result: Callable[[str], BuildResult]) -> Callable[[str], Path]:
    return lambda name: built_fixture_result(name).path


@pytest.fixture
def make_repo(tmp_path: Path) -> Iterator[Callable[[Mapping[str, Any]], Path]]:
    counter = iter(range(1_000))

    def make(spec: Mapping[str, Any]) -> Path:
        return build(spec, tmp_path / f"repo-{next(counter)}").path

    yield make


@pytest.fixture(scope="session")
def real_history(tmp_path_factory: pytest.TempPathFactory, git: GitRunner) -> Callable[[str], Path]:
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        stream = HISTORIES / f"{name}.fi.gz"
        if not stream.is_file():
            pytest.skip(f"real history {stream} is not available")
        if name not in cache:
            dest = tmp_path_factory.mktemp(name)
            git(dest, "init", "-q")
            with gzip.open(stream) as source:
                git(dest, "fast-import", "--quiet", input=source.read())
            git(dest, "reset", "-q", "--hard")
            cache[name] = dest
        return cache[name]

    return get


@pytest.fixture
def shallow_clone(built_fixture: Callable[[str], Path], git: GitRunner, tmp_path: Path) -> Path:
    dest = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{built_fixture('edge')}", str(dest))
    return dest


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """``miner`` called in-process: ``run(*argv) -> (exit code, stdout, stderr)``."""

    def invoke(*argv: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def edge(built_fixture: Callable[[str], Path]) -> Path:
    return built_fixture("edge")
