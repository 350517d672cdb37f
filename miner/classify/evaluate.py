"""Accuracy of the rules against hand-labelled commits (the gold CSV format of ``shared/gold``).

Pure functions returning frozen results; ``miner evaluate`` (in ``miner.cli.rules_cmd``) only
renders them. Columns read: ``sha, subject, paths, phases, primary, confidence, note, message``
(``paths`` and ``phases`` joined with ``;``; ``none`` for a commit with no MLOps meaning).
Rows are classified from the full ``message`` (the subject when it is empty) and ``paths``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from miner.classify.classifier import BODY_WEIGHT, Classifier
from miner.classify.prior import PRIOR_WEIGHT, apply_all
from miner.classify.records import Classification
from miner.errors import MinerError, reading
from miner.history.records import FileChange
from miner.rules.model import Rules

NONE = "none"
CONFIDENCE_LEVELS = ("high", "medium", "low")
REQUIRED_COLUMNS = ("sha", "subject", "paths", "phases", "primary", "confidence", "note", "message")
# Merge rows are dropped with --skip-merges (the guideline's note prefixes for merges).
MERGE_NOTE_PREFIXES = ("pr merge", "branch merge", "merge")


class GoldFileError(MinerError):
    """A gold CSV that cannot be read or has a malformed row (the message names the row)."""


@dataclass(frozen=True, slots=True)
class GoldRow:
    """One labelled commit. ``phases`` is empty and ``primary`` None for ``none``."""

    row: int  # 1-based data row number (the header is row 0)
    sha: str
    subject: str
    message: str
    paths: tuple[str, ...]
    phases: tuple[str, ...]
    primary: str | None
    confidence: str
    note: str
    repo: str = ""

    @property
    def is_merge(self) -> bool:
        return self.note.strip().lower().startswith(MERGE_NOTE_PREFIXES)


@dataclass(frozen=True, slots=True)
class PhaseScore:
    """Label-set precision/recall/F1 of one phase (``none`` = no label / unclassified).
    ``precision`` is None when the phase was never predicted, ``recall`` when it is absent
    from the gold rows; ``f1`` is 0 when either is 0 or undefined."""

    phase: str
    support: int
    predicted: int
    true_positives: int
    precision: float | None
    recall: float | None
    f1: float


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """A gold row beside what the rules made of it."""

    gold: GoldRow
    classification: Classification

    @property
    def predicted(self) -> str:
        return self.classification.primary or NONE

    @property
    def correct(self) -> bool:
        return self.predicted == (self.gold.primary or NONE)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of :func:`evaluate`. ``labels`` is the confusion matrix's order: the rules'
    phases then ``none``; ``confusion[i][j]`` counts rows with gold primary ``labels[i]``
    predicted as ``labels[j]``. ``macro_f1`` averages ``f1`` over ``macro_phases``, the phases
    present in the evaluated gold rows (None when there are none)."""

    gold: str
    rules_source: str
    rules_digest: str
    min_confidence: str
    skip_merges: bool
    rows_read: int
    outcomes: tuple[RowOutcome, ...]
    accuracy: float | None
    phase_scores: tuple[PhaseScore, ...]
    macro_phases: tuple[str, ...]
    macro_f1: float | None
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]

    @property
    def rows_evaluated(self) -> int:
        return len(self.outcomes)

    @property
    def correct(self) -> int:
        return sum(outcome.correct for outcome in self.outcomes)

    def largest_confusions(self, count: int = 3) -> list[tuple[str, str, int]]:
        """The off-diagonal cells with the most rows: (gold, predicted, rows), largest first."""
        cells = [
            (self.labels[i], self.labels[j], n)
            for i, row in enumerate(self.confusion)
            for j, n in enumerate(row)
            if i != j and n
        ]
        return sorted(cells, key=lambda cell: -cell[2])[:count]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``miner evaluate --format json``)."""
        return {
            "gold": self.gold,
            "rules": {"source": self.rules_source, "digest": self.rules_digest},
            "min_confidence": self.min_confidence,
            "skip_merges": self.skip_merges,
            "rows_read": self.rows_read,
            "rows_evaluated": self.rows_evaluated,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "macro_phases": list(self.macro_phases),
            "phases": [
                {
                    "phase": s.phase,
                    "support": s.support,
                    "predicted": s.predicted,
                    "true_positives": s.true_positives,
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                }
                for s in self.phase_scores
            ],
            "confusion": {
                "index": list(self.labels),
                "columns": list(self.labels),
                "data": [list(row) for row in self.confusion],
            },
            "mismatches": [
                {
                    "row": o.gold.row,
                    "sha": o.gold.sha,
                    "subject": o.gold.subject,
                    "gold": o.gold.primary or NONE,
                    "predicted": o.predicted,
                }
                for o in self.outcomes
                if not o.correct
            ],
        }


def read_gold(path: str | Path, phases: Sequence[str]) -> tuple[GoldRow, ...]:
    """Read and validate every row of a gold CSV against the rules' phase ids."""
    name = Path(path).name
    with reading(path, "gold file", GoldFileError):
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                return _parse_gold(csv.DictReader(handle), name, frozenset(phases))
        except csv.Error as error:
            raise GoldFileError(f"{path}: invalid CSV: {error}") from None


