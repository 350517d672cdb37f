"""Issue 10 part B, items 7 and 16: every number and date option is range-checked at parse time
and written in ASCII digits; a bad value is one line, exit 2 (never an internal error)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_run import Run

from miner.errors import UsageError
from miner.trend.gates import parse_gate

FULLWIDTH_FIVE = "\uff15"
ARABIC_INDIC_THREE = "\u0663"


def assert_one_line_error(result: tuple[int, str, str], message: str) -> None:
    assert result == (2, "", f"miner: error: {message}\n")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "99999999999999999999",
            "--window must be at most 1,000,000 commits, not 99999999999999999999",
        ),
        ("1000001", "--window must be at most 1,000,000 commits, not 1000001"),
        ("1000000000d", "--window must span at most 36,525 days, not '1000000000d'"),
        ("36526d", "--window must span at most 36,525 days, not '36526d'"),
        ("5218w", "--window must span at most 36,525 days, not '5218w'"),
        ("9" * 5000 + "h", "--window must span at most 36,525 days, not '" + "9" * 5000 + "h'"),
    ],
)
def test_item7_window_out_of_range(run: Run, edge: Path, value: str, message: str) -> None:
    assert_one_line_error(run("report", edge, "--window", value), message)


def test_item7_window_at_its_bounds_is_accepted(run: Run, edge: Path) -> None:
    for value in ("1000000", "36525d", "5217w"):
        assert run("analyze", edge, "--window", value, "--format", "json")[0] == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "0001-01-01",
            "--as-of 0001-01-01 is outside the days a period report covers "
            "(0002-01-01 to 9998-12-31)",
        ),
        (
            "9999-12-31",
            "--as-of 9999-12-31 is outside the days a period report covers "
            "(0002-01-01 to 9998-12-31)",
        ),
        (
            f"2024-0{FULLWIDTH_FIVE}-01",
            f"--as-of must be a date like 2024-03-31, not '2024-0{FULLWIDTH_FIVE}-01'",
        ),
    ],
)
def test_item7_as_of_out_of_range(run: Run, edge: Path, value: str, message: str) -> None:
    assert_one_line_error(run("report", edge, "--as-of", value), message)


def test_item7_a_commit_dated_9999_12_31_is_one_line_not_a_crash(
    run: Run, make_repo: Callable[[dict[str, Any]], Path], git: Callable[..., str]
) -> None:
    repo = make_repo(
        {"commits": [{"message": "Train the model", "write": {"src/train.py": "fit()\n"}}]}
    )
    # git commit refuses such a date; a repository can still hold one (written as an object).
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    parent = git(repo, "rev-parse", "HEAD").strip()
    stamp = "Test Author <test@example.com> 253402257600 +0000"  # 9999-12-31T12:00:00Z
    body = f"tree {tree}\nparent {parent}\nauthor {stamp}\ncommitter {stamp}\n\nServe it\n"
    sha = git(repo, "hash-object", "-t", "commit", "-w", "--stdin", input=body.encode()).strip()
    git(repo, "update-ref", "refs/heads/main", sha)
    for period in ("week", "month", "quarter"):
        assert_one_line_error(
            run("report", repo, "--period", period, "--no-cache"),
            "a commit dated 9999-12-31 is outside the days a period report covers "
            "(0002-01-01 to 9998-12-31): leave it out with --since or --until",
        )
    code, _, err = run("report", repo, "--until", "2100-01-01", "--no-cache")
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--window", FULLWIDTH_FIVE),
            f"--window must be a number of commits or a span like 14d, not '{FULLWIDTH_FIVE}'",
        ),
        (
            ("--window", f"1{ARABIC_INDIC_THREE}d"),
            "--window must be a number of commits or a span like 14d, "
            f"not '1{ARABIC_INDIC_THREE}d'",
        ),
        (("--window", "1_0"), "--window must be a number of commits or a span like 14d, not '1_0'"),
        (
            ("--min-share", f"0.{FULLWIDTH_FIVE}"),
            f"--min-share must be a number (digits 0-9), not '0.{FULLWIDTH_FIVE}'",
        ),
        (("--min-share", "nan"), "--min-share must be a number (digits 0-9), not 'nan'"),
    ],
)
def test_item16_non_ascii_digits_are_not_numbers_on_the_command_line(
    run: Run, edge: Path, argv: tuple[str, ...], message: str
) -> None:
    assert_one_line_error(run("analyze", edge, *argv), message)


def test_item16_non_ascii_digits_are_not_numbers_in_gates() -> None:
    with pytest.raises(UsageError, match="the threshold must be a number"):
        parse_gate(f"revisit_rate > 0.{FULLWIDTH_FIVE}")
    with pytest.raises(UsageError, match="the threshold must be a number"):
        parse_gate(f"commits > {ARABIC_INDIC_THREE}%")
