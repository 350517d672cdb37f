"""``miner report``: the period-over-period report as JSON, Markdown and rich terminal text.

Every number comes finished from the ``PeriodReport`` (``miner.periods``) and the gate results
(``miner.gates``); these functions only format. The Markdown is meant for a GitHub job summary
or a merge-request note: long lists are capped (and say so), the full data is in the JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from miner.report import json as json_format
from miner.report import text
from miner.report.markdown import escape, table

if TYPE_CHECKING:
    from miner.sequence.revisits import RevisitEvent
    from miner.trend.gates import GateResult
    from miner.trend.periods import PeriodReport, PeriodSummary, PhaseChange

SCHEMA_VERSION = 1
MAX_EVENTS = 20
MAX_PERIODS = 24
MOST_CHANGED = 3
FETCH_ALL = (
    "fetch the whole history to see all of it: `fetch-depth: 0` (actions/checkout), "
    "`GIT_DEPTH: 0` (GitLab CI) or `git fetch --unshallow`"
)

WRAPPING = ("reading", "reasons")  # prose columns: they wrap, labels and numbers never do
NONE = "\u2013"  # an en dash: no value (as in the other human-readable formats)
Rows = list[tuple[str, ...]]

# -- cells ------------------------------------------------------------------------------------


def rate(value: float | None) -> str:
    return NONE if value is None else f"{value:.3f}"


def share(value: float | None) -> str:
    return NONE if value is None else f"{100 * value:.1f}%"


def signed(value: float | int | None, *, points: bool = False) -> str:
    if value is None:
        return NONE
    if points:
        return f"{100 * value:+.1f} pp"
    return f"{value:+d}" if isinstance(value, int) else f"{value:+.3f}"


def history_line(report: PeriodReport) -> str:
    summary = report.analysis.summary
    seen = (
        f"{summary['commits_total']} commits from {text.day(summary['period_start'])} "
        f"to {text.day(summary['period_end'])}"
    )
    if report.analysis.repository.shallow:
        return f"shallow clone: only {seen} were seen; {FETCH_ALL}"
    return seen


def title(report: PeriodReport) -> str:
    return (
        f"MLOps workflow report: {report.current.period.label} "
        f"against {report.previous.period.label} ({report.unit}s)"
    )


def comparison_rows(report: PeriodReport) -> Rows:
    previous, current = report.previous, report.current
    return [
        (
            "commits",
            str(previous.commits),
            str(current.commits),
            signed(current.commits - previous.commits),
        ),
        (
            "classified",
            str(previous.classified),
            str(current.classified),
            signed(current.classified - previous.classified),
        ),
        (
            "revisit events",
            str(len(previous.revisit_events)),
            str(len(current.revisit_events)),
            signed(report.revisit_events_change),
        ),
        (
            "… backward",
            str(previous.backward_revisit_events),
            str(current.backward_revisit_events),
            signed(current.backward_revisit_events - previous.backward_revisit_events),
        ),
        (
            "revisit rate",
            rate(previous.revisit_rate),
            rate(current.revisit_rate),
            signed(report.revisit_rate_change),
        ),
    ]


def phase_rows(report: PeriodReport) -> Rows:
    return [
        (
            c.phase,
            str(c.previous_commits),
            str(c.current_commits),
            share(c.previous_share),
            share(c.current_share),
            signed(c.change, points=True),
        )
        for c in report.phase_changes
    ]


def movers(changes: tuple[PhaseChange, ...]) -> str:
    shown = changes[:MOST_CHANGED]
    if not shown:
        return "none"
    return ", ".join(f"{c.phase} ({signed(c.change, points=True)})" for c in shown)


def event_row(event: RevisitEvent) -> tuple[str, ...]:
    return (
        f"{event.source} → {event.target}",
        event.direction,
        str(len(event.commits)),
        event.start.date().isoformat(),
        ", ".join(event.reasons),
        event.commits[0][:10],
    )


def period_rows(report: PeriodReport) -> Rows:
    phases = report.analysis.phases
    return [
        (
            summary.period.label,
            str(summary.commits),
            str(summary.classified),
            *(str(summary.phase_commits[p]) if summary.phase_commits[p] else "·" for p in phases),
            str(len(summary.revisit_events)),
            rate(summary.revisit_rate),
            signed(change),
        )
        for summary, change in zip(report.periods, report.rate_changes, strict=True)
    ]


def period_header(report: PeriodReport) -> list[str]:
    phases = [text.short(p) for p in report.analysis.phases]
    return ["period", "commits", "classif.", *phases, "revisits", "rate", "Δ rate"]


def gate_rows(results: tuple[GateResult, ...]) -> Rows:
    return [(str(r.gate), _gate_values(r), r.verdict) for r in results]


def _gate_values(result: GateResult) -> str:
    if len(result.conditions) == 1:
        value = result.value
        return "undefined" if value is None else f"{value:.6g}"
    return result.values()


def readings(report: PeriodReport) -> Rows:
    return [tuple(row) for row in text.statistic_readings(report.current_analysis)]


# -- JSON -------------------------------------------------------------------------------------


def period_document(summary: PeriodSummary) -> dict[str, Any]:
    return {
        "label": summary.period.label,
        "start": summary.period.start.isoformat(),
        "end": summary.period.end.isoformat(),
        "commits": summary.commits,
        "classified": summary.classified,
        "phase_commits": dict(summary.phase_commits),
        "revisit_events": len(summary.revisit_events),
        "backward_revisit_events": summary.backward_revisit_events,
        "revisit_rate": summary.revisit_rate,
    }


def document(report: PeriodReport, results: tuple[GateResult, ...] = ()) -> dict[str, Any]:
    """The period report as JSON-ready data; ``analysis`` is the whole range's SPEC §6 document
    and ``period_end`` dates are exclusive."""
    analysis = report.analysis
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "miner",
        "kind": "period_report",
        "unit": report.unit,
        "history": {
            "commits_seen": analysis.summary["commits_total"],
            "first_commit_date": analysis.summary["period_start"],
            "shallow": analysis.repository.shallow,
        },
        "current": json_format.plain(period_document(report.current)),
        "previous": json_format.plain(period_document(report.previous)),
        "change": json_format.plain(
            {
                "revisit_events": report.revisit_events_change,
                "revisit_rate": report.revisit_rate_change,
            }
        ),
        "phase_changes": [
            json_format.plain(
                {
                    "phase": c.phase,
                    "previous_commits": c.previous_commits,
                    "current_commits": c.current_commits,
                    "previous_share": c.previous_share,
                    "current_share": c.current_share,
                    "change": c.change,
                }
            )
            for c in report.phase_changes
        ],
        "new_revisit_events": [
            json_format.event_document(e) for e in report.current.revisit_events
        ],
        "periods": [json_format.plain(period_document(s)) for s in report.periods],
        "current_statistics": json_format.plain(report.current_analysis.statistics),
        "gates": [
            {
                "expression": r.gate.text,
                "conditions": [
                    {
                        "metric": c.condition.name,
                        "operator": c.condition.op,
                        "threshold": json_format.plain(c.condition.threshold),
                        "value": json_format.plain(c.value),
                        "sample": c.sample,
                        "min_sample": c.min_sample,
                        "verdict": c.verdict,
                    }
                    for c in r.conditions
                ],
                "verdict": r.verdict,
                "tripped": r.tripped,
            }
            for r in results
        ],
        "analysis": json_format.document(analysis),
    }


def render_json(report: PeriodReport, results: tuple[GateResult, ...] = ()) -> str:
    return json_format.dumps(document(report, results))


# -- Markdown ---------------------------------------------------------------------------------


def render_markdown(report: PeriodReport, results: tuple[GateResult, ...] = ()) -> str:
    current, previous = report.current.period.label, report.previous.period.label
    events = report.current.revisit_events
    parts = [
        f"## {escape(title(report))}\n",
        table(["setting", "value"], _settings(report)),
    ]
    if results:
        parts += ["### Gates\n", table(["gate", "value", "verdict"], gate_rows(results))]
    parts += [
        f"### {current} against {previous}\n",
        table(["", previous, current, "change"], comparison_rows(report)),
        "### Commits per phase\n",
        table(
            ["phase", previous, current, f"share {previous}", f"share {current}", "change"],
            phase_rows(report),
        ),
        f"- grew most: {movers(report.grew)}\n- shrank most: {movers(report.shrank)}\n",
        f"### New revisit events in {current} ({len(events)})\n",
        table(
            ["from → to", "direction", "commits", "start", "reasons", "first commit"],
            [event_row(e) for e in events[:MAX_EVENTS]],
        )
        if events
        else "No revisit events in this period.\n",
    ]
    if len(events) > MAX_EVENTS:
        parts.append(f"… and {len(events) - MAX_EVENTS} more: see the JSON report.\n")
    rows = period_rows(report)
    parts += [
        f"### All {report.unit}s\n",
        table(period_header(report), rows[-MAX_PERIODS:]),
    ]
    if len(rows) > MAX_PERIODS:
        parts.append(
            f"Only the last {MAX_PERIODS} of {len(rows)} {report.unit}s are shown: "
            "see the JSON report for all.\n"
        )
    parts += [
        f"### Statistics of {current} (its commits analysed on their own)\n",
        table(["test", "n", "reading"], readings(report)),
    ]
    return "\n".join(parts)


def _settings(report: PeriodReport) -> Rows:
    items = [item for item in text.header_items(report.analysis) if item[0] != "shallow"]
    return [*items, ("history seen", history_line(report))]


# -- terminal ---------------------------------------------------------------------------------


def render_terminal(
    report: PeriodReport, console: Console, results: tuple[GateResult, ...] = ()
) -> None:
    current, previous = report.current.period.label, report.previous.period.label
    console.print(Text(title(report), style="bold"))
    style = "yellow" if report.analysis.repository.shallow else "dim"
    console.print(Text(f"history seen: {history_line(report)}", style=style))
    console.print()
    if results:
        console.print(_table("Gates", ["gate", "value", "verdict"], gate_rows(results), console))
    console.print(
        _table(
            f"{current} against {previous}",
            ["", previous, current, "change"],
            comparison_rows(report),
            console,
        )
    )
    console.print(
        _table(
            "Commits per phase",
            ["phase", previous, current, f"share {previous}", f"share {current}", "change"],
            phase_rows(report),
            console,
        )
    )
    console.print(f"grew most: {movers(report.grew)}")
    console.print(f"shrank most: {movers(report.shrank)}")
    console.print()
    events = report.current.revisit_events
    if events:
        console.print(
            _table(
                f"New revisit events in {current} ({len(events)})",
                ["from → to", "dir", "commits", "start", "reasons", "first"],
                [event_row(e) for e in events[:MAX_EVENTS]],
                console,
            )
        )
        if len(events) > MAX_EVENTS:
            console.print(
                Text(f"… and {len(events) - MAX_EVENTS} more in --format json", style="dim")
            )
    else:
        console.print(Text(f"No revisit events in {current}.", style="italic"))
    rows = period_rows(report)
    console.print(
        _table(f"All {report.unit}s", period_header(report), rows[-MAX_PERIODS:], console)
    )
    if len(rows) > MAX_PERIODS:
        console.print(
            Text(f"(last {MAX_PERIODS} of {len(rows)}; all in --format json)", style="dim")
        )
    console.print(
        _table(
            f"Statistics of {current} (its commits on their own)",
            ["test", "n", "reading"],
            readings(report),
            console,
        )
    )


def _table(caption: str, header: list[str], rows: Rows, console: Console) -> RenderableType:
    """The table, or its rows stacked as lines when it is too narrow to show every label and
    number whole (prose columns may wrap)."""
    from miner.report import stacked

    # collapsed padding, no edge padding: two spaces between columns
    if stacked.needed_width(header, rows, set(WRAPPING), per_column=2) <= console.width:
        return _wide_table(caption, header, rows)
    return stacked.rows(caption, header, rows)


def _wide_table(caption: str, header: list[str], rows: Rows) -> Table:
    result = Table(title=caption, box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for name in header:
        # Labels and numbers stay whole (a narrow terminal squeezes the long text instead).
        result.add_column(name, no_wrap=name not in WRAPPING)
    for row in rows:
        result.add_row(*row)
    return result
