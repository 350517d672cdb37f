"""What the ``classify`` and ``evaluate`` commands print: a classification as a JSON line, and
the rules' accuracy on labelled commits (overall, per phase, per repository)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from miner.classify.evaluate import Evaluation
    from miner.classify.evaluate_repos import ByRepo
    from miner.classify.records import Classification


def classification_dict(commit_id: Any, result: Classification) -> dict[str, Any]:
    """The JSON Lines record of ``miner classify`` for one commit."""
    return {
        "id": commit_id,
        "primary": result.primary or "unclassified",
        "labels": list(result.labels),
        "shares": dict(result.shares),
        "evidence": [
            {"rule": e.rule, "phase": e.phase, "kind": e.kind, "match": e.match, "weight": e.weight}
            for e in result.evidence
        ],
        "reasons": list(result.reasons),
        "source": result.source,
        "warnings": list(result.warnings),
    }


def render_by_repo(result: ByRepo, console: Console) -> None:
    """The terminal report of ``miner evaluate --by-repo``."""
    from rich.table import Table

    merges = ", merges skipped" if result.skip_merges else ""
    mode = "leave-one-repository-out" if result.loro else "default settings"
    table = Table(
        title=f"per repository ({mode}; confidence >= {result.min_confidence}{merges})",
        title_justify="left",
    )
    for column in ("repository", "rows", "accuracy", "macro-F1", "body", "prior"):
        table.add_column(column, justify="left" if column == "repository" else "right")
    for r in result.repos:
        table.add_row(
            r.repo or "(no repo column)",
            str(r.evaluation.rows_evaluated),
            _number(r.accuracy),
            _number(r.macro_f1),
            f"{r.setting[0]:g}",
            f"{r.setting[1]:g}",
        )
    console.print(table)
    worst = result.worst
    console.print(
        f"mean accuracy {_number(result.mean_accuracy)}, mean macro-F1 "
        f"{_number(result.mean_macro_f1)}, worst "
        + ("-" if worst is None else f"{_number(worst.accuracy)} ({worst.repo})"),
        highlight=False,
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_evaluation(result: Evaluation, console: Console) -> None:
    """The terminal report of ``miner evaluate``."""
    from rich.table import Table

    merges = ", merges skipped" if result.skip_merges else ""
    console.print(
        f"[bold]{result.gold}[/]: {result.rows_evaluated} of {result.rows_read} rows "
        f"(confidence >= {result.min_confidence}{merges}), rules {result.rules_source} "
        f"({result.rules_digest[:12]})",
        highlight=False,
    )
    console.print(
        f"primary accuracy {_number(result.accuracy)} ({result.correct}/{result.rows_evaluated})"
        f", macro-F1 {_number(result.macro_f1)} over {len(result.macro_phases)} phases",
        highlight=False,
    )
    table = Table(title="label sets per phase", title_justify="left")
    for column in ("phase", "gold", "predicted", "hits", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for s in result.phase_scores:
        table.add_row(
            s.phase,
            str(s.support),
            str(s.predicted),
            str(s.true_positives),
            _number(s.precision),
            _number(s.recall),
            _number(s.f1),
        )
    console.print(table)
    console.print(_confusion_table(result))
    confusions = result.largest_confusions()
    if confusions:
        text = "; ".join(f"{gold} -> {predicted}: {n}" for gold, predicted, n in confusions)
        console.print(f"largest confusions (gold -> predicted): {text}", highlight=False)


def _confusion_table(result: Evaluation) -> Any:
    from rich.table import Table

    from miner.report.text import short

    headers = [short(label) for label in result.labels]
    table = Table(title="confusion of primary phases (rows: gold)", title_justify="left")
    table.add_column("gold \\ predicted")
    for header in headers:
        table.add_column(header, justify="right")
    for label, row in zip(result.labels, result.confusion, strict=True):
        table.add_row(label, *(str(n) if n else "." for n in row))
    return table