def _parse_gold(
    reader: csv.DictReader[str], name: str, phases: frozenset[str]
) -> tuple[GoldRow, ...]:
    missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or ())]
    if missing:
        raise GoldFileError(f"{name}: header: missing column(s) {', '.join(missing)}")
    rows = []
    for number, record in enumerate(reader, start=1):
        if None in record or any(record[c] is None for c in REQUIRED_COLUMNS):
            raise GoldFileError(f"{name}: row {number}: wrong number of fields")
        rows.append(_gold_row(record, number, name, phases))
    return tuple(rows)


def _gold_row(record: dict[str, str], number: int, name: str, known: frozenset[str]) -> GoldRow:
    where = f"{name}: row {number}"
    labels = tuple(part.strip() for part in record["phases"].split(";") if part.strip())
    if not labels:
        raise GoldFileError(f"{where}: empty phases")
    if labels == (NONE,):
        labels = ()
    for label in labels:
        if label not in known:
            raise GoldFileError(f"{where}: unknown phase {label!r} in phases")
    primary = record["primary"].strip()
    if primary != NONE and primary not in known:
        raise GoldFileError(f"{where}: unknown phase {primary!r} in primary")
    if (primary == NONE) != (not labels) or (labels and primary not in labels):
        raise GoldFileError(
            f"{where}: primary {primary!r} is not among phases {record['phases']!r}"
        )
    confidence = record["confidence"].strip()
    if confidence not in CONFIDENCE_LEVELS:
        raise GoldFileError(f"{where}: invalid confidence {confidence!r} (high, medium or low)")
    return GoldRow(
        row=number,
        sha=record["sha"].strip(),
        subject=record["subject"],
        message=record["message"] or record["subject"],
        paths=tuple(p for p in record["paths"].split(";") if p),
        phases=labels,
        primary=None if primary == NONE else primary,
        confidence=confidence,
        note=record["note"],
        repo=(record.get("repo") or "").strip(),
    )


def select_rows(
    rows: Iterable[GoldRow], *, min_confidence: str = "low", skip_merges: bool = False
) -> tuple[GoldRow, ...]:
    """Rows at ``min_confidence`` or better, merge rows dropped with ``skip_merges``."""
    if min_confidence not in CONFIDENCE_LEVELS:
        raise MinerError(f"unknown confidence level {min_confidence!r}")
    allowed = CONFIDENCE_LEVELS[: CONFIDENCE_LEVELS.index(min_confidence) + 1]
    return tuple(
        row for row in rows if row.confidence in allowed and not (skip_merges and row.is_merge)
    )


