"""The glue: repository → commits → classifications → sequence → matrices and statistics.

``analyze_with(path, settings)`` does the work; ``miner.analyze`` (:mod:`miner.api`, what a
notebook calls) takes the options as typed keywords and the CLI calls
``analyze(path, **options)``. Everything it returns is finished data: renderers compute nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from miner.classify import Classification, Classifier
from miner.errors import UsageError
from miner.history import (
    BACKENDS,
    CommitRecord,
    FileChange,
    HistoryOptions,
    Repository,
    RepositoryInfo,
    count_commits,
    iter_commits,
    iter_diff_lines,
    open_repository,
    read_tracked_file,
    resolve_revision,
    with_exact_renames_if_needed,
    with_progress,
)
from miner.notes import read_notes
from miner.numbers import is_integer
from miner.revisits import SequenceAnalysis, SequenceOptions, Step, analyse_sequence
from miner.rules import REPOSITORY_RULES, Rules, compile_glob, load_rules, rules_from_text

if TYPE_CHECKING:  # pandas, scipy and numba are imported where a table or statistic is built
    import pandas as pd

    from miner.matrices import Matrices

SCHEMA_VERSION = 1
DEFAULT_BOT_PATTERN = r"\[bot\]"
_DURATION = re.compile(r"([0-9]+)([hdw])", re.ASCII)
_DURATION_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_DAYS_PER_UNIT = {"h": 1 / 24, "d": 1.0, "w": 7.0}
# Beyond these a window means "everything before": larger values only risk overflows.
MAX_WINDOW_COMMITS = 1_000_000
MAX_WINDOW_DAYS = 36_525  # 100 years

ProgressCallback = Callable[[int], None]
CONTENT_SKIPPED = (
    "--content not applied: file contents are missing from this repository (partial clone or "
    "missing objects), and miner never fetches them"
)
MAILMAP_MISSING = (
    "the .mailmap of this partial clone is not downloaded: author names and emails are shown "
    "as committed (not mapped)"
)


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Every option that can change a number. Validated on construction."""

    rules: str | None = None
    rev: str | None = None
    branch: str | None = None
    since: str | None = None
    until: str | None = None
    first_parent: bool = False
    window: int | timedelta = 10
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
    # How the history is read (miner.history.BACKENDS); the same commits either way, so
    # option_values() leaves it out of the JSON options too.
    backend: str = "git"
    # Where settings came from (``miner.settings``): shown in the report header; the values
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


@dataclass(frozen=True, slots=True)
class AnalysedCommit:
    """A mined commit in sequence order; ``focus``/``event`` are None for unclassified ones."""

    record: CommitRecord
    classification: Classification
    focus: str | None
    event: str | None


@dataclass(frozen=True, slots=True)
class MiningCounts:
    """What was read and what was set aside before classification."""

    merges_skipped: int = 0
    authors_excluded: int = 0
    paths_excluded: int = 0


