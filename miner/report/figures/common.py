"""What every figure shares: the style, the title line, and writing PNG and SVG.

Figures are ``matplotlib.figure.Figure`` objects drawn on the Agg canvas (no pyplot: no global
figure registry, nothing to close, safe in a long-running notebook). Repository text (names,
ranges) is drawn as plain text: ``text.parse_math`` is off, so a ``$`` in a branch name is not
mathtext, and SVG text is written as glyph outlines, so no repository text appears as markup.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from miner.report.palette import INK
from miner.report.text import day, shown

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

PNG_DPI = 150
# Reproducible bytes: no creation date or software string, fixed SVG ids; real text kept as
# outlines so the SVG looks the same without the font.
STYLE: dict[str, Any] = {
    "text.parse_math": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "miner",
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.titlesize": 11,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
PNG_METADATA: dict[str, Any] = {"Software": None}
SVG_METADATA: dict[str, Any] = {"Date": None, "Creator": None}


@dataclass(frozen=True)
class NamedFigure:
    """A finished figure, ``name`` the file stem (``overlap_rate`` → overlap_rate.png/.svg)."""

    name: str
    caption: str
    figure: Figure


@contextmanager
def style() -> Iterator[None]:
    settings: Any = STYLE  # matplotlib types rc keys as literals; these are checked at run time
    with matplotlib.rc_context(settings):
        yield


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def repository_name(path: str) -> str:
    """The last component of a path or URL, without ``.git``: what a reader calls the project."""
    name = PurePosixPath(path.rstrip("/\\").replace("\\", "/")).name or path
    return shown(name.removesuffix(".git") or name)


def subtitle(analysis: Analysis) -> str:
    """``repository · range · first day → last day``: the line every figure is titled with."""
    summary = analysis.summary
    span = f"{day(summary['period_start'])} → {day(summary['period_end'])}"
    revision = shown(analysis.options.revision or "HEAD")
    return f"{repository_name(analysis.repository.path)} · {revision} · {span}"


def titled(figure: Figure, title: str, analysis: Analysis) -> Figure:
    figure.suptitle(f"{title}\n{subtitle(analysis)}", x=0.01, ha="left", color=INK)
    return figure


def phase_label(phase: str) -> str:
    return phase.replace("_", " ")


def png_bytes(figure: Figure) -> bytes:
    with style():
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata=PNG_METADATA)
    return buffer.getvalue()


def svg_text(figure: Figure) -> str:
    with style():
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()
