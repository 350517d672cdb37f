"""Phase x phase figures: annotated heatmaps of a matrix, and the revisit flow between phases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, Patch, Rectangle

from miner.report.figures.common import new_figure, phase_label, style, titled
from miner.report.palette import GREY, INK, NO_DATA, phase_colours, text_on

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from miner.pipeline.analysis import Analysis

SEQUENTIAL = "YlOrBr"  # a colour-blind-safe sequential map, white → dark brown
ARC_BEND = 0.5  # arc3 curvature: forward revisits bend below the phase line, backward above
MAX_EDGE_WIDTH = 6.0
LABELLED_EDGES = 12


def heatmap(
    analysis: Analysis,
    frame: pd.DataFrame,
    title: str,
    *,
    percent: bool,
    rows: str = "focus",
    columns: str = "to phase",
) -> Figure:
    """``frame`` as coloured cells, each annotated; a cell with no value (NaN: the denominator
    was zero) is hatched grey and reads "n/a", so it never passes for 0."""
    with style():
        values = frame.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        peak = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        norm = Normalize(vmin=0.0, vmax=1.0 if percent else peak)
        cmap = colormaps[SEQUENTIAL].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
        figure = new_figure(7.2, 6.4)
        ax = figure.add_subplot()
        # One hatched grey sheet behind the matrix shows through the cells without a value
        # (transparent in the image): one hatch to draw, however many such cells.
        rows_count, columns_count = values.shape
        ax.add_patch(
            Rectangle(
                (-0.5, -0.5),
                columns_count,
                rows_count,
                facecolor=NO_DATA,
                hatch="///",
                edgecolor=GREY,
                linewidth=0,
                zorder=0,
            )
        )
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, zorder=1)
        for (row, col), value in np.ndenumerate(values):
            _annotate(ax, row, col, value, to_hex(cmap(norm(value))), percent=percent)
        labels = [phase_label(str(p)) for p in frame.columns]
        ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right")
        ax.set_yticks(range(len(frame.index)), [phase_label(str(p)) for p in frame.index])
        ax.set_xlabel(columns)
        ax.set_ylabel(rows)
        ax.spines[:].set_visible(False)
        bar = figure.colorbar(image, ax=ax, shrink=0.75)
        if percent:
            bar.ax.yaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
        if not np.isfinite(values).all():
            figure.legend(
                handles=[Patch(facecolor=NO_DATA, hatch="///", edgecolor=GREY)],
                labels=["n/a: no data (zero denominator), not 0"],
                loc="outside lower left",
                frameon=False,
            )
        return titled(figure, title, analysis)


def _annotate(ax: Axes, row: int, col: int, value: float, colour: str, *, percent: bool) -> None:
    if not np.isfinite(value):
        ax.text(col, row, "n/a", ha="center", va="center", fontsize=6.5, color=INK)
        return
    label = f"{100 * value:.0f}%" if percent else f"{value:.0f}"
    if percent and 0 < value < 0.005:
        label = "<1%"
    ax.text(col, row, label, ha="center", va="center", fontsize=7, color=text_on(colour))


def revisit_flow(analysis: Analysis) -> Figure:
    """An arc diagram of the revisit matrix R: the phases on a line in lifecycle order, one arrow
    per (focus → revisited phase) pair, its width proportional to the number of events. Backward
    revisits (to an earlier phase) arc above the line, forward ones below."""
    with style():
        phases = list(analysis.phases)
        colours = phase_colours(phases)
        counts = analysis.matrices.revisits.reindex(index=phases, columns=phases)
        values = counts.fillna(0).to_numpy(dtype=np.int64)
        edges = [
            (source, target, int(values[source, target]))
            for source in range(len(phases))
            for target in range(len(phases))
            if values[source, target] > 0
        ]
        figure = new_figure(9.0, 4.6)
        ax = figure.add_subplot()
        ax.set_aspect("equal")
        ax.axis("off")
        above = max((a - b for a, b, _ in edges if b < a), default=0) * ARC_BEND / 2
        below = max((b - a for a, b, _ in edges if b > a), default=0) * ARC_BEND / 2
        ax.set_xlim(-0.6, len(phases) - 0.4)
        ax.set_ylim(-max(below, 0.5) - 0.5, above + 0.9)
        heaviest = max((n for *_, n in edges), default=1)
        ordered = sorted(edges, key=lambda e: (-e[2], e[0], e[1]))
        for rank, (source, target, n) in enumerate(ordered):
            _arc(ax, (source, target, n), heaviest, colours[phases[target]], rank < LABELLED_EDGES)
        for index, phase in enumerate(phases):
            ax.add_patch(Circle((index, 0), 0.2, facecolor=colours[phase], edgecolor=INK, zorder=5))
            ax.text(
                index,
                -0.26,
                phase_label(phase).replace(" ", "\n"),
                ha="center",
                va="top",
                fontsize=7.5,
                zorder=6,
                bbox={
                    "boxstyle": "round,pad=0.1",
                    "facecolor": "white",
                    "alpha": 0.85,
                    "edgecolor": "none",
                },
            )
        if not edges:
            ax.text((len(phases) - 1) / 2, 0.6, "no revisit events", ha="center", color=INK)
        figure.legend(
            handles=[
                Line2D([], [], color=INK, linewidth=1, label="above the line: backward revisit"),
                Line2D([], [], color=INK, linewidth=1, label="below the line: forward revisit"),
                Line2D([], [], color=INK, linewidth=MAX_EDGE_WIDTH, label=_events(heaviest)),
            ],
            loc="outside lower center",
            ncols=3,
            frameon=False,
        )
        return titled(figure, "Revisit flow: focus → revisited phase (width = events)", analysis)


def _arc(ax: Axes, edge: tuple[int, int, int], heaviest: int, colour: str, label: bool) -> None:
    source, target, n = edge
    backward = target < source
    width = 1.0 + (MAX_EDGE_WIDTH - 1.0) * n / heaviest
    arrow = FancyArrowPatch(
        (source, 0),
        (target, 0),
        connectionstyle=f"arc3,rad={ARC_BEND}",
        arrowstyle="-|>",
        mutation_scale=10 + width * 1.5,
        linewidth=width,
        color=colour,
        alpha=0.8,
        shrinkA=9,
        shrinkB=9,
        zorder=3,
    )
    ax.add_patch(arrow)
    if label:
        # arc3 puts its control point rad * |dx| off the line: the curve peaks at half that.
        height = ARC_BEND * abs(target - source) / 2
        ax.text(
            (source + target) / 2,
            height if backward else -height,
            str(n),
            ha="center",
            va="center",
            fontsize=7,
            color=INK,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            zorder=4,
        )


def _events(n: int) -> str:
    return f"{n} event{'s' if n != 1 else ''}"