@dataclass(frozen=True)
class Analysis:
    """The finished analysis: the single input of every renderer.

    ``commits`` holds every analysed commit (classified or not) in sequence order;
    ``summary`` and ``statistics`` are JSON-ready dicts; ``phase_stats`` has one row per phase
    (columns: phase, commits, labelled, share, churn, first_seen, last_seen, active_days).
    ``matrices``, ``phase_stats`` and ``statistics`` are computed when first read: a command
    that shows commits only never pays for them (nor imports pandas, scipy or numba).
    """

    repository: RepositoryInfo
    options: AnalysisOptions
    rules: Rules
    commits: tuple[AnalysedCommit, ...]
    counts: MiningCounts
    sequence: SequenceAnalysis
    steps: tuple[Step, ...]
    warnings: tuple[str, ...] = field(default=())

    @cached_property
    def matrices(self) -> Matrices:
        from miner.matrices import build_matrices

        return build_matrices(self.steps, self.sequence, self.rules.phases)

    @cached_property
    def phase_stats(self) -> pd.DataFrame:
        from miner.stats import phase_statistics

        return phase_statistics(self.steps, self.rules.phases, commits_total=len(self.commits))

    @cached_property
    def statistics(self) -> dict[str, dict[str, Any]]:
        from miner.stats import compute_statistics

        return compute_statistics(
            self.steps, self.sequence, self.matrices, self.rules.phases, seed=self.options.seed
        )

    @property
    def phases(self) -> tuple[str, ...]:
        return self.rules.phases

    @cached_property
    def classified(self) -> tuple[AnalysedCommit, ...]:
        return tuple(c for c in self.commits if c.classification.classified)

    @cached_property  # every renderer reads it, some several times; a pass over all commits
    def summary(self) -> dict[str, Any]:
        classified = self.classified
        events = self.sequence.revisit_events
        dates = [c.record.authored_at for c in self.commits]
        by_source: dict[str, int] = {}
        for commit in classified:
            source = commit.classification.source
            by_source[source] = by_source.get(source, 0) + 1
        return {
            "commits_total": len(self.commits),
            "commits_classified": len(classified),
            "commits_unclassified": len(self.commits) - len(classified),
            "merges_skipped": self.counts.merges_skipped,
            "authors_excluded": self.counts.authors_excluded,
            "paths_excluded": self.counts.paths_excluded,
            "classified_by": dict(sorted(by_source.items())),
            "dates_out_of_range": sum(bool(c.record.anomalies) for c in self.commits),
            "revisit_events": len(events),
            "revisit_rate": len(events) / len(classified) if classified else None,
            "backward_revisit_events": sum(e.direction == "backward" for e in events),
            "first_commit": self.commits[0].record.sha if self.commits else None,
            "last_commit": self.commits[-1].record.sha if self.commits else None,
            "period_start": min(dates).isoformat() if dates else None,
            "period_end": max(dates).isoformat() if dates else None,
        }

    def commits_frame(self) -> pd.DataFrame:
        """One row per analysed commit, real dtypes (see :func:`miner.frames.commits_frame`)."""
        from miner.frames import commits_frame

        return commits_frame(self)

    def render(self, fmt: str = "terminal", *, width: int = 100) -> str:
        """The report as text: ``terminal`` (no colour), ``json`` or ``markdown``."""
        from miner.api import render

        return render(self, fmt, width=width)

    def write(self, fmt: str, output: str | Path) -> None:
        """Any format (``csv`` and ``plots`` into a directory) to ``output``."""
        from miner.api import write

        write(self, fmt, output)

    def __repr__(self) -> str:
        from miner.api import describe

        return describe(self)

    def option_values(self) -> dict[str, Any]:
        """The options that change a number, as the JSON ``options`` object shows them."""
        values = {f.name: getattr(self.options, f.name) for f in fields(self.options)}
        values["window"] = describe_window(self.options.window)
        values["merge_policy"] = "first-parent" if self.options.first_parent else "skip"
        values["min_share"] = self.rules.min_share
        values["rules"] = self.rules.source
        values["rules_hash"] = self.rules.digest
        values["exclude_authors"] = list(self.options.author_patterns)
        values["include"] = list(self.options.include)
        values["notes"] = "ignored" if self.options.ignore_notes else "used"
        values["renames"] = _renames(self.repository)
        values["exclude"] = list(self.options.exclude)
        del values["include_bots"], values["ignore_notes"]
        del values["cache"], values["use_cache"], values["backend"], values["settings"]
        return values


def _renames(repository: RepositoryInfo) -> str:
    """How renames were detected, for the report header and the JSON options."""
    if repository.exact_renames is None:
        return "by similarity (git -M)"
    return f"exact only (identical content; git -M100%): {repository.exact_renames}"


def analyze(
    path: str,
    *,
    progress: ProgressCallback | None = None,
    total: ProgressCallback | None = None,
    **options: Any,
) -> Analysis:
    """Analyse the repository at ``path`` (work tree, bare repository or URL).

    ``options`` are the fields of ``AnalysisOptions``. For a progress bar: ``total`` is told
    how many commits will be read, before mining starts; ``progress`` is called with the number
    read so far.
    """
    return analyze_with(path, AnalysisOptions(**options), progress=progress, total=total)


def analyze_with(
    path: str,
    settings: AnalysisOptions,
    *,
    rules: Rules | None = None,
    progress: ProgressCallback | None = None,
    total: ProgressCallback | None = None,
) -> Analysis:
    """:func:`analyze` with validated options; ``rules`` (when given) replace the repository's
    own, as in a fleet where every repository is read with the same rules."""
    with open_repository(path, rev=settings.revision) as repo:
        if total is not None:
            total(count_commits(repo, settings.history()))
        return _analyse(repo, settings, progress, rules)


def explain(path: str, commit: str, /, **options: Any) -> tuple[Analysis, AnalysedCommit]:
    """The analysis and the one analysed commit that ``commit`` names (for ``miner explain``)."""
    settings = AnalysisOptions(**options)
    with open_repository(path, rev=settings.revision) as repo:
        sha = resolve_revision(repo, commit)
        analysis = _analyse(repo, settings, None)
    for analysed in analysis.commits:
        if analysed.record.sha == sha:
            return analysis, analysed
    raise UsageError(
        f"commit {sha[:12]} is not among the analysed commits (outside the range, a merge "
        "skipped by the merge policy, or excluded by an author or path filter)"
    )


