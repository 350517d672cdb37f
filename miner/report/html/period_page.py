"""The period report's page (``miner report --format html``): the current period against the
previous one, the gates, the new revisit events with their commits, every period as a table
and two figures, and the current period's statistics. Numbers come finished from the
``PeriodReport``; the rows are the other formats' (``miner.report.period``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from miner.report import period, text
from miner.report.figures import period_figures
from miner.report.html.page import document, figure_slots
from miner.report.html.sections import (
    EVENT_HEADER,
    Markup,
    Section,
    colours_of,
    data_table,
    event_rows,
    join,
    key_values,
    paragraph,
    phase_cell,
    statistics_table,
    tag,
)

if TYPE_CHECKING:
    from miner.trend.gates import GateResult
    from miner.trend.periods import PeriodReport


def period_page(report: PeriodReport, results: tuple[GateResult, ...] = ()) -> str:
    figure = figure_slots(period_figures(report))
    colours = colours_of(report.analysis)
    current, previous = report.current.period.label, report.previous.period.label
    events = report.current.revisit_events
    sections = [Section("settings", "Settings", key_values(settings_rows(report)))]
    if results:
        sections.append(Section("gates", "Gates", gates(results)))
    sections += [
        Section(
            "comparison",
            f"{current} against {previous}",
            data_table(["", previous, current, "change"], period.comparison_rows(report)),
        ),
        Section("phases", "Commits per phase", phases(report, colours)),
        Section(
            "events",
            f"New revisit events in {current} ({len(events)})",
            data_table(EVENT_HEADER, event_rows(report.analysis, events, colours))
            if events
            else paragraph("No revisit events in this period."),
        ),
        Section(
            "periods",
            f"All {report.unit}s",
            join(
                [
                    figure("phase_shares"),
                    figure("revisit_rate"),
                    data_table(period.period_header(report), period.period_rows(report)),
                ]
            ),
        ),
        Section(
            "statistics",
            f"Statistics of {current} (its commits analysed on their own)",
            statistics_table(period.readings(report)),
        ),
    ]
    return document(period.title(report), period.history_line(report), sections)


def settings_rows(report: PeriodReport) -> list[tuple[str, str]]:
    items = [item for item in text.header_items(report.analysis) if item[0] != "shallow"]
    return [*items, ("history seen", period.history_line(report))]


def gates(results: tuple[GateResult, ...]) -> Markup:
    rows = [
        [gate, value, tag("span", verdict, class_="tripped") if verdict == "TRIPPED" else verdict]
        for gate, value, verdict in period.gate_rows(results)
    ]
    return data_table(["gate", "value", "verdict"], rows, sortable=False)


def phases(report: PeriodReport, colours: dict[str, str]) -> Markup:
    current, previous = report.current.period.label, report.previous.period.label
    rows = [[phase_cell(row[0], colours), *row[1:]] for row in period.phase_rows(report)]
    table = data_table(
        ["phase", previous, current, f"share {previous}", f"share {current}", "change"], rows
    )
    movers = key_values(
        [("grew most", period.movers(report.grew)), ("shrank most", period.movers(report.shrank))]
    )
    return join([table, movers])
