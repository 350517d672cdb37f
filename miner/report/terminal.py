"""The rich terminal report. Renders into an injected ``Console``; computes nothing."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from miner.report import stacked, text
from miner.report.palette import phase_colours

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

TOP_EVENTS = 12
MAX_EPISODES = 40
# Heatmap steps: white → yellow → orange → red as the overlap grows.
HEAT = (
    (0.50, "bold white on red3"),
    (0.25, "black on dark_orange"),
    (0.10, "black on yellow3"),
    (0.0, "black on grey70"),
)


def render(analysis: Analysis, console: Console) -> None:
    console.print(header(analysis))
    if not analysis.commits:
        console.print(Text("Nothing to analyse: no commits in the analysed range.", style="bold"))
    for block in blocks(analysis, console):
        console.print(block)
        console.print()
    for warning in analysis.warnings:
        console.print(Text(f"warning: {text.shown(warning)}", style="yellow"))


def blocks(analysis: Analysis, console: Console) -> list[RenderableType]:
    """The report's blocks; a table too wide for ``console`` is shown stacked (``stacked``)."""
    m = analysis.matrices
    return [
        summary(analysis),
        stacked.fitted(console, phase_distribution(analysis), stacked.phase_distribution(analysis)),
        _matrix(
            console,
            m.overlap_rate,
            "Overlap rate O (focus → phase)",
            percent=True,
            caption="share of the commits made under a focus that went back to another phase",
        ),
        _matrix(
            console,
            m.revisits,
            "Revisit events R (focus → phase)",
            percent=False,
            caption="number of revisit events",
        ),
        top_events(analysis, console),
        _matrix(
            console,
            m.transitions,
            "Transitions T (from → to)",
            percent=False,
            caption="consecutive classified commits, self-transitions on the diagonal",
        ),
        focus_timeline(analysis, console),
        statistics(analysis),
    ]


def _matrix(
    console: Console, frame: pd.DataFrame, title: str, *, percent: bool, caption: str
) -> RenderableType:
    return stacked.fitted(
        console,
        heatmap(frame, title, percent=percent, caption=caption),
        stacked.heatmap(frame, title, percent=percent, caption=caption),
    )


def header(analysis: Analysis) -> Panel:
    lines = Text()
    for label, value in text.header_items(analysis):
        lines.append(f"{label:<14}", style="bold")
        lines.append(f"{value}\n")
    lines.rstrip()
    return Panel(lines, title="miner · MLOps workflow analysis", box=box.ROUNDED)


def summary(analysis: Analysis) -> Table:
    table = Table(title="Summary", box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    for label, value in text.summary_items(analysis):
        table.add_row(label, value)
    return table


def phase_distribution(analysis: Analysis) -> Table:
    table = Table(title="Phase distribution (primary phase)", box=box.SIMPLE_HEAD)
    for name, justify in (
        ("phase", "left"),
        ("commits", "right"),
        ("share", "right"),
        ("", "left"),
        ("labelled", "right"),
        ("churn", "right"),
        ("first seen", "left"),
        ("last seen", "left"),
        ("active days", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    colours = phase_colours(analysis.phases)
    for row in text.phase_rows(analysis):
        table.add_row(
            row.phase,
            row.commits,
            row.share,
            Text(row.bar, style=colours.get(row.phase, "cyan")),
            row.labelled,
            row.churn,
            row.first_seen,
            row.last_seen,
            row.active_days,
        )
    return table


def heatmap(frame: pd.DataFrame, title: str, *, percent: bool, caption: str) -> Table:
    peak = max((v for v in frame.to_numpy().ravel() if not _missing(v)), default=0) or 1
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, caption_justify="left")
    table.add_column("focus \\ to", style="bold")
    for column in frame.columns:
        table.add_column(text.short(str(column)), justify="right")
    for phase, row in frame.iterrows():
        cells = [Text(text.cell(v, percent=percent), style=_heat(v, peak, percent)) for v in row]
        table.add_row(str(phase), *cells)
    return table


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _heat(value: object, peak: float, percent: bool) -> str:
    if _missing(value) or value == 0:
        return "dim"
    level = float(value) if percent else float(value) / float(peak)  # type: ignore[arg-type]
    return next(style for threshold, style in HEAT if level >= threshold)


def top_events(analysis: Analysis, console: Console) -> RenderableType:
    rows = text.event_rows(analysis, TOP_EVENTS)
    if not rows:
        return Text("No revisit events.", style="italic")
    total = len(analysis.sequence.revisit_events)
    title = f"Top revisit events ({len(rows)} of {total}, by commits)"
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for name in ("from → to", "dir", "commits", "when", "reasons", "back after", "first"):
        table.add_column(name, no_wrap=name != "reasons")
    for row in rows:
        table.add_row(*row)
    return stacked.fitted(console, table, stacked.top_events(title, rows))


def focus_timeline(analysis: Analysis, console: Console) -> RenderableType:
    episodes = analysis.sequence.episodes
    if not episodes:
        return Text("No focus timeline: no classified commits.", style="italic")
    title = f"Focus timeline ({len(episodes)} episodes)"
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for name in ("#", "focus", "commits", "from", "to", ""):
        table.add_column(name)
    rows = text.episode_rows(analysis, MAX_EPISODES)
    colours = phase_colours(analysis.phases)
    for row in rows:
        table.add_row(*row[:-1], Text(row[-1], style=colours.get(row[1], "cyan")))
    shown = stacked.fitted(console, table, stacked.focus_timeline(title, rows))
    hidden = len(episodes) - MAX_EPISODES
    if hidden > 0:
        return Group(shown, Text(f"… {hidden} more episodes in --format json", style="dim"))
    return shown


def statistics(analysis: Analysis) -> Table:
    table = Table(title="Statistics", box=box.SIMPLE_HEAD, show_lines=False)
    table.add_column("test", style="bold")
    table.add_column("n", justify="right")
    table.add_column("reading")
    for name, n, reading in text.statistic_readings(analysis):
        table.add_row(name, n, reading)
    return table