def _analyse(
    repo: Repository,
    settings: AnalysisOptions,
    progress: ProgressCallback | None,
    rules: Rules | None = None,
) -> Analysis:
    if rules is None:
        rules = repository_rules(repo, settings.rules)
    if settings.min_share is not None:
        rules = rules.with_min_share(settings.min_share)
    (commits, counts, notices), repo = with_exact_renames_if_needed(
        repo, lambda source: _mine_commits(source, rules, settings, progress)
    )
    if not settings.ignore_notes:
        commits = apply_notes(repo, rules, commits)
    if repo.info.mailmap_missing:
        notices += (MAILMAP_MISSING,)
    if settings.content and repo.info.exact_renames is not None:
        notices += (CONTENT_SKIPPED,)
    elif settings.content:
        commits = apply_content_pass(repo, rules, commits)
    commits = apply_prior_pass(rules, commits)
    return build_analysis(repo.info, settings, rules, commits, counts, notices=notices)


def apply_content_pass(
    repo: Repository, rules: Rules, commits: list[tuple[CommitRecord, Classification]]
) -> list[tuple[CommitRecord, Classification]]:
    """Content evidence for the commits whose message and paths do not decide: their diffs
    are read in one streamed git process, at most MAX_BYTES_PER_FILE per file."""
    from miner.content import MAX_BYTES_PER_FILE, SKIPPED_FILES, apply_content, needs_content

    weak = [(r.sha, c) for r, c in commits if not r.is_merge and needs_content(c)]
    diffs = iter_diff_lines(
        repo, [sha for sha, _ in weak], max_bytes=MAX_BYTES_PER_FILE, skip=SKIPPED_FILES
    )
    changed = apply_content(weak, diffs, rules)
    return [(r, changed.get(r.sha, c)) for r, c in commits]


def apply_prior_pass(
    rules: Rules, commits: list[tuple[CommitRecord, Classification]]
) -> list[tuple[CommitRecord, Classification]]:
    """The repository prior (miner.prior): learnt from the confident commits, used by the
    weak ones."""
    from miner.prior import apply_all

    paths = [tuple(f.path for f in record.files) for record, _ in commits]
    classified = apply_all(list(zip(paths, (c for _, c in commits), strict=True)), rules)
    return [(record, c) for (record, _), c in zip(commits, classified, strict=True)]


def _mine_commits(
    repo: Repository, rules: Rules, settings: AnalysisOptions, progress: ProgressCallback | None
) -> tuple[list[tuple[CommitRecord, Classification]], MiningCounts, tuple[str, ...]]:
    """Mine through the store when asked; a store that cannot be used at its *default* place
    (e.g. a read-only repository) only costs speed, so the run goes on without it and says so."""
    notices: tuple[str, ...] = ()
    if settings.use_cache:
        from miner.store import StoreError

        try:
            commits, counts = _mine_cached(repo, rules, settings, progress)
        except StoreError as error:
            if settings.cache is not None:
                raise
            notices = (f"incremental cache not used: {error}",)
        else:
            return commits, counts, notices
    records = iter_commits(repo, settings.history())
    if progress is not None:
        records = with_progress(records, progress)
    return (*mine(records, rules, settings), notices)


def repository_rules(repo: Repository, path: str | None) -> Rules:
    """``--rules FILE``, else the analysed repository's ``.miner/phase_rules.yaml`` (from its work
    tree, or its tip when bare or cloned from a URL), else the packaged default."""
    if path is not None:
        return load_rules(path)
    text = read_tracked_file(repo, REPOSITORY_RULES.as_posix())
    if text is None:
        return load_rules()
    return rules_from_text(
        text.decode("utf-8", errors="replace"), source=REPOSITORY_RULES.as_posix()
    )


def apply_notes(
    repo: Repository, rules: Rules, commits: list[tuple[CommitRecord, Classification]]
) -> list[tuple[CommitRecord, Classification]]:
    """Labels written by ``miner tag`` (refs/notes/mlops) are explicit, like trailers."""
    notes = read_notes(repo)
    if not notes:
        return commits
    classifier = Classifier(rules)
    return [
        (record, classifier.with_note(c, notes[record.sha]) if record.sha in notes else c)
        for record, c in commits
    ]


