"""Fleet renderers, registered in one table that also feeds the CLI's ``--format`` choices for
several repositories. Each takes the finished ``Fleet`` and computes nothing."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from miner.fleet.result import Fleet

TEXT_FORMATS = ("terminal", "json", "markdown")
FLEET_FORMATS = (*TEXT_FORMATS, "csv")


def render_text(fleet: Fleet, fmt: str, *, width: int = 100) -> str:
    """``terminal`` (plain text, no colour), ``json`` or ``markdown``."""
    if fmt == "json":
        from miner.report import fleet_json

        return fleet_json.render(fleet)
    if fmt == "markdown":
        from miner.report import fleet_markdown

        return fleet_markdown.render(fleet)
    if fmt == "terminal":
        from rich.console import Console

        from miner.report import fleet_terminal

        buffer = io.StringIO()
        console = Console(
            file=buffer, width=width, color_system=None, markup=False, highlight=False
        )
        fleet_terminal.render(fleet, console)
        return buffer.getvalue()
    raise UsageError(f"a fleet renders as {', '.join(FLEET_FORMATS)}, not {fmt!r}")


def write(fleet: Fleet, fmt: str, output: Path) -> None:
    """Any fleet format to ``output`` (a directory for csv)."""
    if fmt == "csv":
        from miner.report import fleet_csv

        fleet_csv.write(fleet, output)
        return
    output.write_text(render_text(fleet, fmt), encoding="utf-8")


def show(fleet: Fleet, fmt: str, output: Path | None, console: Console) -> None:
    """What the CLI does: the terminal report into the user's console (colour when it has it),
    other formats to stdout or ``output``."""
    if output is not None:
        write(fleet, fmt, output)
        return
    if fmt == "csv":
        raise UsageError("--format csv writes several files: give --output DIR")
    if fmt == "terminal":
        from miner.report import fleet_terminal

        fleet_terminal.render(fleet, console)
        return
    sys.stdout.write(render_text(fleet, fmt))
