"""Whole pages: the analysis page (``miner analyze --format html``) and the period report's
(``miner report --format html``), each one self-contained file.

Self-contained: the style sheet, the figures (inline SVG) and the small sorting script are all
in the file; nothing is fetched. A Content-Security-Policy allows only that one script (by its
hash), so even a mistake in escaping could not run a script from the repository's text.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from miner.report import text
from miner.report.figures import NamedFigure, analysis_figures, svg_text
from miner.report.figures.common import repository_name, subtitle
from miner.report.html.sections import (
    EVENT_HEADER,
    Markup,
    Section,
    colours_of,
    contents,
    data_table,
    event_rows,
    figure_block,
    join,
    key_values,
    matrix_table,
    paragraph,
    phase_cell,
    statistics_table,
    tag,
    warnings_list,
)

if TYPE_CHECKING:
    import pandas as pd

    from miner.pipeline.analysis import Analysis

MAX_EVENTS = 2000  # beyond this the page gets slow to open; the JSON holds them all
MAX_EPISODES = 500
FigureSlot = Callable[[str], Markup]


@cache
def _asset(name: str) -> str:
    return resources.files("miner.report.html").joinpath(name).read_text(encoding="utf-8")


def document(title: str, lead: str, sections: Sequence[Section]) -> str:
    """The HTML document: head (charset, policy, style), title, contents, sections, script."""
    script = _asset("sort.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    body = join(s.html() for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="miner">'
        f"{tag('title', title)}<style>{_asset('style.css')}</style></head>\n<body>"
        f"<header>{tag('h1', title)}{paragraph(lead, 'subtitle')}{contents(sections)}</header>\n"
        f"<main>{body}</main>\n"
        "<footer>Made by miner: every number is in the JSON report (--format json).</footer>\n"
        f"<script>{script}</script></body></html>\n"
    )


def figure_slots(figures: Sequence[NamedFigure]) -> FigureSlot:
    """A function that places a figure by name, numbered in the order the page uses them."""
    by_name = {f.name: f for f in figures}
    used: list[str] = []

    def place(name: str) -> Markup:
        used.append(name)
        named = by_name[name]
        return figure_block(named, len(used), svg_text(named.figure))

    return place


# -- the analysis page -------------------------------------------------------------------------


def analysis_page(analysis: Analysis) -> str:
    figure = figure_slots(analysis_figures(analysis))
    colours = colours_of(analysis)
    m = analysis.matrices

    def matrix(
        frame: pd.DataFrame, name: str, *, percent: bool, corner: str = "focus \\ to"
    ) -> Markup:
        return join([figure(name), matrix_table(frame, colours, percent=percent, corner=corner)])

    sections = [
        Section("settings", "Settings", settings(analysis)),
        Section("summary", "Summary", summary(analysis, colours)),
        Section(
            "overlap",
            "Overlap rate O",
            join(
                [
                    paragraph(
                        "Share of the commits made under a focus that went back (or ahead) to "
                        "another phase. Grey cells have no value: that phase was never the focus.",
                        "note",
                    ),
                    matrix(m.overlap_rate, "overlap_rate", percent=True),
                ]
            ),
        ),
        Section(
            "revisits",
            "Revisit events R",
            join(
                [
                    figure("revisit_flow"),
                    matrix(m.revisits, "revisits", percent=False),
                    tag("h3", "Revisit share R% (each focus's events, row-normalised)"),
                    matrix(m.revisit_share, "revisit_share", percent=True),
                ]
            ),
        ),
        Section(
            "events", "Revisit events, with their commits and reasons", events(analysis, colours)
        ),
        Section(
            "transitions",
            "Transitions",
            join(
                [
                    tag("h3", "Transitions T (consecutive classified commits; diagonal = staying)"),
                    matrix(m.transitions, "transitions", percent=False, corner="from \\ to"),
                    tag("h3", "Transition probabilities P (T row-normalised)"),
                    matrix(
                        m.transition_probabilities,
                        "transition_probabilities",
                        percent=True,
                        corner="from \\ to",
                    ),
                ]
            ),
        ),
        Section(
            "cooccurrence",
            "Co-occurrence",
            join(
                [
                    tag("h3", "Co-occurrence C (commits labelled with both phases)"),
                    matrix(m.cooccurrence, "cooccurrence", percent=False, corner="phase \\ with"),
                    tag("h3", "Jaccard similarity J"),
                    matrix(m.jaccard, "jaccard", percent=True, corner="phase \\ with"),
                ]
            ),
        ),
        Section("timeline", "Focus timeline", timeline(analysis, figure)),
        Section(
            "over-time",
            "Phases and revisits per month",
            join([figure("phase_shares"), figure("revisit_rate")]),
        ),
        Section("statistics", "Statistics", statistics_table(text.statistic_readings(analysis))),
    ]
    if analysis.warnings:
        sections.append(Section("warnings", "Warnings", warnings_list(analysis.warnings)))
    title = f"MLOps workflow analysis: {repository_name(analysis.repository.path)}"
    return document(title, subtitle(analysis), sections)


def settings(analysis: Analysis) -> Markup:
    table = key_values(text.header_items(analysis))
    if analysis.commits:
        return table
    return join([table, paragraph("Nothing to analyse: no commits in the analysed range.")])


def summary(analysis: Analysis, colours: dict[str, str]) -> Markup:
    phases = data_table(
        [
            "phase",
            "commits",
            "share",
            "labelled",
            "churn",
            "first seen",
            "last seen",
            "active days",
        ],
        [
            [
                phase_cell(r.phase, colours),
                r.commits,
                r.share,
                r.labelled,
                r.churn,
                r.first_seen,
                r.last_seen,
                r.active_days,
            ]
            for r in text.phase_rows(analysis)
        ],
        caption="Phase distribution (primary phase)",
    )
    return join([key_values(text.summary_items(analysis)), phases])


def events(analysis: Analysis, colours: dict[str, str]) -> Markup:
    found = analysis.sequence.revisit_events
    if not found:
        return paragraph("No revisit events.")
    shown = found[:MAX_EVENTS]
    note = (
        paragraph(
            f"The first {MAX_EVENTS} of {len(found)} events; all are in --format json.", "note"
        )
        if len(found) > MAX_EVENTS
        else Markup("")
    )
    rows = event_rows(analysis, shown, colours)
    return join([note, data_table(EVENT_HEADER, rows, caption=f"{len(found)} revisit events")])


def timeline(analysis: Analysis, figure: FigureSlot) -> Markup:
    episodes = analysis.sequence.episodes
    rows = [list(r[:-1]) for r in text.episode_rows(analysis, MAX_EPISODES)]
    parts = [figure("timeline_commits"), figure("timeline_calendar")]
    if episodes:
        parts.append(
            data_table(
                ["#", "focus", "commits", "from", "to"],
                rows,
                caption=f"Focus episodes ({len(episodes)})",
            )
        )
    if len(episodes) > MAX_EPISODES:
        parts.append(paragraph(f"… {len(episodes) - MAX_EPISODES} more in --format json", "note"))
    return join(parts)
