"""How the store names and writes what it keeps: the history mode and classification key that
say when a stored row still answers a run, and each commit and classification as JSON."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from miner.classify.classifier import CLASSIFIER_VERSION
from miner.classify.records import Classification, Evidence
from miner.history.records import CommitRecord, FileChange, HistoryOptions
from miner.rules.model import Rules

# -- keys -------------------------------------------------------------------------------------


def history_mode(options: HistoryOptions, view: str) -> str:
    """What changes the stored form of a commit: merge diffs, line counts, the backend, and
    ``view``, the digest of what else changes git's answers
    (:func:`miner.history.repository.history_view`:
    mailmaps, replace refs, grafts, the shallow boundary, exact-only renames)."""
    backend = "" if options.backend == "git" else f"backend={options.backend};"
    return (
        f"{backend}first_parent={int(options.first_parent)};churn={int(options.churn)};view={view}"
    )


def classification_key(
    mode: str, rules: Rules, include: Sequence[str], exclude: Sequence[str]
) -> str:
    """What changes a classification: the history mode, the effective rules, the path filters."""
    material = json.dumps(
        [mode, rules.digest, rules.min_share, list(include), list(exclude), CLASSIFIER_VERSION],
        ensure_ascii=True,
    )
    return hashlib.sha256(material.encode("ascii")).hexdigest()


# -- encoding (JSON with ASCII escapes: any text git gave us survives the round trip) ---------


def encode_commit(record: CommitRecord) -> str:
    files = [[f.path, f.status, f.old_path, f.added, f.deleted] for f in record.files]
    anomalies = [list(record.anomalies)] if record.anomalies else []  # rare: only when present
    return json.dumps(
        [
            list(record.parents),
            record.author,
            record.email,
            record.authored_at.isoformat(),
            record.committed_at.isoformat(),
            record.message,
            files,
            *anomalies,
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    )


def decode_commit(sha: str, data: str) -> CommitRecord:
    parents, author, email, authored, committed, message, files, *anomalies = json.loads(data)
    return CommitRecord(
        sha=sha,
        parents=tuple(parents),
        author=author,
        email=email,
        authored_at=datetime.fromisoformat(authored),
        committed_at=datetime.fromisoformat(committed),
        message=message,
        files=tuple(FileChange(*f) for f in files),
        anomalies=tuple(anomalies[0]) if anomalies else (),
    )


def encode_classification(c: Classification) -> str:
    return json.dumps(
        [
            c.primary,
            list(c.labels),
            [[phase, share] for phase, share in c.shares.items()],
            [[e.rule, e.phase, e.kind, e.match, e.weight] for e in c.evidence],
            list(c.reasons),
            c.source,
            list(c.warnings),
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    )


def decode_classification(data: str) -> Classification:
    primary, labels, shares, evidence, reasons, source, warnings = json.loads(data)
    return Classification(
        primary=primary,
        labels=tuple(labels),
        shares={phase: share for phase, share in shares},
        evidence=tuple(Evidence(*e) for e in evidence),
        reasons=tuple(reasons),
        source=source,
        warnings=tuple(warnings),
    )
