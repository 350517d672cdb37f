"""DataFrames for notebooks, built from a finished ``Analysis`` with real dtypes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

UNCLASSIFIED = "unclassified"
EVENTS = ("advance", "revisit")


def commits_frame(analysis: Analysis) -> pd.DataFrame:
    """One row per analysed commit in sequence order (SPEC §6's per-commit view, no files).

    Columns and dtypes: ``sha``, ``author``, ``subject`` (string); ``authored_at``
    (datetime64, UTC; the commit's own offset is in ``utc_offset_minutes``, Int64);
    ``primary`` (categorical over the phases in canonical order plus ``unclassified``);
    ``labels`` (a list of phase ids per row, primary first); ``focus`` (categorical over the
    phases, missing for unclassified commits); ``event`` (categorical: advance, revisit; missing
    when none); ``source`` (categorical: trailer, rules, note, none); then one float64 column
    ``share:<phase>`` per phase (the commit's score share, 0 where the phase scored nothing).
    """
    phases = list(analysis.phases)
    commits = analysis.commits
    when = [c.record.authored_at for c in commits]
    frame = pd.DataFrame(
        {
            "sha": pd.array([c.record.sha for c in commits], dtype="string"),
            "authored_at": pd.to_datetime([w.isoformat() for w in when], utc=True)
            if when
            else pd.Series([], dtype="datetime64[us, UTC]"),
            "utc_offset_minutes": pd.array([_offset_minutes(w) for w in when], dtype="Int64"),
            "author": pd.array([c.record.author for c in commits], dtype="string"),
            "subject": pd.array([c.record.subject for c in commits], dtype="string"),
            "primary": pd.Categorical(
                [c.classification.primary or UNCLASSIFIED for c in commits],
                categories=[*phases, UNCLASSIFIED],
            ),
            "labels": pd.Series([list(c.classification.labels) for c in commits], dtype=object),
            "focus": pd.Categorical([c.focus for c in commits], categories=phases),
            "event": pd.Categorical([c.event for c in commits], categories=list(EVENTS)),
            "source": pd.Categorical([c.classification.source for c in commits]),
        }
    )
    for phase in phases:
        frame[f"share:{phase}"] = pd.array(
            [float(c.classification.shares.get(phase, 0.0)) for c in commits], dtype="float64"
        )
    return frame


def _offset_minutes(when: object) -> int | None:
    offset = getattr(when, "utcoffset", lambda: None)()
    return None if offset is None else int(offset.total_seconds() // 60)
