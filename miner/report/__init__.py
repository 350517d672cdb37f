"""Renderers: one module per format, registered here; the CLI's ``--format`` choices, the output
rule (file or folder, see ``miner.report.output``) and each format's file name in a folder all come
from this table. Every renderer takes the finished ``Analysis`` and computes nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from miner.report.output import FormatKind, atomic_file, staged_folder, write_text

if TYPE_CHECKING:
    from rich.console import Console

    from miner.pipeline.analysis import Analysis

Writer = Callable[["Analysis", "Path | None", "Console"], None]


@dataclass(frozen=True, slots=True)
class Format:
    """A registered format: how it writes, and whether it writes one file or a folder of them.
    ``suffix`` is the file name's ending when written into a folder (default ``.<name>``)."""

    write: Writer
    multi_file: bool = False
    suffix: str | None = None

    def __call__(self, analysis: Analysis, output: Path | None, console: Console) -> None:
        self.write(analysis, output, console)


def _write_terminal(analysis: Analysis, output: Path | None, console: Console) -> None:
    from rich.console import Console

    from miner.report import terminal

    if output is None:
        terminal.render(analysis, console)
        return
    with atomic_file(output) as handle:
        terminal.render(
            analysis,
            Console(
                file=handle, width=console.width, color_system=None, markup=False, highlight=False
            ),
        )


def _text(render: Callable[[Analysis], str], suffix: str | None = None) -> Format:
    def write(analysis: Analysis, output: Path | None, console: Console) -> None:
        body = render(analysis)
        if output is None:
            sys.stdout.write(body)
        else:
            write_text(output, body)

    return Format(write, suffix=suffix)


def _json(analysis: Analysis) -> str:
    from miner.report import json

    return json.render(analysis)


def _markdown(analysis: Analysis) -> str:
    from miner.report import markdown

    return markdown.render(analysis)


def _html(analysis: Analysis) -> str:
    from miner.report import html

    return html.render(analysis)


def _directory(kind: str) -> Format:
    def write(analysis: Analysis, output: Path | None, console: Console) -> None:
        from miner.errors import UsageError

        if output is None:
            raise UsageError(f"--format {kind} writes several files: give --output DIR")
        if kind == "csv":
            from miner.report import csv as module
        else:
            from miner.report import plots as module  # type: ignore[no-redef]
        with staged_folder(output) as scratch:
            module.write(analysis, scratch)

    return Format(write, multi_file=True)


FORMATS: dict[str, Format] = {
    "terminal": Format(_write_terminal, suffix=".txt"),
    "json": _text(_json),
    "markdown": _text(_markdown, ".md"),
    "html": _text(_html, ".html"),
    "csv": _directory("csv"),
    "plots": _directory("plots"),
}


def format_kinds() -> dict[str, FormatKind]:
    """What the output rule needs from every registered format (new entries included)."""
    return {
        name: FormatKind(entry.multi_file, entry.suffix or f".{name}")
        for name, entry in FORMATS.items()
    }
