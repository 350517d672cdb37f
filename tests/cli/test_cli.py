"""The CLI in-process: every bad input gives one line `miner: error: ...` and exit code 2;
the commands and formats work end to end on real repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import Run

DATE_HINT = "(use YYYY-MM-DD, an ISO time, or e.g. '2 weeks ago')"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line_error(result: tuple[int, str, str], message: str) -> None:
    code, out, err = result
    assert (code, out, err) == (2, "", f"miner: error: {message}\n")


def test_not_a_repository(run: Run, tmp_path: Path) -> None:
    assert_one_line_error(run("analyze", tmp_path), f"not a git repository: {tmp_path}")


def test_unknown_revision(run: Run, edge: Path) -> None:
    assert_one_line_error(
        run("analyze", edge, "--rev", "nosuch"), "unknown revision or branch: nosuch"
    )


def test_unknown_branch(run: Run, edge: Path) -> None:
    assert_one_line_error(
        run("analyze", edge, "--branch", "nosuch"), "unknown revision or branch: nosuch"
    )


def test_invalid_yaml_names_its_line(run: Run, edge: Path, tmp_path: Path) -> None:
    rules = write(tmp_path / "rules.yaml", "version: 1\nextends: default\nrules: [\n  - id: x\n")
    code, out, err = run("analyze", edge, "--rules", rules)
    assert (code, out) == (2, "")
    assert err.startswith(f"miner: error: {rules}: line ")
    assert "invalid YAML" in err
    assert err.count("\n") == 1


RULE_ERRORS = [
    ("message: '(unclosed'", "rules[0].message: invalid regex"),
    ("paths: ['[abc']", "rules[0].paths[0]: invalid glob"),
]


@pytest.mark.parametrize(("matcher", "key_path"), RULE_ERRORS)
def test_invalid_pattern_names_its_key_path(
    run: Run, edge: Path, tmp_path: Path, matcher: str, key_path: str
) -> None:
    rules = write(
        tmp_path / "rules.yaml",
        f"version: 1\nextends: default\nrules:\n  - id: team.x\n    phase: monitoring\n"
        f"    weight: 1\n    {matcher}\n",
    )
    code, out, err = run("analyze", edge, "--rules", rules)
    assert (code, out) == (2, "")
    assert err.startswith(f"miner: error: {rules}: {key_path}")
    assert err.count("\n") == 1


def test_rule_naming_an_unknown_phase(run: Run, edge: Path, tmp_path: Path) -> None:
    rules = write(
        tmp_path / "rules.yaml",
        "version: 1\nextends: default\nrules:\n  - id: team.x\n    phase: testing\n"
        "    weight: 1\n    paths: ['tests/']\n",
    )
    code, _, err = run("analyze", edge, "--rules", rules)
    assert code == 2
    assert err.startswith(f"miner: error: {rules}: rules[0].phase: ")
    assert "testing" in err
    assert err.count("\n") == 1


def test_unreadable_rules_file(run: Run, edge: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert_one_line_error(
        run("analyze", edge, "--rules", missing), f"{missing}: cannot read rules file: no such file"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--revisits", "sideways"),
            "argument --revisits: invalid choice: 'sideways' (choose from 'all', 'backward')",
        ),
        (
            ("--window", "soon"),
            "--window must be a number of commits or a span like 14d, not 'soon'",
        ),
        (("--window", "0"), "--window must be at least 1 commit, not 0"),
        (("--min-share", "2"), "--min-share must be in (0, 1], not 2.0"),
        (
            ("--exclude-author", "(bot"),
            "--exclude-author: invalid regex '(bot': missing ), "
            "unterminated subpattern at position 0",
        ),
        (("--format", "csv"), "--format csv writes several files: give --output DIR"),
        (
            ("--since", "notadate"),
            f"--since: not a date: 'notadate' {DATE_HINT}",
        ),
        (
            ("--until", "2024-13-45"),
            f"--until: not a date: '2024-13-45' {DATE_HINT}",
        ),
    ],
)
def test_bad_option_values(run: Run, edge: Path, argv: tuple[str, ...], message: str) -> None:
    assert_one_line_error(run("analyze", edge, *argv), message)


def test_url_that_cannot_be_cloned(run: Run, tmp_path: Path) -> None:
    url = f"file://{tmp_path}/nowhere.git"
    code, out, err = run("analyze", url)
    assert (code, out) == (2, "")
    assert err.startswith(f"miner: error: cannot clone {url}: ")
    assert err.count("\n") == 1


def test_empty_repository_is_reported_as_nothing_to_analyse(
    run: Run, built_fixture: Callable[[str], Path]
) -> None:
    code, out, err = run("analyze", built_fixture("empty"))
    assert (code, err) == (0, "")
    assert "Nothing to analyse: no commits in the analysed range." in out
    code, out, _ = run("analyze", built_fixture("empty"), "--format", "json")
    summary = json.loads(out)["summary"]
    assert (code, summary["commits_total"], summary["revisit_rate"]) == (0, 0, None)


def test_url_and_path_give_the_same_numbers(run: Run, edge: Path) -> None:
    by_path = json.loads(run("analyze", edge, "--format", "json")[1])
    by_url = json.loads(run("analyze", f"file://{edge}", "--format", "json")[1])
    for key in ("summary", "matrices", "revisit_events", "statistics"):
        assert by_url[key] == by_path[key]


def test_every_format_and_command(run: Run, edge: Path, tmp_path: Path) -> None:
    assert run("analyze", edge, "--format", "csv", "--output", tmp_path / "csv")[0] == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == sorted(
        f"{name}.csv"
        for name in (
            "summary",
            "phase_stats",
            "revisits",
            "revisit_share",
            "overlap_rate",
            "transitions",
            "transition_probabilities",
            "cooccurrence",
            "jaccard",
            "revisit_events",
            "focus_episodes",
            "commits",
        )
    )
    assert run("analyze", edge, "--format", "plots", "--output", tmp_path / "plots")[0] == 0
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(
        f"{name}.{kind}"
        for name in (
            "overlap_rate",
            "revisits",
            "revisit_share",
            "revisit_flow",
            "transitions",
            "transition_probabilities",
            "cooccurrence",
            "jaccard",
            "timeline_commits",
            "timeline_calendar",
            "phase_shares",
            "revisit_rate",
        )
        for kind in ("png", "svg")
    )
    code, out, _ = run("commits", edge, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert len(rows) == 13
    assert set(rows[0]) >= {
        "sha",
        "parents",
        "author",
        "email",
        "authored_at",
        "committed_at",
        "subject",
        "files",
        "classified",
        "primary",
        "labels",
        "shares",
        "evidence",
        "focus",
        "event",
    }
    assert run("commits", edge, "--format", "csv")[1].splitlines()[0].startswith("sha,")
    assert run("commits", edge)[0] == 0


def test_explain_shows_the_evidence_that_made_the_labels(run: Run, edge: Path) -> None:
    commits = json.loads(
        "[" + ",".join(run("commits", edge, "--format", "jsonl")[1].splitlines()) + "]"
    )
    classified = next(c for c in commits if c["evidence"] and c["evidence"][0]["kind"] != "trailer")
    code, out, _ = run("explain", edge, classified["sha"])
    assert code == 0
    for evidence in classified["evidence"]:
        assert evidence["rule"] in out
    assert f"primary  {classified['primary']}" in out
    assert f"focus    {classified['focus']}" in out


def test_explain_a_skipped_merge_says_why(run: Run, edge: Path, git: Callable[..., str]) -> None:
    merge = git(edge, "rev-list", "--merges", "-n1", "HEAD").strip()
    code, out, err = run("explain", edge, merge)
    assert (code, out) == (2, "")
    assert "is not among the analysed commits" in err


def test_json_is_byte_identical_across_runs(run: Run, edge: Path) -> None:
    assert (
        run("analyze", edge, "--format", "json")[1] == run("analyze", edge, "--format", "json")[1]
    )


def test_unusable_default_cache_only_costs_speed(run: Run, edge: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(edge, clone)
    shutil.rmtree(clone / ".git" / "miner", ignore_errors=True)
    (clone / ".git" / "miner").write_text("a file where the cache folder should be")
    code, out, err = run("analyze", clone, "--format", "json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["warnings"][0].startswith("incremental cache not used: cannot create")
    fresh = json.loads(run("analyze", edge, "--format", "json", "--no-cache")[1])
    assert document["matrices"] == fresh["matrices"]


def test_unusable_chosen_cache_is_an_error(run: Run, edge: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "mine.sqlite"
    chosen.write_text("my notes, not a database")
    code, out, err = run("analyze", edge, "--cache", chosen)
    assert (code, out) == (2, "")
    assert err.startswith(f"miner: error: --cache {chosen}: not a miner cache")
    assert chosen.read_text() == "my notes, not a database"


def test_a_reader_that_goes_away_is_not_an_error(edge: Path) -> None:
    """`miner analyze | head -1`: exit 0, nothing on stderr (rich alone would exit 1)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "miner", "analyze", str(edge), "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()
    with process.stderr:
        assert (process.wait(), process.stderr.read()) == (0, b"")


