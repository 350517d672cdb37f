"""miner — read how an ML project moved through its MLOps lifecycle, from its git history.

The library API (for notebooks), with the CLI's options as typed keywords:

- ``miner.analyze(path, window="14d", ...) -> Analysis`` — one repository;
- ``miner.analyze_many(paths, jobs=4, ...) -> Fleet`` — several, compared and pooled;
- ``miner.render(analysis, "markdown") -> str`` (also ``analysis.render(fmt)``,
  ``analysis.write(fmt, output)``, ``fleet.render(fmt)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Analysis",
    "AnalysisOptions",
    "Fleet",
    "__version__",
    "analyze",
    "analyze_many",
    "render",
]

if TYPE_CHECKING:
    from miner.api import analyze, analyze_many, render
    from miner.fleet.result import Fleet
    from miner.pipeline.analysis import Analysis
    from miner.pipeline.options import AnalysisOptions

# Lazy: the git hook and `miner --version` must not pay for pandas and scipy.
_LAZY = {
    "Analysis": "miner.pipeline.analysis",
    "AnalysisOptions": "miner.pipeline.analysis",
    "Fleet": "miner.fleet.result",
    "analyze": "miner.api",
    "analyze_many": "miner.api",
    "render": "miner.api",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(name)
