"""Markdown for CI job summaries and merge-request notes: the report's tables, compact."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from miner.report import text

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

TOP_EVENTS = 10
MAX_EPISODES = 25


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(escape(c) for c in cells) + " |"

    align = "|" + "|".join("---" for _ in header) + "|"
    return "\n".join([line(header), align, *(line(r) for r in rows)]) + "\n"


def escape(value: str) -> str:
    """Repository text is data: it must not break the table or inject markup."""
    return (
        text.shown(value.replace("\\", "\\\\"))
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def matrix(frame: pd.DataFrame, *, percent: bool) -> str:
    header = ["focus \\ to", *(text.short(str(c)) for c in frame.columns)]
    rows = [
        [str(phase), *(text.cell(v, percent=percent) for v in row)]
        for phase, row in frame.iterrows()
    ]
    return table(header, rows)


def render(analysis: Analysis) -> str:
    parts = [
        "## MLOps workflow analysis\n",
        table(["setting", "value"], text.header_items(analysis)),
        "" if analysis.commits else "**Nothing to analyse: no commits in the analysed range.**\n",
        "### Summary\n",
        table(["", ""], text.summary_items(analysis)),
        "### Phase distribution\n",
        table(
            [
                "phase",
                "commits",
                "share",
                "labelled",
                "churn",
                "first seen",
                "last seen",
                "active days",
            ],
            [
                [
                    r.phase,
                    r.commits,
                    r.share,
                    r.labelled,
                    r.churn,
                    r.first_seen,
                    r.last_seen,
                    r.active_days,
                ]
                for r in text.phase_rows(analysis)
            ],
        ),
        "### Overlap rate (share of work under a focus that went to another phase)\n",
        matrix(analysis.matrices.overlap_rate, percent=True),
        "### Revisit events\n",
        matrix(analysis.matrices.revisits, percent=False),
        f"### Top revisit events (of {len(analysis.sequence.revisit_events)})\n",
        table(
            [
                "from → to",
                "direction",
                "commits",
                "start",
                "reasons",
                "back to focus after",
                "first commit",
            ],
            text.event_rows(analysis, TOP_EVENTS),
        )
        if analysis.sequence.revisit_events
        else "No revisit events.\n",
        "### Transitions\n",
        matrix(analysis.matrices.transitions, percent=False),
        f"### Focus timeline ({len(analysis.sequence.episodes)} episodes)\n",
        table(
            ["#", "focus", "commits", "from", "to", ""], text.episode_rows(analysis, MAX_EPISODES)
        ),
        "### Statistics\n",
        table(["test", "n", "reading"], text.statistic_readings(analysis)),
    ]
    if analysis.warnings:
        parts.append("### Warnings\n")
        parts.extend(f"- {escape(w)}\n" for w in analysis.warnings)
    return "\n".join(parts)