def _mine_cached(
    repo: Repository,
    rules: Rules,
    settings: AnalysisOptions,
    progress: ProgressCallback | None,
) -> tuple[list[tuple[CommitRecord, Classification]], MiningCounts]:
    from miner.history import is_url
    from miner.store import mine_with_store, store_path

    path, owned = store_path(repo, settings.cache, url=is_url(repo.info.path))
    commits, counts, _ = mine_with_store(
        repo, rules, settings, path, owned=owned, progress=progress
    )
    return commits, counts


class _PathFilter:
    """``--include``/``--exclude`` globs over changed paths, compiled once."""

    def __init__(self, include: Iterable[str], exclude: Iterable[str]) -> None:
        self._include = [compile_glob(g, option="--include") for g in include]
        self._exclude = [compile_glob(g, option="--exclude") for g in exclude]

    @property
    def active(self) -> bool:
        return bool(self._include or self._exclude)

    def keep(self, change: FileChange) -> bool:
        path = change.path
        if self._include and not any(p.match(path) for p in self._include):
            return False
        return not any(p.match(path) for p in self._exclude)


Classify = Callable[[CommitRecord, tuple[FileChange, ...]], Classification]


def mine(
    records: Iterable[CommitRecord],
    rules: Rules,
    settings: AnalysisOptions,
    *,
    classify: Classify | None = None,
) -> tuple[list[tuple[CommitRecord, Classification]], MiningCounts]:
    """Skip merges (unless mainline mode), excluded authors and commits left with no path,
    and classify the rest (with ``classify`` when given: the store answers from its rows)."""
    if classify is None:
        classify = _rules_classifier(rules)
    authors = (
        re.compile("|".join(f"(?:{p})" for p in settings.author_patterns))
        if settings.author_patterns
        else None
    )
    paths = _PathFilter(settings.include, settings.exclude)
    merges = excluded_authors = excluded_paths = 0
    kept: list[tuple[CommitRecord, Classification]] = []
    for record in records:
        if record.is_merge and not settings.first_parent:
            merges += 1
            continue
        if authors is not None and authors.search(f"{record.author} <{record.email}>"):
            excluded_authors += 1
            continue
        files = record.files
        if paths.active and files:
            files = tuple(f for f in files if paths.keep(f))
            if not files:
                excluded_paths += 1
                continue
        kept.append((record, classify(record, files)))
    return kept, MiningCounts(merges, excluded_authors, excluded_paths)


def _rules_classifier(rules: Rules) -> Classify:
    classifier = Classifier(rules)

    def classify(record: CommitRecord, files: tuple[FileChange, ...]) -> Classification:
        return classifier.classify(record.message, files)

    return classify


def _churn(record: CommitRecord) -> int | None:
    counts = [(f.added, f.deleted) for f in record.files]
    if any(a is None or d is None for a, d in counts):
        return None
    return sum(a + d for a, d in counts if a is not None and d is not None)


def to_steps(commits: Iterable[tuple[CommitRecord, Classification]]) -> list[Step]:
    return [
        Step(
            sha=record.sha,
            when=record.authored_at,
            primary=c.primary,
            labels=c.labels,
            shares=c.shares,
            reasons=c.reasons,
            churn=_churn(record),
        )
        for record, c in commits
        if c.primary is not None
    ]


def build_analysis(
    repository: RepositoryInfo,
    settings: AnalysisOptions,
    rules: Rules,
    commits: list[tuple[CommitRecord, Classification]],
    counts: MiningCounts,
    *,
    notices: tuple[str, ...] = (),
) -> Analysis:
    """Everything after mining: pure, so the cache and the hook can reuse it."""
    steps = to_steps(commits)
    sequence = analyse_sequence(steps, rules.phases, settings.sequence())
    focus = dict(
        zip((s.sha for s in steps), zip(sequence.focus, sequence.events, strict=True), strict=True)
    )
    analysed = tuple(
        AnalysedCommit(record, c, *focus.get(record.sha, (None, None))) for record, c in commits
    )
    warnings = (
        notices
        + tuple(
            f"{record.sha[:12]}: {anomaly}" for record, _ in commits for anomaly in record.anomalies
        )
        + tuple(f"{record.sha[:12]}: {warning}" for record, c in commits for warning in c.warnings)
    )
    return Analysis(
        repository=repository,
        options=settings,
        rules=rules,
        commits=analysed,
        counts=counts,
        sequence=sequence,
        steps=tuple(steps),
        warnings=warnings,
    )
