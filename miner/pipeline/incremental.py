"""Mining with the store: read from git only the commits the store lacks, classify only those it
holds no classification for under the current rules, and keep what was new."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from miner.classify.classifier import Classifier
from miner.classify.records import Classification
from miner.errors import RepositoryError
from miner.history.log import iter_commits, read_commits, with_progress
from miner.history.ranges import rev_list
from miner.history.records import CommitRecord, FileChange, HistoryOptions
from miner.history.repository import Repository
from miner.history.view import history_view
from miner.pipeline.mine import MiningCounts, mine
from miner.pipeline.options import AnalysisOptions
from miner.pipeline.store import Store, StoreError, open_store, remove_store, unreadable
from miner.pipeline.store_codec import classification_key, decode_classification, history_mode
from miner.rules.model import Rules

# -- reading only what is missing --------------------------------------------------------------
# These two run git, which is miner.history's job; they belong there (as public functions with
# these signatures) and live here only until history offers them.


# -- mining through the store ------------------------------------------------------------------


class StoredClassifier:
    """Classifies like :class:`Classifier`, answering from the store when it can; remembers
    what it had to compute so :meth:`save` can store it."""

    def __init__(self, rules: Rules, known: dict[str, str]) -> None:
        self._classifier = Classifier(rules)
        self._known = known
        # Commits often classify identically (same rules hit, same paths): decode each distinct
        # row once and share the frozen result.
        self._decoded: dict[str, Classification] = {}
        self.computed: list[tuple[str, Classification]] = []

    def __call__(self, record: CommitRecord, files: Sequence[FileChange]) -> Classification:
        data = self._known.get(record.sha)
        if data is not None:
            decoded = self._decoded.get(data)
            if decoded is None:
                decoded = self._decoded[data] = decode_classification(data)
            return decoded
        classification = self._classifier.classify(record.message, files)
        self.computed.append((record.sha, classification))
        return classification


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What a run took from the store and what it had to read from git or classify."""

    commits_read: int
    commits_stored: int
    classified: int


def stored_records(
    repo: Repository,
    options: HistoryOptions,
    store: Store,
    mode: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[CommitRecord], int]:
    """Every record of the range in topological order, reading from git only those the store
    lacks (and storing them). Returns the records and how many were read from git.
    ``progress`` hears about commits read from git as a whole range."""
    whole_range = iter_commits(repo, options)
    if progress is not None:
        whole_range = with_progress(whole_range, progress)
    if options.backend != "git":
        # Reading a chosen set of commits is a git-backend feature: other backends read the
        # whole range (their classifications are still reused).
        records = list(whole_range)
        return records, len(records)
    stored = store.commit_shas(mode)
    if not stored:
        # Nothing to reuse: one streamed git log gives both the records and their order.
        records = list(whole_range)
        store.add_commits(mode, records)
        return records, len(records)
    order = rev_list(repo, options)
    missing = [sha for sha in order if sha not in stored]
    fresh = {record.sha: record for record in read_commits(repo, options, missing)}
    store.add_commits(mode, fresh.values())
    known = store.load_commits(mode, set(order) - fresh.keys())
    known.update(fresh)
    lost = [sha for sha in order if sha not in known]
    if lost:
        raise RepositoryError(f"commit {lost[0][:12]} vanished while reading: run again")
    if progress is not None:
        progress(len(order))
    return [known[sha] for sha in order], len(fresh)


def mine_with_store(
    repo: Repository,
    rules: Rules,
    settings: AnalysisOptions,
    path: Path,
    *,
    owned: bool,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[tuple[CommitRecord, Classification]], MiningCounts, StoreStats]:
    """:func:`miner.pipeline.mine.mine` over the range, with the store at ``path`` in between.

    A store found damaged while in use (not only when opened) is rebuilt once: the run then
    reads everything from git, exactly as a run without a store.
    """
    try:
        return _mine_with_store(repo, rules, settings, path, owned=owned, progress=progress)
    except sqlite3.DatabaseError as error:
        if not unreadable(error):
            raise StoreError(f"cannot use the cache {path}: {error}") from None
        remove_store(path)
        return _mine_with_store(repo, rules, settings, path, owned=True, progress=progress)


def _mine_with_store(
    repo: Repository,
    rules: Rules,
    settings: AnalysisOptions,
    path: Path,
    *,
    owned: bool,
    progress: Callable[[int], None] | None,
) -> tuple[list[tuple[CommitRecord, Classification]], MiningCounts, StoreStats]:
    history = settings.history()
    mode = history_mode(history, history_view(repo))
    key = classification_key(mode, rules, settings.include, settings.exclude)
    with open_store(path, owned=owned) as store:
        records, read = stored_records(repo, history, store, mode, progress)
        classifier = StoredClassifier(rules, store.load_classifications(key))
        commits, counts = mine(records, rules, settings, classify=classifier)
        store.add_classifications(key, classifier.computed)
    return commits, counts, StoreStats(read, len(records) - read, len(classifier.computed))
