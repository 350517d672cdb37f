"""The per-commit view (SPEC §6): ``miner commits`` and the commit part of ``miner explain``."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from miner.report.json import plain
from miner.report.spreadsheet import neutralise

if TYPE_CHECKING:
    from miner.pipeline.analysis import AnalysedCommit

CSV_COLUMNS = (
    "sha",
    "authored_at",
    "author",
    "email",
    "subject",
    "files",
    "classified",
    "primary",
    "labels",
    "focus",
    "event",
)


def commit_document(commit: AnalysedCommit) -> dict[str, Any]:
    record, c = commit.record, commit.classification
    return {
        "sha": record.sha,
        "parents": list(record.parents),
        "author": record.author,
        "email": record.email,
        "authored_at": record.authored_at.isoformat(),
        "committed_at": record.committed_at.isoformat(),
        "subject": record.subject,
        "files": [
            {
                "path": f.path,
                "old_path": f.old_path,
                "status": f.status,
                "added": f.added,
                "deleted": f.deleted,
            }
            for f in record.files
        ],
        "classified": c.classified,
        "primary": c.primary or "unclassified",
        "labels": list(c.labels),
        "shares": plain(dict(c.shares)),
        "evidence": [
            {
                "rule": e.rule,
                "phase": e.phase,
                "kind": e.kind,
                "match": e.match,
                "weight": plain(e.weight),
            }
            for e in c.evidence
        ],
        "reasons": list(c.reasons),
        "source": c.source,
        "focus": commit.focus,
        "event": commit.event,
    }


def render_jsonl(commits: tuple[AnalysedCommit, ...]) -> str:
    return "".join(
        json.dumps(commit_document(c), ensure_ascii=True, allow_nan=False) + "\n" for c in commits
    )


def render_csv(commits: tuple[AnalysedCommit, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for commit in commits:
        doc = commit_document(commit)
        row = [
            doc["sha"],
            doc["authored_at"],
            doc["author"],
            doc["email"],
            doc["subject"],
            len(doc["files"]),
            doc["classified"],
            doc["primary"],
            ";".join(doc["labels"]),
            doc["focus"] or "",
            doc["event"] or "",
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
