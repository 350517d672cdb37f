"""``miner commits --format table``: one line per commit at any terminal width.

Every column but the subject keeps its whole value; the subject takes the width left and is cut
with an ellipsis (the full subject is in ``--format csv``/``jsonl``). When full phase names do
not leave room for it, the phases are shown by their short names, with the legend below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from miner.report.text import short, shown

if TYPE_CHECKING:
    from collections.abc import Callable

    from miner.analysis import Analysis

COLUMNS = ("sha", "date", "primary", "labels", "focus", "event")
SHA_WIDTH = 10
UNCLASSIFIED_SHORT = "-"
MIN_SUBJECT = 24
# Around each column's content: its padding (1 left, 1 right) and one divider; plus one edge.
PER_COLUMN = 3
EDGE = 1


def commits_table(analysis: Analysis, width: int) -> Table:
    widths = _column_widths(analysis, _full)
    shorten = _width_left(widths, width) < MIN_SUBJECT
    name = short if shorten else _full
    if shorten:
        widths = _column_widths(analysis, short)
    title = f"{len(analysis.commits)} commits in sequence order"
    caption = None
    if shorten:
        legend = ", ".join(f"{short(p)} = {p}" for p in analysis.phases)
        caption = f"phases by short name: {legend}, {UNCLASSIFIED_SHORT} = unclassified"
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, caption_justify="left")
    for column, column_width in zip(COLUMNS, widths, strict=True):
        table.add_column(column, no_wrap=True, width=column_width)
    room = _width_left(widths, width)
    longest = max((len(shown(c.record.subject)) for c in analysis.commits), default=0)
    subject_width = max(1, min(longest, room))
    table.add_column("subject", no_wrap=True, overflow="ellipsis", width=subject_width)
    for c in analysis.commits:
        table.add_row(
            c.record.sha[:SHA_WIDTH],
            c.record.authored_at.date().isoformat(),
            _primary(c.classification.primary, name),
            ", ".join(name(label) for label in c.classification.labels),
            name(c.focus) if c.focus else "",
            c.event or "",
            Text(shown(c.record.subject)),
        )
    return table


def _width_left(widths: tuple[int, ...], width: int) -> int:
    """What the subject column can show, beside the other columns at ``widths``."""
    return width - sum(widths) - PER_COLUMN * (len(widths) + 1) - EDGE


def _primary(phase: str | None, name: Callable[[str], str]) -> str:
    if phase is None:
        return "unclassified" if name is _full else UNCLASSIFIED_SHORT
    return name(phase)


def _full(phase: str) -> str:
    return phase


def _column_widths(analysis: Analysis, name: Callable[[str], str]) -> tuple[int, ...]:
    """The width of every column but the subject, with ``name`` for phases."""

    def widest(values: list[str], header: str) -> int:
        return max([len(header), *map(len, values)])

    commits = analysis.commits
    return (
        SHA_WIDTH,
        len("2024-01-01"),
        widest([_primary(c.classification.primary, name) for c in commits], "primary"),
        widest([", ".join(map(name, c.classification.labels)) for c in commits], "labels"),
        widest([name(c.focus or "") for c in commits], "focus"),
        widest([c.event or "" for c in commits], "event"),
    )
