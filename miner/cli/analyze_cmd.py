"""``miner analyze``, ``miner commits`` and ``miner explain``: the retrospective analysis."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis
from miner.cli.options import (
    add_analysis_options,
    add_output_options,
    analysis_options,
    output_targets,
    run_analysis,
    team_settings,
    write_targets,
)

COMMIT_FORMATS = ("table", "csv", "jsonl")


def register(subparsers: Any) -> None:
    from miner.cli import METHOD_NOTE
    from miner.cli.fleet_cmd import add_fleet_options
    from miner.report import FORMATS

    analyze = subparsers.add_parser(
        "analyze",
        help="the full analysis of a repository's history",
        description="Classify every commit into MLOps phases and report focus, revisits, "
        "matrices and statistics (defined in docs/method.md).",
        epilog=METHOD_NOTE,
    )
    add_analysis_options(analyze, many=True)
    add_fleet_options(analyze)
    add_output_options(analyze, tuple(FORMATS), default="terminal", stem="analysis")
    analyze.set_defaults(run=run_analyze)

    commits = subparsers.add_parser("commits", help="the per-commit view: phases, focus, event")
    add_analysis_options(commits)
    commits.add_argument("--format", choices=COMMIT_FORMATS, default="table")
    commits.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write FILE instead of stdout (its folder must exist; replaced atomically)",
    )
    commits.set_defaults(run=run_commits)

    explain = subparsers.add_parser(
        "explain", help="why a commit got its phases: rules, matches, weights, focus, event"
    )
    add_analysis_options(explain)
    explain.add_argument("rev", metavar="REV", help="the commit to explain (sha, ref, HEAD~2 …)")
    explain.set_defaults(run=run_explain)


def run_analyze(args: argparse.Namespace) -> int:
    from miner.cli.console import stdout_console
    from miner.cli.fleet_cmd import is_fleet, run_fleet_analyze
    from miner.report import FORMATS, format_kinds

    if is_fleet(args):
        return run_fleet_analyze(args)
    args.path = args.paths[0] if args.paths else "."
    targets = output_targets(args, format_kinds(), default="terminal", stem="analysis")
    analysis = run_analysis(args)
    console = stdout_console()
    write_targets(targets, lambda t: FORMATS[t.format](analysis, t.path, console))
    return 0


def run_commits(args: argparse.Namespace) -> int:
    from miner.report.commits import render_csv, render_jsonl
    from miner.report.output import check_file_target, write_text

    if args.output is not None:
        check_file_target(args.output)
    analysis = run_analysis(args)
    if args.format == "table":
        _write_commits_table(analysis, args.output)
        return 0
    body = render_csv(analysis.commits) if args.format == "csv" else render_jsonl(analysis.commits)
    if args.output is None:
        sys.stdout.write(body)
    else:
        write_text(args.output, body)
    return 0


def _write_commits_table(analysis: Analysis, output: Path | None) -> None:
    from rich.console import Console

    from miner.cli.console import NON_TERMINAL_WIDTH, stdout_console
    from miner.report.commit_table import commits_table
    from miner.report.output import atomic_file

    if output is None:
        console = stdout_console()
        console.print(commits_table(analysis, console.width))
        return
    with atomic_file(output) as handle:
        console = Console(file=handle, width=NON_TERMINAL_WIDTH, color_system=None, markup=False)
        console.print(commits_table(analysis, console.width))


def run_explain(args: argparse.Namespace) -> int:
    from miner.cli.console import stdout_console
    from miner.pipeline.run import explain
    from miner.report.explain import render

    analysis, commit = explain(args.path, args.rev, **analysis_options(args, team_settings(args)))
    render(analysis, commit, stdout_console())
    return 0
