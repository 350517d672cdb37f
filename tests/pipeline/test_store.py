"""The incremental store: a run through the store gives exactly what a fresh run gives, whatever
happened in between (new commits, merges, force-pushes, changed rules, a killed run, concurrent
runs, a damaged file), and reads from git only what it lacks."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.bench_incremental import grow
from fixtures.build import GIT_CONFIG, git_env
from miner.classify.records import Classification, Evidence
from miner.history.records import CommitRecord, FileChange, HistoryOptions
from miner.history.repository import open_repository
from miner.pipeline.incremental import StoreStats, mine_with_store
from miner.pipeline.options import AnalysisOptions
from miner.pipeline.run import analyze
from miner.pipeline.store import APPLICATION_ID, StoreError, open_store
from miner.pipeline.store_codec import (
    decode_classification,
    decode_commit,
    encode_classification,
    encode_commit,
    history_mode,
)
from miner.report.json import render
from miner.rules.resolve import resolve_rules

ROOT = Path(__file__).resolve().parents[2]
PHASE_FILES = (
    "src/models/train.py",
    "src/features/clean.py",
    "deploy/Dockerfile",
    "monitoring/drift.py",
    "docs/requirements.md",
)


class Repo:
    """A real repository grown commit by commit, with distinct pinned dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.home = path.parent / f"{path.name}-home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = git_env(self.home)
        self.clock = datetime(2024, 1, 8, 9, tzinfo=UTC)
        self.count = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str) -> str:
        when = self.clock.strftime("%s +0000")
        env = {
            **self.env,
            "GIT_AUTHOR_NAME": "Ann",
            "GIT_AUTHOR_EMAIL": "ann@example.com",
            "GIT_COMMITTER_NAME": "Ann",
            "GIT_COMMITTER_EMAIL": "ann@example.com",
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        }
        result = subprocess.run(
            ["git", *GIT_CONFIG, *args], cwd=self.path, env=env, capture_output=True, check=False
        )
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode()

    def commit(self, phase: int, message: str = "", *, branch: str = "") -> None:
        self.count += 1
        self.clock += timedelta(hours=7)
        name = Path(PHASE_FILES[phase % len(PHASE_FILES)])
        target = self.path / name.with_stem(name.stem + branch)  # a branch's own files: no conflict
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"{self.count}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message or f"Work {self.count} on {target.name}")

    def merge_side_branch(self, phases: list[int]) -> None:
        """Commits on a branch from HEAD~1 (or HEAD), merged back: they land inside the
        topological order, not at its end."""
        base = "HEAD~1" if self.count > 1 else "HEAD"
        branch = f"side{self.count}"
        self.git("switch", "-q", "-c", branch, base)
        for phase in phases:
            self.commit(phase, f"Side work {self.count + 1}", branch=branch)
        self.git("switch", "-q", "main")
        self.clock += timedelta(hours=1)
        self.git("merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch)

    def rewrite_last(self) -> None:
        """A force-push: drop the last commit of main (keeping at least two)."""
        if int(self.git("rev-list", "--count", "--first-parent", "HEAD")) > 2:
            self.git("reset", "-q", "--hard", "HEAD~1")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    made = Repo(tmp_path / "repo")
    for phase in (0, 1, 0, 2, 3, 0, 1, 4, 0, 3):
        made.commit(phase)
    return made


def fresh_json(path: Path, **options: object) -> str:
    return render(analyze(str(path), **options))  # type: ignore[arg-type]


def cached_json(path: Path, cache: Path, **options: object) -> str:
    return render(analyze(str(path), use_cache=True, cache=str(cache), **options))  # type: ignore[arg-type]


def store_run(path: Path, cache: Path, **options: object) -> StoreStats:
    settings_ = AnalysisOptions(use_cache=True, cache=str(cache), **options)  # type: ignore[arg-type]
    with open_repository(str(path)) as handle:
        rules = resolve_rules(settings_.rules, work_tree=handle.work_tree)
        if settings_.min_share is not None:
            rules = rules.with_min_share(settings_.min_share)
        return mine_with_store(handle, rules, settings_, cache, owned=False)[2]


# -- encoding --------------------------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(
    message=texts,
    author=texts,
    path=texts,
    counts=st.tuples(st.none() | st.integers(0, 10**6), st.none() | st.integers(0, 10**6)),
    offset=st.integers(-14 * 60, 14 * 60),
)
def test_commit_round_trip(
    message: str, author: str, path: str, counts: tuple[int | None, int | None], offset: int
) -> None:
    when = datetime(2024, 2, 29, 23, 59, 1, 5, tzinfo=timezone(timedelta(minutes=offset)))
    record = CommitRecord(
        "a" * 40,
        ("b" * 40, "c" * 40),
        author,
        "e@x",
        when,
        when + timedelta(seconds=1),
        message,
        (FileChange(path, "R", "old " + path, *counts), FileChange("x", "M")),
    )
    decoded = decode_commit(record.sha, encode_commit(record))
    assert decoded == record
    assert decoded.authored_at.isoformat() == record.authored_at.isoformat()
    assert encode_commit(record).isascii()


