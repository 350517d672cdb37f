"""``miner analyze``, ``miner commits`` and ``miner explain``: the retrospective analysis."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.sequence.focus import DEFAULT_WINDOW

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis
    from miner.report.output import FormatKind, Target
    from miner.settings import Settings

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


OUTPUT_RULE = (
    "Output rule: a file format writes the file -o FILE (its folder must exist; nothing is "
    "created outside the path given); csv and plots write into -o DIR (created if missing, its "
    "parent must exist, and not named like a file, e.g. x.csv). Several formats at once: "
    "--format A,B -o DIR (files named {stem}.<ext>, folder formats in DIR/<format>/) or "
    "--output FORMAT=PATH, repeatable. Every file is written to a temporary file and renamed: a "
    "failed write keeps the previous file."
)


def add_output_options(
    parser: argparse.ArgumentParser, formats: tuple[str, ...], *, default: str, stem: str
) -> None:
    """``--format A[,B…]`` and ``--output PATH | FORMAT=PATH`` (repeatable): one rule for every
    command that writes a report (``miner.report.output``)."""
    parser.add_argument(
        "--format",
        metavar="FORMAT[,FORMAT…]",
        help=f"{', '.join(formats)} (default {default}); several, comma-separated, with -o DIR",
    )
    parser.add_argument(
        "--output",
        "-o",
        action="append",
        default=[],
        metavar="PATH|FORMAT=PATH",
        help="write there instead of stdout; " + OUTPUT_RULE.format(stem=stem),
    )


def output_targets(
    args: argparse.Namespace, kinds: dict[str, FormatKind], *, default: str, stem: str
) -> tuple[Target, ...]:
    """The checked targets of ``add_output_options`` (paths checked before any mining)."""
    from miner.report.output import check_targets, parse_formats, plan_targets

    formats = None if args.format is None else parse_formats(args.format, tuple(kinds))
    targets = plan_targets(formats, args.output, kinds, default=default, stem=stem)
    check_targets(targets, kinds)
    return targets


def write_targets(targets: tuple[Target, ...], write: Callable[[Target], None]) -> None:
    """Write each target; the folder of a several-format run is created first."""
    from miner.report.output import prepare_folder

    for target in targets:
        if target.within is not None:
            prepare_folder(target.within)
        write(target)


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
        action=argparse.BooleanOptionalAction,
        help="mainline mode: each merge counts as one commit (first-parent diff)",
    )
    parser.add_argument(
        "--window",
        metavar="N|SPAN",
        help="focus window: previous N classified commits or a span (14d, 2w); "
        f"default {DEFAULT_WINDOW}, at most 1,000,000 commits or 36,525 days",
    )
    parser.add_argument(
        "--revisits",
        choices=("all", "backward"),
        help="count backward and forward revisits (all, the default), or backward only",
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
        "--include-bots",
        action=argparse.BooleanOptionalAction,
        help="do not skip bot commits by default",
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
        action=argparse.BooleanOptionalAction,
        help="also mine added/deleted lines (a blob diff per commit: ~10x slower)",
    )
    parser.add_argument(
        "--ignore-notes",
        action="store_true",
        help="classify by trailers and rules only: phases stored by `miner tag` as git notes "
        "(which otherwise win over the rules) are not read",
    )
    parser.add_argument(
        "--content",
        action="store_true",
        help="read the added/removed lines of the commits whose message and paths do not "
        "decide their phase (one streamed git diff-tree; see the README for its cost)",
    )
    parser.add_argument(
        "--backend",
        choices=("git", "pydriller"),
        default="git",
        help="read history with one streamed git log (default) or PyDriller",
    )


def _share(text: str) -> float:
    from miner.numbers import parse_decimal

    return parse_decimal(text, "--min-share")


def analysis_options(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """``AnalysisOptions`` keywords: the repository's settings file, then the command line (a
    flag given wins; one not given leaves the file's value, else the default)."""
    from miner.pipeline.options import parse_window

    given = {
        "window": None if args.window is None else parse_window(args.window),
        "revisits": args.revisits,
        "min_share": args.min_share,
        "include": tuple(args.include) or None,
        "exclude": tuple(args.exclude) or None,
        "exclude_authors": tuple(args.exclude_author) or None,
        "include_bots": args.include_bots,
        "first_parent": args.first_parent,
        "churn": args.churn,
    }
    options = {**settings.analysis}
    options.update({key: value for key, value in given.items() if value is not None})
    return {
        **options,
        "rules": args.rules,
        "rev": args.rev,
        "branch": args.branch,
        "since": args.since,
        "until": args.until,
        "content": args.content,
        "cache": args.cache,
        "use_cache": not args.no_cache,
        "backend": args.backend,
        "settings": settings.source,
        "ignore_notes": args.ignore_notes,
    }


def team_settings(args: argparse.Namespace) -> Settings:
    """The analysed repository's ``.miner/config.toml`` or ``[tool.miner]`` (``miner.settings``)."""
    from miner.settings import load_settings

    return load_settings(args.path, rev=args.rev if args.rev is not None else args.branch)


def wants_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar() -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """(advance, set_total) for a transient progress bar on stderr."""
    from miner.cli.console import stderr_progress

    with stderr_progress("mining") as bar:
        task = bar.add_task("mining", total=None)

        def advance(read: int) -> None:
            if read % 500 == 0:
                bar.update(task, completed=read)

        def set_total(commits: int) -> None:
            bar.update(task, total=commits)

        yield advance, set_total


def run_analysis(args: argparse.Namespace, settings: Settings | None = None) -> Analysis:
    from miner.pipeline.run import analyze

    options = analysis_options(args, team_settings(args) if settings is None else settings)
    if not wants_progress():
        return analyze(args.path, **options)
    with progress_bar() as (advance, set_total):
        return analyze(args.path, progress=advance, total=set_total, **options)


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
