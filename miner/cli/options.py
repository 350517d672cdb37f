"""The options every command that analyses history shares (what changes a number, where the
report goes, team settings, progress), parsed into the library's keywords."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from miner.cli.settings import Settings
    from miner.pipeline.analysis import Analysis
    from miner.report.output import FormatKind, Target

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
        help="focus window: previous N classified commits or a span (14d, 2w); default 10, "
        "at most 1,000,000 commits or 36,525 days",
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
    """The analysed repository's ``.miner/config.toml`` or ``[tool.miner]``
    (:mod:`miner.cli.settings`)."""
    from miner.cli.settings import load_settings

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
