"""The fleet in Markdown (CI job summaries, notes): the terminal report's tables, compact."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from miner.report import fleet_text
from miner.report.markdown import escape, matrix, table
from miner.report.text import short

if TYPE_CHECKING:
    from miner.fleet.result import Fleet


def spread(median: pd.DataFrame, iqr: pd.DataFrame, *, percent: bool) -> str:
    cells = fleet_text.spread_cells(median, iqr, percent=percent)
    header = ["focus \\ to", *(short(str(c)) for c in cells.columns)]
    return table(header, [[str(phase), *row] for phase, row in cells.iterrows()])


def render(fleet: Fleet) -> str:
    parts = [
        "## MLOps workflow analysis: fleet of repositories\n",
        table(["setting", "value"], fleet_text.header_items(fleet)),
    ]
    if fleet.succeeded:
        parts += [
            "### Comparison\n",
            table(fleet_text.TABLE_HEADER, fleet_text.table_rows(fleet)),
            "### Phase shares (primary phase)\n",
            table(fleet_text.share_header(fleet), fleet_text.share_rows(fleet)),
        ]
    if fleet.pooled is not None:
        pooled = fleet.pooled
        parts += [
            "### Pooled overlap rate (commit-weighted)\n",
            matrix(pooled.overlap_rate, percent=True),
            "### Overlap rate per repository: median (IQR)\n",
            spread(
                pooled.spread["overlap_rate"].median,
                pooled.spread["overlap_rate"].iqr,
                percent=True,
            ),
            "### Pooled revisit events (summed)\n",
            matrix(pooled.revisits, percent=False),
            "### Revisit events per 100 commits under the focus, per repository: median (IQR)\n",
            spread(pooled.spread["revisits"].median, pooled.spread["revisits"].iqr, percent=False),
            "### Pooled transitions (summed)\n",
            matrix(pooled.transitions, percent=False),
            "### Heterogeneity of revisit rates\n",
            escape(fleet_text.heterogeneity_reading(fleet)) + "\n",
        ]
    if fleet.differences is not None:
        parts += [
            "### B − A (A: first repository, B: second)\n",
            table(fleet_text.DIFFERENCE_HEADER, fleet_text.difference_rows(fleet)),
        ]
    if fleet.failures:
        parts.append("### Failed repositories\n")
        parts.append("".join(f"- {escape(line)}\n" for line in fleet_text.failure_lines(fleet)))
    return "\n".join(parts)
