"""The finished analysis, the single input of every renderer: commits in sequence order with
their focus, the sequence, and the measures computed when first read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.classify.records import Classification
from miner.history.records import CommitRecord
from miner.history.repository import RepositoryInfo
from miner.rules.model import Rules
from miner.sequence.revisits import SequenceAnalysis, Step, analyse_sequence

if TYPE_CHECKING:  # pandas, scipy and numba are imported where a table or statistic is built
    import pandas as pd

    from miner.measures.matrices import Matrices
from miner.pipeline.mine import MiningCounts
from miner.pipeline.options import AnalysisOptions, describe_window


@dataclass(frozen=True, slots=True)
class AnalysedCommit:
    """A mined commit in sequence order; ``focus``/``event`` are None for unclassified ones."""

    record: CommitRecord
    classification: Classification
    focus: str | None
    event: str | None


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
        from miner.measures.matrices import build_matrices

        return build_matrices(self.steps, self.sequence, self.rules.phases)

    @cached_property
    def phase_stats(self) -> pd.DataFrame:
        from miner.measures.stats import phase_statistics

        return phase_statistics(self.steps, self.rules.phases, commits_total=len(self.commits))

    @cached_property
    def statistics(self) -> dict[str, dict[str, Any]]:
        from miner.measures.stats import compute_statistics

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
        """One row per analysed commit, real dtypes (see
        :func:`miner.pipeline.frames.commits_frame`)."""
        from miner.pipeline.frames import commits_frame

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
