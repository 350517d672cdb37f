"""Renderers: one module per format, registered here; the CLI's ``--format`` choices come from
this table. Every renderer takes the finished ``Analysis`` and computes nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from miner.analysis import Analysis

Writer = Callable[["Analysis", "Path | None", "Console"], None]


def _terminal(analysis: Analysis, output: Path | None, console: Console) -> None:
    from rich.console import Console

    from miner.report import terminal

    if output is None:
        terminal.render(analysis, console)
        return
    with output.open("w", encoding="utf-8") as handle:
        terminal.render(
            analysis,
            Console(
                file=handle, width=console.width, color_system=None, markup=False, highlight=False
            ),
        )


def _text(render: Callable[[Analysis], str]) -> Writer:
    def write(analysis: Analysis, output: Path | None, console: Console) -> None:
        body = render(analysis)
        if output is None:
            sys.stdout.write(body)
        else:
            output.write_text(body, encoding="utf-8")

    return write


def _json(analysis: Analysis) -> str:
    from miner.report import json

    return json.render(analysis)


def _markdown(analysis: Analysis) -> str:
    from miner.report import markdown

    return markdown.render(analysis)


def _html(analysis: Analysis) -> str:
    from miner.report import html

    return html.render(analysis)


def _directory(kind: str) -> Writer:
    def write(analysis: Analysis, output: Path | None, console: Console) -> None:
        if output is None:
            raise UsageError(f"--format {kind} writes several files: give --output DIR")
        if kind == "csv":
            from miner.report import csv as module
        else:
            from miner.report import plots as module  # type: ignore[no-redef]
        module.write(analysis, output)

    return write


FORMATS: dict[str, Writer] = {
    "terminal": _terminal,
    "json": _text(_json),
    "markdown": _text(_markdown),
    "html": _text(_html),
    "csv": _directory("csv"),
    "plots": _directory("plots"),
}
