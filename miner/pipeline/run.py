"""One repository from path to :class:`~miner.pipeline.analysis.Analysis`: open it, resolve its
rules, mine (through the store when asked), apply notes, content and prior evidence.

``analyze_with(path, settings)`` does the work; ``miner.analyze`` (:mod:`miner.api`) takes the
options as typed keywords and the CLI calls ``analyze(path, **options)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from miner.classify.classifier import Classifier
from miner.classify.records import Classification
from miner.errors import UsageError
from miner.history.diff import iter_diff_lines
from miner.history.log import iter_commits, with_progress
from miner.history.ranges import count_commits, with_exact_renames_if_needed
from miner.history.records import CommitRecord
from miner.history.repository import (
    Repository,
    open_repository,
    resolve_revision,
)
from miner.pipeline.notes import read_notes
from miner.rules.model import Rules
from miner.rules.resolve import repository_rules

if TYPE_CHECKING:  # pandas, scipy and numba are imported where a table or statistic is built
    pass
from miner.history.repository import is_url
from miner.pipeline.analysis import AnalysedCommit, Analysis, build_analysis
from miner.pipeline.incremental import mine_with_store
from miner.pipeline.mine import MiningCounts, mine
from miner.pipeline.options import AnalysisOptions
from miner.pipeline.store import StoreError, store_path

ProgressCallback = Callable[[int], None]
CONTENT_SKIPPED = (
    "--content not applied: file contents are missing from this repository (partial clone or "
    "missing objects), and miner never fetches them"
)
MAILMAP_MISSING = (
    "the .mailmap of this partial clone is not downloaded: author names and emails are shown "
    "as committed (not mapped)"
)


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
    from miner.classify.content import (
        MAX_BYTES_PER_FILE,
        SKIPPED_FILES,
        apply_content,
        needs_content,
    )

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
    from miner.classify.prior import apply_all

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
    path, owned = store_path(repo, settings.cache, url=is_url(repo.info.path))
    commits, counts, _ = mine_with_store(
        repo, rules, settings, path, owned=owned, progress=progress
    )
    return commits, counts
