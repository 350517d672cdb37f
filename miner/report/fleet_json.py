"""The fleet as JSON: a ``"document": "fleet"`` with its own ``schema_version``.

Each repository's entry embeds its schema-1 analysis document unchanged (``result``), with where
it came from (``provenance``: remote URL without credentials, head, branch, rules digest), or its
one-line ``error``. Same input ⇒ byte-identical text, whichever runner produced it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from miner.report.json import dumps, matrix, plain

if TYPE_CHECKING:
    from miner.fleet.result import Fleet
    from miner.fleet.task import RepoOutcome

FLEET_SCHEMA_VERSION = 1


def repository_entry(outcome: RepoOutcome) -> dict[str, Any]:
    if outcome.document is None or outcome.provenance is None:
        return {"source": outcome.source, "status": "failed", "error": outcome.error}
    p = outcome.provenance
    return {
        "source": outcome.source,
        "status": "analysed",
        "provenance": {
            "remote": p.remote,
            "head": p.head,
            "branch": p.branch,
            "rules_hash": p.rules_hash,
        },
        "result": outcome.document,
    }


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as records, its index first under the index's name."""
    name = str(frame.index.name)
    return [
        {name: plain(index), **{str(k): plain(v) for k, v in row.items()}}
        for index, row in zip(frame.index, frame.to_dict(orient="records"), strict=True)
    ]


def document(fleet: Fleet) -> dict[str, Any]:
    pooled = fleet.pooled
    return {
        "schema_version": FLEET_SCHEMA_VERSION,
        "document": "fleet",
        "tool": "miner",
        "rules": {"source": fleet.rules_source, "rules_hash": fleet.rules_hash},
        "options": plain(fleet.options),
        "phases": list(fleet.phases),
        "repositories": [repository_entry(r) for r in fleet.repositories],
        "comparison": rows(fleet.table),
        "pooled": None
        if pooled is None
        else {
            "revisits": matrix(pooled.revisits),
            "transitions": matrix(pooled.transitions),
            "overlap_rate": matrix(pooled.overlap_rate),
            "spread": {
                name: {
                    "median": matrix(s.median),
                    "iqr": matrix(s.iqr),
                    "repositories": matrix(s.repositories),
                }
                for name, s in pooled.spread.items()
            },
        },
        "heterogeneity": plain(fleet.heterogeneity),
        "differences": None if fleet.differences is None else rows(fleet.differences),
    }


def render(fleet: Fleet) -> str:
    return dumps(document(fleet))
