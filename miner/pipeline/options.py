"""The options of an analysis, validated when built: what a run reads, how it classifies and
how the focus is inferred."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from miner.errors import UsageError
from miner.history.records import BACKENDS, HistoryOptions
from miner.numbers import is_integer
from miner.sequence.focus import DEFAULT_WINDOW
from miner.sequence.revisits import SequenceOptions

if TYPE_CHECKING:  # pandas, scipy and numba are imported where a table or statistic is built
    pass

DEFAULT_BOT_PATTERN = r"\[bot\]"
_DURATION = re.compile(r"([0-9]+)([hdw])", re.ASCII)
_DURATION_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_DAYS_PER_UNIT = {"h": 1 / 24, "d": 1.0, "w": 7.0}
# Beyond these a window means "everything before": larger values only risk overflows.
MAX_WINDOW_COMMITS = 1_000_000
MAX_WINDOW_DAYS = 36_525  # 100 years


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Every option that can change a number. Validated on construction."""

    rules: str | None = None
    rev: str | None = None
    branch: str | None = None
    since: str | None = None
    until: str | None = None
    first_parent: bool = False
    window: int | timedelta = DEFAULT_WINDOW
    revisits: Literal["all", "backward"] = "all"
    min_share: float | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_authors: tuple[str, ...] = ()
    include_bots: bool = False
    churn: bool = False
    # Read the diff of commits whose message and paths do not decide (miner.content).
    content: bool = False
    seed: int = 0
    # Where mined commits persist between runs (miner.store); never changes a number, so
    # option_values() leaves both out of the JSON options.
    cache: str | None = None
    use_cache: bool = False
    # How the history is read (miner.history.log.BACKENDS); the same commits either way, so
    # option_values() leaves it out of the JSON options too.
    backend: str = "git"
    # Where settings came from (``miner.cli.settings``): shown in the report header; the values
    # themselves are in the fields above.
    settings: str | None = None
    # Classify by trailers and rules only: phases stored as git notes by `miner tag` (which
    # otherwise win over the rules) are not read.
    ignore_notes: bool = False

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise UsageError(f"--backend must be 'git' or 'pydriller', not {self.backend!r}")
        if self.rev is not None and self.branch is not None:
            raise UsageError("--rev and --branch cannot be combined")
        if self.revisits not in ("all", "backward"):
            raise UsageError(f"--revisits must be 'all' or 'backward', not {self.revisits!r}")
        if isinstance(self.window, int) and self.window < 1:
            raise UsageError(f"--window must be at least 1 commit, not {self.window}")
        if isinstance(self.window, int) and self.window > MAX_WINDOW_COMMITS:
            raise UsageError(
                f"--window must be at most {MAX_WINDOW_COMMITS:,} commits, not {self.window}"
            )
        if isinstance(self.window, timedelta) and self.window <= timedelta(0):
            raise UsageError("--window must be a positive duration")
        if isinstance(self.window, timedelta) and self.window > timedelta(days=MAX_WINDOW_DAYS):
            raise UsageError(f"--window must span at most {MAX_WINDOW_DAYS:,} days")
        if self.min_share is not None and not 0 < self.min_share <= 1:
            raise UsageError(f"--min-share must be in (0, 1], not {self.min_share}")
        for option, value in (("--since", self.since), ("--until", self.until)):
            if value is not None:
                check_date(option, value)
        for pattern in self.author_patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise UsageError(f"--exclude-author: invalid regex {pattern!r}: {error}") from None

    @property
    def author_patterns(self) -> tuple[str, ...]:
        defaults = () if self.include_bots else (DEFAULT_BOT_PATTERN,)
        return defaults + self.exclude_authors

    @property
    def revision(self) -> str | None:
        return self.rev if self.rev is not None else self.branch

    def history(self) -> HistoryOptions:
        return HistoryOptions(
            rev=self.revision,
            since=self.since,
            until=self.until,
            first_parent=self.first_parent,
            churn=self.churn,
            backend=self.backend,
        )

    def sequence(self) -> SequenceOptions:
        return SequenceOptions(window=self.window, revisits=self.revisits)


_RELATIVE_DATE = re.compile(
    r"(\d+[ .](second|minute|hour|day|week|month|year)s?[ .]ago|yesterday|today|now)",
    re.IGNORECASE,
)


def check_date(option: str, value: str) -> None:
    """``--since``/``--until``: an ISO 8601 date or time, or a relative one like ``2 weeks
    ago``. git reads anything else as some date without complaint (``notadate`` is "now"),
    which would silently analyse the wrong commits."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        if _RELATIVE_DATE.fullmatch(value.strip()) is None:
            raise UsageError(
                f"{option}: not a date: {value!r} (use YYYY-MM-DD, an ISO time, or e.g. "
                "'2 weeks ago')"
            ) from None


def parse_window(text: str) -> int | timedelta:
    """``--window`` value: a commit count (``10``) or a span (``36h``, ``14d``, ``2w``), in ASCII
    digits and within ``MAX_WINDOW_COMMITS`` / ``MAX_WINDOW_DAYS``."""
    if is_integer(text):
        if len(text.lstrip("0")) > len(str(MAX_WINDOW_COMMITS)):
            raise UsageError(f"--window must be at most {MAX_WINDOW_COMMITS:,} commits, not {text}")
        return int(text)  # the lower bound is AnalysisOptions' (for library callers too)
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"--window must be a number of commits or a span like 14d, not {text!r}")
    digits, unit = match.group(1), match.group(2)
    # The length test first: int() of thousands of digits is itself an error.
    if len(digits) > len(str(MAX_WINDOW_DAYS * 24)) or (
        int(digits) * _DAYS_PER_UNIT[unit] > MAX_WINDOW_DAYS
    ):
        raise UsageError(f"--window must span at most {MAX_WINDOW_DAYS:,} days, not {text!r}")
    return timedelta(**{_DURATION_UNITS[unit]: int(digits)})


def describe_window(window: int | timedelta) -> str:
    if isinstance(window, int):
        return f"{window} commits"
    return f"{window.total_seconds() / 86400:g} days"
