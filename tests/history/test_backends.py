"""Both history backends yield the same commit records, except where PyDriller itself differs.

Every field of every record is compared (sha, parents, mailmapped author and email, both dates
with their offsets, message, and each file's path, status, old path and line counts). A field
that differs must be explained by one of PyDriller's known differences, each named here and
asserted exactly where it occurs, so a new difference fails the test instead of hiding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fixtures.build import BuildResult
from miner.errors import UsageError
from miner.history.log import iter_commits
from miner.history.records import CommitRecord, FileChange, HistoryOptions
from miner.history.repository import open_repository
from miner.pipeline.options import AnalysisOptions
from miner.pipeline.run import analyze
from miner.report.json import render

GitRunner = Callable[..., str]

# PyDriller's own behaviour, by name (see miner.history.log.iter_commits_pydriller):
MERGE_WITHOUT_FILES = "merge without files"  # PyDriller never diffs a merge
MESSAGE_STRIPPED = "message stripped"  # Commit.msg drops surrounding whitespace
PATH_REPLACED = "non-UTF-8 path bytes as U+FFFD"  # git backend keeps them as \xNN escapes
ENCODING_IGNORED = "declared encoding not applied"  # GitPython decodes the bytes as UTF-8
BINARY_COUNTED_ZERO = "binary file counted as 0 lines"  # git backend: unknown (None)


def read_both(path: Path, **options: Any) -> tuple[list[CommitRecord], list[CommitRecord]]:
    with open_repository(str(path)) as repo:
        git = list(iter_commits(repo, HistoryOptions(**options)))
        pydriller = list(iter_commits(repo, HistoryOptions(backend="pydriller", **options)))
    return git, pydriller


def named_differences(git: CommitRecord, pydriller: CommitRecord) -> set[str]:
    """Why ``pydriller`` differs from ``git`` (the same commit), by known name; a difference no
    name explains comes back as ``unexplained <field>``."""
    names: set[str] = set()
    for field in CommitRecord.__slots__:
        ours, theirs = getattr(git, field), getattr(pydriller, field)
        if ours == theirs:
            continue
        if field == "message":
            names.add(_message_difference(ours, theirs))
        elif field == "files":
            names |= _files_difference(git, theirs)
        else:
            names.add(f"unexplained {field}")
    return names


def _message_difference(ours: str, theirs: str) -> str:
    if ours.strip() == theirs:
        return MESSAGE_STRIPPED
    if "\ufffd" in theirs and "\ufffd" not in ours and len(ours) == len(theirs):
        return ENCODING_IGNORED
    return "unexplained message"


def _files_difference(git: CommitRecord, theirs: tuple[FileChange, ...]) -> set[str]:
    if git.is_merge and git.files and not theirs:
        return {MERGE_WITHOUT_FILES}
    if len(git.files) != len(theirs):
        return {"unexplained files"}
    names = set()
    for change, other in zip(git.files, theirs, strict=True):
        ours = change
        if ours.path != other.path and "\\x" in ours.path and "\ufffd" in other.path:
            names.add(PATH_REPLACED)
            ours = replace(ours, path=other.path)
        if ours.added is None and ours.deleted is None and (other.added, other.deleted) == (0, 0):
            names.add(BINARY_COUNTED_ZERO)
            ours = replace(ours, added=0, deleted=0)
        if ours != other:
            names.add("unexplained files")
    return names


def differences_by_sha(path: Path, **options: Any) -> dict[str, set[str]]:
    git, pydriller = read_both(path, **options)
    assert [r.sha for r in pydriller] == [r.sha for r in git]  # same commits, same order
    found = {g.sha: named_differences(g, p) for g, p in zip(git, pydriller, strict=True)}
    return {sha: names for sha, names in found.items() if names}


def by_id(result: BuildResult, found: Mapping[str, set[str]]) -> dict[str, set[str]]:
    ids = {commit.sha: commit.id or commit.sha for commit in result.commits}
    return {ids[sha]: names for sha, names in found.items()}


# -- the edge fixture: merges under each policy, renames, non-UTF-8, odd paths, empty commit -----

EDGE_ALWAYS = {"latin1-bytes": {PATH_REPLACED}, "declared-encoding": {ENCODING_IGNORED}}


def test_edge_fixture_skipping_merges(
    built_fixture_result: Callable[[str], BuildResult],
) -> None:
    edge = built_fixture_result("edge")
    assert by_id(edge, differences_by_sha(edge.path)) == EDGE_ALWAYS


def test_edge_fixture_mainline_merges_have_no_pydriller_files(
    built_fixture_result: Callable[[str], BuildResult],
) -> None:
    edge = built_fixture_result("edge")
    found = by_id(edge, differences_by_sha(edge.path, first_parent=True))
    merges = {"octopus": {MERGE_WITHOUT_FILES}, "merge-hotfix": {MERGE_WITHOUT_FILES}}
    assert found == EDGE_ALWAYS | merges


def test_edge_fixture_with_line_counts(
    built_fixture_result: Callable[[str], BuildResult],
) -> None:
    edge = built_fixture_result("edge")
    found = by_id(edge, differences_by_sha(edge.path, churn=True))
    binaries = {"binary": {BINARY_COUNTED_ZERO}, "binary-change": {BINARY_COUNTED_ZERO}}
    assert found == EDGE_ALWAYS | binaries


def test_edge_fixture_records_agree_on_renames_odd_paths_and_empty_commits(
    built_fixture_result: Callable[[str], BuildResult],
) -> None:
    edge = built_fixture_result("edge")
    git, pydriller = read_both(edge.path)
    pairs = {g.sha: (g, p) for g, p in zip(git, pydriller, strict=True)}
    records = {c.id: pairs[c.sha] for c in edge.commits if c.sha in pairs}
    rename, empty = records["rename"], records["empty"]
    assert rename[1].files == rename[0].files
    assert FileChange("src/train.py", "R", "src/model.py") in rename[1].files
    assert empty[1].files == empty[0].files == ()
    odd = records["odd-paths"][1]
    assert {f.path for f in odd.files} == {
        "docs/notes with space.md",
        "data/odd\nname.txt",
        "data/tab\there.txt",
        "data/\"quoted\" 'file'.txt",
    }
    # mailmap: the old and the laptop identity both read as Alice Doe
    for identity in ("binary", "odd-paths"):
        assert (records[identity][1].author, records[identity][1].email) == (
            "Alice Doe",
            "alice@example.com",
        )


def test_pydriller_leaves_the_repository_config_unchanged(
    built_fixture: Callable[[str], Path],
) -> None:
    config = built_fixture("edge") / ".git" / "config"
    before = config.read_bytes()
    read_both(built_fixture("edge"))
    assert config.read_bytes() == before  # PyDriller itself writes blame.markUnblamableLines


# -- inline histories: ranges, dates, whitespace in messages -----------------------------------

INLINE = {
    "start": "2024-03-01T10:00:00-07:00",
    "spacing": "1d",
    "commits": [
        {"message": "  Indented subject\n\nbody  \n\n", "write": {"src/a.py": "a\n"}},
        {"message": "Add data", "write": {"data/x.csv": "x\n", "data/y.csv": "y\n"}},
        {"branch": "feature"},
        {
            "message": "Feature work",
            "write": {"src/a.py": "b\n"},
            "rename": {"data/y.csv": "data/z.csv"},
        },
        {"switch": "main"},
        {"message": "Delete x", "delete": ["data/x.csv"]},
        {"merge": "feature"},
        {"message": "Last", "write": {"README.md": "r\n"}},
    ],
}


def test_inline_history_under_each_merge_policy_and_range(
    make_repo: Callable[[Mapping[str, Any]], Path], git: GitRunner
) -> None:
    repo = make_repo(INLINE)
    shas = git(repo, "rev-list", "--topo-order", "--reverse", "HEAD").split()
    first, merge = shas[0], git(repo, "rev-parse", "HEAD~1").strip()
    stripped = {first: {MESSAGE_STRIPPED}}
    assert differences_by_sha(repo) == stripped
    assert differences_by_sha(repo, first_parent=True) == stripped | {merge: {MERGE_WITHOUT_FILES}}
    assert differences_by_sha(repo, rev=f"{first}..HEAD") == {}
    assert differences_by_sha(repo, since="2024-03-03", until="2024-03-05") == {}


# -- the three small real histories --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["e2e-taxi-ride-duration-prediction", "fsdl-text-recognizer-2022", "mlops-zoomcamp"]
)
def test_real_histories_under_both_merge_policies(
    real_history: Callable[[str], Path], name: str
) -> None:
    # PyDriller's record of a commit does not depend on the merge policy (it never diffs a
    # merge), so one PyDriller read (~10 ms a commit) serves both; the mainline selection itself
    # is compared on the edge and inline fixtures.
    with open_repository(str(real_history(name))) as repo:
        pydriller = {r.sha: r for r in iter_commits(repo, HistoryOptions(backend="pydriller"))}
        for first_parent in (False, True):
            git = list(iter_commits(repo, HistoryOptions(first_parent=first_parent)))
            if not first_parent:
                assert [g.sha for g in git] == list(pydriller)  # same commits, same order
            found = {g.sha: named_differences(g, pydriller[g.sha]) for g in git}
            assert {sha for sha, n in found.items() if n} == {
                sha for sha, n in found.items() if n == {MERGE_WITHOUT_FILES}
            }, "only the documented merge difference occurs in these histories"
            merges_with_files = {r.sha for r in git if r.is_merge and r.files}
            assert {sha for sha, n in found.items() if n} == merges_with_files
            assert bool(merges_with_files) == first_parent


# -- selecting the backend -------------------------------------------------------------------------


def test_backend_is_validated_and_left_out_of_the_json_options(
    built_fixture: Callable[[str], Path],
) -> None:
    with pytest.raises(UsageError, match=r"^--backend must be 'git' or 'pydriller', not 'svn'$"):
        AnalysisOptions(backend="svn")
    path = str(built_fixture("edge"))
    with (
        pytest.raises(UsageError, match=r"^unknown history backend 'svn'"),
        open_repository(path) as repo,
    ):
        next(iter_commits(repo, HistoryOptions(backend="svn")))
    # on the edge fixture the differences above change no number: the reports are identical
    assert render(analyze(path, backend="pydriller")) == render(analyze(path))
    assert "backend" not in analyze(path).option_values()
