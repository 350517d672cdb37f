"""Figures over time: the focus timeline, phase shares per period, revisit rate per period."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from miner.report.figures.common import new_figure, phase_label, style, titled
from miner.report.palette import GREY, HIGHLIGHT, INK, NO_DATA, OVERALL, REVISIT, phase_colours

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from miner.pipeline.analysis import Analysis
    from miner.trend.series import PeriodSeries

TimelineAxis = Literal["calendar", "commits"]
AXES: tuple[TimelineAxis, ...] = ("calendar", "commits")
MAX_PERIOD_LABELS = 18


def timeline(analysis: Analysis, axis: TimelineAxis = "calendar") -> Figure:
    """Each classified commit at its primary phase (a dot in the phase's colour), the focus as a
    step line, revisit commits ringed. ``axis``: ``calendar`` (author dates: true pace, bursts
    squeezed) or ``commits`` (the n-th classified commit: every commit gets the same room). The
    legend sits below the plot, never over the data."""
    with style():
        phases = list(analysis.phases)
        colours = phase_colours(phases)
        commits = analysis.classified
        row = {phase: index for index, phase in enumerate(phases)}
        figure = new_figure(10.0, 4.8)
        ax = figure.add_subplot()
        if commits:
            x = _positions(analysis, axis)
            primary = np.array([row[c.classification.primary or ""] for c in commits])
            focus = np.array([row[c.focus or ""] for c in commits])
            ax.step(x, focus, where="post", color=INK, linewidth=1.1, zorder=2)
            ax.scatter(x, primary, s=14, c=[colours[phases[p]] for p in primary], zorder=3)
            revisit = np.array([c.event == "revisit" for c in commits])
            ax.scatter(
                x[revisit],
                primary[revisit],
                s=60,
                facecolors="none",
                edgecolors=REVISIT,
                linewidths=1.0,
                zorder=4,
            )
        ax.set_yticks(range(len(phases)), [phase_label(p) for p in phases])
        ax.set_ylim(len(phases) - 0.5, -0.5)  # lifecycle order from the top
        ax.grid(axis="y", color="#EEEEEE", zorder=0)
        ax.set_xlabel("author date (UTC)" if axis == "calendar" else "classified commit (n-th)")
        if axis == "calendar":
            figure.autofmt_xdate(rotation=30, ha="right")
        figure.legend(
            handles=[
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color="#777777",
                    label="commit at its primary phase",
                ),
                Line2D([], [], color=INK, linewidth=1.1, label="focus"),
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor="none",
                    markeredgecolor=REVISIT,
                    markersize=8,
                    label="revisit commit",
                ),
            ],
            loc="outside lower center",
            ncols=3,
            frameon=False,
        )
        by = "calendar time" if axis == "calendar" else "commit index"
        return titled(figure, f"Phase and focus over {by}", analysis)


def _positions(analysis: Analysis, axis: TimelineAxis) -> npt.NDArray[Any]:
    if axis == "commits":
        return np.arange(1, len(analysis.classified) + 1)
    moments = [
        c.record.authored_at.astimezone(UTC).replace(tzinfo=None) for c in analysis.classified
    ]
    return np.array(moments, dtype="datetime64[s]")


def phase_shares(analysis: Analysis, series: PeriodSeries) -> Figure:
    """Each period's classified commits split by primary phase, stacked to 100%; a period with no
    classified commit is a grey band (no share, not a share of 0)."""
    with style():
        phases = list(analysis.phases)
        colours = phase_colours(phases)
        figure = new_figure(10.0, 4.6)
        ax = figure.add_subplot()
        count = len(series.summaries)
        shares = np.array(
            [[s.phase_share(p) or 0.0 for s in series.summaries] for p in phases]
        ).reshape(len(phases), count)
        edges = np.arange(count + 1)
        if count:
            ax.stackplot(
                edges,
                np.hstack([shares, shares[:, -1:]]),
                step="post",
                colors=[colours[p] for p in phases],
                labels=[phase_label(p) for p in phases],
                linewidth=0,
            )
        _mark_empty(ax, series)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
        _period_ticks(ax, series)
        ax.set_ylabel("share of classified commits")
        handles, labels = ax.get_legend_handles_labels()
        if _has_empty(series):
            handles.append(Patch(facecolor=NO_DATA, label="no classified commit"))
            labels.append("no classified commit")
        figure.legend(handles[::-1], labels[::-1], loc="outside right upper", frameon=False)
        return titled(figure, f"Phase shares per {series.unit}", analysis)


def revisit_rates(analysis: Analysis, series: PeriodSeries, current: str | None = None) -> Figure:
    """Each period's revisit events per classified commit with its interval (Wilson, see
    ``miner.series``), and the whole range's rate with its bootstrap interval as a band.
    ``current`` names a period to highlight (the period report's)."""
    with style():
        figure = new_figure(10.0, 4.2)
        ax = figure.add_subplot()
        centres, rates, low, high, highlight = [], [], [], [], []
        for index, (summary, interval) in enumerate(
            zip(series.summaries, series.intervals, strict=True)
        ):
            if summary.revisit_rate is None or interval is None:
                continue
            centres.append(index + 0.5)
            rates.append(summary.revisit_rate)
            low.append(summary.revisit_rate - interval.low)
            high.append(interval.high - summary.revisit_rate)
            highlight.append(summary.period.label == current)
        _mark_empty(ax, series)
        handles = _overall_rate(ax, analysis)
        if centres:
            colour = [(HIGHLIGHT if h else INK) for h in highlight]
            ax.errorbar(
                centres, rates, yerr=[low, high], fmt="none", ecolor=GREY, capsize=2, zorder=2
            )
            ax.scatter(centres, rates, s=18, c=colour, zorder=3)
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color=INK,
                linestyle="",
                label=f"per {series.unit}, {series.confidence:.0%} Wilson interval",
            )
        )
        if _has_empty(series):
            handles.append(Patch(facecolor=NO_DATA, label="no classified commit"))
        ax.set_xlim(0, max(len(series.summaries), 1))
        ax.set_ylim(bottom=0)
        _period_ticks(ax, series)
        ax.set_ylabel("revisit events per classified commit")
        figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        return titled(figure, f"Revisit rate per {series.unit}", analysis)


