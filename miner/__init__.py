"""miner — read how an ML project moved through its MLOps lifecycle, from its git history.

The library API (for notebooks): ``miner.analyze(path, **options) -> Analysis``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Analysis", "AnalysisOptions", "__version__", "analyze"]

if TYPE_CHECKING:
    from miner.analysis import Analysis, AnalysisOptions, analyze


def __getattr__(name: str) -> Any:
    # Lazy: the git hook and `miner --version` must not pay for pandas and scipy.
    if name in {"Analysis", "AnalysisOptions", "analyze"}:
        from miner import analysis

        return getattr(analysis, name)
    raise AttributeError(name)
