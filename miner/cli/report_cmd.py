"""``miner report``: the current period against the previous one, gated, for CI and schedules.

Mined commits persist in the incremental store (``miner.store``) unless ``--no-cache``, so a
scheduled re-run reads only the new commits. Exit 1 when a ``--fail-on`` gate trips (one
``miner: gate tripped: ...`` line per gate on stderr, after the report is written).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.cli.analyze_cmd import add_analysis_options, run_analysis
from miner.errors import UsageError

if TYPE_CHECKING:
    from miner.gates import GateResult
    from miner.periods import PeriodReport

FORMATS = ("terminal", "markdown", "json", "html")
EXIT_GATE = 1


def register(subparsers: Any) -> None:
    from miner.periods import UNITS

    report = subparsers.add_parser(
        "report",
        help="this week/month/quarter against the previous one, with gates for CI",
        description="Period-over-period report: commits per phase, revisit events and rate, "
        "new revisit events with reasons, statistics of the current period. Periods follow "
        "each commit's author date in its own UTC offset (ISO weeks, calendar months and "
        "quarters).",
    )
    add_analysis_options(report)
    report.add_argument("--period", choices=UNITS, default="month", help="default: month")
    report.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the current period is the one holding this day (default: the newest commit's)",
    )
    report.add_argument("--format", choices=FORMATS, default="terminal")
    report.add_argument("--output", "-o", type=Path, metavar="FILE", help="write there, not stdout")
    report.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="EXPR",
        help="exit 1 when EXPR holds for the current period, e.g. 'revisit_rate>0.35' or "
        "'phase_share[monitoring]<0.02' (repeatable; metric names in the README)",
    )
    report.set_defaults(run=run_report)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of must be a date like 2024-03-31, not {text!r}") from None


def run_report(args: argparse.Namespace) -> int:
    from miner.gates import evaluate, parse_gates
    from miner.periods import period_report

    gates = parse_gates(args.fail_on)  # a bad expression fails before any mining
    analysis = run_analysis(args)
    report = period_report(analysis, args.period, as_of=args.as_of)
    results = evaluate(gates, report)
    _write(report, results, args.format, args.output)
    tripped = [r for r in results if r.tripped]
    for result in tripped:
        print(
            f"miner: gate tripped: {result.describe(report.current.period.label)}", file=sys.stderr
        )
    return EXIT_GATE if tripped else 0


def _write(
    report: PeriodReport, results: tuple[GateResult, ...], form: str, output: Path | None
) -> None:
    from rich.console import Console

    from miner.report import html, period

    if form == "terminal":
        if output is None:
            from miner.cli.console import stdout_console

            period.render_terminal(report, stdout_console(), results)
            return
        with output.open("w", encoding="utf-8") as handle:
            console = Console(file=handle, width=132, color_system=None)
            period.render_terminal(report, console, results)
        return
    renderers = {
        "json": period.render_json,
        "markdown": period.render_markdown,
        "html": html.render_period,
    }
    body = renderers[form](report, results)
    if output is None:
        sys.stdout.write(body)
    else:
        output.write_text(body, encoding="utf-8")
