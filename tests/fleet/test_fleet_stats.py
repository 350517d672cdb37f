"""The fleet's statistics on literal numbers: heterogeneity of revisit rates (calibrated by a
seeded null simulation), the two-repository tests, the comparison table's top pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from miner.fleet.compare import differences, heterogeneity, top_pair


def test_heterogeneity_uses_chi_square_when_every_expected_count_is_large() -> None:
    result = heterogeneity([30, 60, 90], [100, 200, 300])
    assert result == {
        "n": 3, "statistic": pytest.approx(0.0), "df": 2, "pooled_rate": pytest.approx(0.3),
        "p_value": pytest.approx(1.0), "method": "chi-square",
    }  # fmt: skip
    events, exposure = np.array([10, 40]), np.array([100, 100])
    expected = exposure * events.sum() / exposure.sum()
    g = 2 * np.sum(events * np.log(events / expected))
    result = heterogeneity(events.tolist(), exposure.tolist())
    assert result["statistic"] == pytest.approx(g)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(g, 1))


def test_heterogeneity_is_undefined_without_two_repositories_or_events() -> None:
    assert heterogeneity([3], [10]) == {
        "n": 1, "undefined": "needs at least 2 repositories with classified commits",
    }  # fmt: skip
    assert heterogeneity([0, 0, 5], [10, 20, 0])["undefined"] == (
        "no revisit events in any repository"
    )


def test_monte_carlo_p_value_is_seeded_and_used_for_small_counts() -> None:
    first = heterogeneity([1, 0, 4], [10, 12, 9], seed=3)
    assert first["method"].startswith("monte_carlo")
    assert first == heterogeneity([1, 0, 4], [10, 12, 9], seed=3)


def test_monte_carlo_heterogeneity_test_is_calibrated_under_the_null() -> None:
    """Equal Poisson rates, small counts (the Monte-Carlo path): the rejection rate at 5% and
    10% stays near or below the nominal level (discrete data make it a little conservative)."""
    rng = np.random.default_rng(20261130)
    exposure = np.array([12, 20, 30, 45, 8])
    p_values = []
    for trial in range(400):
        events = rng.poisson(0.15 * exposure)
        result = heterogeneity(events.tolist(), exposure.tolist(), seed=trial, simulations=499)
        if "p_value" in result:
            assert result["method"].startswith("monte_carlo")
            p_values.append(result["p_value"])
    p = np.array(p_values)
    assert len(p) > 350
    assert 0.02 <= np.mean(p <= 0.05) <= 0.075
    assert 0.06 <= np.mean(p <= 0.10) <= 0.14  # about 2.5 standard errors (n = 400) each side


def test_heterogeneity_detects_different_rates() -> None:
    rng = np.random.default_rng(7)
    exposure = np.array([40, 40, 40, 40])
    rejected = [
        heterogeneity(
            rng.poisson([0.05 * 40, 0.05 * 40, 0.4 * 40, 0.4 * 40]).tolist(),
            exposure.tolist(),
            seed=trial,
            simulations=499,
        )["p_value"]
        <= 0.05
        for trial in range(50)
    ]
    assert np.mean(rejected) > 0.9


def test_top_pair_takes_the_largest_cell_first_in_canonical_order() -> None:
    matrix = {"index": ["a", "b"], "columns": ["a", "b"], "data": [[0, 3], [3, 0]]}
    assert top_pair(matrix) == ("a → b", 3)
    assert top_pair({"index": ["a"], "columns": ["a"], "data": [[0]]}) == (None, 0)


def test_two_repository_differences_use_exact_tests() -> None:
    table = pd.DataFrame(
        {
            "commits": [120, 300], "classified": [100, 250], "share:a": [0.5, 0.2],
            "revisit_events": [10, 60], "revisit_rate": [0.1, 0.24],
            "backward_share": [0.5, 0.5], "linearity_tau": [0.3, -0.1],
        },
        index=pd.Index(["A", "B"], name="repository"),
    )  # fmt: skip
    rows = differences(table, ["a"])
    assert rows.loc["commits", "difference"] == 180
    assert rows.loc["commits", "larger_than_uncertainty"] is None
    assert rows.loc["share:a", "p_value"] == pytest.approx(
        stats.fisher_exact([[50, 50], [50, 200]]).pvalue
    )
    assert rows.loc["revisit_rate", "p_value"] == pytest.approx(
        stats.binomtest(10, 70, 100 / 350).pvalue
    )
    assert rows.loc["revisit_rate", "larger_than_uncertainty"]
    assert not rows.loc["backward_share", "larger_than_uncertainty"]
    variance = sum(2 * (2 * n + 5) / (9 * n * (n - 1)) for n in (100, 250))
    assert rows.loc["linearity_tau", "p_value"] == pytest.approx(
        2 * stats.norm.sf(0.4 / np.sqrt(variance))
    )
