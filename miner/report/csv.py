"""CSV: one file per table, written into a directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from miner.report.commits import render_csv
from miner.report.json import episode_document, event_document
from miner.report.spreadsheet import neutralise_frame

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis


def tables(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """Every table of the analysis by file stem, in a fixed order."""
    m = analysis.matrices
    events = pd.DataFrame(
        [
            {
                **doc,
                "commits": len(doc["commits"]),
                "first_commit": doc["commits"][0],
                "reasons": ";".join(doc["reasons"]),
            }
            for doc in map(event_document, analysis.sequence.revisit_events)
        ],
        columns=[
            "from",
            "to",
            "direction",
            "commits",
            "first_commit",
            "start",
            "end",
            "reasons",
            "returned_after_commits",
            "churn",
        ],
    )
    episodes = pd.DataFrame(
        [episode_document(e) for e in analysis.sequence.episodes],
        columns=["phase", "first_commit", "last_commit", "commits", "start", "end"],
    )
    return {
        "summary": pd.DataFrame(
            [{"key": k, "value": v} for k, v in analysis.summary.items() if k != "classified_by"]
        ),
        "phase_stats": analysis.phase_stats,
        "revisits": m.revisits,
        "revisit_share": m.revisit_share,
        "overlap_rate": m.overlap_rate,
        "transitions": m.transitions,
        "transition_probabilities": m.transition_probabilities,
        "cooccurrence": m.cooccurrence,
        "jaccard": m.jaccard,
        "revisit_events": events,
        "focus_episodes": episodes,
    }


def write(analysis: Analysis, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, frame in tables(analysis).items():
        path = directory / f"{stem}.csv"
        is_matrix = frame.index.name is not None or list(frame.index) == list(analysis.phases)
        safe = neutralise_frame(frame)
        safe.to_csv(path, index=is_matrix, float_format="%.6g", lineterminator="\n")
        written.append(path)
    commits = directory / "commits.csv"
    commits.write_text(render_csv(analysis.commits), encoding="utf-8")
    return [*written, commits]
