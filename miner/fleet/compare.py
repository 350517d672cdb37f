"""The repository x metric table, the heterogeneity of revisit rates, and two-repository
differences. Everything is read from each repository's schema-1 document.

Heterogeneity: are the revisit rates (revisit events per classified commit) of the repositories
one common rate? Under that hypothesis each repository's events are Poisson with mean
``rate x classified commits``, so given the total the counts are multinomial with probabilities
proportional to the commits. The statistic is the likelihood-ratio G = 2 sum e ln(e / E) (df =
repositories - 1). Its p-value is the chi-square one when every expected count is at least
``ASYMPTOTIC_MIN_EXPECTED``, else a Monte-Carlo p-value from ``SIMULATIONS`` multinomial draws
under the hypothesis (seeded: same input, same p-value): (1 + #{G* >= G}) / (1 + SIMULATIONS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

Document = Mapping[str, Any]
FloatArray = npt.NDArray[np.float64]
SIMULATIONS = 9_999
ASYMPTOTIC_MIN_EXPECTED = 5.0
SIGNIFICANCE = 0.05


def share_column(phase: str) -> str:
    return f"share:{phase}"


def table_columns(phases: Sequence[str]) -> list[str]:
    return [
        "commits",
        "classified",
        *(share_column(p) for p in phases),
        "revisit_events",
        "revisit_rate",
        "rate_ci_low",
        "rate_ci_high",
        "backward_share",
        "linearity_tau",
        "linearity_p",
        "top_pair",
        "top_pair_events",
    ]


def comparison_table(
    sources: Sequence[str], documents: Sequence[Document], phases: Sequence[str]
) -> pd.DataFrame:
    """One row per repository (index: the repository as given), columns of
    :func:`table_columns`: counts as integers, shares and rates as floats (NaN when undefined),
    ``top_pair`` the "from → to" revisit pair with the most events (ties: canonical order)."""
    rows = [_row(document, phases) for document in documents]
    frame = pd.DataFrame(
        rows, columns=table_columns(phases), index=pd.Index(sources, name="repository")
    )
    for column in ("commits", "classified", "revisit_events", "top_pair_events"):
        frame[column] = frame[column].astype("int64")
    floats = [
        c
        for c in frame.columns
        if c not in {"commits", "classified", "revisit_events", "top_pair_events", "top_pair"}
    ]
    frame[floats] = frame[floats].astype("float64")
    frame["top_pair"] = frame["top_pair"].astype("string")
    return frame


def _row(document: Document, phases: Sequence[str]) -> dict[str, Any]:
    summary, statistics = document["summary"], document["statistics"]
    shares = {row["phase"]: row["share"] for row in document["phase_stats"]}
    rate = statistics.get("revisit_rate", {})
    linearity = statistics.get("linearity", {})
    events = summary["revisit_events"]
    pair, pair_events = top_pair(document["matrices"]["revisits"])
    return {
        "commits": summary["commits_total"],
        "classified": summary["commits_classified"],
        **{share_column(p): _number(shares.get(p)) for p in phases},
        "revisit_events": events,
        "revisit_rate": _number(summary["revisit_rate"]),
        "rate_ci_low": _number(rate.get("ci_low")),
        "rate_ci_high": _number(rate.get("ci_high")),
        "backward_share": summary["backward_revisit_events"] / events if events else np.nan,
        "linearity_tau": _number(linearity.get("tau")),
        "linearity_p": _number(linearity.get("p_value")),
        "top_pair": pair,
        "top_pair_events": pair_events,
    }


def _number(value: Any) -> float:
    return np.nan if value is None else float(value)


def top_pair(revisits: Mapping[str, Any]) -> tuple[str | None, int]:
    """The (from → to) cell of R with the most events, first in canonical order on ties."""
    best: tuple[str | None, int] = (None, 0)
    for source, row in zip(revisits["index"], revisits["data"], strict=True):
        for target, count in zip(revisits["columns"], row, strict=True):
            if count is not None and count > best[1]:
                best = (f"{source} → {target}", int(count))
    return best


# --- heterogeneity of revisit rates ------------------------------------------------------------


def heterogeneity(
    events: Sequence[int], exposure: Sequence[int], *, seed: int = 0, simulations: int = SIMULATIONS
) -> dict[str, Any]:
    """Test of equal Poisson revisit rates across repositories (module docstring), JSON-ready:
    ``n`` (repositories with classified commits), ``statistic`` G, ``df``, ``p_value``,
    ``method`` and ``pooled_rate``; or ``undefined`` with the reason."""
    e = np.array([x for x, n in zip(events, exposure, strict=True) if n > 0], dtype=np.float64)
    n = np.array([x for x in exposure if x > 0], dtype=np.float64)
    if len(n) < 2:
        return {"n": len(n), "undefined": "needs at least 2 repositories with classified commits"}
    total = e.sum()
    if total == 0:
        return {"n": len(n), "undefined": "no revisit events in any repository"}
    probabilities = n / n.sum()
    expected = total * probabilities
    statistic = float(g_statistic(e[None, :], expected)[0])
    df = len(n) - 1
    result: dict[str, Any] = {
        "n": len(n),
        "statistic": statistic,
        "df": df,
        "pooled_rate": float(total / n.sum()),
    }
    if expected.min() >= ASYMPTOTIC_MIN_EXPECTED:
        return {**result, "p_value": float(stats.chi2.sf(statistic, df)), "method": "chi-square"}
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(total), probabilities, size=simulations).astype(np.float64)
    simulated = g_statistic(draws, expected)
    # A tolerance so that draws equal to the observed table count as "at least as extreme".
    extreme = int(np.sum(simulated >= statistic - 1e-9 * max(1.0, statistic)))
    return {
        **result,
        "p_value": (1 + extreme) / (1 + simulations),
        "method": f"monte_carlo ({simulations} multinomial draws, seed {seed})",
        "draws_as_extreme": extreme,
    }


def g_statistic(counts: FloatArray, expected: FloatArray) -> FloatArray:
    """G = 2 sum e ln(e / E) per row of ``counts`` (0 ln 0 = 0)."""
    safe = np.where(counts > 0, counts, 1.0)
    terms = np.where(counts > 0, counts * np.log(safe / expected), 0.0)
    result: FloatArray = 2.0 * terms.sum(axis=-1)
    return result


# --- two repositories --------------------------------------------------------------------------


DIFFERENCE_COLUMNS = ["a", "b", "difference", "p_value", "test", "larger_than_uncertainty"]


def differences(table: pd.DataFrame, phases: Sequence[str]) -> pd.DataFrame:
    """B minus A for each metric of a two-row comparison table, with the test that says
    whether the difference is larger than its uncertainty (two-sided p < ``SIGNIFICANCE``;
    counts of commits are exact, so they have no test). Index: the metric."""
    a, b = table.iloc[0], table.iloc[1]
    rows: dict[str, dict[str, Any]] = {
        "commits": _exact(a["commits"], b["commits"]),
        "classified": _exact(a["classified"], b["classified"]),
    }
    for phase in phases:
        column = share_column(phase)
        rows[column] = _proportions(
            a[column], b[column], int(a["classified"]), int(b["classified"])
        )
    rows["revisit_rate"] = _rates(a, b)
    rows["backward_share"] = _proportions(
        a["backward_share"], b["backward_share"], int(a["revisit_events"]), int(b["revisit_events"])
    )
    rows["linearity_tau"] = _taus(a, b)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=DIFFERENCE_COLUMNS)
    frame.index.name = "metric"
    return frame


def _row_of(a: float, b: float, p: float | None, test: str) -> dict[str, Any]:
    return {
        "a": a,
        "b": b,
        "difference": b - a,
        "p_value": p,
        "test": test,
        "larger_than_uncertainty": None if p is None else bool(p < SIGNIFICANCE),
    }


def _exact(a: int, b: int) -> dict[str, Any]:
    return _row_of(float(a), float(b), None, "exact count")


def _proportions(a: float, b: float, n_a: int, n_b: int) -> dict[str, Any]:
    """Fisher's exact test on the 2x2 table of (in, out) counts."""
    if np.isnan(a) or np.isnan(b) or n_a == 0 or n_b == 0:
        return {**_row_of(a, b, None, "undefined: no denominator"), "larger_than_uncertainty": None}
    k_a, k_b = round(a * n_a), round(b * n_b)
    p = stats.fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]]).pvalue
    return _row_of(a, b, float(p), "Fisher exact")


