"""Words and cells shared by the human-readable fleet formats (terminal and Markdown).

Formatting only: every number comes finished from the ``Fleet``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from miner.report.text import missing, short, shown

if TYPE_CHECKING:
    from miner.fleet.result import Fleet

TABLE_HEADER = (
    "repository",
    "commits",
    "classified",
    "revisits",
    "rate [95% CI]",
    "backward",
    "linearity τ",
    "top revisit pair",
)
REPOSITORY_MIN_WIDTH = 24  # folded beyond: a long path stays whole, on several lines


def header_items(fleet: Fleet) -> list[tuple[str, str]]:
    options = fleet.options
    items = [
        (
            "repositories",
            f"{len(fleet.succeeded)} analysed, {len(fleet.failures)} failed "
            f"(of {len(fleet.repositories)})",
        ),
        ("rules", f"{fleet.rules_source} (sha256 {fleet.rules_hash[:12]}), the same for all"),
    ]
    if options:
        items += [
            ("window", f"previous {options['window']}"),
            ("revisits", str(options["revisits"])),
            ("merges", str(options["merge_policy"])),
        ]
    return items


def _rate(value: Any) -> str:
    return "–" if missing(value) else f"{float(value):.3f}"


def _percent(value: Any) -> str:
    return "–" if missing(value) else f"{100 * float(value):.1f}%"


def table_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for source, row in fleet.table.iterrows():
        interval = (
            ""
            if missing(row["rate_ci_low"])
            else f" [{_rate(row['rate_ci_low'])}–{_rate(row['rate_ci_high'])}]"
        )
        pair = row["top_pair"]
        rows.append(
            (
                shown(str(source)),
                str(row["commits"]),
                str(row["classified"]),
                str(row["revisit_events"]),
                _rate(row["revisit_rate"]) + interval,
                _percent(row["backward_share"]),
                "–" if missing(row["linearity_tau"]) else f"{row['linearity_tau']:+.3f}",
                "–" if pd.isna(pair) else f"{_short_pair(str(pair))} ({row['top_pair_events']})",
            )
        )
    return rows


def _short_pair(pair: str) -> str:
    source, _, target = pair.partition(" → ")
    return f"{short(source)} → {short(target)}"


def share_header(fleet: Fleet) -> tuple[str, ...]:
    return ("repository", *(short(p) for p in fleet.phases))


def share_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    columns = [f"share:{p}" for p in fleet.phases]
    return [
        (shown(str(source)), *(_percent(row[c]) for c in columns))
        for source, row in fleet.table.iterrows()
    ]


def spread_cells(median: pd.DataFrame, iqr: pd.DataFrame, *, percent: bool) -> pd.DataFrame:
    """'median (IQR)' per cell, as a percentage (``percent``) or per 100 commits; a dot where
    both are 0, a dash where no repository defines the cell."""
    suffix = "%" if percent else ""

    def text(m: Any, q: Any) -> str:
        if missing(m):
            return "–"
        if m == 0 and q == 0:
            return "·"
        return f"{100 * m:.1f}{suffix} ({100 * q:.1f})"

    return pd.DataFrame(
        [
            [text(m, q) for m, q in zip(mrow, qrow, strict=True)]
            for mrow, qrow in zip(median.to_numpy(), iqr.to_numpy(), strict=True)
        ],
        index=median.index,
        columns=median.columns,
    )


def heterogeneity_reading(fleet: Fleet) -> str:
    h = fleet.heterogeneity
    if "undefined" in h:
        return f"Revisit rates across repositories: not tested ({h['undefined']})."
    verdict = (
        "the repositories' revisit rates differ more than chance allows"
        if h["p_value"] < 0.05
        else "no evidence that the repositories' revisit rates differ"
    )
    # No simulated table as extreme as the observed one: the p-value is only bounded.
    p = "≤" if h.get("draws_as_extreme") == 0 else "="
    return (
        f"Revisit rates across {h['n']} repositories: G = {h['statistic']:.2f}, df = {h['df']}, "
        f"p {p} {h['p_value']:.4g} ({h['method']}); pooled rate {h['pooled_rate']:.3f} — "
        f"{verdict}."
    )


def difference_rows(fleet: Fleet) -> list[tuple[str, ...]]:
    if fleet.differences is None:
        return []
    rows: list[tuple[str, ...]] = []
    for metric, row in fleet.differences.iterrows():
        percent = str(metric).startswith("share:") or metric == "backward_share"
        count = metric in {"commits", "classified"}

        def value(v: Any, *, percent: bool = percent, count: bool = count) -> str:
            if missing(v):
                return "–"
            if count:
                return f"{int(v)}"
            return f"{100 * v:.1f}%" if percent else f"{v:.3f}"

        larger = row["larger_than_uncertainty"]
        rows.append(
            (
                str(metric),
                value(row["a"]),
                value(row["b"]),
                ("+" if not missing(row["difference"]) and row["difference"] > 0 else "")
                + value(row["difference"]),
                "–" if missing(row["p_value"]) else f"{row['p_value']:.3g}",
                "exact"
                if larger is None and count
                else ("–" if larger is None else ("yes" if larger else "no")),
                str(row["test"]),
            )
        )
    return rows


DIFFERENCE_HEADER = ("metric", "A", "B", "B − A", "p", "beyond uncertainty", "test")


def failure_lines(fleet: Fleet) -> list[str]:
    return [f"failed: {shown(r.source)}: {shown(r.error or '')}" for r in fleet.failures]
