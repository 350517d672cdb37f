"""``--format plots``: every figure of the analysis as PNG and SVG in one folder
(``miner.report.figures``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from miner.report.figures import analysis_figures
from miner.report.figures import write as write_figures

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis


def write(analysis: Analysis, directory: Path) -> list[Path]:
    return write_figures(analysis_figures(analysis), directory)
