"""The fixture builder: reproducible shas, and every spec feature turned into real git objects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fixtures.build import (
    REPOS,
    BuildResult,
    FixtureError,
    build,
    build_repository,
    main,
    parse_duration,
    unescape,
)

GitRunner = Callable[..., str]
MakeRepo = Callable[[dict[str, Any]], Path]

SMALL = {
    "authors": {
        "ana": {"name": "Ana Lima", "email": "ana@example.com"},
        "ben": {"name": "Ben Ode", "email": "ben@example.com"},
    },
    "start": "2024-03-01T10:00:00+02:00",
    "spacing": "1d6h",
    "commits": [
        {"id": "one", "message": "One", "write": {"a.txt": "a\n"}},
        {"id": "two", "message": "Two", "author": "ben", "write": {"b.txt": "b\n"}},
        {
            "id": "three",
            "message": "Three",
            "after": "30m",
            "committer": "ben",
            "delete": ["a.txt"],
        },
        {
            "id": "four",
            "message": "Four",
            "date": "2024-04-01T08:00:00-07:00",
            "committed": "2024-04-02T09:00:00-07:00",
            "rename": {"b.txt": "c.txt"},
            "expect": {"primary": "management"},
        },
    ],
}


def _log(git: GitRunner, repo: Path, fmt: str) -> list[str]:
    return git(repo, "log", "--topo-order", "--reverse", f"--format={fmt}").splitlines()


def test_building_twice_gives_the_same_shas(
    built_fixture_result: Callable[[str], BuildResult], tmp_path: Path
) -> None:
    first = built_fixture_result("edge")
    second = build(REPOS / "edge.yaml", tmp_path / "again")
    assert [c.sha for c in second.commits] == [c.sha for c in first.commits]
    assert second.commits[-1].sha == "99e02da58ffd48baa406b0fe0e779e55fc92b329"


def test_dates_authors_and_spacing(make_repo: MakeRepo, git: GitRunner) -> None:
    repo = make_repo(SMALL)
    assert _log(git, repo, "%s|%an|%aI|%cn|%cI") == [
        "One|Ana Lima|2024-03-01T10:00:00+02:00|Ana Lima|2024-03-01T10:00:00+02:00",
        "Two|Ben Ode|2024-03-02T16:00:00+02:00|Ben Ode|2024-03-02T16:00:00+02:00",
        "Three|Ana Lima|2024-03-02T16:30:00+02:00|Ben Ode|2024-03-02T16:30:00+02:00",
        "Four|Ana Lima|2024-04-01T08:00:00-07:00|Ana Lima|2024-04-02T09:00:00-07:00",
    ]
    assert git(repo, "show", "--format=", "--name-status", "-M", "HEAD").split() == [
        "R100",
        "b.txt",
        "c.txt",
    ]
    assert git(repo, "ls-files").split() == ["c.txt"]


def test_build_result_names_commits_and_keeps_expectations(tmp_path: Path, git: GitRunner) -> None:
    result = build(SMALL, tmp_path / "small")
    assert [c.id for c in result.commits] == ["one", "two", "three", "four"]
    assert [c.step for c in result.commits] == [0, 1, 2, 3]
    assert result.by_id("four").expect == {"primary": "management"}
    assert result.by_id("one").expect == {}
    assert result.by_id("four").sha == git(result.path, "rev-parse", "HEAD").strip()
    with pytest.raises(KeyError):
        result.by_id("five")


def test_branches_merges_octopus_and_tags(
    built_fixture: Callable[[str], Path], git: GitRunner
) -> None:
    edge = built_fixture("edge")
    merges = git(edge, "log", "--merges", "--format=%p|%s").splitlines()
    assert [(len(p.split()), s) for p, s in (m.split("|") for m in merges)] == [
        (2, "Merge branch 'hotfix'"),
        (4, "Merge branches odd-paths, clean-data and params"),
    ]
    assert git(edge, "branch", "--format=%(refname:short)").split() == [
        "clean-data",
        "hotfix",
        "main",
        "odd-paths",
        "params",
    ]
    assert git(edge, "cat-file", "-t", "v1.0").strip() == "commit"  # lightweight
    assert git(edge, "cat-file", "-t", "v1.1").strip() == "tag"  # annotated


def test_exact_bytes_encodings_binary_files_and_submodules(
    built_fixture: Callable[[str], Path], git: GitRunner
) -> None:
    edge = built_fixture("edge")
    latin = git(edge, "log", "-1", "--format=%H", "--grep=latin-1").strip()
    body = git(edge, "cat-file", "commit", latin).split("\n\n", 1)[1]
    assert body.startswith("Caf\ufffd data")  # the byte 0xE9 is stored as is, not re-encoded
    declared = git(edge, "cat-file", "commit", "HEAD~2")
    assert "\nencoding ISO-8859-1\n" in declared
    assert (edge / "models" / "weights.bin").read_bytes() == bytes.fromhex("00ff00ff00ff01")
    assert (edge / b"data/caf\xe9.csv".decode("utf-8", "surrogateescape")).exists()
    assert git(edge, "config", "-f", ".gitmodules", "submodule.vendor/lib.url").strip() == (
        "../submodule.git"
    )
    assert git(edge, "ls-tree", "HEAD", "vendor/lib").split()[:2] == ["160000", "commit"]


def test_the_empty_fixture_has_no_commits(
    built_fixture: Callable[[str], Path], git: GitRunner
) -> None:
    repo = built_fixture("empty")
    assert (repo / ".git").is_dir()
    assert git(repo, "rev-list", "--all").strip() == ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"commits": [{"mesage": "typo"}]}, r"spec: commits\[0\]: unknown key\(s\) \['mesage'\]"),
        ({"commits": [{"message": "x", "author": "zed"}]}, r"commits\[0\]: unknown author 'zed'"),
        ({"commits": [{"message": "x", "after": "3 days"}]}, r"invalid duration '3 days'"),
        ({"commits": [{"message": "x", "date": "2024-01-01T00:00:00"}]}, r"needs a UTC offset"),
        ({"commits": [{"write": {"a": "b"}}]}, r"needs `message` or `message_escaped`"),
        ({"commits": [{"message": "x"}]}, r"git commit .* failed: .*nothing to commit"),
        ({"commits": [{"switch": "nope"}]}, r"commits\[0\]: git checkout -q nope failed"),
        ({"commits": "x"}, r"`commits` must be a list"),
        ({"commit": []}, r"unknown key\(s\) \['commit'\]"),
    ],
)
def test_spec_errors_name_the_step(spec: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=message):
        build_repository(spec, tmp_path / "bad")


def test_destination_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(FixtureError, match="destination is not empty"):
        build_repository({"commits": []}, tmp_path)


def test_durations_and_escapes() -> None:
    assert parse_duration("1d6h").total_seconds() == 30 * 3600
    assert parse_duration("2w").days == 14
    assert parse_duration("45s").total_seconds() == 45
    assert unescape(r"caf\xe9\n\tx") == b"caf\xe9\n\tx"
    with pytest.raises(FixtureError, match="must be ASCII"):
        unescape("café")


def test_command_line_builds_a_named_fixture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], git: GitRunner
) -> None:
    dest = tmp_path / "edge"
    assert main(["edge", str(dest)]) == 0
    assert capsys.readouterr().out == f"{dest}: 15 commits\n"
    assert git(dest, "rev-parse", "HEAD").strip() == "99e02da58ffd48baa406b0fe0e779e55fc92b329"
    assert main(["edge", str(dest)]) == 2
    assert "destination is not empty" in capsys.readouterr().err
    assert main(["edge", str(dest), "--force"]) == 0
    assert main(["no-such-fixture", str(tmp_path / "x")]) == 2
    assert "no-such-fixture.yaml" in capsys.readouterr().err