def _overall_rate(ax: Axes, analysis: Analysis) -> list[Line2D | Patch]:
    statistic = analysis.statistics.get("revisit_rate", {})
    rate = statistic.get("rate")
    if rate is None:
        return []
    ax.axhline(rate, color=OVERALL, linewidth=1, zorder=1)
    handles: list[Line2D | Patch] = [
        Line2D([], [], color=OVERALL, label=f"whole range: {rate:.3f}")
    ]
    if "ci_low" in statistic and "ci_high" in statistic:
        ax.axhspan(
            statistic["ci_low"],
            statistic["ci_high"],
            color=OVERALL,
            alpha=0.15,
            linewidth=0,
            zorder=0,
        )
        handles.append(
            Patch(facecolor=OVERALL, alpha=0.15, label="whole range, bootstrap interval")
        )
    return handles


def _has_empty(series: PeriodSeries) -> bool:
    return any(s.classified == 0 for s in series.summaries)


def _mark_empty(ax: Axes, series: PeriodSeries) -> None:
    for index, summary in enumerate(series.summaries):
        if summary.classified == 0:
            ax.axvspan(index, index + 1, color=NO_DATA, alpha=0.6, linewidth=0, zorder=0)


def _period_ticks(ax: Axes, series: PeriodSeries) -> None:
    labels = series.labels
    step = max(1, -(-len(labels) // MAX_PERIOD_LABELS))
    shown = range(0, len(labels), step)
    ax.set_xticks([i + 0.5 for i in shown], [labels[i] for i in shown], rotation=40, ha="right")
    ax.set_xlim(0, max(len(labels), 1))
    ax.set_xlabel(f"{series.unit} (author's own calendar day)")
