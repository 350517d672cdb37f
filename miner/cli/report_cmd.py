"""``miner report``: the current period against the previous one, gated, for CI and schedules.

Mined commits persist in the incremental store (``miner.store``) unless ``--no-cache``, so a
scheduled re-run reads only the new commits. Exit 1 when a ``--fail-on`` gate trips (one
``miner: gate tripped: ...`` line per gate on stderr, after the report is written).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from miner.cli.options import (
    add_analysis_options,
    add_output_options,
    output_targets,
    run_analysis,
    team_settings,
    write_targets,
)
from miner.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from miner.report.output import FormatKind, Target
    from miner.trend.gates import GateResult
    from miner.trend.periods import PeriodReport

    Render = Callable[[PeriodReport, tuple[GateResult, ...]], str]

# The report's formats: terminal, plus every text renderer of ``_renderers`` (one registry).
FORMATS = ("terminal", "markdown", "json", "html")
SUFFIXES = {"terminal": ".txt", "markdown": ".md"}  # in a folder; otherwise ".<format>"
EXIT_GATE = 1
TERMINAL_FILE_WIDTH = 132


def register(subparsers: Any) -> None:
    from miner.trend.periods import UNITS

    report = subparsers.add_parser(
        "report",
        help="this week/month/quarter against the previous one, with gates for CI",
        description="Period-over-period report: commits per phase, revisit events and rate, "
        "new revisit events with reasons, statistics of the current period. Periods follow "
        "each commit's author date in its own UTC offset (ISO weeks, calendar months and "
        "quarters).",
    )
    add_analysis_options(report)
    report.add_argument("--period", choices=UNITS, help="default: month")
    report.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the current period is the one holding this day (default: the newest commit's)",
    )
    add_output_options(report, FORMATS, default="terminal", stem="report")
    report.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="EXPR",
        help="exit 1 when EXPR holds for the current period, e.g. 'revisit_rate>0.35' or "
        "'phase_share[monitoring]<2%% and classified_commits>=50' (conditions joined by 'and'; "
        "repeatable; metric names in the README)",
    )
    report.add_argument(
        "--gate-min-sample",
        action="append",
        default=[],
        metavar="METRIC=N",
        help="judge METRIC's gates from N classified commits on (defaults in the README: "
        "20 for rates and shares, 10 for event counts, 0 for commit counts); below it a gate "
        "reports 'not enough data' and does not trip (repeatable)",
    )
    report.set_defaults(run=run_report)


def _day(text: str) -> date:
    from miner.trend.periods import check_reportable

    if not text.isascii():
        raise UsageError(f"--as-of must be a date like 2024-03-31, not {text!r}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of must be a date like 2024-03-31, not {text!r}") from None
    return check_reportable(day, "--as-of")


def run_report(args: argparse.Namespace) -> int:
    from miner.trend.gates import evaluate, parse_gates, parse_min_samples
    from miner.trend.periods import period_report

    settings = team_settings(args)
    # Gates given on the command line replace the file's; a bad one fails before any mining.
    gates = parse_gates(args.fail_on or settings.fail_on)
    min_samples = {**settings.gate_min_samples, **parse_min_samples(args.gate_min_sample)}
    period = args.period or settings.period or "month"
    targets = output_targets(args, format_kinds(), default="terminal", stem="report")
    analysis = run_analysis(args, settings)
    report = period_report(analysis, period, as_of=args.as_of)
    results = evaluate(gates, report, min_samples=min_samples)
    write_targets(targets, lambda target: _write(report, results, target))
    tripped = [r for r in results if r.tripped]
    for result in tripped:
        print(
            f"miner: gate tripped: {result.describe(report.current.period.label)}", file=sys.stderr
        )
    return EXIT_GATE if tripped else 0


def format_kinds() -> dict[str, FormatKind]:
    from miner.report.output import FormatKind

    return {name: FormatKind(False, SUFFIXES.get(name, f".{name}")) for name in FORMATS}


def _renderers() -> dict[str, Render]:
    from miner.report import html, period

    return {
        "json": period.render_json,
        "markdown": period.render_markdown,
        "html": html.render_period,
    }


def _write(report: PeriodReport, results: tuple[GateResult, ...], target: Target) -> None:
    from rich.console import Console

    from miner.report import period
    from miner.report.output import atomic_file, write_text

    if target.format == "terminal":
        if target.path is None:
            from miner.cli.console import stdout_console

            period.render_terminal(report, stdout_console(), results)
            return
        with atomic_file(target.path) as handle:
            console = Console(file=handle, width=TERMINAL_FILE_WIDTH, color_system=None)
            period.render_terminal(report, console, results)
        return
    body = _renderers()[target.format](report, results)
    if target.path is None:
        sys.stdout.write(body)
    else:
        write_text(target.path, body)
