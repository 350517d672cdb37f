"""Accuracy per repository, and leave-one-repository-out (LORO) figures for what is tuned.

``miner evaluate --by-repo`` reads one or more gold CSVs (with a ``repo`` column), scores every
repository on its own (accuracy and macro-F1 of the primary phase), and reports their mean and
the worst repository: a classifier that is right on average but wrong on one kind of project
shows here.

The classifier has two tuned settings: the weight of the body prose
(:data:`miner.classify.classifier.BODY_WEIGHT`) and of the repository prior
(:data:`miner.classify.prior.PRIOR_WEIGHT`). With ``--loro`` each repository is scored with the
setting, from :data:`GRID`, that does best (mean per-repository accuracy) on the *other*
repositories: the figure a repository nobody tuned on would get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from miner.classify.classifier import BODY_WEIGHT
from miner.classify.evaluate import Evaluation, GoldRow, evaluate
from miner.classify.prior import PRIOR_WEIGHT
from miner.rules.model import Rules

# (body weight, prior weight) settings tried by --loro.
GRID: tuple[tuple[float, float], ...] = tuple(
    (body, prior) for body in (0.25, 0.5, 1.0) for prior in (0.0, 0.5, 1.0)
)


@dataclass(frozen=True, slots=True)
class RepoScore:
    """One repository's scores; ``setting`` is the (body, prior) weights it was scored with."""

    repo: str
    evaluation: Evaluation
    setting: tuple[float, float]

    @property
    def accuracy(self) -> float | None:
        return self.evaluation.accuracy

    @property
    def macro_f1(self) -> float | None:
        return self.evaluation.macro_f1


@dataclass(frozen=True, slots=True)
class ByRepo:
    """Per-repository scores, their mean and worst (repositories with no evaluated row are
    listed but left out of the mean). ``loro``: settings chosen without the repository."""

    repos: tuple[RepoScore, ...]
    loro: bool
    min_confidence: str
    skip_merges: bool

    @property
    def scored(self) -> tuple[RepoScore, ...]:
        return tuple(r for r in self.repos if r.accuracy is not None)

    @property
    def mean_accuracy(self) -> float | None:
        values = [r.accuracy for r in self.scored if r.accuracy is not None]
        return sum(values) / len(values) if values else None

    @property
    def mean_macro_f1(self) -> float | None:
        values = [r.macro_f1 for r in self.scored if r.macro_f1 is not None]
        return sum(values) / len(values) if values else None

    @property
    def worst(self) -> RepoScore | None:
        return min(self.scored, key=lambda r: (r.accuracy or 0.0, r.repo), default=None)

    def to_dict(self) -> dict[str, Any]:
        worst = self.worst
        return {
            "loro": self.loro,
            "min_confidence": self.min_confidence,
            "skip_merges": self.skip_merges,
            "repositories": [
                {
                    "repo": r.repo,
                    "rows": r.evaluation.rows_evaluated,
                    "accuracy": r.accuracy,
                    "macro_f1": r.macro_f1,
                    "body_weight": r.setting[0],
                    "prior_weight": r.setting[1],
                }
                for r in self.repos
            ],
            "mean_accuracy": self.mean_accuracy,
            "mean_macro_f1": self.mean_macro_f1,
            "worst": None if worst is None else {"repo": worst.repo, "accuracy": worst.accuracy},
        }


def evaluate_by_repo(
    rows: Sequence[GoldRow],
    rules: Rules,
    *,
    min_confidence: str = "low",
    skip_merges: bool = False,
    loro: bool = False,
) -> ByRepo:
    """Score each repository of ``rows``; with ``loro``, each with the grid setting that does
    best on the others."""
    repos = sorted({row.repo for row in rows})
    grouped = {repo: [row for row in rows if row.repo == repo] for repo in repos}
    default = (BODY_WEIGHT, PRIOR_WEIGHT)
    settings = GRID if loro else (default,)

    def score(repo: str, setting: tuple[float, float]) -> Evaluation:
        return evaluate(
            grouped[repo],
            rules,
            gold=repo,
            min_confidence=min_confidence,
            skip_merges=skip_merges,
            body_weight=setting[0],
            prior_weight=setting[1],
        )

    table = {(repo, s): score(repo, s) for repo in repos for s in settings}
    result = []
    for repo in repos:
        others = [r for r in repos if r != repo]
        # equal means: the shipped default, then the first in grid order
        chosen = max(settings, key=lambda s: (_mean(table, others, s), s == default))
        result.append(RepoScore(repo, table[(repo, chosen)], chosen))
    return ByRepo(tuple(result), loro, min_confidence, skip_merges)


def _mean(
    table: dict[tuple[str, tuple[float, float]], Evaluation],
    repos: Sequence[str],
    setting: tuple[float, float],
) -> float:
    values = [table[(r, setting)].accuracy for r in repos]
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else 0.0
