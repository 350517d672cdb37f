"""The command line: a thin shell over the library. Errors become exit codes here and only here.

Exit codes (SPEC §6): 0 success; 1 a gate tripped / strict hook rejection; 2 bad input;
3 internal error (traceback to a log file, or shown with --debug); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

from miner import __version__
from miner.errors import MinerError, UsageError

# Each module registers its subcommands; imports stay light so `miner --version` is fast.
COMMAND_MODULES = (
    "miner.cli.analyze_cmd",
    "miner.cli.fleet_cmd",
    "miner.cli.report_cmd",
    "miner.cli.rules_cmd",
    "miner.cli.hook_cmd",
)

EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one ``miner: error:`` line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


METHOD_NOTE = (
    "Every number, matrix and statistic is defined, with its method and references, in "
    "docs/method.md in miner's source tree (linked from its README)."
)


def build_parser() -> Parser:
    parser = Parser(
        prog="miner",
        description="Mine the MLOps lifecycle of a project from git.",
        epilog=METHOD_NOTE,
    )
    parser.add_argument("--version", action="version", version=f"miner {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return UsageError.exit_code
        code: int = args.run(args)
        return code
    except MinerError as error:
        print(f"miner: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("miner: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`miner commits | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        if error.filename is None:
            return _internal_error(debug)
        # A path the user gave (--output, --cache, ...) cannot be used: bad input, not a bug.
        print(f"miner: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return UsageError.exit_code
    except Exception:
        return _internal_error(debug)


def _internal_error(debug: bool) -> int:
    if debug:
        traceback.print_exc()
    else:
        with tempfile.NamedTemporaryFile(
            "w", prefix="miner-crash-", suffix=".log", delete=False
        ) as log:
            traceback.print_exc(file=log)
        print(
            f"miner: internal error (a bug): details in {log.name}; rerun with --debug to see them",
            file=sys.stderr,
        )
    return EXIT_INTERNAL