def evaluate(
    rows: Sequence[GoldRow],
    rules: Rules,
    *,
    gold: str = "",
    min_confidence: str = "low",
    skip_merges: bool = False,
    body_weight: float = BODY_WEIGHT,
    prior_weight: float = PRIOR_WEIGHT,
) -> Evaluation:
    """Classify the rows and score the selected ones against their labels.

    The repository prior (:mod:`miner.prior`) of each repository (``repo`` column) is learnt
    from what the rules made of *all* its rows, never from their labels."""
    selected = set(select_rows(rows, min_confidence=min_confidence, skip_merges=skip_merges))
    classified = classify_rows(rows, rules, body_weight=body_weight, prior_weight=prior_weight)
    outcomes = tuple(
        RowOutcome(row, classification)
        for row, classification in zip(rows, classified, strict=True)
        if row in selected
    )
    labels = (*rules.phases, NONE)
    scores = tuple(_phase_score(phase, outcomes) for phase in labels)
    present = tuple(s.phase for s in scores if s.phase != NONE and s.support)
    f1s = [s.f1 for s in scores if s.phase in present]
    return Evaluation(
        gold=gold,
        rules_source=rules.source,
        rules_digest=rules.digest,
        min_confidence=min_confidence,
        skip_merges=skip_merges,
        rows_read=len(rows),
        outcomes=outcomes,
        accuracy=sum(o.correct for o in outcomes) / len(outcomes) if outcomes else None,
        phase_scores=scores,
        macro_phases=present,
        macro_f1=sum(f1s) / len(f1s) if f1s else None,
        labels=labels,
        confusion=_confusion(outcomes, labels),
    )


def classify_rows(
    rows: Sequence[GoldRow],
    rules: Rules,
    *,
    body_weight: float = BODY_WEIGHT,
    prior_weight: float = PRIOR_WEIGHT,
) -> list[Classification]:
    """What the rules, then each repository's prior, make of every row (in row order)."""
    classifier = Classifier(rules, body_weight=body_weight)
    result = [
        classifier.classify(row.message, [FileChange(p, "M") for p in row.paths]) for row in rows
    ]
    by_repo: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_repo.setdefault(row.repo, []).append(index)
    for indexes in by_repo.values():
        pairs = [(rows[i].paths, result[i]) for i in indexes]
        for i, c in zip(indexes, apply_all(pairs, rules, weight=prior_weight), strict=True):
            result[i] = c
    return result


def evaluate_file(
    path: str | Path, rules: Rules, *, min_confidence: str = "low", skip_merges: bool = False
) -> Evaluation:
    """:func:`read_gold` then :func:`evaluate`."""
    rows = read_gold(path, rules.phases)
    return evaluate(
        rows, rules, gold=str(path), min_confidence=min_confidence, skip_merges=skip_merges
    )


def _label_set(labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(labels) if labels else frozenset((NONE,))


def _phase_score(phase: str, outcomes: Sequence[RowOutcome]) -> PhaseScore:
    support = predicted = hits = 0
    for outcome in outcomes:
        in_gold = phase in _label_set(outcome.gold.phases)
        in_predicted = phase in _label_set(outcome.classification.labels)
        support += in_gold
        predicted += in_predicted
        hits += in_gold and in_predicted
    precision = hits / predicted if predicted else None
    recall = hits / support if support else None
    f1 = 2 * hits / (support + predicted) if hits else 0.0
    return PhaseScore(phase, support, predicted, hits, precision, recall, f1)


def _confusion(
    outcomes: Sequence[RowOutcome], labels: tuple[str, ...]
) -> tuple[tuple[int, ...], ...]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for outcome in outcomes:
        matrix[index[outcome.gold.primary or NONE]][index[outcome.predicted]] += 1
    return tuple(tuple(row) for row in matrix)
