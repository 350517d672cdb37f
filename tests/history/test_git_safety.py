"""Issue 10, part A: trustworthy on every repository — nothing from it runs, no silent wrong
number, no crash. Each test builds the situation with real git and names the item it proves."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import Run

from miner.git import READING_CONFIG, SAFE_CONFIG
from miner.history.repository import MISSING_OBJECTS, PARTIAL_CLONE, open_repository
from miner.pipeline.run import analyze
from miner.report.json import render
from tests.conftest import SMALL_HISTORIES

GitRunner = Callable[..., str]
IDENTITY = {
    "GIT_AUTHOR_NAME": "Ann Smith",
    "GIT_AUTHOR_EMAIL": "ann@example.com",
    "GIT_COMMITTER_NAME": "Ann Smith",
    "GIT_COMMITTER_EMAIL": "ann@example.com",
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user configuration, a private cache folder, no progress bar."""
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("CI", "1")


def sh(repo: Path, *args: str, input: bytes = b"", date: int = 1_704_700_800) -> str:
    """git in ``repo`` with a pinned identity and date; no user configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(IDENTITY, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    env.update(GIT_AUTHOR_DATE=f"{date} +0000", GIT_COMMITTER_DATE=f"{date} +0000")
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env=env,
        input=input,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, f"git {args} failed: {result.stderr.decode()}"
    return result.stdout.decode()


def commit(repo: Path, files: dict[str, str], message: str, *, day: int) -> str:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    sh(repo, "add", "-A")
    sh(repo, "commit", "-q", "-m", message, date=1_704_700_800 + day * 86_400)
    return sh(repo, "rev-parse", "HEAD").strip()


def small_project(path: Path) -> Path:
    """Six commits over four phases, one of them an inexact rename (content changed)."""
    path.mkdir(parents=True)
    sh(path, "init", "-q")
    body = "".join(f"line {i}\n" for i in range(60))
    commit(path, {"data/ingest.py": body}, "Add data ingestion script", day=0)
    commit(path, {"data/clean.py": "clean\n"}, "Clean missing values in the dataset", day=1)
    commit(path, {"models/train.py": "fit\n"}, "Train baseline model", day=2)
    sh(path, "mv", "data/ingest.py", "data/load.py")
    commit(path, {"data/load.py": body + "tail\n"}, "Rename ingestion to load data", day=3)
    commit(path, {"deploy/Dockerfile": "FROM x\n"}, "Deploy model with docker", day=4)
    commit(path, {"models/eval.py": "eval\n"}, "Evaluate model accuracy", day=5)
    return path


def json_of(run: Run, path: Path | str, *args: str | Path) -> dict[str, object]:
    code, out, err = run("analyze", path, "--format", "json", *args)
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


# -- items 1, 2 and the done-when: nothing configured by the repository runs --------------------

HOOK_NAMES = (
    "reference-transaction",
    "post-checkout",
    "post-commit",
    "post-rewrite",
    "post-index-change",
    "pre-auto-gc",
    "fsmonitor-watchman",
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
)


def booby_trap(repo: Path, markers: Path) -> None:
    """Point every setting that names a program at one that leaves a marker file."""
    markers.mkdir()
    script = repo / ".git" / "evil.sh"
    script.write_text(f'#!/bin/sh\ntouch "{markers}/$1"\ncat >/dev/null 2>&1; exit 0\n')
    script.chmod(0o755)
    hooks = repo / ".git" / "evil-hooks"
    hooks.mkdir()
    for name in HOOK_NAMES:
        (hooks / name).write_text(f'#!/bin/sh\ntouch "{markers}/hook-{name}"\n')
        (hooks / name).chmod(0o755)
    settings = {
        "core.fsmonitor": f"{script} fsmonitor",
        "core.hooksPath": str(hooks),
        "diff.external": f"{script} diff-external",
        "diff.evil.textconv": f"{script} textconv",
        "filter.evil.clean": f"{script} filter-clean",
        "filter.evil.smudge": f"{script} filter-smudge",
        "core.pager": f"{script} pager",
        "pager.log": f"{script} pager-log",
        "gpg.program": f"{script} gpg",
        "log.showSignature": "true",
        "core.sshCommand": f"{script} ssh",
        "core.alternateRefsCommand": f"{script} alternate-refs",
        "gc.auto": "1",
    }
    for key, value in settings.items():
        sh(repo, "config", key, value)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "attributes").write_text("* diff=evil filter=evil\n")


def test_item1_item2_no_command_configured_by_the_repository_runs_with_either_backend(
    tmp_path: Path, run: Run
) -> None:
    repo = small_project(tmp_path / "trapped")
    sh(repo, "update-index", "--refresh")
    markers = tmp_path / "markers"
    booby_trap(repo, markers)
    commands: list[list[str | Path]] = []
    for backend in ("git", "pydriller"):
        for churn in ([], ["--churn"]):
            common = [repo, "--backend", backend, *churn]
            commands.append(["analyze", *common])  # through the store
            commands.append(["analyze", *common, "--no-cache", "--format", "markdown"])
            commands.append(["commits", *common, "--format", "jsonl"])
            commands.append(["explain", repo, "HEAD", *common[1:]])
            commands.append(["report", *common, "--format", "json"])
    commands += [
        ["tag", repo],
        ["tag", repo],  # a second run reads the notes it wrote
        ["rules", "check", repo / ".git" / "evil.sh"],  # not rules: must just say so
        ["hook", "install", repo],
        ["hook", "uninstall", repo],
    ]
    failures = []
    for command in commands:
        code, _, err = run(*command)
        if code != 0 and command[:2] != ["rules", "check"]:
            failures.append((command, code, err))
    assert failures == []
    assert sorted(p.name for p in markers.iterdir()) == []
    # the trap is live: git itself, asked plainly, runs it
    sh(repo, "log", "-1", "-p", "--ext-diff")
    assert (markers / "diff-external").exists()


def test_item2_tag_runs_no_reference_transaction_hook(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    markers = tmp_path / "markers"
    booby_trap(repo, markers)
    code, out, err = run("tag", repo)
    assert (code, err) == (0, "")
    assert out.startswith("5 note(s) written") or "note(s) written" in out
    assert sh(repo, "notes", "--ref=refs/notes/mlops", "list").strip()
    assert list(markers.iterdir()) == []


# -- item 3: the store never answers differently from a fresh run --------------------------------


def fresh_and_stored(path: Path, cache: Path, **options: object) -> tuple[str, str]:
    """The JSON report and every record (parents, files, authors) of a fresh run and of a run
    through the store."""
    fresh = analyze(str(path), **options)  # type: ignore[arg-type]
    stored = analyze(str(path), use_cache=True, cache=str(cache), **options)  # type: ignore[arg-type]
    return tuple(  # type: ignore[return-value]
        render(a) + repr([c.record for c in a.commits]) for a in (fresh, stored)
    )


def prime(path: Path, cache: Path, **options: object) -> None:
    analyze(str(path), use_cache=True, cache=str(cache), **options)  # type: ignore[arg-type]


def test_item3_store_sees_git_replace(tmp_path: Path) -> None:
    repo = small_project(tmp_path / "repo")
    cache = tmp_path / "cache.sqlite"
    prime(repo, cache)
    target = sh(repo, "rev-parse", "HEAD~1").strip()
    tree = sh(repo, "rev-parse", "HEAD~1^{tree}").strip()
    parent = sh(repo, "rev-parse", "HEAD~2").strip()
    other = sh(repo, "commit-tree", tree, "-p", parent, "-m", "Set up monitoring dashboard")
    sh(repo, "replace", target, other.strip())
    fresh, stored = fresh_and_stored(repo, cache)
    messages = [c.record.message for c in analyze(str(repo)).commits]
    assert "Set up monitoring dashboard" in messages
    assert stored == fresh


def test_item3_store_sees_unshallow(tmp_path: Path) -> None:
    source = small_project(tmp_path / "source")
    clone = tmp_path / "clone"
    sh(tmp_path, "clone", "-q", "--depth", "2", f"file://{source}", str(clone))
    cache = tmp_path / "cache.sqlite"
    prime(clone, cache)
    sh(clone, "fetch", "-q", "--unshallow")
    fresh, stored = fresh_and_stored(clone, cache)
    assert '"commits_total": 6' in fresh
    assert stored == fresh


def test_item3_store_sees_mailmap_file_config(tmp_path: Path) -> None:
    repo = small_project(tmp_path / "repo")
    cache = tmp_path / "cache.sqlite"
    prime(repo, cache)
    mailmap = tmp_path / "people.mailmap"
    mailmap.write_text("Ann Lee <ann@example.com> Ann Smith <ann@example.com>\n")
    sh(repo, "config", "mailmap.file", str(mailmap))
    fresh, stored = fresh_and_stored(repo, cache)
    assert stored == fresh
    commits_fresh = [c.record.author for c in analyze(str(repo)).commits]
    commits_stored = [
        c.record.author for c in analyze(str(repo), use_cache=True, cache=str(cache)).commits
    ]
    assert commits_fresh == commits_stored == ["Ann Lee"] * 6


def test_item3_store_sees_mailmap_blob_of_bare_repository_at_rev(tmp_path: Path) -> None:
    work = small_project(tmp_path / "work")
    sh(work, "branch", "side")
    bare = tmp_path / "bare.git"
    sh(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    cache = tmp_path / "cache.sqlite"

    def authors(**options: object) -> list[str]:
        found = analyze(str(bare), rev="side", **options)  # type: ignore[arg-type]
        return [c.record.author for c in found.commits]

    assert authors(use_cache=True, cache=str(cache)) == ["Ann Smith"] * 6
    # .mailmap changes on main (HEAD), not on the analysed branch: git applies HEAD:.mailmap
    commit(work, {".mailmap": "Ann Lee <ann@example.com>\n"}, "Add mailmap", day=9)
    sh(work, "push", "-q", str(bare), "main")
    assert authors() == ["Ann Lee"] * 6
    assert authors(use_cache=True, cache=str(cache)) == authors()


def test_item3_store_sees_grafts(tmp_path: Path) -> None:
    repo = small_project(tmp_path / "repo")
    cache = tmp_path / "cache.sqlite"
    prime(repo, cache)
    cut = sh(repo, "rev-parse", "HEAD~2").strip()
    (repo / ".git" / "info" / "grafts").write_text(f"{cut}\n")
    fresh, stored = fresh_and_stored(repo, cache)
    assert '"commits_total": 3' in fresh
    assert stored == fresh


# -- item 4: a missing commit is an error, never an empty history -------------------------------


def remove_object(repo: Path, sha: str) -> None:
    (repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()


def test_item4_missing_head_commit_is_an_error_in_every_command(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    head = sh(repo, "rev-parse", "HEAD").strip()
    remove_object(repo, head)
    expected = (
        f"miner: error: HEAD is commit {head[:12]}, which is missing from the repository "
        "(damaged or incomplete copy): nothing can be read\n"
    )
    for command in (["analyze"], ["commits"], ["report"], ["tag"], ["explain", "--", "HEAD"]):
        target = [repo] if command[0] != "explain" else [repo, "HEAD"]
        code, out, err = run(command[0], *target)
        assert (code, out, err) == (2, "", expected), command


def test_item4_missing_parent_commit_is_an_error(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    remove_object(repo, sh(repo, "rev-parse", "HEAD~3").strip())
    for command in ("analyze", "commits", "report", "tag"):
        code, out, err = run(command, repo)
        assert code == 2 and out == "", command
        assert err.startswith("miner: error: git log failed: ") and err.count("\n") == 1


def test_item4_notes_ref_naming_a_missing_commit_is_an_error(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    assert run("tag", repo)[0] == 0
    notes = sh(repo, "rev-parse", "refs/notes/mlops").strip()
    remove_object(repo, notes)
    expected = (
        f"miner: error: refs/notes/mlops is commit {notes[:12]}, which is missing from the "
        "repository (damaged or incomplete copy): its notes cannot be read\n"
    )
    assert run("analyze", repo) == (2, "", expected)
    assert run("tag", repo) == (2, "", expected)
    assert run("analyze", repo, "--ignore-notes")[0] == 0


# -- item 5: notes are visible and optional; tag labels what analyze counts ----------------------


def test_item5_notes_are_named_in_the_header_and_can_be_ignored(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    assert run("tag", repo)[0] == 0
    with_notes = json_of(run, repo)
    ignored = json_of(run, repo, "--ignore-notes")
    assert with_notes["summary"]["classified_by"] == {"note": 6}  # type: ignore[index]
    assert with_notes["options"]["notes"] == "used"  # type: ignore[index]
    assert ignored["summary"]["classified_by"] == {"rules": 6}  # type: ignore[index]
    assert ignored["options"]["notes"] == "ignored"  # type: ignore[index]
    code, out, _ = run("analyze", repo)
    assert code == 0
    assert "0 by trailer, 6 by note, 0 by rules" in out
    assert "--ignore-notes" in out
    code, out, _ = run("analyze", repo, "--format", "markdown", "--ignore-notes")
    assert "0 by trailer, 0 by note, 6 by rules (notes ignored: --ignore-notes)" in out


def test_item5_tag_skips_the_bot_and_excluded_commits_analyze_skips(
    tmp_path: Path, run: Run
) -> None:
    repo = small_project(tmp_path / "repo")
    commit(repo, {"models/requirements.txt": "torch\n"}, "Bump model training deps", day=7)
    sh(repo, "commit", "-q", "--amend", "--no-edit", "--author=dependabot[bot] <bot@x>")
    code, out, _ = run("tag", repo, "--exclude-author", "nobody")
    assert code == 0
    assert "1 bot/author-excluded commit(s) skipped" in out
    listing = sh(repo, "notes", "--ref=refs/notes/mlops", "list").splitlines()
    noted = {pair.split()[1] for pair in listing}
    analysed = {c.record.sha for c in analyze(str(repo)).commits}
    assert noted <= analysed
    assert len(noted) == 6


# -- item 6: dates git can write but Python cannot hold --------------------------------------------


def odd_commit(repo: Path, parent: str, date: str, message: str) -> str:
    tree = sh(repo, "rev-parse", f"{parent}^{{tree}}").strip()
    body = (
        f"tree {tree}\nparent {parent}\nauthor Ann Smith <ann@example.com> {date}\n"
        f"committer Ann Smith <ann@example.com> {date}\n\n{message}\n"
    )
    return sh(
        repo, "hash-object", "-t", "commit", "--literally", "-w", "--stdin", input=body.encode()
    ).strip()


ODD_DATES = {
    "1700000000 +2500": "time zone +25:00 is out of range",
    "1700000000 -9959": "time zone -99:59 is out of range",
    "-5000 +0000": "unreadable",
    "253402300800 +0000": "in year 10000: clamped",
    "1700000000": "unreadable",
}


def test_item6_out_of_range_dates_are_read_marked_and_counted(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    tip = sh(repo, "rev-parse", "HEAD").strip()
    for index, date in enumerate(ODD_DATES):
        tip = odd_commit(repo, tip, date, f"Train model variant {index}")
    sh(repo, "update-ref", "refs/heads/main", tip)
    for backend_args in ([], ["--no-cache"]):
        data = json_of(run, repo, *backend_args)
        assert data["summary"]["commits_total"] == 11  # type: ignore[index]
        assert data["summary"]["dates_out_of_range"] == 5  # type: ignore[index]
        warnings = "\n".join(data["warnings"])  # type: ignore[arg-type]
        for expected in ODD_DATES.values():
            assert expected in warnings
    code, out, _ = run("analyze", repo)
    assert code == 0 and "dates out of range" in out
    # (`report` over a year-9999 commit is item 7, the period arithmetic's range)
    assert run("commits", repo)[0] == 0
    code, _, err = run("analyze", repo, "--backend", "pydriller")
    assert code in (0, 2) and "internal error" not in err
    # a UTC instant is kept: +25:00 at 2023-11-15T23:13:20 local is 1700000000
    with open_repository(str(repo)) as opened:
        from miner.history.log import iter_commits
        from miner.history.records import HistoryOptions

        records = list(iter_commits(opened, HistoryOptions()))
    assert records[6].authored_at.timestamp() == 1_700_000_000
    assert records[7].authored_at.timestamp() == 1_700_000_000


# -- item 10: partial clones and missing blobs ----------------------------------------------


FILTERING_UPLOAD_PACK = "git -c uploadpack.allowFilter=true upload-pack"


def partial_clone(source: Path, dest: Path, *, bare: bool = False) -> Path:
    """A ``--filter=blob:none`` clone of ``source`` (left unchanged): no blob is downloaded."""
    sh(
        dest.parent,
        "clone",
        "-q",
        f"--upload-pack={FILTERING_UPLOAD_PACK}",
        *(["--bare"] if bare else ["--no-checkout"]),
        "--filter=blob:none",
        f"file://{source}",
        str(dest),
    )
    missing = sh(dest, "rev-list", "--objects", "--missing=print", "--all").splitlines()
    assert any(line.startswith("?") for line in missing), "the clone is not partial"
    return dest


def packs(repo: Path) -> list[str]:
    objects = repo / "objects" if (repo / "objects").is_dir() else repo / ".git" / "objects"
    return sorted(p.name for p in (objects / "pack").glob("*.pack"))


def test_item10_partial_clone_falls_back_to_exact_renames_and_never_fetches(
    tmp_path: Path, run: Run
) -> None:
    source = small_project(tmp_path / "source")
    clone = partial_clone(source, tmp_path / "clone.git", bare=True)
    before = packs(clone)
    data = json_of(run, clone)
    assert data["options"]["renames"] == (  # type: ignore[index]
        f"exact only (identical content; git -M100%): {PARTIAL_CLONE}"
    )
    assert data["summary"]["commits_total"] == 6  # type: ignore[index]
    code, out, _ = run("analyze", clone)
    assert code == 0 and "exact only" in out and "partial clone" in out
    assert run("commits", clone)[0] == 0
    assert run("report", clone, "--format", "markdown")[0] == 0
    assert packs(clone) == before  # not one object fetched from the promisor remote
    full = json_of(run, source)
    assert full["options"]["renames"] == "by similarity (git -M)"  # type: ignore[index]
    # the inexact rename is an add and a delete when read exactly
    with open_repository(str(clone)) as opened:
        from miner.history.log import iter_commits
        from miner.history.records import HistoryOptions

        renamed = list(iter_commits(opened, HistoryOptions()))[3]
    assert sorted((f.status, f.path) for f in renamed.files) == [
        ("A", "data/load.py"),
        ("D", "data/ingest.py"),
    ]


def test_item10_partial_clone_refuses_pydriller_and_churn_with_one_line(
    tmp_path: Path, run: Run
) -> None:
    source = small_project(tmp_path / "source")
    clone = partial_clone(source, tmp_path / "clone.git", bare=True)
    before = packs(clone)
    code, out, err = run("analyze", clone, "--backend", "pydriller")
    assert (code, out) == (2, "")
    assert err == (
        "miner: error: --backend pydriller reads file contents, which this repository lacks "
        f"({PARTIAL_CLONE}); use the default backend (--backend git)\n"
    )
    code, out, err = run("analyze", clone, "--churn")
    assert (code, out) == (2, "")
    assert err.startswith("miner: error: --churn counts changed lines, which needs file contents")
    assert err.count("\n") == 1
    assert packs(clone) == before


def test_item10_missing_blobs_in_a_damaged_copy_fall_back_to_exact_renames(
    tmp_path: Path, run: Run
) -> None:
    repo = small_project(tmp_path / "repo")
    remove_object(repo, sh(repo, "rev-parse", "HEAD~2:data/load.py").strip())
    for args in ([], ["--no-cache"]):
        data = json_of(run, repo, *args)
        assert data["options"]["renames"] == (  # type: ignore[index]
            f"exact only (identical content; git -M100%): {MISSING_OBJECTS}"
        )
        assert data["summary"]["commits_total"] == 6  # type: ignore[index]
    code, out, _ = run("tag", repo)
    assert code == 0 and MISSING_OBJECTS in out
    for churn in ([], ["--churn"]):  # PyDriller reads what it can, or fails in one line
        code, _, err = run("analyze", repo, "--backend", "pydriller", *churn)
        assert (code, err.count("\n")) in ((0, 0), (2, 1)), err


def test_item10_hook_install_in_a_partial_clone_fetches_nothing(tmp_path: Path, run: Run) -> None:
    source = small_project(tmp_path / "source")
    clone = partial_clone(source, tmp_path / "clone")
    sh(clone, "checkout", "-q", "main")  # the checkout fetches the tip's blobs, as git does
    before = packs(clone)
    code, out, err = run("hook", "install", clone)
    assert (code, err) == (0, "")
    assert out.endswith("focus cache primed from 6 classified commit(s)\n")
    assert packs(clone) == before


@pytest.mark.parametrize("name", SMALL_HISTORIES)
def test_item10_three_real_ml_histories_as_partial_clones(
    name: str, real_history: Callable[[str], Path], tmp_path: Path, run: Run
) -> None:
    source = real_history(name)
    clone = partial_clone(source, tmp_path / f"{name}.git", bare=True)
    before = packs(clone)
    full = json_of(run, source, "--no-cache")
    partial = json_of(run, clone, "--no-cache")
    assert partial["options"]["renames"].endswith(PARTIAL_CLONE)  # type: ignore[index,union-attr]
    assert partial["summary"]["commits_total"] == full["summary"]["commits_total"]  # type: ignore[index]
    code, out, _ = run("analyze", clone)
    assert code == 0 and "renames" in out and "partial clone" in out
    assert packs(clone) == before


# -- item 11: another user's repository, a path with a line break --------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository to another user")
def test_item11_repository_of_another_user_says_safe_directory(tmp_path: Path, run: Run) -> None:
    repo = small_project(tmp_path / "repo")
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 4242, 4242)
    code, out, err = run("analyze", repo)
    assert (code, out) == (2, "")
    assert err == (
        f"miner: error: {repo} is owned by another user than you, so git refuses to read it "
        f"(safe.directory); if you trust it: git config --global --add safe.directory {repo}\n"
    )


def test_item11_path_with_a_line_break_is_refused(tmp_path: Path, run: Run) -> None:
    odd = tmp_path / "two\nlines"
    small_project(odd)
    code, out, err = run("analyze", odd)
    assert (code, out) == (2, "")
    assert err == f"miner: error: a repository path cannot contain a line break: {str(odd)!r}\n"


# -- item 12: credentials in a URL are never shown or stored --------------------------------------


def test_item12_url_credentials_never_shown_or_stored(tmp_path: Path, run: Run) -> None:
    source = small_project(tmp_path / "source")
    url = f"file://user:TOKEN@localhost{source}"
    outputs = []
    for form in ("json", "terminal", "markdown"):
        code, out, err = run("analyze", url, "--format", form)
        assert code == 0, err
        outputs.append(out + err)
    code, out, err = run("report", url, "--format", "markdown")
    outputs.append(out + err)
    code, out, err = run("analyze", f"file://user:TOKEN@localhost{tmp_path}/missing")
    assert code == 2
    outputs.append(err)
    assert all("TOKEN" not in text for text in outputs)
    assert f"file://localhost{source}" in outputs[0]
    cache = Path(os.environ["XDG_CACHE_HOME"])
    stored = [p for p in cache.rglob("*") if p.is_file()]
    assert stored
    assert all(b"TOKEN" not in p.read_bytes() and "TOKEN" not in str(p) for p in stored)


# -- item 15: tagging a URL; a shared hooks folder -------------------------------------------------


def test_item15_tag_refuses_a_url(tmp_path: Path, run: Run) -> None:
    source = small_project(tmp_path / "source")
    code, out, err = run("tag", f"file://user:TOKEN@localhost{source}")
    assert (code, out) == (2, "")
    assert err == (
        f"miner: error: miner tag writes notes into a repository on this machine, not a URL "
        f"(file://localhost{source}): clone it, tag the clone, and push refs/notes/mlops\n"
    )
    assert "refs/notes/mlops" not in sh(source, "for-each-ref")


def test_item15_hook_install_into_a_shared_hooks_folder_needs_shared(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "global-hooks"
    shared.mkdir()
    config = tmp_path / "gitconfig"
    config.write_text(f"[core]\n\thooksPath = {shared}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    repo = small_project(tmp_path / "repo")
    code, out, err = run("hook", "install", repo, "--strict")
    assert (code, out) == (2, "")
    assert err == (
        f"miner: error: the hooks folder {shared} (core.hooksPath, set in {config}) is outside "
        "this repository, so its hooks run for every repository that uses it: pass --shared "
        "to install there anyway\n"
    )
    assert list(shared.iterdir()) == []
    code, out, _ = run("hook", "install", repo, "--shared")
    assert code == 0 and str(shared / "commit-msg") in out
    assert (shared / "commit-msg").stat().st_mode & stat.S_IXUSR
    # a hooks folder inside the repository (committed .githooks) is not shared
    other = small_project(tmp_path / "other")
    sh(other, "config", "core.hooksPath", ".githooks")
    code, out, _ = run("hook", "install", other)
    assert code == 0 and str(other / ".githooks" / "commit-msg") in out


def test_item11_newer_git_names_the_owner() -> None:
    from miner.history.repository import _not_a_repository

    stderr = (
        "fatal: detected dubious ownership in repository at '/srv/repo'\n"
        "'/srv/repo' is owned by:\n\talice (1000)\nbut the current user is:\n\troot (0)\n"
        "To add an exception for this directory, call:\n\n"
        "\tgit config --global --add safe.directory /srv/repo\n"
    )
    assert _not_a_repository("/srv/repo/src", stderr) == (
        "/srv/repo/src is owned by alice, not by you, so git refuses to read it "
        "(safe.directory); if you trust it: git config --global --add safe.directory /srv/repo"
    )


def test_item10_bare_partial_clone_with_mailmap_and_rules_at_the_tip(
    tmp_path: Path, run: Run
) -> None:
    source = small_project(tmp_path / "source")
    commit(source, {".mailmap": "Ann Lee <ann@example.com>\n"}, "Add mailmap", day=8)
    clone = partial_clone(source, tmp_path / "clone.git", bare=True)
    before = packs(clone)
    data = json_of(run, clone)
    assert data["summary"]["commits_total"] == 7  # type: ignore[index]
    assert "author names and emails are shown as committed" in data["warnings"][0]  # type: ignore[index]
    rules = tmp_path / "rules.yaml"
    rules.write_text("extends: default\n")
    commit(source, {".miner/phase_rules.yaml": "extends: default\n"}, "Add rules", day=9)
    sh(clone, "fetch", "-q", f"--upload-pack={FILTERING_UPLOAD_PACK}", "origin", "main:main")
    code, out, err = run("analyze", clone)
    assert (code, out) == (2, "")
    assert err == (
        "miner: error: .miner/phase_rules.yaml is in the analysed commit, but its content is "
        f"missing from this repository ({PARTIAL_CLONE}): pass --rules FILE\n"
    )
    assert run("analyze", clone, "--rules", rules)[0] == 0
    assert len(packs(clone)) == len(before) + 1  # only our own fetch added a pack


def test_item10_notes_fetched_into_a_partial_clone_without_their_blobs(
    tmp_path: Path, run: Run
) -> None:
    source = small_project(tmp_path / "source")
    assert run("tag", source)[0] == 0
    clone = partial_clone(source, tmp_path / "clone.git", bare=True)
    fetch = f"--upload-pack={FILTERING_UPLOAD_PACK}"
    sh(clone, "fetch", "-q", fetch, "origin", "refs/notes/mlops:refs/notes/mlops")
    before = packs(clone)
    code, out, err = run("analyze", clone)
    assert (code, out) == (2, "")
    assert err.startswith("miner: error: notes under refs/notes/mlops are missing from the ")
    assert err.endswith("pass --ignore-notes to classify without them\n")
    assert err.count("\n") == 1
    assert run("analyze", clone, "--ignore-notes")[0] == 0
    assert packs(clone) == before


def test_one_runner_every_git_process_gets_the_safe_configuration(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: a `git` first on PATH logs the configuration each process was started with;
    every command, both backends and a URL clone start git only through the one runner."""
    project = small_project(tmp_path / "project")
    real_git = shutil.which("git")
    assert real_git is not None
    calls = tmp_path / "git-calls.log"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    wrapper.write_text(
        # GitPython checks the executable with `git version` when imported: no repository read
        f'#!/bin/sh\n[ "$*" = version ] || echo "${{GIT_CONFIG_COUNT:-none}}" >> "{calls}"\n'
        f'exec "{real_git}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    for argv in (
        ("analyze", project, "--format", "json"),
        ("analyze", project, "--backend", "pydriller", "--format", "json"),
        ("analyze", project.as_uri(), "--format", "json"),
        ("commits", project, "--format", "jsonl"),
        ("explain", project, "HEAD"),
        ("tag", project),
    ):
        code, _, err = run(*argv)
        assert code == 0, err
    counts = calls.read_text().split()
    assert len(counts) >= 20
    # the clone may fetch (SAFE_CONFIG); every reading process is also offline (READING_CONFIG)
    assert set(counts) <= {str(len(SAFE_CONFIG)), str(len(READING_CONFIG))}
