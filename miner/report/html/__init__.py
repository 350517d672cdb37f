"""``--format html``: one self-contained page per report (``page``, ``period_page``,
``fleet_page``), built from the section builders in ``sections`` so that other page kinds only
compose them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis
    from miner.trend.gates import GateResult
    from miner.trend.periods import PeriodReport


def render(analysis: Analysis) -> str:
    from miner.report.html.page import analysis_page

    return analysis_page(analysis)


def render_period(report: PeriodReport, results: tuple[GateResult, ...] = ()) -> str:
    from miner.report.html.period_page import period_page

    return period_page(report, results)


def render_comparison(analyses: Sequence[tuple[str, Analysis]] | Sequence[Analysis]) -> str:
    """The comparison page of several repositories: ``(name, analysis)`` pairs, or analyses
    (then named after their repositories)."""
    from miner.report.html.fleet_page import comparison_page, named

    pairs = [a if isinstance(a, tuple) else None for a in analyses]
    if all(p is not None for p in pairs):
        return comparison_page([p for p in pairs if p is not None])
    return comparison_page(named([a for a in analyses if not isinstance(a, tuple)]))
