"""The finished fleet: what every fleet renderer (terminal, JSON, CSV, Markdown) consumes.

``Fleet`` is plain typed data: the outcome of each repository in input order, and DataFrames
computed once from the successful ones. Renderers compute nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from miner.fleet.compare import comparison_table, differences, heterogeneity
from miner.fleet.pool import Pooled, pool
from miner.fleet.task import RepoOutcome

PROVENANCE_COLUMNS = ["remote", "head", "branch", "rules_hash"]


@dataclass(frozen=True)
class Fleet:
    """Several repositories analysed with the same rules and options.

    - ``repositories``: one outcome per repository, in the order given (failed ones included,
      each with its one-line ``error``);
    - ``phases``, ``rules_source``, ``rules_hash``: the shared rules;
    - ``options``: the JSON ``options`` every successful analysis recorded (empty when none
      succeeded);
    - ``table``: the repository x metric comparison (:func:`miner.fleet.compare.comparison_table`);
    - ``pooled``: pooled R, T, O and their per-repository spread (None without a success);
    - ``heterogeneity``: the test of equal revisit rates (JSON-ready dict);
    - ``differences``: B minus A per metric with its test, when exactly two succeeded.
    """

    repositories: tuple[RepoOutcome, ...]
    phases: tuple[str, ...]
    rules_source: str
    rules_hash: str
    options: Mapping[str, Any]
    table: pd.DataFrame
    pooled: Pooled | None
    heterogeneity: Mapping[str, Any]
    differences: pd.DataFrame | None = field(default=None)

    @property
    def succeeded(self) -> tuple[RepoOutcome, ...]:
        return tuple(r for r in self.repositories if r.ok)

    @property
    def failures(self) -> tuple[RepoOutcome, ...]:
        return tuple(r for r in self.repositories if not r.ok)

    def provenance(self) -> pd.DataFrame:
        """Where each successful result came from: remote URL (no credentials), head, branch,
        rules digest; index: the repository as given."""
        return pd.DataFrame(
            [
                [
                    r.provenance.remote,
                    r.provenance.head,
                    r.provenance.branch,
                    r.provenance.rules_hash,
                ]
                for r in self.succeeded
                if r.provenance is not None
            ],
            columns=PROVENANCE_COLUMNS,
            index=pd.Index([r.source for r in self.succeeded], name="repository"),
            dtype="string",
        )

    def render(self, fmt: str = "terminal", *, width: int = 100) -> str:
        """The fleet report as text: ``terminal`` (plain, ``width`` columns), ``json`` or
        ``markdown``; ``write`` puts any format (``csv`` too) where you say."""
        from miner.report.fleet import render_text

        return render_text(self, fmt, width=width)

    def write(self, fmt: str, output: str | Path) -> None:
        from miner.report.fleet import write

        write(self, fmt, Path(output))

    def __repr__(self) -> str:
        return (
            f"<Fleet {len(self.succeeded)} analysed, {len(self.failures)} failed; "
            f"rules {self.rules_source} ({self.rules_hash[:12]}); phases: {len(self.phases)}>"
        )


def build_fleet(
    outcomes: Sequence[RepoOutcome],
    *,
    phases: Sequence[str],
    rules_source: str,
    rules_hash: str,
    seed: int = 0,
) -> Fleet:
    """The fleet of ``outcomes``: everything computed here, once."""
    ok = [r for r in outcomes if r.document is not None]
    documents = [r.document for r in ok if r.document is not None]
    table = comparison_table([r.source for r in ok], documents, phases)
    return Fleet(
        repositories=tuple(outcomes),
        phases=tuple(phases),
        rules_source=rules_source,
        rules_hash=rules_hash,
        options=documents[0]["options"] if documents else {},
        table=table,
        pooled=pool(documents, phases) if documents else None,
        heterogeneity=heterogeneity(
            table["revisit_events"].tolist(), table["classified"].tolist(), seed=seed
        ),
        differences=differences(table, phases) if len(ok) == 2 else None,
    )
