"""The fleet as CSV: one file per table, written into a directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from miner.fleet.result import Fleet


def tables(fleet: Fleet) -> dict[str, pd.DataFrame]:
    """Every table of the fleet by file stem, in a fixed order."""
    result = {
        "comparison": fleet.table,
        "provenance": fleet.provenance(),
        "failures": pd.DataFrame(
            [[r.source, r.error] for r in fleet.failures], columns=["repository", "error"]
        ).set_index("repository"),
    }
    if fleet.pooled is not None:
        result |= {
            "pooled_revisits": fleet.pooled.revisits,
            "pooled_transitions": fleet.pooled.transitions,
            "pooled_overlap_rate": fleet.pooled.overlap_rate,
        }
        for name, spread in fleet.pooled.spread.items():
            result[f"spread_{name}_median"] = spread.median
            result[f"spread_{name}_iqr"] = spread.iqr
    if fleet.differences is not None:
        result["differences"] = fleet.differences
    return result


def write(fleet: Fleet, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, frame in tables(fleet).items():
        path = directory / f"{stem}.csv"
        frame.to_csv(path, float_format="%.6g", lineterminator="\n")
        written.append(path)
    return written
