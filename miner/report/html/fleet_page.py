"""The comparison page of several analysed repositories: one row per repository, phase shares
and revisit rates side by side, each repository's statistics. Built from the same section
builders as the single-repository page; it takes ``(name, Analysis)`` pairs, so any
multi-repository result that holds its analyses can be rendered with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from miner.report import text
from miner.report.figures import NamedFigure
from miner.report.figures import fleet as fleet_figures
from miner.report.figures.common import repository_name
from miner.report.html.page import document, figure_slots
from miner.report.html.sections import (
    Markup,
    Section,
    data_table,
    join,
    matrix_table,
    paragraph,
    phase_cell,
)
from miner.report.palette import phase_colours

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

Named = Sequence[tuple[str, "Analysis"]]


def named(analyses: Sequence[Analysis]) -> list[tuple[str, Analysis]]:
    """Each analysis under its repository's name (the folder or URL's last part)."""
    return [(repository_name(a.repository.path), a) for a in analyses]


def comparison_page(analyses: Named, title: str = "MLOps workflow comparison") -> str:
    figure = figure_slots(
        [
            NamedFigure("fleet_phase_shares", "Phase shares per repository",
                        fleet_figures.phase_shares(analyses)),
            NamedFigure("fleet_revisit_rates", "Revisit rate per repository with its interval",
                        fleet_figures.revisit_rates(analyses)),
        ]
    )  # fmt: skip
    sections = [
        Section("repositories", "Repositories", repositories(analyses)),
        Section("phases", "Phase shares", join([figure("fleet_phase_shares"), shares(analyses)])),
        Section(
            "revisit-rates",
            "Revisit rates",
            join(
                [
                    paragraph(
                        "Revisit events per classified commit; the interval resamples each "
                        "repository's focus episodes (its revisit_rate statistic).",
                        "note",
                    ),
                    figure("fleet_revisit_rates"),
                ]
            ),
        ),
        Section("settings", "Settings", settings(analyses)),
        Section("statistics", "Statistics", statistics(analyses)),
    ]
    count = f"{len(analyses)} repositor{'y' if len(analyses) == 1 else 'ies'}"
    return document(title, count, sections)


def repositories(analyses: Named) -> Markup:
    header = [
        "repository", "commits", "classified", "revisit events", "revisit rate",
        "95% interval", "main phase", "from", "to", "head",
    ]  # fmt: skip
    rows = []
    for name, analysis in analyses:
        summary, statistic = analysis.summary, analysis.statistics.get("revisit_rate", {})
        rate = summary["revisit_rate"]
        interval = (
            f"{statistic['ci_low']:.3f}–{statistic['ci_high']:.3f}"
            if "ci_low" in statistic and "ci_high" in statistic
            else "–"
        )
        rows.append(
            [
                name,
                str(summary["commits_total"]),
                str(summary["commits_classified"]),
                str(summary["revisit_events"]),
                "–" if rate is None else f"{rate:.3f}",
                interval,
                _main_phase(analysis),
                text.day(summary["period_start"]),
                text.day(summary["period_end"]),
                (analysis.repository.head or "(no commits)")[:10],
            ]
        )
    return data_table(header, rows)


def _main_phase(analysis: Analysis) -> Markup | str:
    stats = analysis.phase_stats
    if stats.empty or int(stats["commits"].max()) == 0:
        return "–"
    phase = str(stats.set_index("phase")["commits"].idxmax())
    return phase_cell(phase, phase_colours(analysis.phases))


def shares(analyses: Named) -> Markup:
    phases: list[str] = []
    for _, analysis in analyses:
        phases += [p for p in analysis.phases if p not in phases]
    frame = pd.DataFrame(
        [
            analysis.phase_stats.set_index("phase")["share"].reindex(phases).to_numpy(dtype=float)
            for _, analysis in analyses
        ],
        index=[name for name, _ in analyses],
        columns=phases,
        dtype=float,
    )
    return matrix_table(
        frame, phase_colours(phases), percent=True, corner="repository", swatches=False
    )


def settings(analyses: Named) -> Markup:
    keys = ("range", "merges", "window", "revisits", "min share", "rules", "authors out")
    rows = []
    for name, analysis in analyses:
        items = dict(text.header_items(analysis))
        rows.append([name, *(items.get(k, "–") for k in keys)])
    return data_table(["repository", *keys], rows)


def statistics(analyses: Named) -> Markup:
    rows = [
        [name, test, n, reading]
        for name, analysis in analyses
        for test, n, reading in text.statistic_readings(analysis)
    ]
    return data_table(["repository", "test", "n", "reading"], rows)
