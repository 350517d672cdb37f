"""Figures that compare repositories: each one's phase shares, each one's revisit rate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.lines import Line2D

from miner.report.figures.common import new_figure, phase_label, style
from miner.report.palette import GREY, INK, phase_colours

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from miner.pipeline.analysis import Analysis

Named = Sequence[tuple[str, "Analysis"]]


def _title(figure: Figure, title: str, analyses: Named) -> Figure:
    count = f"{len(analyses)} repositor{'y' if len(analyses) == 1 else 'ies'}"
    figure.suptitle(f"{title}\n{count}", x=0.01, ha="left", color=INK)
    return figure


def _phases(analyses: Named) -> list[str]:
    phases: list[str] = []
    for _, analysis in analyses:
        phases += [p for p in analysis.phases if p not in phases]
    return phases


def phase_shares(analyses: Named) -> Figure:
    """One horizontal bar per repository, its classified commits split by primary phase."""
    with style():
        phases = _phases(analyses)
        colours = phase_colours(phases)
        figure = new_figure(10.0, 1.6 + 0.45 * max(len(analyses), 1))
        ax = figure.add_subplot()
        left = np.zeros(len(analyses))
        for phase in phases:
            shares = np.array([_share(analysis, phase) for _, analysis in analyses])
            ax.barh(
                range(len(analyses)),
                shares,
                left=left,
                color=colours[phase],
                label=phase_label(phase),
            )
            left += shares
        ax.set_yticks(range(len(analyses)), [name for name, _ in analyses])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
        ax.set_xlabel("share of classified commits (primary phase)")
        figure.legend(loc="outside right upper", frameon=False)
        return _title(figure, "Phase shares per repository", analyses)


def _share(analysis: Analysis, phase: str) -> float:
    rows = analysis.phase_stats.set_index("phase")["share"]
    value = rows.get(phase)
    return 0.0 if value is None or not np.isfinite(value) else float(value)


def revisit_rates(analyses: Named) -> Figure:
    """Each repository's revisit events per classified commit with its bootstrap interval (the
    ``revisit_rate`` statistic); a repository without a defined interval shows its rate alone."""
    with style():
        figure = new_figure(10.0, 1.6 + 0.45 * max(len(analyses), 1))
        ax = figure.add_subplot()
        for row, (_, analysis) in enumerate(analyses):
            statistic = analysis.statistics.get("revisit_rate", {})
            rate = statistic.get("rate")
            if rate is None:
                continue
            if "ci_low" in statistic and "ci_high" in statistic:
                ax.plot(
                    [statistic["ci_low"], statistic["ci_high"]],
                    [row, row],
                    color=GREY,
                    linewidth=2,
                )
            ax.plot([rate], [row], "o", color=INK)
        ax.set_yticks(range(len(analyses)), [name for name, _ in analyses])
        ax.set_ylim(len(analyses) - 0.5, -0.5)
        ax.set_xlim(left=0)
        ax.set_xlabel("revisit events per classified commit")
        figure.legend(
            handles=[
                Line2D([], [], marker="o", linestyle="", color=INK, label="rate"),
                Line2D([], [], color=GREY, linewidth=2, label="95% bootstrap interval"),
            ],
            loc="outside lower center",
            ncols=2,
            frameon=False,
        )
        return _title(figure, "Revisit rate per repository", analyses)
