"""``miner hook install|uninstall|run`` and ``miner tag``: label commits with their phases."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from miner.classify.trailers import PHASE_TRAILER, REVISIT_TRAILER
from miner.hook.install import STAGES, build_parser, install, uninstall


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "hook",
        help="a git hook that tags each new commit with its phase",
        description=f"Install, remove or run the git hook that adds an {PHASE_TRAILER} trailer "
        f"(and {REVISIT_TRAILER} when the commit revisits an earlier phase) to each new commit.",
    )
    actions = group.add_subparsers(dest="hook_command", metavar="ACTION", required=True)

    install = actions.add_parser(
        "install",
        help="install the hook in this repository",
        description="Install into the repository's hooks folder (core.hooksPath and worktrees "
        "honoured). A hook of yours is kept as <hook>.legacy and still runs first.",
    )
    install.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH")
    install.add_argument(
        "--stage",
        choices=STAGES,
        help="install only this stage (default: both; prepare-commit-msg tags messages that "
        "already have text, commit-msg tags the ones written in the editor)",
    )
    install.add_argument(
        "--strict",
        action="store_true",
        help=f"the commit-msg stage rejects messages without a valid {PHASE_TRAILER} trailer "
        "instead of tagging them, and says which trailer the rules would add; "
        f"'{PHASE_TRAILER}: none' (aliases n/a and -, any case) marks a commit with no phase",
    )
    install.add_argument(
        "--force",
        action="store_true",
        help="when both a foreign hook and <hook>.legacy exist, keep the old .legacy as "
        ".legacy.<n> and chain the current hook",
    )
    install.add_argument(
        "--shared",
        action="store_true",
        help="install even when the hooks folder (core.hooksPath) is outside this repository "
        "and so runs for other repositories too (refused without it)",
    )
    install.set_defaults(run=run_install)

    uninstall = actions.add_parser(
        "uninstall", help="remove the hook and restore the one it chained"
    )
    uninstall.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH")
    uninstall.set_defaults(run=run_uninstall)

    run = actions.add_parser(
        "run",
        help="what the installed hook runs",
        description="Tag MSGFILE with its phase (or with --strict check it). Never blocks a "
        "commit except on a --strict rejection: failures print a warning and exit 0.",
    )
    build_parser(run)
    run.set_defaults(run=run_hook)

    tag = subparsers.add_parser(
        "tag",
        help="store the phases of existing commits as git notes (refs/notes/mlops)",
        description="Classify existing commits and write the result as git notes under "
        "refs/notes/mlops, without rewriting history. Share them with "
        "`git push origin refs/notes/mlops`.",
    )
    tag.add_argument("path", nargs="?", default=".", metavar="PATH")
    tag.add_argument("--rev", metavar="RANGE", help="revision range (default HEAD)")
    tag.add_argument("--rules", metavar="FILE", help="rules file (default as for analyze)")
    tag.add_argument(
        "--exclude-author",
        action="append",
        default=[],
        metavar="REGEX",
        help="no note for commits whose 'Name <email>' matches (repeatable); bots (\\[bot\\]) "
        "get none by default: the same commits analyze leaves out",
    )
    tag.add_argument("--include-bots", action="store_true", help="also tag bot commits")
    tag.set_defaults(run=run_tag)


def run_install(args: argparse.Namespace) -> int:
    from miner.hook.state import prime_state  # only installing primes the focus cache

    stages = STAGES if args.stage is None else (args.stage,)
    lines = install(
        args.path, stages=stages, strict=args.strict, force=args.force, shared=args.shared
    )
    for line in lines:
        print(line)
    count = prime_state(args.path)
    print(f"focus cache primed from {count} classified commit(s)")
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    lines = uninstall(args.path)
    for line in lines or ["no miner hook installed"]:
        print(line)
    return 0


def run_hook(args: argparse.Namespace) -> int:
    from miner.hook.run import execute, request_from  # the hook's own path: loaded when it runs

    return execute(request_from(args, os.environ), sys.stderr)


def run_tag(args: argparse.Namespace) -> int:
    from miner.errors import UsageError
    from miner.git import redact_url
    from miner.history.repository import is_url, open_repository
    from miner.pipeline.notes import NOTES_REF, tag_history
    from miner.pipeline.options import AnalysisOptions
    from miner.rules.resolve import repository_rules

    if is_url(args.path):
        # notes written into a temporary clone would vanish with it
        raise UsageError(
            f"miner tag writes notes into a repository on this machine, not a URL "
            f"({redact_url(args.path)}): clone it, tag the clone, and push refs/notes/mlops"
        )
    authors = AnalysisOptions(
        exclude_authors=tuple(args.exclude_author), include_bots=args.include_bots
    ).author_patterns
    with open_repository(args.path, rev=args.rev) as repo:
        rules = repository_rules(repo, args.rules)
        summary = tag_history(repo, rules, rev=args.rev, exclude_authors=authors)
    print(
        f"{summary.written} note(s) written to {NOTES_REF}, {summary.unchanged} unchanged, "
        f"{summary.kept} hand-written kept; {summary.by_trailer} commit(s) tagged by trailer, "
        f"{summary.unclassified} unclassified, {summary.merges} merge(s) and "
        f"{summary.authors_excluded} bot/author-excluded commit(s) skipped "
        f"({summary.commits} commits read)"
    )
    if summary.exact_renames is not None:
        print(f"renames detected exactly (identical content only): {summary.exact_renames}")
    return 0
