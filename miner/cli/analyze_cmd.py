"""``miner analyze``, ``miner commits`` and ``miner explain``: the retrospective analysis."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from miner.analysis import Analysis

COMMIT_FORMATS = ("table", "csv", "jsonl")


def register(subparsers: Any) -> None:
    from miner.cli.fleet_cmd import add_fleet_options
    from miner.report import FORMATS

    analyze = subparsers.add_parser(
        "analyze",
        help="the full analysis of a repository's history",
        description="Classify every commit into MLOps phases and report focus, revisits, "
        "matrices and statistics (SPEC §3-§5).",
    )
    add_analysis_options(analyze, many=True)
    add_fleet_options(analyze)
    analyze.add_argument("--format", choices=tuple(FORMATS), default="terminal")
    analyze.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE|DIR",
        help="write there instead of stdout (a directory for csv and plots)",
    )
    analyze.set_defaults(run=run_analyze)

    commits = subparsers.add_parser("commits", help="the per-commit view: phases, focus, event")
    add_analysis_options(commits)
    commits.add_argument("--format", choices=COMMIT_FORMATS, default="table")
    commits.add_argument("--output", "-o", type=Path, metavar="FILE")
    commits.set_defaults(run=run_commits)

    explain = subparsers.add_parser(
        "explain", help="why a commit got its phases: rules, matches, weights, focus, event"
    )
    add_analysis_options(explain)
    explain.add_argument("rev", metavar="REV", help="the commit to explain (sha, ref, HEAD~2 …)")
    explain.set_defaults(run=run_explain)


def add_analysis_options(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The options that change a number; shared by every command that analyses history.
    ``many``: several repositories (``paths``), compared and pooled (miner.cli.fleet_cmd)."""
    if many:
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="work tree (or a folder in it), bare repository or URL; default .; "
            "several: each analysed with the same rules (--rules FILE or the packaged ones, "
            "never a repository's own) and options, then compared and pooled",
        )
    else:
        parser.add_argument(
            "path",
            nargs="?",
            default=".",
            metavar="PATH",
            help="work tree (or a folder in it), bare repository or URL; default .",
        )
    parser.add_argument(
        "--rules",
        metavar="FILE",
        help="rules file (default: the repository's "
        ".miner/phase_rules.yaml, else the packaged rules)",
    )
    parser.add_argument("--rev", metavar="RANGE", help="revision range, e.g. v1.0..main")
    parser.add_argument("--branch", metavar="NAME", help="analyse this branch instead of HEAD")
    parser.add_argument("--since", metavar="DATE", help="only commits after DATE (git syntax)")
    parser.add_argument("--until", metavar="DATE", help="only commits before DATE (git syntax)")
    parser.add_argument(
        "--first-parent",
        action="store_true",
        help="mainline mode: each merge counts as one commit (first-parent diff)",
    )
    parser.add_argument(
        "--window",
        default="10",
        metavar="N|SPAN",
        help="focus window: previous N classified commits or a span (14d, 2w)",
    )
    parser.add_argument(
        "--revisits",
        choices=("all", "backward"),
        default="all",
        help="count backward and forward revisits, or backward only",
    )
    parser.add_argument(
        "--min-share",
        type=_share,
        metavar="X",
        help="label threshold: share of a commit's score (default from rules)",
    )
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="only these paths count (repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="these paths do not count (repeatable)",
    )
    parser.add_argument(
        "--exclude-author",
        action="append",
        default=[],
        metavar="REGEX",
        help="skip commits whose 'Name <email>' matches (repeatable); bots "
        "(\\[bot\\]) are skipped by default",
    )
    parser.add_argument(
        "--include-bots", action="store_true", help="do not skip bot commits by default"
    )
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument(
        "--cache",
        metavar="PATH",
        help="the incremental store of mined commits (default: <git dir>/miner/cache.sqlite; "
        "for a URL, under the user cache directory)",
    )
    cache.add_argument("--no-cache", action="store_true", help="mine everything, store nothing")
    parser.add_argument(
        "--churn",
        action="store_true",
        help="also mine added/deleted lines (a blob diff per commit: ~10x slower)",
    )
    parser.add_argument(
        "--backend",
        choices=("git", "pydriller"),
        default="git",
        help="read history with one streamed git log (default) or PyDriller",
    )


def _share(text: str) -> float:
    from miner.errors import UsageError

    try:
        return float(text)
    except ValueError:
        raise UsageError(f"--min-share must be a number, not {text!r}") from None


def analysis_options(args: argparse.Namespace) -> dict[str, Any]:
    from miner.analysis import parse_window

    return {
        "rules": args.rules,
        "rev": args.rev,
        "branch": args.branch,
        "since": args.since,
        "until": args.until,
        "first_parent": args.first_parent,
        "window": parse_window(args.window),
        "revisits": args.revisits,
        "min_share": args.min_share,
        "include": tuple(args.include),
        "exclude": tuple(args.exclude),
        "exclude_authors": tuple(args.exclude_author),
        "include_bots": args.include_bots,
        "churn": args.churn,
        "cache": args.cache,
        "use_cache": not args.no_cache,
        "backend": args.backend,
    }


def wants_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar() -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """(advance, set_total) for a transient progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "mining",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("mining", total=None)

        def advance(read: int) -> None:
            if read % 500 == 0:
                bar.update(task, completed=read)

        def set_total(commits: int) -> None:
            bar.update(task, total=commits)

        yield advance, set_total


def run_analysis(args: argparse.Namespace) -> Analysis:
    from miner.analysis import analyze

    options = analysis_options(args)
    if not wants_progress():
        return analyze(args.path, **options)
    with progress_bar() as (advance, set_total):
        return analyze(args.path, progress=advance, total=set_total, **options)


def run_analyze(args: argparse.Namespace) -> int:
    from miner.cli.console import stdout_console
    from miner.cli.fleet_cmd import is_fleet, run_fleet_analyze
    from miner.report import FORMATS

    if is_fleet(args):
        return run_fleet_analyze(args)
    args.path = args.paths[0] if args.paths else "."
    analysis = run_analysis(args)
    FORMATS[args.format](analysis, args.output, stdout_console())
    return 0


def run_commits(args: argparse.Namespace) -> int:
    from miner.report.commits import render_csv, render_jsonl

    analysis = run_analysis(args)
    if args.format == "table":
        from miner.cli.console import stdout_console
        from miner.report.explain import commits_table

        console = stdout_console()
        console.print(commits_table(analysis))
        return 0
    body = render_csv(analysis.commits) if args.format == "csv" else render_jsonl(analysis.commits)
    if args.output is None:
        sys.stdout.write(body)
    else:
        args.output.write_text(body, encoding="utf-8")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from miner.analysis import explain
    from miner.cli.console import stdout_console
    from miner.report.explain import render

    analysis, commit = explain(args.path, args.rev, **analysis_options(args))
    render(analysis, commit, stdout_console())
    return 0
