"""History reading: the pure parser on literal bytes, then real repositories built with git."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from itertools import islice, pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.build import BuildResult
from miner.errors import RepositoryError
from miner.git import git_environment
from miner.history.files import read_tracked_file
from miner.history.log import iter_commits
from miner.history.parse import decode_path, parse_log
from miner.history.ranges import count_commits
from miner.history.records import CommitRecord, FileChange, HistoryOptions
from miner.history.repository import is_shallow, is_url, open_repository, resolve_revision

GitRunner = Callable[..., str]
MARKER = b"\x1eminer-commit"
SHA_A = b"a" * 40
SHA_B = b"b" * 40
PLUS_ONE = timezone(timedelta(hours=1))

# Two commits exactly as `git log -z --name-status` writes them (format of miner.history):
# header tokens, an empty token, then the changes with a newline before the first status.
NAME_STATUS_STREAM = (
    MARKER + b"\0" + SHA_A + b"\0\0Ann\0ann@x.org\0"
    b"2024-01-02T03:04:05+01:00\0" + b"2024-01-02T04:00:00+01:00\0first\n\nbody\n\0"
    b"\0\nA\0a.txt\0A\0dir/sp ace.txt\0"
    + MARKER
    + b"\0"
    + SHA_B
    + b"\0"
    + SHA_A
    + b"\0Bob\0bob@x.org\0"
    b"2024-01-03T00:00:00-05:00\0" + b"2024-01-03T00:00:00-05:00\0second\n\0"
    b"\0\nR087\0a.txt\0b.txt\0D\0dir/sp ace.txt\0"
)

CHURN_STREAM = (
    MARKER + b"\0" + SHA_B + b"\0" + SHA_A + b"\0Bob\0bob@x.org\0"
    b"2024-01-03T00:00:00-05:00\0" + b"2024-01-03T00:00:00-05:00\0second\n\0"
    b"\0\n:100644 100644 94954ab 8b14c4f R070\0a.txt\0b.txt\0"
    b":000000 100644 0000000 bdc955b A\0bin.dat\0"
    b":100644 100644 1111111 2222222 M\0tab\there\0"
    b"1\t0\t\0a.txt\0b.txt\0-\t-\tbin.dat\0" + b"12\t3\ttab\there\0"
)


def _first() -> CommitRecord:
    return CommitRecord(
        sha="a" * 40,
        parents=(),
        author="Ann",
        email="ann@x.org",
        authored_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=PLUS_ONE),
        committed_at=datetime(2024, 1, 2, 4, 0, 0, tzinfo=PLUS_ONE),
        message="first\n\nbody",
        files=(FileChange("a.txt", "A"), FileChange("dir/sp ace.txt", "A")),
    )


# -- the pure parser -------------------------------------------------------------------------------


def test_parse_log_reads_headers_statuses_and_renames() -> None:
    first, second = parse_log([NAME_STATUS_STREAM])
    assert first == _first()
    assert second.parents == ("a" * 40,)
    assert second.authored_at == datetime(2024, 1, 3, tzinfo=timezone(timedelta(hours=-5)))
    assert second.message == "second"
    assert second.files == (
        FileChange("b.txt", "R", old_path="a.txt"),
        FileChange("dir/sp ace.txt", "D"),
    )


def test_parse_log_attaches_numstat_counts_to_raw_changes() -> None:
    (record,) = parse_log([CHURN_STREAM])
    assert record.files == (
        FileChange("b.txt", "R", old_path="a.txt", added=1, deleted=0),
        FileChange("bin.dat", "A", added=None, deleted=None),  # binary: '-' counts
        FileChange("tab\there", "M", added=12, deleted=3),
    )


def test_parse_log_takes_paths_and_messages_by_position_never_by_content() -> None:
    # A message that is the marker itself, and paths that look like a marker, a status, a raw
    # line and a numstat token: each is data in its position.
    stream = (
        MARKER + b"\0" + SHA_A + b"\0\0N\0e\0"
        b"2024-01-02T03:04:05+01:00\0" + b"2024-01-02T03:04:05+01:00\0" + MARKER + b"\0"
        b"\0\nM\0" + MARKER + b"\0A\0M\0D\0:100644 x R100\0R100\0\nx\0y\0M\0" + b"1\t2\tz\0"
    )
    (record,) = parse_log([stream])
    assert record.message == MARKER.decode()
    assert record.files == (
        FileChange(MARKER.decode(), "M"),
        FileChange("M", "A"),
        FileChange(":100644 x R100", "D"),
        FileChange("y", "R", old_path="\nx"),
        FileChange("1\t2\tz", "M"),
    )


def test_parse_log_decodes_bytes_that_are_not_utf8_without_dropping_anything() -> None:
    stream = (
        MARKER + b"\0" + SHA_A + b"\0\0Jos\xe9\0j@x\0"
        b"2024-01-02T03:04:05+01:00\0" + b"2024-01-02T03:04:05+01:00\0Caf\xe9 fix\n\0"
        b"\0\nA\0caf\xe9.csv\0A\0caf\xc3\xa9.csv\0"
    )
    (record,) = parse_log([stream])
    assert record.message == "Caf\ufffd fix"
    assert record.author == "Jos\ufffd"
    assert [f.path for f in record.files] == ["caf\\xe9.csv", "café.csv"]


def test_parse_log_of_nothing_is_nothing() -> None:
    assert list(parse_log([])) == []
    assert list(parse_log([b""])) == []


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (b"A\0a.txt\0", "does not start with a commit"),
        (MARKER + b"\0" + SHA_A + b"\0\0N\0", "ends inside a commit record"),
        (NAME_STATUS_STREAM + b"\nQ9\0x\0", "unexpected token"),
        (NAME_STATUS_STREAM + b"M\0", "ends inside a commit record"),
    ],
)
def test_parse_log_rejects_output_that_breaks_the_grammar(stream: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        list(parse_log([stream]))


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    return [data[a:b] for a, b in pairwise(bounds)]


@given(st.lists(st.integers(min_value=0), max_size=30))
def test_parse_log_gives_the_same_records_for_any_chunking(cuts: list[int]) -> None:
    stream = NAME_STATUS_STREAM + CHURN_STREAM
    assert list(parse_log(_chunked(stream, cuts))) == list(parse_log([stream]))


_text_bytes = st.binary(max_size=30).filter(lambda b: b"\0" not in b)
_path_bytes = st.binary(min_size=1, max_size=20).filter(lambda b: b"\0" not in b)
_change = st.tuples(
    st.sampled_from([b"A", b"M", b"D", b"T", b"R100", b"C075"]), _path_bytes, _path_bytes
)
_commit = st.tuples(_text_bytes, _text_bytes, _text_bytes, st.lists(_change, max_size=4))


def _encode(commits: list[tuple[bytes, bytes, bytes, list[tuple[bytes, bytes, bytes]]]]) -> bytes:
    """What git writes for these commits (name-status, -z)."""
    out = b""
    for name, email, message, changes in commits:
        out += MARKER + b"\0" + SHA_A + b"\0" + SHA_B + b"\0" + name + b"\0" + email + b"\0"
        out += b"2024-01-02T03:04:05+01:00\0" * 2 + message + b"\0\0"
        for index, (status, path, other) in enumerate(changes):
            paths = path + b"\0" + other if status[:1] in b"RC" else path
            out += (b"\n" if index == 0 else b"") + status + b"\0" + paths + b"\0"
    return out


@settings(max_examples=200)
@given(st.lists(_commit, max_size=5), st.lists(st.integers(min_value=0), max_size=10))
def test_parse_log_recovers_every_commit_whatever_bytes_its_fields_hold(
    commits: list[tuple[bytes, bytes, bytes, list[tuple[bytes, bytes, bytes]]]],
    cuts: list[int],
) -> None:
    records = list(parse_log(_chunked(_encode(commits), cuts)))
    assert len(records) == len(commits)
    for record, (name, email, message, changes) in zip(records, commits, strict=True):
        assert record.author == name.decode("utf-8", "replace")
        assert record.email == email.decode("utf-8", "replace")
        assert record.message == message.decode("utf-8", "replace").rstrip("\n")
        expected = [
            FileChange(decode_path(other), "R", decode_path(path))
            if status[:1] in b"RC"
            else FileChange(decode_path(path), status.decode())
            for status, path, other in changes
        ]
        assert [(f.path, f.old_path) for f in record.files] == [
            (e.path, e.old_path) for e in expected
        ]
        assert [f.status for f in record.files] == [s[:1].decode() for s, _, _ in changes]


def test_decode_path_keeps_undecodable_bytes_visible_and_deterministic() -> None:
    assert decode_path(b"caf\xe9/\xff.txt") == "caf\\xe9/\\xff.txt"
    assert decode_path("café".encode()) == "café"


# -- the edge fixture ------------------------------------------------------------------------------

EDGE_HEAD = "99e02da58ffd48baa406b0fe0e779e55fc92b329"


@pytest.fixture(scope="module")
def edge(built_fixture_result: Callable[[str], BuildResult]) -> BuildResult:
    return built_fixture_result("edge")


def _records(target: str | Path, **options: object) -> list[CommitRecord]:
    with open_repository(str(target)) as repo:
        return list(iter_commits(repo, HistoryOptions(**options)))  # type: ignore[arg-type]


def _by_id(edge: BuildResult, records: list[CommitRecord]) -> dict[str, CommitRecord]:
    shas = {c.sha: c.id for c in edge.commits}
    return {str(shas[r.sha]): r for r in records}


def test_edge_is_read_in_rev_list_topo_order(edge: BuildResult, git: GitRunner) -> None:
    records = _records(edge.path)
    expected = git(edge.path, "rev-list", "--topo-order", "--reverse", "HEAD").split()
    assert [r.sha for r in records] == expected
    assert records[-1].sha == EDGE_HEAD
    assert len(records) == 15


def test_edge_repository_info(edge: BuildResult) -> None:
    with open_repository(str(edge.path)) as repo:
        assert repo.info.path == str(edge.path)
        assert repo.info.head == EDGE_HEAD
        assert repo.info.branch == "main"
        assert repo.info.shallow is False
        assert not is_shallow(repo)
        assert repo.work_tree == edge.path
        assert repo.git_dir == edge.path / ".git"


def test_edge_merges_come_without_files_by_default(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    octopus, merge = commits["octopus"], commits["merge-hotfix"]
    assert octopus.parents == tuple(
        edge.by_id(i).sha for i in ("changelog", "odd-paths", "clean-data", "params")
    )
    assert merge.parents == (edge.by_id("octopus").sha, edge.by_id("hotfix").sha)
    assert (octopus.files, merge.files) == ((), ())
    assert octopus.is_merge and merge.is_merge
    assert merge.author == "Bob Roe"
    assert merge.authored_at == datetime(2024, 1, 20, 17, 45, tzinfo=timezone(timedelta(hours=5.5)))


def test_edge_first_parent_reads_the_mainline_with_each_merges_diff(edge: BuildResult) -> None:
    records = _records(edge.path, first_parent=True)
    ids = [c.id for c in edge.commits]
    on_branches = {"odd-paths", "clean-data", "params", "hotfix"}
    assert list(_by_id(edge, records)) == [i for i in ids if i not in on_branches]
    commits = _by_id(edge, records)
    # The octopus merge against its first parent (changelog) brings in the three branches.
    assert commits["octopus"].files == (
        FileChange("config/params.yaml", "A"),
        FileChange("data/\"quoted\" 'file'.txt", "A"),
        FileChange("data/clean.csv", "R", old_path="data/raw.csv"),
        FileChange("data/odd\nname.txt", "A"),
        FileChange("data/tab\there.txt", "A"),
        FileChange("docs/notes with space.md", "A"),
    )
    assert commits["merge-hotfix"].files == (FileChange("src/train.py", "M"),)


def test_edge_renames_carry_their_old_path(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    assert commits["rename"].files == (
        FileChange("README.md", "M"),
        FileChange("src/train.py", "R", old_path="src/model.py"),
    )
    # 2 of the 3 lines of raw.csv survive in clean.csv: similar enough to be a rename.
    assert commits["clean-data"].files == (
        FileChange("data/clean.csv", "R", old_path="data/raw.csv"),
    )


def test_edge_paths_with_spaces_tabs_quotes_and_newlines_are_exact(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    assert [f.path for f in commits["odd-paths"].files] == [
        "data/\"quoted\" 'file'.txt",
        "data/odd\nname.txt",
        "data/tab\there.txt",
        "docs/notes with space.md",
    ]


def test_edge_mailmap_maps_two_identities_to_one(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    for commit_id in ("initial", "binary", "odd-paths"):  # alice, alice-old, alice-laptop
        assert (commits[commit_id].author, commits[commit_id].email) == (
            "Alice Doe",
            "alice@example.com",
        )
    assert (commits["rename"].author, commits["rename"].email) == ("Bob Roe", "bob@example.com")


def test_edge_dates_keep_their_offsets(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    assert commits["initial"].authored_at.isoformat() == "2024-01-08T09:00:00+01:00"
    assert commits["rename"].authored_at.isoformat() == "2024-01-10T08:30:00-05:00"
    assert commits["rename"].committed_at.isoformat() == "2024-01-10T08:30:00-05:00"
    # spacing 1d continues from the previous commit in its offset
    assert commits["changelog"].authored_at.isoformat() == "2024-01-14T08:30:00-05:00"
    assert commits["binary-change"].authored_at.isoformat() == "2024-01-25T17:45:00+05:30"


def test_edge_messages_keep_body_and_trailers(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    assert commits["rename"].message == (
        "Rename model.py to train.py\n\n"
        "Signed-off-by: Bob Roe <bob@example.com>\nMLOps-Phase: model_development"
    )
    assert commits["initial"].subject == "Initial commit"


def test_edge_non_utf8_message_and_path_are_decoded_not_dropped(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    latin = commits["latin1-bytes"]
    assert latin.subject == "Caf\ufffd data: fix the latin-1 encoded file name"
    assert latin.files == (FileChange("data/caf\\xe9.csv", "A"),)
    # A message stored in a declared encoding is re-encoded by git to UTF-8.
    assert commits["declared-encoding"].subject == "Résumé parser"


def test_edge_empty_commit_and_submodule(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path))
    assert commits["empty"].files == ()
    assert not commits["empty"].is_merge
    assert commits["submodule"].files == (
        FileChange(".gitmodules", "A"),
        FileChange("vendor/lib", "A"),
    )


def test_edge_churn_counts_lines_and_leaves_binary_files_unknown(edge: BuildResult) -> None:
    commits = _by_id(edge, _records(edge.path, churn=True))
    assert commits["initial"].files == (
        FileChange(".mailmap", "A", added=2, deleted=0),
        FileChange("README.md", "A", added=2, deleted=0),
        FileChange("data/raw.csv", "A", added=3, deleted=0),
        FileChange("src/model.py", "A", added=2, deleted=0),
    )
    assert commits["binary-change"].files == (
        FileChange("assets/logo.png", "D"),
        FileChange("models/weights.bin", "M"),
        FileChange("src/train.py", "M", added=2, deleted=1),
    )
    assert commits["clean-data"].files == (
        FileChange("data/clean.csv", "R", old_path="data/raw.csv", added=0, deleted=1),
    )
    assert commits["submodule"].files == (
        FileChange(".gitmodules", "A", added=3, deleted=0),
        FileChange("vendor/lib", "A", added=1, deleted=0),
    )
    assert [(f.path, f.status) for f in commits["odd-paths"].files] == [
        (f.path, f.status) for f in _by_id(edge, _records(edge.path))["odd-paths"].files
    ]


def test_edge_without_churn_has_no_counts(edge: BuildResult) -> None:
    files = [f for r in _records(edge.path) for f in r.files]
    assert {(f.added, f.deleted) for f in files} == {(None, None)}


def test_revision_ranges_branches_and_dates_select_commits(edge: BuildResult) -> None:
    with open_repository(str(edge.path), rev="hotfix") as repo:
        assert repo.info.branch == "hotfix"
        assert repo.info.head == edge.by_id("hotfix").sha
        assert [r.sha for r in iter_commits(repo, HistoryOptions())][-1] == edge.by_id("hotfix").sha
    range_ = f"{edge.by_id('empty').sha}..v1.1"
    with open_repository(str(edge.path), rev=range_) as repo:
        assert repo.info.branch is None
        assert repo.info.head == EDGE_HEAD
        selected = [r.sha for r in iter_commits(repo, HistoryOptions(rev=range_))]
    ids = ("latin1-bytes", "declared-encoding", "submodule", "binary-change")
    assert selected == [edge.by_id(i).sha for i in ids]
    since = _records(edge.path, since="2024-01-23T00:00:00+05:30")
    assert [r.sha for r in since] == [edge.by_id(i).sha for i in ids[1:]]
    until = _records(edge.path, until="2024-01-09T12:00:00+01:00")
    assert [r.sha for r in until] == [edge.by_id(i).sha for i in ("initial", "binary")]


@pytest.mark.parametrize(
    "options",
    [
        HistoryOptions(),
        HistoryOptions(first_parent=True),
        HistoryOptions(rev="hotfix"),
        HistoryOptions(since="2024-01-12T00:00:00-05:00", until="2024-01-22T00:00:00+05:30"),
    ],
)
def test_count_commits_matches_what_iter_commits_yields(
    edge: BuildResult, options: HistoryOptions
) -> None:
    with open_repository(str(edge.path)) as repo:
        assert count_commits(repo, options) == len(list(iter_commits(repo, options)))


def test_resolve_revision_and_read_tracked_file(edge: BuildResult) -> None:
    with open_repository(str(edge.path)) as repo:
        assert resolve_revision(repo, "v1.1") == EDGE_HEAD
        assert resolve_revision(repo, "hotfix") == edge.by_id("hotfix").sha
        assert read_tracked_file(repo, "models/README.md") == b"weights are binary\n"
        assert read_tracked_file(repo, "missing.txt") is None
        with pytest.raises(RepositoryError, match=r"^unknown revision: nope$"):
            resolve_revision(repo, "nope")


def test_stopping_early_ends_the_git_process(edge: BuildResult) -> None:
    # warnings are errors: an unwaited git process would fail this test with a ResourceWarning
    with open_repository(str(edge.path)) as repo:
        commits = iter_commits(repo, HistoryOptions())
        assert len(list(islice(commits, 2))) == 2
        commits.close()  # type: ignore[attr-defined]


# -- where the repository comes from ---------------------------------------------------------------


def test_a_folder_inside_the_work_tree_opens_the_whole_repository(edge: BuildResult) -> None:
    with open_repository(str(edge.path / "src")) as repo:
        assert repo.work_tree == edge.path
        assert repo.info.head == EDGE_HEAD
        assert repo.info.path == str(edge.path / "src")
    assert _records(edge.path / "src") == _records(edge.path)


def test_a_bare_repository_reads_the_same_history_with_its_mailmap(
    edge: BuildResult, git: GitRunner, tmp_path: Path
) -> None:
    git(tmp_path, "clone", "-q", "--bare", str(edge.path), "edge.git")
    bare = tmp_path / "edge.git"
    with open_repository(str(bare)) as repo:
        assert repo.work_tree is None
        assert repo.info.head == EDGE_HEAD
        assert read_tracked_file(repo, "models/README.md") == b"weights are binary\n"
    assert _records(bare, churn=True) == _records(edge.path, churn=True)


def test_a_file_url_is_cloned_to_a_temporary_folder_and_removed(edge: BuildResult) -> None:
    url = f"file://{edge.path}"
    with open_repository(url, rev="hotfix") as repo:
        clone = repo.git_dir
        assert repo.info.path == url
        assert repo.info.branch == "hotfix"
        assert repo.work_tree is None
        records = list(iter_commits(repo, HistoryOptions(rev="main")))
    assert not clone.exists()
    assert records == _records(edge.path)


def test_is_url() -> None:
    assert is_url("file:///tmp/x")
    assert is_url("https://example.com/a/b.git")
    assert is_url("ssh://git@example.com/a.git")
    assert is_url("git@github.com:owner/repo.git")
    assert not is_url("/tmp/some/path")
    assert not is_url("relative/path")
    assert not is_url("C:/not/scp")


def test_empty_repository_has_no_head_and_no_commits(built_fixture: Callable[[str], Path]) -> None:
    with open_repository(str(built_fixture("empty"))) as repo:
        assert repo.info.head is None
        assert repo.info.branch == "main"
        assert list(iter_commits(repo, HistoryOptions())) == []
        assert count_commits(repo, HistoryOptions()) == 0


def test_shallow_clone_is_reported_and_read(shallow_clone: Path, edge: BuildResult) -> None:
    with open_repository(str(shallow_clone)) as repo:
        assert repo.info.shallow is True
        assert is_shallow(repo)
        records = list(iter_commits(repo, HistoryOptions()))
        assert count_commits(repo, HistoryOptions()) == 3
    ids = ("declared-encoding", "submodule", "binary-change")
    assert [r.sha for r in records] == [edge.by_id(i).sha for i in ids]
    # the shallow boundary has no parent here: its diff lists the whole tree as added
    assert records[0].parents == ()
    assert {f.status for f in records[0].files} == {"A"}


# -- errors: one line each ---------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError) as error, open_repository(str(tmp_path)):
        pass
    assert str(error.value) == f"not a git repository: {tmp_path}"
    with pytest.raises(RepositoryError, match=r"^not a git repository: /no/such/folder$"):
        open_repository("/no/such/folder").__enter__()


def test_unknown_revision_or_branch(edge: BuildResult) -> None:
    with pytest.raises(RepositoryError) as error, open_repository(str(edge.path), rev="nope"):
        pass
    assert str(error.value) == "unknown revision or branch: nope"
    with open_repository(str(edge.path)) as repo:
        with pytest.raises(RepositoryError, match=r"^unknown revision or branch: main\.\.nope$"):
            list(iter_commits(repo, HistoryOptions(rev="main..nope")))
        with pytest.raises(RepositoryError, match=r"^unknown revision or branch: nope$"):
            count_commits(repo, HistoryOptions(rev="nope"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (HistoryOptions(rev="--output=/tmp/pwned"), "invalid revision: '--output=/tmp/pwned'"),
        (HistoryOptions(since="-1"), "invalid --since date: '-1'"),
        (HistoryOptions(until="--all"), "invalid --until date: '--all'"),
    ],
)
def test_values_that_git_would_read_as_options_are_rejected(
    edge: BuildResult, options: HistoryOptions, message: str
) -> None:
    with open_repository(str(edge.path)) as repo, pytest.raises(RepositoryError) as error:
        list(iter_commits(repo, options))
    assert str(error.value) == message


def test_a_url_that_cannot_be_cloned(tmp_path: Path) -> None:
    url = f"file://{tmp_path}/missing.git"
    with pytest.raises(RepositoryError) as error, open_repository(url):
        pass
    message = str(error.value)
    assert message.startswith(f"cannot clone {url}: ")
    assert "\n" not in message
    assert "does not appear to be a git repository" in message


def test_a_url_needing_credentials_fails_without_prompting(tmp_path: Path) -> None:
    # a password in the URL never reaches the error message
    url = "http://user:secret@127.0.0.1:9/repo.git"  # port 9 (discard): connection refused
    with pytest.raises(RepositoryError) as error, open_repository(url):
        pass
    assert "secret" not in str(error.value)
    assert str(error.value).startswith("cannot clone http://127.0.0.1:9/repo.git: ")


# -- untrusted configuration and environment -----------------------------------------------------


def test_repository_configuration_cannot_change_what_is_read(
    edge: BuildResult, git: GitRunner, tmp_path: Path
) -> None:
    clone = tmp_path / "odd"
    git(tmp_path, "clone", "-q", str(edge.path), str(clone))
    git(clone, "checkout", "-q", "main")
    pwned = tmp_path / "pwned"
    order = tmp_path / "order"
    order.write_text("src/*\nREADME.md\n")
    settings_ = {
        "log.showSignature": "true",
        "i18n.logOutputEncoding": "latin1",
        "log.showRoot": "false",
        "diff.relative": "true",
        "diff.renames": "false",
        "diff.orderFile": str(order),
        "diff.ignoreSubmodules": "all",
        "color.ui": "always",
        "core.quotePath": "true",
        "diff.external": f"touch {pwned}",
        "diff.evil.textconv": f"touch {pwned}; cat",
        "log.mailmap": "false",
        "gpg.program": f"touch {pwned}",
    }
    for key, value in settings_.items():
        git(clone, "config", key, value)
    (clone / ".git" / "info" / "attributes").write_text("* diff=evil\n")
    for churn in (False, True):
        assert _records(clone / "src", churn=churn) == _records(edge.path, churn=churn)
    assert not pwned.exists()


def test_git_environment_drops_hook_variables() -> None:
    env = git_environment(
        {
            "PATH": "/bin",
            "GIT_DIR": "/elsewhere/.git",
            "GIT_INDEX_FILE": "/elsewhere/.git/index",
            "GIT_CONFIG_PARAMETERS": "'core.bare'='true'",
            "GIT_CONFIG_GLOBAL": "/dev/null",
        }
    )
    forced = {name: value for name, value in env.items() if name.startswith("GIT_CONFIG_")}
    kept = {name: value for name, value in env.items() if name not in forced}
    assert kept == {
        "PATH": "/bin",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_NO_LAZY_FETCH": "1",
    }
    assert forced.pop("GIT_CONFIG_GLOBAL") == "/dev/null"
    count = int(forced.pop("GIT_CONFIG_COUNT"))
    pairs = {forced[f"GIT_CONFIG_KEY_{i}"]: forced[f"GIT_CONFIG_VALUE_{i}"] for i in range(count)}
    assert pairs["core.hooksPath"] == os.devnull
    assert pairs["core.fsmonitor"] == "false"
    assert pairs["protocol.allow"] == "never"  # reading never fetches (partial clones)
    assert "GIT_CONFIG_PARAMETERS" not in env


def test_hook_variables_pointing_elsewhere_do_not_confuse_reading_or_cloning(
    edge: BuildResult,
    built_fixture: Callable[[str], Path],
    git: GitRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    objects_before = sorted(p.name for p in (other / ".git" / "objects").rglob("*"))
    expected = _records(edge.path)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(other / ".git" / "objects"))
    monkeypatch.setenv("GIT_COMMON_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'log.showroot'='false'")
    assert _records(edge.path) == expected
    assert _records(f"file://{edge.path}") == expected
    with open_repository(str(built_fixture("empty"))) as repo:
        assert repo.info.head is None
    assert sorted(p.name for p in (other / ".git" / "objects").rglob("*")) == objects_before


# -- real histories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["e2e-taxi-ride-duration-prediction", "fsdl-text-recognizer-2022", "mlops-zoomcamp"],
)
def test_real_histories_are_read_completely_in_order(
    name: str, real_history: Callable[[str], Path], git: GitRunner
) -> None:
    path = real_history(name)
    expected = git(path, "rev-list", "--topo-order", "--reverse", "HEAD").split()
    records = _records(path)
    assert [r.sha for r in records] == expected
    names = git(
        path, "log", "--topo-order", "--reverse", "-z", "--format=%x01%H", "--name-only", "-M"
    )
    assert _paths_by_commit(names) == {r.sha: {f.path for f in r.files} for r in records if r.files}
    assert len(_records(path, churn=True)) == len(expected)


def _paths_by_commit(output: str) -> dict[str, set[str]]:
    """git's own -z --name-only listing (renames listed by new path), per commit."""
    commits: dict[str, set[str]] = {}
    for block in output.split("\x01")[1:]:
        sha, _, rest = block.partition("\n")
        sha = sha.rstrip("\0")
        paths = {p.lstrip("\n") for p in rest.split("\0") if p.strip("\n")}
        if paths:
            commits[sha] = paths
    return commits


@pytest.mark.slow
def test_pytest_history_is_read_completely_in_order(
    real_history: Callable[[str], Path], git: GitRunner
) -> None:
    path = real_history("pytest")
    expected = git(path, "rev-list", "--topo-order", "--reverse", "HEAD").split()
    assert len(expected) == 17_666
    with open_repository(str(path)) as repo:
        assert count_commits(repo, HistoryOptions()) == 17_666
        shas = [r.sha for r in iter_commits(repo, HistoryOptions())]
        mainline = count_commits(repo, HistoryOptions(first_parent=True))
        assert len(list(iter_commits(repo, HistoryOptions(first_parent=True)))) == mainline
    assert shas == expected
