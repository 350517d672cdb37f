"""``--format html``: one self-contained page per report (``page``, ``period_page``), built
from the section builders in ``sections`` so that other page kinds only compose them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from miner.analysis import Analysis
    from miner.gates import GateResult
    from miner.periods import PeriodReport


def render(analysis: Analysis) -> str:
    from miner.report.html.page import analysis_page

    return analysis_page(analysis)


def render_period(report: PeriodReport, results: tuple[GateResult, ...] = ()) -> str:
    from miner.report.html.period_page import period_page

    return period_page(report, results)
