"""``miner commits --format table``: one line per commit at any terminal width.

Every column but the subject keeps its whole value; the subject takes the width left and is cut
with an ellipsis (the full subject is in ``--format csv``/``jsonl``). When full phase names do
not leave room for it, the compact layout shows the phases by their short names (legend below)
in one ``phases`` column: the labels, primary first (``-`` when unclassified).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from miner.report.text import short, shown

if TYPE_CHECKING:
    from miner.pipeline.analysis import AnalysedCommit, Analysis

WIDE_COLUMNS = ("sha", "date", "primary", "labels", "focus", "event")
COMPACT_COLUMNS = ("sha", "date", "phases", "focus", "event")
SHA_WIDTH = 10
UNCLASSIFIED_SHORT = "-"
MIN_SUBJECT = 24
# Around each column's content: its padding (1 left, 1 right) and one divider; plus one edge.
PER_COLUMN = 3
EDGE = 1


def commits_table(analysis: Analysis, width: int) -> Table:
    columns: tuple[str, ...] = WIDE_COLUMNS
    rows = [_wide_row(c) for c in analysis.commits]
    widths = _widths(columns, rows)
    compact = _width_left(widths, width) < MIN_SUBJECT
    caption = None
    if compact:
        columns, rows = COMPACT_COLUMNS, [_compact_row(c) for c in analysis.commits]
        widths = _widths(columns, rows)
        legend = ", ".join(f"{short(p)} = {p}" for p in analysis.phases)
        caption = (
            f"phases: labels, primary first, by short name: {legend}, "
            f"{UNCLASSIFIED_SHORT} = unclassified"
        )
    title = f"{len(analysis.commits)} commits in sequence order"
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, caption_justify="left")
    for column, column_width in zip(columns, widths, strict=True):
        table.add_column(column, no_wrap=True, width=column_width)
    longest = max((len(shown(c.record.subject)) for c in analysis.commits), default=0)
    subject_width = max(1, min(longest, _width_left(widths, width)))
    table.add_column("subject", no_wrap=True, overflow="ellipsis", width=subject_width)
    for row, commit in zip(rows, analysis.commits, strict=True):
        table.add_row(*row, Text(shown(commit.record.subject)))
    return table


def _wide_row(c: AnalysedCommit) -> tuple[str, ...]:
    return (
        c.record.sha[:SHA_WIDTH],
        c.record.authored_at.date().isoformat(),
        c.classification.primary or "unclassified",
        ", ".join(c.classification.labels),
        c.focus or "",
        c.event or "",
    )


def _compact_row(c: AnalysedCommit) -> tuple[str, ...]:
    labels = ",".join(map(short, c.classification.labels))
    return (
        c.record.sha[:SHA_WIDTH],
        c.record.authored_at.date().isoformat(),
        labels or UNCLASSIFIED_SHORT,
        short(c.focus) if c.focus else "",
        c.event or "",
    )


def _widths(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[int, ...]:
    """Each column's width: its widest value or its header."""
    return tuple(
        max([len(header), *(len(row[index]) for row in rows)])
        for index, header in enumerate(columns)
    )


def _width_left(widths: tuple[int, ...], width: int) -> int:
    """What the subject column can show, beside the other columns at ``widths``."""
    return width - sum(widths) - PER_COLUMN * (len(widths) + 1) - EDGE
