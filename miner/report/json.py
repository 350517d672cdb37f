"""JSON (schema_version 2): the stable contract other tools and CI gates read.

Same analysis ⇒ byte-identical text: keys in a fixed order, floats rounded, NaN as null.
Version 2 changed the statistics (their methods and fields; ``markov`` became
``persistence``): the changes are listed in ``docs/method.md``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from miner.pipeline.analysis import Analysis
    from miner.sequence.revisits import FocusEpisode, RevisitEvent

FLOAT_DIGITS = 6  # decimals; a value below 0.1 keeps this many significant figures instead
SCHEMA_VERSION = 2


def plain(value: Any) -> Any:
    """Python scalars only: rounded floats, None for NaN, ISO text for datetimes."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else rounded(value)
    pandas = sys.modules.get("pandas")  # its missing values exist only once it is imported
    if pandas is not None and (value is pandas.NA or value is pandas.NaT):
        return None
    return value


def rounded(value: float) -> float:
    """FLOAT_DIGITS decimals, or FLOAT_DIGITS significant figures for smaller values, so a tiny
    p-value never prints as 0.0 (e.g. 3.18e-09 stays 3.18e-09)."""
    if value == 0 or abs(value) >= 0.1:
        return round(value, FLOAT_DIGITS)
    return round(value, FLOAT_DIGITS - 1 - math.floor(math.log10(abs(value))))


def matrix(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "index": list(frame.index),
        "columns": list(frame.columns),
        "data": [[plain(v) for v in row] for row in frame.itertuples(index=False)],
    }


def event_document(event: RevisitEvent) -> dict[str, Any]:
    return {
        "from": event.source,
        "to": event.target,
        "direction": event.direction,
        "commits": list(event.commits),
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "reasons": list(event.reasons),
        "returned_after_commits": event.returned_after_commits,
        "churn": event.churn,
    }


def episode_document(episode: FocusEpisode) -> dict[str, Any]:
    return {
        "phase": episode.phase,
        "first_commit": episode.first_commit,
        "last_commit": episode.last_commit,
        "commits": episode.commits,
        "start": episode.start.isoformat(),
        "end": episode.end.isoformat(),
    }


def document(analysis: Analysis) -> dict[str, Any]:
    """The whole analysis as JSON-ready data."""
    repo = analysis.repository
    matrices = analysis.matrices
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "miner",
        "repository": {
            "path": repo.path,
            "head": repo.head,
            "branch": repo.branch,
            "shallow": repo.shallow,
        },
        "options": plain(analysis.option_values()),
        "phases": list(analysis.phases),
        "summary": plain(analysis.summary),
        "phase_stats": [plain(row) for row in analysis.phase_stats.to_dict(orient="records")],
        "matrices": {
            "revisits": matrix(matrices.revisits),
            "revisit_share": matrix(matrices.revisit_share),
            "overlap_rate": matrix(matrices.overlap_rate),
            "transitions": matrix(matrices.transitions),
            "transition_probabilities": matrix(matrices.transition_probabilities),
            "cooccurrence": matrix(matrices.cooccurrence),
            "jaccard": matrix(matrices.jaccard),
        },
        "revisit_events": [event_document(e) for e in analysis.sequence.revisit_events],
        "focus_episodes": [episode_document(e) for e in analysis.sequence.episodes],
        "statistics": plain(analysis.statistics),
        "warnings": list(analysis.warnings),
    }


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def render(analysis: Analysis) -> str:
    return dumps(document(analysis))
