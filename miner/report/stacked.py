"""The terminal report's stacked layout, for terminals too narrow for its tables.

A wide table that does not fit would make rich cut its values ("data…", "100.…"), and a cut value
is an ambiguous one. Each block here shows the same values as its table, every one whole, as
lines that wrap between values (never inside one). ``fitted`` picks the table when it fits.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.text import Text

from miner.report import text

if TYPE_CHECKING:
    import pandas as pd

    from miner.pipeline.analysis import Analysis

SEPARATOR = " | "
UNBOUNDED = 10_000
MIN_PROSE = 20


def fitted(console: Console, wide: RenderableType, narrow: RenderableType) -> RenderableType:
    """``wide`` when its natural width fits the console, else ``narrow``."""
    unbounded = console.options.update_width(UNBOUNDED)
    natural = Measurement.get(console, unbounded, wide).maximum
    return wide if natural <= console.width else narrow


def needed_width(
    header: list[str], cells: list[tuple[str, ...]], wrapping: set[str], *, per_column: int
) -> int:
    """The width a table needs to show every value whole: its unwrapped columns at their
    widest, a wrapping (prose) column at ``MIN_PROSE``, plus ``per_column`` (padding and
    divider) for each column and one for the edge."""
    total = 1
    for index, name in enumerate(header):
        widest = max([len(name), *(len(row[index]) for row in cells)])
        total += (min(widest, MIN_PROSE) if name in wrapping else widest) + per_column
    return total


def phase_distribution(analysis: Analysis) -> Group:
    lines: list[Text] = [Text("Phase distribution (primary phase)", style="italic")]
    for row in text.phase_rows(analysis):
        line = Text(f"{row.phase}: {row.commits} commits, {row.share} ", style="bold")
        line.append(row.bar, style="cyan")
        lines.append(line)
        details = SEPARATOR.join(
            (
                f"labelled {row.labelled}",
                f"churn {row.churn}",
                f"seen {row.first_seen} → {row.last_seen}",
                f"active days {row.active_days}",
            )
        )
        lines.append(Text(f"  {details}"))
    return Group(*lines)


def heatmap(frame: pd.DataFrame, title: str, *, percent: bool, caption: str) -> Group:
    """One line per row of the matrix: its non-zero cells by name; rows without a value or
    with zeros only are named together, so every cell of the table can be read back."""
    lines: list[Text] = [Text(title, style="italic")]
    empty: list[str] = []
    undefined: list[str] = []
    for phase, row in frame.iterrows():
        values = [(str(column), value) for column, value in row.items()]
        if all(_missing(value) for _, value in values):
            undefined.append(str(phase))
            continue
        shown = [
            f"{column} {text.cell(value, percent=percent)}"
            for column, value in values
            if not _missing(value) and value != 0
        ]
        if not shown:
            empty.append(str(phase))
            continue
        lines.append(Text(f"{phase} → " + ", ".join(shown)))
    if empty:
        lines.append(Text(f"0 in every column: {', '.join(empty)}", style="dim"))
    if undefined:
        lines.append(Text(f"no value (no commits): {', '.join(undefined)}", style="dim"))
    lines.append(Text(caption, style="dim"))
    return Group(*lines)


def top_events(title: str, rows: list[tuple[str, ...]]) -> Group:
    lines: list[Text] = [Text(title, style="italic")]
    for move, direction, commits, when, reasons, back_after, first in rows:
        lines.append(Text(f"{move} ({direction}): {commits} commits from {when}", style="bold"))
        details = SEPARATOR.join(
            (f"reasons {reasons or '–'}", f"back after {back_after}", f"first {first}")
        )
        lines.append(Text(f"  {details}"))
    return Group(*lines)


def focus_timeline(title: str, rows: list[tuple[str, ...]]) -> Group:
    lines: list[Text] = [Text(title, style="italic")]
    for number, focus, commits, start, end, _bar in rows:
        lines.append(Text(f"{number}. {focus}: {commits} commits, {start} → {end}"))
    return Group(*lines)


def rows(title: str, header: list[str], cells: list[tuple[str, ...]]) -> Group:
    """Any table as lines: the row's first cell, then every other cell after its header."""
    lines: list[Text] = [Text(title, style="italic")]
    for row in cells:
        line = Text(f"{row[0]}: " if row[0] else "", style="bold")
        line.append(
            SEPARATOR.join(
                f"{name} {value}".strip() for name, value in zip(header[1:], row[1:], strict=True)
            )
        )
        lines.append(line)
    return Group(*lines)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
