"""Several repositories: ``miner analyze A B ...``, ``--repos-from FILE``, ``miner compare A B``.

Exit code 0 when every repository was analysed, 2 when any failed (each failure is in the
report with its one-line reason; the others are analysed all the same).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.errors import UsageError

if TYPE_CHECKING:
    from miner.fleet.result import Fleet

EXIT_SOME_FAILED = 2


def register(subparsers: Any) -> None:
    from miner.cli.options import add_analysis_options
    from miner.report.fleet import FLEET_FORMATS

    compare = subparsers.add_parser(
        "compare",
        help="two repositories side by side: each metric's difference and whether it is larger "
        "than its uncertainty",
        description="Analyse two repositories with the same rules and options (--rules FILE "
        "or the packaged rules; a repository's own rules file is not used) and report, per "
        "metric, B minus A with the test that says whether the difference is larger than its "
        "uncertainty; plus the comparison table and the pooled matrices.",
    )
    add_analysis_options(compare, many=True)
    compare.add_argument("--format", choices=FLEET_FORMATS, default="terminal")
    compare.add_argument("--output", "-o", type=Path, metavar="FILE|DIR")
    add_fleet_options(compare, repos_from=False)
    compare.set_defaults(run=run_compare)


def add_fleet_options(parser: argparse.ArgumentParser, *, repos_from: bool = True) -> None:
    if repos_from:
        parser.add_argument(
            "--repos-from",
            metavar="FILE",
            help="also analyse the repositories listed in FILE (paths or URLs, one a line, "
            "# comments; - for stdin)",
        )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="repositories analysed at once on this machine (default: its cores)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the dask.distributed scheduler at ADDRESS (tcp://host:8786) instead",
    )


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--jobs must be a whole number of at least 1, not {text!r}")
    return int(text)


def is_fleet(args: argparse.Namespace) -> bool:
    """Several repositories, a list of them, or a cluster: the fleet report; one PATH alone
    keeps the single-repository report."""
    return len(args.paths) > 1 or args.repos_from is not None or args.dask is not None


def run_fleet_analyze(args: argparse.Namespace) -> int:
    from miner.fleet.run import read_targets

    targets = list(args.paths)
    if args.repos_from is not None:
        targets += read_targets(args.repos_from)
    return _run(args, targets or ["."])


def run_compare(args: argparse.Namespace) -> int:
    if len(args.paths) != 2:
        raise UsageError(f"compare needs exactly two repositories, not {len(args.paths)}")
    return _run(args, list(args.paths))


def _run(args: argparse.Namespace, targets: list[str]) -> int:
    from miner.cli.console import stdout_console
    from miner.cli.options import analysis_options
    from miner.cli.settings import Settings
    from miner.fleet.run import analyze_fleet
    from miner.pipeline.options import AnalysisOptions
    from miner.report.fleet import FLEET_FORMATS, show

    fmt, output = _fleet_output(args)
    if fmt not in FLEET_FORMATS:
        raise UsageError(
            f"--format {fmt} is for one repository; a fleet renders as {', '.join(FLEET_FORMATS)}"
        )
    # A fleet is compared under one set of options: no repository's own settings file.
    settings = AnalysisOptions(**analysis_options(args, Settings()))
    with repository_count(len(targets)) as done:
        fleet = analyze_fleet(targets, settings, jobs=args.jobs, dask=args.dask, done=done)
    show(fleet, fmt, output, stdout_console())
    return _exit_code(fleet)


def _fleet_output(args: argparse.Namespace) -> tuple[str, Path | None]:
    """One format and at most one destination: ``analyze`` gives ``--format``/``--output`` in
    their several-format form (a string, a list), ``compare`` in the single form."""
    fmt = args.format or "terminal"
    outputs = args.output if isinstance(args.output, list) else [args.output]
    outputs = [o for o in outputs if o is not None]
    if "," in fmt or len(outputs) > 1 or any("=" in str(o) for o in outputs):
        raise UsageError("several repositories are reported in one format per run")
    return fmt, Path(outputs[0]) if outputs else None


def _exit_code(fleet: Fleet) -> int:
    if not fleet.failures:
        return 0
    print(
        f"miner: error: {len(fleet.failures)} of {len(fleet.repositories)} repositories "
        "could not be analysed (each is listed in the report with its reason)",
        file=sys.stderr,
    )
    return EXIT_SOME_FAILED


@contextmanager
def repository_count(total: int) -> Iterator[Callable[[], None] | None]:
    """A transient bar counting finished repositories on stderr (a terminal, not in CI)."""
    from miner.cli.options import wants_progress

    if not wants_progress():
        yield None
        return
    from miner.cli.console import stderr_progress

    with stderr_progress("repositories") as bar:
        task = bar.add_task("repositories", total=total)
        yield lambda: bar.advance(task)