@given(
    shares=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.floats(0, 1), max_size=3),
    match=texts,
)
def test_classification_round_trip(shares: dict[str, float], match: str) -> None:
    c = Classification(
        "a",
        ("a", "b"),
        shares,
        (Evidence("r1", "a", "path", match, 0.1 + 0.2),),
        ("bug_fix",),
        "rules",
        ("warn",),
    )
    assert decode_classification(encode_classification(c)) == c


def test_history_mode_names_merge_diffs_churn_backend_and_view() -> None:
    assert history_mode(HistoryOptions(), "v1") == "first_parent=0;churn=0;view=v1"
    assert history_mode(HistoryOptions(first_parent=True, churn=True), "v2") == (
        "first_parent=1;churn=1;view=v2"
    )
    assert history_mode(HistoryOptions(backend="pydriller"), "v1") == (
        "backend=pydriller;first_parent=0;churn=0;view=v1"
    )


# -- incremental correctness -------------------------------------------------------------------


def test_a_rerun_reads_only_the_new_commits(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    assert store_run(repo.path, cache) == StoreStats(10, 0, 10)
    assert store_run(repo.path, cache) == StoreStats(0, 10, 0)
    for phase in (2, 3, 1):
        repo.commit(phase)
    assert store_run(repo.path, cache) == StoreStats(3, 10, 3)
    assert cached_json(repo.path, cache) == fresh_json(repo.path)


def test_merged_branches_land_in_fresh_topological_order(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    cached_json(repo.path, cache)
    repo.merge_side_branch([1, 2, 1])
    repo.commit(0)
    assert store_run(repo.path, cache).commits_read == 5  # 3 side, the merge, 1 on main
    assert cached_json(repo.path, cache) == fresh_json(repo.path)
    assert cached_json(repo.path, cache, first_parent=True) == fresh_json(
        repo.path, first_parent=True
    )


def test_force_push_leaves_no_stale_commit(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    cached_json(repo.path, cache)
    dropped = repo.git("rev-parse", "HEAD").strip()
    repo.rewrite_last()
    repo.rewrite_last()
    repo.commit(4, "Rewritten history")
    result = cached_json(repo.path, cache)
    assert dropped not in result
    assert result == fresh_json(repo.path)


def test_changed_rules_reclassify_from_the_store(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    cached_json(repo.path, cache)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nextends: default\nrules:\n"
        "  - {id: all-python, phase: monitoring, weight: 5, paths: ['*.py']}\n",
        encoding="utf-8",
    )
    assert store_run(repo.path, cache, rules=str(rules)) == StoreStats(0, 10, 10)
    changed = cached_json(repo.path, cache, rules=str(rules))
    assert changed == fresh_json(repo.path, rules=str(rules))
    assert changed != fresh_json(repo.path)
    assert store_run(repo.path, cache, min_share=0.5) == StoreStats(0, 10, 10)
    assert cached_json(repo.path, cache, min_share=0.5) == fresh_json(repo.path, min_share=0.5)


def test_another_backend_reads_everything_but_reuses_classifications(
    repo: Repo, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite"
    assert store_run(repo.path, cache, backend="pydriller") == StoreStats(10, 0, 10)
    repo.commit(2)
    assert store_run(repo.path, cache, backend="pydriller") == StoreStats(11, 0, 1)
    assert cached_json(repo.path, cache, backend="pydriller") == fresh_json(
        repo.path, backend="pydriller"
    )


def test_a_changed_mailmap_reads_the_commits_again(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    store_run(repo.path, cache)
    (repo.path / ".mailmap").write_text("Ann Smith <ann@example.com>\n")
    assert store_run(repo.path, cache).commits_read == 10
    assert cached_json(repo.path, cache) == fresh_json(repo.path)


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("commit"), st.integers(0, 4)),
        st.tuples(st.just("merge"), st.integers(0, 4)),
        st.tuples(st.just("rewrite"), st.just(0)),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds=st.lists(OPERATIONS, min_size=1, max_size=3), window=st.sampled_from([1, 3, 10]))
def test_n_incremental_runs_equal_one_fresh_run(
    rounds: list[list[tuple[str, int]]], window: int
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        made = Repo(Path(scratch) / "repo")
        for phase in (0, 1, 2, 0):
            made.commit(phase)
        cache = Path(scratch) / "cache.sqlite"
        cached_json(made.path, cache, window=window)
        for operations in rounds:
            for kind, phase in operations:
                if kind == "commit":
                    made.commit(phase)
                elif kind == "merge":
                    made.merge_side_branch([phase, (phase + 2) % 5])
                else:
                    made.rewrite_last()
            assert cached_json(made.path, cache, window=window) == fresh_json(
                made.path, window=window
            )


# -- crashes, concurrency, damage ------------------------------------------------------------

SCRIPT = (
    "import sys; from miner.pipeline.run import analyze; from miner.report.json import render; "
    "sys.stdout.write(render(analyze(sys.argv[1], use_cache=True, cache=sys.argv[2])))"
)


def miner_process(repo: Path, cache: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(repo), str(cache)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("big") / "repo"
    grow(path, 1500, first=0, seed=7)
    yield path


def test_sigkill_mid_run_leaves_a_usable_store(big_repo: Path, tmp_path: Path) -> None:
    expected = fresh_json(big_repo)
    start = time.monotonic()
    finished = miner_process(big_repo, tmp_path / "timing.sqlite")
    assert finished.communicate()[0].decode() == expected
    duration = time.monotonic() - start
    for step, fraction in enumerate((0.3, 0.5, 0.65, 0.8, 0.9)):
        cache = tmp_path / f"killed-{step}.sqlite"
        process = miner_process(big_repo, cache)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        rerun = miner_process(big_repo, cache)
        output, errors = rerun.communicate()
        assert rerun.returncode == 0, errors.decode()
        assert output.decode() == expected
        with sqlite3.connect(cache) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_concurrent_runs_share_one_store(big_repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "shared.sqlite"
    processes = [miner_process(big_repo, cache) for _ in range(3)]
    outputs = [p.communicate() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [e.decode() for _, e in outputs]
    expected = fresh_json(big_repo)
    assert [o.decode() for o, _ in outputs] == [expected] * 3
    assert store_run(big_repo, cache) == StoreStats(0, 1500, 0)


def test_garbage_at_a_chosen_path_is_refused(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "notes.txt"
    cache.write_text("my precious notes\n" * 10)
    with pytest.raises(StoreError) as raised:
        cached_json(repo.path, cache)
    assert str(raised.value) == (
        f"--cache {cache}: not a miner cache (not an SQLite database); "
        "delete it or choose another path"
    )
    assert cache.read_text() == "my precious notes\n" * 10


def test_a_foreign_database_at_a_chosen_path_is_refused(repo: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "other.sqlite"
    with sqlite3.connect(cache) as db:
        db.execute("CREATE TABLE mine (x)")
    db.close()
    with pytest.raises(StoreError, match="an SQLite database of another program"):
        cached_json(repo.path, cache)


def test_damage_at_the_default_location_is_rebuilt(repo: Repo) -> None:
    expected = fresh_json(repo.path)
    default = repo.path / ".git" / "miner" / "cache.sqlite"
    assert render(analyze(str(repo.path), use_cache=True)) == expected
    assert default.is_file()
    for damage in (b"garbage" * 100, b""):
        default.write_bytes(damage)
        assert render(analyze(str(repo.path), use_cache=True)) == expected
    with sqlite3.connect(default) as db:
        db.execute("PRAGMA application_id = 0")
        db.execute("CREATE TABLE foreign_table (x)")
    db.close()
    assert render(analyze(str(repo.path), use_cache=True)) == expected
    with sqlite3.connect(default) as db:
        assert db.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    db.close()


def test_an_outdated_or_corrupt_store_of_ours_is_rebuilt(big_repo: Path, tmp_path: Path) -> None:
    expected = fresh_json(big_repo)
    cache = tmp_path / "cache.sqlite"
    assert cached_json(big_repo, cache) == expected
    with sqlite3.connect(cache) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    assert cached_json(big_repo, cache) == expected
    with open_store(cache, owned=False) as store:
        assert store.path == cache
    data = bytearray(cache.read_bytes())
    data[8192:40960] = os.urandom(40960 - 8192)  # pages of the tables, past the header page
    cache.write_bytes(bytes(data))
    Path(f"{cache}-wal").unlink(missing_ok=True)
    assert cached_json(big_repo, cache) == expected


def test_a_url_is_cached_under_the_user_cache(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    url = f"file://{repo.path}"
    assert render(analyze(url, use_cache=True)).replace(url, str(repo.path)) == fresh_json(
        repo.path
    )
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    assert (tmp_path / "xdg" / "miner" / digest / "cache.sqlite").is_file()


def test_the_cache_location_is_not_an_option_that_changes_numbers(
    repo: Repo, tmp_path: Path
) -> None:
    assert cached_json(repo.path, tmp_path / "a.sqlite") == fresh_json(repo.path)
    assert "cache" not in analyze(str(repo.path)).option_values()
