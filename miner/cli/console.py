"""The consoles the commands print to (imported lazily: rich costs start-up time)."""

from __future__ import annotations

import sys

from rich.console import Console

NON_TERMINAL_WIDTH = 132


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich would exit 1, which means "a gate tripped" here: let the CLI end quietly with 0.
        raise BrokenPipeError


def stdout_console() -> Console:
    """Standard output: terminal width when interactive, else a fixed width (log-friendly);
    markup off, because repository text (subjects, paths, names) is shown, never interpreted."""
    interactive = sys.stdout.isatty()
    return _Console(
        file=sys.stdout,
        width=None if interactive else NON_TERMINAL_WIDTH,
        highlight=False,
        markup=False,
    )
