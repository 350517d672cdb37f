"""``miner explain``: the classification's own evidence, shown as it is (the explanation and the
classification cannot disagree). ``miner commits --format table`` lives in ``commit_table``."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from miner.report.text import shown

if TYPE_CHECKING:
    from miner.pipeline.analysis import AnalysedCommit, Analysis

MAX_FILES = 15
# What each kind of evidence is, as explain names it (the JSON keeps the short kind).
KIND_NAMES = {
    "message": "subject",
    "scope": "commit scope",
    "body": "body prose",
    "content": "diff content",
    "prior": "repository prior",
}


def scores(commit: AnalysedCommit) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for evidence in commit.classification.evidence:
        totals[evidence.phase] += evidence.weight
    return dict(totals)


def render(analysis: Analysis, commit: AnalysedCommit, console: Console) -> None:
    record, c = commit.record, commit.classification
    console.print(Text(f"commit {record.sha}", style="bold"))
    console.print(
        Text(
            f"author   {shown(record.author)} <{shown(record.email)}>  "
            f"{record.authored_at.isoformat()}"
        )
    )
    console.print(Text(f"subject  {shown(record.subject)}"))
    files = record.files
    for change in files[:MAX_FILES]:
        moved = f"{shown(change.old_path)} → " if change.old_path else ""
        console.print(Text(f"  {change.status:<4} {moved}{shown(change.path)}"))
    if len(files) > MAX_FILES:
        console.print(Text(f"  … {len(files) - MAX_FILES} more files", style="dim"))
    console.print()
    evidence = Table(title="Matched rules", box=box.SIMPLE_HEAD)
    for name in ("rule", "phase", "kind", "matched", "weight"):
        evidence.add_column(name, justify="right" if name == "weight" else "left")
    for e in c.evidence:
        if e.kind != "tie":
            kind = KIND_NAMES.get(e.kind, e.kind)
            evidence.add_row(e.rule, e.phase, kind, Text(shown(e.match)), f"{e.weight:.4f}")
    console.print(evidence if c.evidence else Text("No rule matched.", style="italic"))
    totals = scores(commit)
    if totals:
        table = Table(title="Scores", box=box.SIMPLE_HEAD)
        for name in ("phase", "score", "share", "label"):
            table.add_column(name)
        for phase in analysis.phases:
            if phase in c.shares:
                label = "primary" if phase == c.primary else ("yes" if phase in c.labels else "")
                table.add_row(
                    phase, f"{totals.get(phase, 0.0):.3f}", f"{100 * c.shares[phase]:.1f}%", label
                )
        console.print(table)
    console.print(
        Text(
            f"labels   {', '.join(c.labels) or '–'}  "
            f"(share ≥ {analysis.rules.min_share:g}; source: {c.source})"
        )
    )
    console.print(Text(f"primary  {c.primary or 'unclassified'}"))
    for tie in (e for e in c.evidence if e.kind == "tie"):
        console.print(Text(f"tie      {tie.match}"))
    console.print(Text(f"reasons  {', '.join(c.reasons) or '–'}"))
    console.print(Text(f"focus    {commit.focus or '– (unclassified commits are not sequenced)'}"))
    console.print(Text(f"event    {commit.event or 'none'}" + _event_detail(analysis, commit)))
    for warning in c.warnings:
        console.print(Text(f"warning  {shown(warning)}", style="yellow"))


def _event_detail(analysis: Analysis, commit: AnalysedCommit) -> str:
    for event in analysis.sequence.revisit_events:
        if commit.record.sha in event.commits:
            return (
                f" ({event.source} → {event.target}, {event.direction}, "
                f"reasons: {', '.join(event.reasons)})"
            )
    return ""