def _rates(a: pd.Series[Any], b: pd.Series[Any]) -> dict[str, Any]:
    """Two Poisson rates with exposure: given the total, A's events are binomial with
    probability n_A / (n_A + n_B) under equal rates (exact conditional test)."""
    e_a, e_b = int(a["revisit_events"]), int(b["revisit_events"])
    n_a, n_b = int(a["classified"]), int(b["classified"])
    if n_a == 0 or n_b == 0 or e_a + e_b == 0:
        return _row_of(
            a["revisit_rate"], b["revisit_rate"], None, "undefined: no events or commits"
        )
    p = stats.binomtest(e_a, e_a + e_b, n_a / (n_a + n_b)).pvalue
    return _row_of(a["revisit_rate"], b["revisit_rate"], float(p), "exact conditional Poisson")


def _taus(a: pd.Series[Any], b: pd.Series[Any]) -> dict[str, Any]:
    """z test of two independent Kendall taus with the null variance 2(2n+5) / (9n(n-1))."""
    tau_a, tau_b = a["linearity_tau"], b["linearity_tau"]
    n_a, n_b = int(a["classified"]), int(b["classified"])
    if np.isnan(tau_a) or np.isnan(tau_b):
        return _row_of(tau_a, tau_b, None, "undefined: linearity undefined")
    variance = sum(2 * (2 * n + 5) / (9 * n * (n - 1)) for n in (n_a, n_b))
    z = (tau_b - tau_a) / np.sqrt(variance)
    return _row_of(tau_a, tau_b, float(2 * stats.norm.sf(abs(z))), "z test of Kendall taus")
