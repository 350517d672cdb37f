"""Publication figures (matplotlib, Agg): the analysis's and the period report's, each titled
with the repository, the range and the dates, in the one phase palette (``palette``).

``analysis_figures`` and ``period_figures`` return the figures in reading order; ``write``
saves each as PNG and SVG. The HTML page inlines the same figures' SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from miner.report.figures.common import NamedFigure, png_bytes, svg_text
from miner.report.figures.matrices import heatmap, revisit_flow
from miner.report.figures.timeline import AXES, phase_shares, revisit_rates, timeline

if TYPE_CHECKING:
    import pandas as pd

    from miner.pipeline.analysis import Analysis
    from miner.trend.periods import PeriodReport

__all__ = ["AXES", "NamedFigure", "analysis_figures", "period_figures", "png_bytes", "svg_text"]


def analysis_figures(analysis: Analysis) -> list[NamedFigure]:
    """Every matrix as a heatmap, the revisit flow, the focus timeline on both axes, and the
    phase shares and revisit rate per month."""
    from miner.trend.series import period_series

    m = analysis.matrices
    monthly = period_series(analysis, "month")

    def matrix(
        name: str, caption: str, frame: pd.DataFrame, percent: bool, *axes: str
    ) -> NamedFigure:
        rows, columns = axes if axes else ("focus", "to phase")
        return NamedFigure(
            name,
            caption,
            heatmap(analysis, frame, caption, percent=percent, rows=rows, columns=columns),
        )

    return [
        matrix("overlap_rate", "Overlap rate O (focus → phase)", m.overlap_rate, True),
        matrix("revisits", "Revisit events R (focus → phase)", m.revisits, False),
        matrix("revisit_share", "Revisit share R% (focus → phase)", m.revisit_share, True),
        NamedFigure(
            "revisit_flow", "Revisit flow: focus → revisited phase", revisit_flow(analysis)
        ),
        matrix("transitions", "Transitions T (from → to)", m.transitions, False, *_FROM_TO),
        matrix(
            "transition_probabilities",
            "Transition probabilities P (from → to)",
            m.transition_probabilities,
            True,
            *_FROM_TO,
        ),
        matrix("cooccurrence", "Co-occurrence C (labels)", m.cooccurrence, False, *_WITH),
        matrix("jaccard", "Jaccard similarity J (labels)", m.jaccard, True, *_WITH),
        NamedFigure(
            "timeline_commits",
            "Phase and focus by commit index (every commit the same room)",
            timeline(analysis, "commits"),
        ),
        NamedFigure(
            "timeline_calendar",
            "Phase and focus by author date (the true pace)",
            timeline(analysis, "calendar"),
        ),
        NamedFigure("phase_shares", "Phase shares per month", phase_shares(analysis, monthly)),
        NamedFigure(
            "revisit_rate",
            "Revisit rate per month with its interval",
            revisit_rates(analysis, monthly),
        ),
    ]


_FROM_TO = ("from phase", "to phase")
_WITH = ("phase", "with phase")


def period_figures(report: PeriodReport) -> list[NamedFigure]:
    from miner.trend.series import series_of

    series = series_of(report.periods, report.unit)
    current = report.current.period.label
    return [
        NamedFigure(
            "phase_shares", f"Phase shares per {report.unit}", phase_shares(report.analysis, series)
        ),
        NamedFigure(
            "revisit_rate",
            f"Revisit rate per {report.unit} ({current} highlighted)",
            revisit_rates(report.analysis, series, current),
        ),
    ]


def write(figures: list[NamedFigure], directory: Path) -> list[Path]:
    """Each figure as ``NAME.png`` and ``NAME.svg`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for named in figures:
        png, svg = directory / f"{named.name}.png", directory / f"{named.name}.svg"
        png.write_bytes(png_bytes(named.figure))
        svg.write_text(svg_text(named.figure), encoding="utf-8")
        written += [png, svg]
    return written
