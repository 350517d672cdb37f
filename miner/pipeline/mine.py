"""Mining: the commits a range yields, filtered by the merge policy, authors and paths, and
classified (by the rules, or by the store's rows)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from miner.classify.classifier import Classifier
from miner.classify.records import Classification
from miner.history.records import CommitRecord, FileChange
from miner.rules.globs import compile_glob
from miner.rules.model import Rules

if TYPE_CHECKING:  # pandas, scipy and numba are imported where a table or statistic is built
    pass
from miner.pipeline.options import AnalysisOptions


@dataclass(frozen=True, slots=True)
class MiningCounts:
    """What was read and what was set aside before classification."""

    merges_skipped: int = 0
    authors_excluded: int = 0
    paths_excluded: int = 0


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
