"""Builders of the page's parts: escaped text, tables, matrices, figures and sections.

Every page (one analysis, a period report, a fleet comparison) is a list of ``Section``s made
from these builders, so a new page kind only composes them. The one rule: every string that is
not a ``Markup`` is escaped where it enters the page, so repository text (messages, names,
paths) is always shown, never interpreted. ``Markup`` is only ever made here, from escaped parts.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex

from miner.report import text
from miner.report.figures.matrices import SEQUENTIAL
from miner.report.html.svg import inline_svg
from miner.report.palette import NO_DATA, phase_colours, text_on

if TYPE_CHECKING:
    import pandas as pd

    from miner.pipeline.analysis import Analysis
    from miner.report.figures import NamedFigure
    from miner.sequence.revisits import RevisitEvent


class Markup(str):
    """HTML that is already safe: built here from escaped text. Never wrap repository text."""

    __slots__ = ()


Cell = str | Markup


def esc(value: object) -> Markup:
    """``value`` as text: control characters visible (``\\x1b``), markup characters escaped."""
    return Markup(html.escape(text.shown(str(value)), quote=True))


def _cell(value: Cell) -> str:
    return value if isinstance(value, Markup) else esc(value)


def join(parts: Iterable[Cell]) -> Markup:
    return Markup("".join(_cell(p) for p in parts))


def tag(name: str, content: Cell = "", **attributes: str) -> Markup:
    """``<name attr="…">content</name>``; attribute values and text content are escaped."""
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{html.escape(value, quote=True)}"'
        for key, value in attributes.items()
    )
    return Markup(f"<{name}{attrs}>{_cell(content)}</{name}>")


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of a page; ``anchor`` is its id (the table of contents links to it)."""

    anchor: str
    title: str
    body: Markup

    def html(self) -> Markup:
        heading = tag("h2", self.title)
        return Markup(f'<section id="{esc(self.anchor)}">{heading}{self.body}</section>')


def contents(sections: Sequence[Section]) -> Markup:
    items = join(tag("li", tag("a", s.title, href=f"#{s.anchor}")) for s in sections)
    return Markup(f'<nav aria-label="contents"><ol>{items}</ol></nav>')


def paragraph(content: Cell, class_: str = "") -> Markup:
    return tag("p", content, class_=class_) if class_ else tag("p", content)


def key_values(rows: Iterable[tuple[str, str]]) -> Markup:
    body = join(Markup(f"<tr>{tag('th', k, scope='row')}{tag('td', v)}</tr>") for k, v in rows)
    return Markup(f'<table class="kv"><tbody>{body}</tbody></table>')


def data_table(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str | None = None,
    sortable: bool = True,
) -> Markup:
    """A table; ``sortable`` ones sort by a column when its heading is clicked (numbers as
    numbers, the rest as text)."""
    head = join(tag("th", name, scope="col") for name in header)
    body = join(Markup("<tr>" + join(_data_cell(c) for c in row) + "</tr>") for row in rows)
    title = tag("caption", caption) if caption else ""
    kind = ' class="sortable"' if sortable else ""
    return Markup(
        f'<div class="scroll"><table{kind}>{title}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


LONG_CELL = 40  # characters: longer text (readings, reasons, commit lists) may wrap
_TAGS = re.compile(r"<[^>]*>")


def _data_cell(value: Cell) -> Markup:
    """Short cells (numbers, dates, names) stay on one line; long text wraps."""
    shown = _TAGS.sub("", value) if isinstance(value, Markup) else value
    return tag("td", value, class_="wrap") if len(shown) > LONG_CELL else tag("td", value)


def phase_cell(phase: str, colours: Mapping[str, str]) -> Markup:
    """The phase's name behind a swatch of its colour (the palette of every format)."""
    swatch = tag("span", "", class_="swatch", style=f"background:{colours.get(phase, NO_DATA)}")
    return join([swatch, phase])


def matrix_table(
    frame: pd.DataFrame,
    colours: Mapping[str, str],
    *,
    percent: bool,
    corner: str,
    swatches: bool = True,
) -> Markup:
    """A matrix with phase columns (rows: phases with their ``swatches``, or repositories), each
    cell shaded as in the figures; a cell without a value (NaN) is grey and reads "n/a", a zero
    reads "·"."""
    values = frame.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    peak = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    norm = Normalize(vmin=0.0, vmax=1.0 if percent else peak)
    cmap = colormaps[SEQUENTIAL]
    head = join(tag("th", text.short(str(c)), scope="col", title=str(c)) for c in frame.columns)
    rows = []
    for phase, row in zip(frame.index, values, strict=True):
        cells = join(_heat_cell(v, to_hex(cmap(norm(v))), percent=percent) for v in row)
        label = phase_cell(str(phase), colours) if swatches else esc(phase)
        rows.append(Markup(f"<tr>{tag('th', label, scope='row')}{cells}</tr>"))
    return Markup(
        f'<div class="scroll"><table class="matrix"><thead><tr>{tag("th", corner)}{head}'
        f"</tr></thead><tbody>{join(rows)}</tbody></table></div>"
    )


def _heat_cell(value: float, colour: str, *, percent: bool) -> Markup:
    if math.isnan(value):
        return tag("td", "n/a", class_="na", title="no data: the denominator is zero")
    shown = text.cell(value, percent=percent)
    return tag("td", shown, style=f"background:{colour};color:{text_on(colour)}")


def figure_block(named: NamedFigure, number: int, svg: str) -> Markup:
    """A numbered figure: its SVG inline (ids prefixed ``fN``), its caption below."""
    inline = inline_svg(svg, f"f{number}", named.caption)
    caption = tag("figcaption", f"Figure {number}. {named.caption}")
    return Markup(f'<figure id="figure-{esc(named.name)}">{inline}{caption}</figure>')


def statistics_table(readings: Iterable[Sequence[str]]) -> Markup:
    return data_table(["test", "n", "reading"], readings, sortable=False)


def event_rows(
    analysis: Analysis, events: Sequence[RevisitEvent], colours: Mapping[str, str]
) -> list[list[Cell]]:
    """One row per revisit event, its commits (sha and subject) folded under a summary line."""
    subjects = {c.record.sha: c.record.subject for c in analysis.commits}
    return [
        [
            phase_cell(e.source, colours),
            phase_cell(e.target, colours),
            e.direction,
            str(len(e.commits)),
            e.start.date().isoformat(),
            ", ".join(e.reasons),
            "never" if e.returned_after_commits is None else str(e.returned_after_commits),
            _commit_list(e.commits, subjects),
        ]
        for e in events
    ]


EVENT_HEADER = (
    "focus",
    "revisited",
    "direction",
    "commits",
    "start",
    "reasons",
    "back after (commits)",
    "commit list",
)


def _commit_list(shas: Sequence[str], subjects: Mapping[str, str]) -> Markup:
    items = join(
        tag("li", join([tag("code", sha[:10]), " ", subjects.get(sha, "")])) for sha in shas
    )
    summary = tag("summary", f"{shas[0][:10]}" + (f" +{len(shas) - 1}" if len(shas) > 1 else ""))
    return Markup(f"<details>{summary}<ul>{items}</ul></details>")


def warnings_list(warnings: Sequence[str]) -> Markup:
    return Markup(f'<ul class="warnings">{join(tag("li", w) for w in warnings)}</ul>')


def colours_of(analysis: Analysis) -> dict[str, str]:
    return phase_colours(analysis.phases)
