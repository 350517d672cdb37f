"""Readings never claim what the numbers do not support (docs/method.md §5), and JSON keeps
small p-values visible."""

from __future__ import annotations

from typing import Any

import pytest

from miner.report.json import rounded
from miner.report.readings import p_text, read_statistic


def independence(p: float, flagged: list[list[str]]) -> dict[str, Any]:
    return {
        "n": 40,
        "g2": 30.8,
        "df": 13,
        "p_value": p,
        "resamples": 999,
        "p_floor": 0.001,
        "cramers_v": 0.31,
        "cramers_v_ci": [0.2, 0.45],
        "flagged": flagged,
    }


def linearity(gamma: float, p: float) -> dict[str, Any]:
    return {
        "n": 500,
        "gamma": gamma,
        "gamma_ci": [gamma - 0.1, gamma + 0.1],
        "p_value": p,
        "resamples": 999,
        "p_floor": 0.001,
        "block_length": 20,
    }


def test_p_values_have_significant_figures_and_a_stated_floor() -> None:
    assert p_text({"p_value": 0.0036}) == "p = 0.0036"
    assert p_text({"p_value": 0.5623}) == "p = 0.56"
    assert p_text({"p_value": 3.2e-9}) == "p = 3.2e-09"
    at_floor = {"p_value": 0.001, "p_floor": 0.001, "resamples": 999}
    assert p_text(at_floor) == "p ≤ 1/1000 (the floor of 999 resamples)"


def test_no_verdict_without_significance() -> None:
    reading = read_statistic("independence", independence(0.29, []))
    assert reading.startswith("no evidence that revisit targets depend")
    assert "absence of evidence" in reading
    assert "Cramér's V 0.31 (95% CI 0.20 to 0.45)" in reading
    significant = read_statistic("independence", independence(0.004, [["a", "b"]]))
    assert significant.startswith("revisit targets depend on the phase in focus")
    assert "a → b" in significant


@pytest.mark.parametrize(
    ("gamma", "p", "start"),
    [
        (0.01, 0.81, "no evidence of a drift"),
        (0.08, 0.0005, "work drifted slightly forward"),
        (0.5, 0.01, "work moved forward through the phases, with much iteration"),
        (0.9, 0.001, "work moved forward through the phases, close to a waterfall"),
        (-0.45, 0.02, "work moved backward through the phases, with much iteration"),
        (0.9, 0.2, "no evidence of a drift"),
    ],
)
def test_linearity_bands_follow_p_and_effect_size(gamma: float, p: float, start: str) -> None:
    reading = read_statistic("linearity", linearity(gamma, p))
    assert reading.startswith(start)
    assert "95% CI" in reading


def test_trend_and_structure_verdicts_follow_p() -> None:
    trend = {
        "n": 30,
        "tau": -0.4,
        "sen_slope": -0.002,
        "sen_slope_ci": [-0.004, 0.001],
        "p_value": 0.12,
    }
    assert read_statistic("trend", trend).startswith("no evidence that the revisit rate")
    assert read_statistic("trend", {**trend, "p_value": 0.002}).startswith(
        "the revisit rate per commit fell"
    )
    structure = {
        "n": 500,
        "observed": 207,
        "expected": 205.7,
        "expected_range": [182.0, 230.0],
        "p_value": 0.56,
        "resamples": 999,
        "p_floor": 0.001,
    }
    assert read_statistic("structure", structure).startswith("no evidence of fewer revisits")


def test_undefined_and_too_little_data_are_said() -> None:
    too_few = {"n": 5, "undefined": "too little data: needs at least 10 revisit events"}
    assert read_statistic("independence", too_few) == (
        "not defined: too little data: needs at least 10 revisit events"
    )


def test_json_rounding_keeps_small_values_significant() -> None:
    assert rounded(0.123456789) == 0.123457
    assert rounded(12.3456789) == 12.345679
    assert rounded(0.0036123456) == 0.00361235
    assert rounded(3.18e-9) == 3.18e-9
    assert rounded(0.0) == 0.0
    assert rounded(-0.000123456789) == -0.000123457