def test_progress_counts_the_commits_read_with_or_without_the_store(
    edge: Path, tmp_path: Path
) -> None:
    import miner

    cold: list[int] = []
    warm: list[int] = []
    plain: list[int] = []
    totals: list[int] = []
    store = str(tmp_path / "store.sqlite")
    miner.analyze(str(edge), progress=cold.append, total=totals.append, use_cache=True, cache=store)
    miner.analyze(str(edge), progress=warm.append, use_cache=True, cache=store)
    miner.analyze(str(edge), progress=plain.append)
    assert plain == cold == list(range(1, 16))  # 15 commits, merges included
    assert warm == [15]  # everything came from the store
    assert totals == [15]  # told before mining started


@pytest.mark.parametrize(
    ("command", "fmt"), [("analyze", "json"), ("analyze", "markdown"), ("commits", "csv")]
)
def test_an_output_path_that_cannot_be_written(
    run: Run, edge: Path, tmp_path: Path, command: str, fmt: str
) -> None:
    target = tmp_path / "missing-folder" / "out"
    assert_one_line_error(
        run(command, edge, "--format", fmt, "--output", target),
        f"{target}: folder {target.parent} does not exist (miner does not create it)",
    )
    assert not target.parent.exists()


def test_an_output_directory_that_is_a_file(run: Run, edge: Path, tmp_path: Path) -> None:
    taken = write(tmp_path / "taken", "mine")
    assert_one_line_error(
        run("analyze", edge, "--format", "csv", "--output", taken),
        f"{taken}: is a file; this format writes several files into a folder",
    )
    assert taken.read_text() == "mine"


def test_terminal_escape_sequences_in_a_repository_are_shown_not_obeyed(
    run: Run, make_repo: Callable[[dict[str, object]], Path]
) -> None:
    repo = make_repo(
        {
            "authors": {"eve": {"name": "Eve \x1b[31mred", "email": "eve@example.com"}},
            "commits": [
                {
                    "message": "Train \x1b[2J\x1b]0;pwned\x07 the model [bold]x[/bold]",
                    "write": {"src/models/train.py": "fit()\n"},
                }
            ],
        }
    )
    outputs = [run(*argv, "--no-cache") for argv in (("explain", repo, "HEAD"), ("commits", repo))]
    for code, out, _ in outputs:
        assert code == 0
        assert "\x1b" not in out and "\x07" not in out
    assert "Train \\x1b[2J\\x1b]0;pwned\\x07 the model [bold]x[/bold]" in outputs[0][1]
