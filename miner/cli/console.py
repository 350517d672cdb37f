"""The consoles the commands print to (imported lazily: rich costs start-up time)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

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


def stderr_progress(label: str) -> Progress:
    """A transient bar on stderr: ``label``, the bar, done/total and the time elapsed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        label,
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
