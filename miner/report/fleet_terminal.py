"""The fleet in the terminal: comparison, phase shares, pooled matrices with their spread,
heterogeneity, the two-repository differences and the failures. Computes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from miner.report import fleet_text, text
from miner.report.terminal import heatmap

if TYPE_CHECKING:
    from miner.fleet.result import Fleet


def render(fleet: Fleet, console: Console) -> None:
    console.print(header(fleet))
    if fleet.succeeded:
        console.print(
            plain_table("Comparison", fleet_text.TABLE_HEADER, fleet_text.table_rows(fleet))
        )
        console.print()
        console.print(
            plain_table(
                "Phase shares (primary phase)",
                fleet_text.share_header(fleet),
                fleet_text.share_rows(fleet),
            )
        )
        console.print()
    if fleet.pooled is not None:
        pooled = fleet.pooled
        for block in (
            heatmap(
                pooled.overlap_rate,
                "Pooled overlap rate O (commit-weighted)",
                percent=True,
                caption="revisit-event commits f → p over all commits made under focus f",
            ),
            spread(
                pooled.spread["overlap_rate"].median,
                pooled.spread["overlap_rate"].iqr,
                "Overlap rate per repository: median (IQR)",
                percent=True,
            ),
            heatmap(
                pooled.revisits,
                "Pooled revisit events R (summed)",
                percent=False,
                caption="revisit events over all repositories",
            ),
            spread(
                pooled.spread["revisits"].median,
                pooled.spread["revisits"].iqr,
                "Revisit events per 100 commits under the focus, per repository: median (IQR)",
                percent=False,
            ),
            heatmap(
                pooled.transitions,
                "Pooled transitions T (summed)",
                percent=False,
                caption="consecutive classified commits, self-transitions on the diagonal",
            ),
        ):
            console.print(block)
            console.print()
        console.print(Text(fleet_text.heterogeneity_reading(fleet)))
        console.print()
    if fleet.differences is not None:
        console.print(
            plain_table(
                "B − A (A: first repository, B: second)",
                fleet_text.DIFFERENCE_HEADER,
                fleet_text.difference_rows(fleet),
            )
        )
        console.print()
    for line in fleet_text.failure_lines(fleet):
        console.print(Text(line, style="bold red"))


def header(fleet: Fleet) -> Panel:
    lines = Text()
    for label, value in fleet_text.header_items(fleet):
        lines.append(f"{label:<14}", style="bold")
        lines.append(f"{value}\n")
    lines.rstrip()
    return Panel(lines, title="miner · fleet of repositories", box=box.ROUNDED)


def plain_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for index, name in enumerate(header):
        if index == 0:  # the repository: folded when long, never cut
            longest = max((len(row[0]) for row in rows), default=0)
            table.add_column(
                name,
                justify="left",
                overflow="fold",
                min_width=min(longest, fleet_text.REPOSITORY_MIN_WIDTH),
            )
        else:
            table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def spread(median: pd.DataFrame, iqr: pd.DataFrame, title: str, *, percent: bool) -> Table:
    cells = fleet_text.spread_cells(median, iqr, percent=percent)
    table = Table(title=title, box=box.SIMPLE_HEAD)
    table.add_column("focus \\ to", style="bold")
    for column in cells.columns:
        table.add_column(text.short(str(column)), justify="right")
    for phase, row in cells.iterrows():
        table.add_row(str(phase), *row)
    return table
