"""Statistics (SPEC §5) on known data, and the undefined cases with their reasons."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from miner.measures.matrices import build_matrices
from miner.measures.statistics.independence import (
    adjusted_residuals,
    degrees_of_freedom,
    holm,
    independence,
    quasi_independence,
    structural_zeros,
)
from miner.measures.statistics.linearity import gamma, linearity
from miner.measures.statistics.persistence import persistence
from miner.measures.statistics.rate import revisit_rate
from miner.measures.statistics.structure import structure, surrogates, transition_probabilities
from miner.measures.statistics.trend import hamed_rao, trend
from miner.measures.stats import compute_statistics, phase_statistics
from miner.sequence.revisits import (
    FocusEpisode,
    RevisitEvent,
    SequenceAnalysis,
    SequenceOptions,
    Step,
    analyse_sequence,
)
from tests.sequence.test_revisits import PHASES, T0, hand_history, sequences, step


def revisit_frame(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    frame = pd.DataFrame(0, index=list(PHASES), columns=list(PHASES), dtype="int64")
    for (source, target), count in cells.items():
        frame.loc[source, target] = count
    return frame


def analysed(steps: list[Step], window: int | timedelta = 2) -> SequenceAnalysis:
    return analyse_sequence(steps, PHASES, SequenceOptions(window=window))


# --- independence ------------------------------------------------------------------------------


def test_independence_of_a_2x2_table_agrees_with_scipy_and_fisher() -> None:
    r = revisit_frame({("a", "c"): 10, ("a", "d"): 3, ("b", "c"): 4, ("b", "d"): 12})
    result = independence(r, resamples=1999, seed=3)
    table = np.array([[10, 3], [4, 12]])
    pearson = stats.chi2_contingency(table, correction=False)
    likelihood = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert result["df"] == 1
    assert result["chi2"] == pytest.approx(pearson.statistic)
    assert result["g2"] == pytest.approx(likelihood.statistic)
    assert result["cramers_v"] == pytest.approx(math.sqrt(pearson.statistic / 29))
    low, high = result["cramers_v_ci"]
    assert 0 <= low <= result["cramers_v"] <= high <= 1
    # Margins fixed, a 2x2 table has one free cell: the conditional test is Fisher's exact
    # test (here both orderings of the tables agree); Monte-Carlo error with B = 1999 < 0.01.
    fisher = stats.fisher_exact(table).pvalue
    assert result["p_value"] == pytest.approx(fisher, abs=0.01)
    assert result["resamples"] == 1999
    assert result["p_floor"] == pytest.approx(1 / 2000)
    # Adjusted residuals of the independence model: (o - e) / sqrt(e (1 - r/N) (1 - c/N)).
    rows, columns, n = table.sum(axis=1), table.sum(axis=0), table.sum()
    by_cell = {(c["from"], c["to"]): c for c in result["cells"]}
    for i, source in enumerate("ab"):
        for j, target in enumerate("cd"):
            e = pearson.expected_freq[i, j]
            closed = (table[i, j] - e) / math.sqrt(e * (1 - rows[i] / n) * (1 - columns[j] / n))
            assert by_cell[source, target]["expected"] == pytest.approx(e)
            assert by_cell[source, target]["residual"] == pytest.approx(closed)
            # Holm over 4 cells with equal |r|: every adjusted p is 4 x the raw one.
            raw = 2 * stats.norm.sf(abs(closed))
            assert by_cell[source, target]["p_adjusted"] == pytest.approx(min(1, 4 * raw))
    assert result["p_value"] < 0.05
    assert sorted(result["flagged"]) == [["a", "c"], ["a", "d"], ["b", "c"], ["b", "d"]]
    assert independence(r, resamples=1999, seed=3) == result


def test_quasi_independence_with_masked_diagonal() -> None:
    table = np.array([[0.0, 5, 2], [3, 0, 7], [6, 4, 0]])
    masked = np.eye(3, dtype=bool)
    expected = quasi_independence(table, masked)
    np.testing.assert_allclose(expected.sum(axis=1), table.sum(axis=1))
    np.testing.assert_allclose(expected.sum(axis=0), table.sum(axis=0))
    assert (expected[masked] == 0).all()
    # Quasi-independence e_ij = alpha_i beta_j off the diagonal: the cycle ratio is 1.
    cycle = (expected[0, 1] * expected[1, 2] * expected[2, 0]) / (
        expected[0, 2] * expected[2, 1] * expected[1, 0]
    )
    assert cycle == pytest.approx(1.0)
    residuals = adjusted_residuals(table, expected, masked)
    assert np.isnan(residuals[masked]).all()
    assert np.isfinite(residuals[~masked]).all()
    assert degrees_of_freedom(masked) == (3 - 1) * (3 - 1) - 3


def test_structural_zeros_follow_the_revisit_mode() -> None:
    rows, columns = np.array([1, 2, 3]), np.array([0, 1, 2])
    diagonal = structural_zeros(rows, columns, backward_only=False)
    assert diagonal.tolist() == [
        [False, True, False],
        [False, False, True],
        [False, False, False],
    ]
    backward = structural_zeros(rows, columns, backward_only=True)
    assert backward.tolist() == [[False, True, True], [False, False, True], [False, False, False]]
    # 6 free cells, row and column effects of rank 3 + 3 - 1: one degree of freedom (the
    # diagonal-only mask would leave 9 - 2 - 5 = 2).
    assert degrees_of_freedom(backward) == 1
    assert degrees_of_freedom(diagonal) == 2


def test_holm_adjustment() -> None:
    adjusted = holm(np.array([0.01, 0.04, 0.03]))
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06])


def test_cell_flags_need_a_significant_overall_test() -> None:
    # A lone large cell in an otherwise uniform table: |residual| > 1.96 but p >= 0.05.
    cells = {(f, t): 1 for f in "abcd" for t in "abcd" if f != t}
    cells["a", "b"] = 11
    result = independence(revisit_frame(cells), resamples=199, seed=0)
    assert result["p_value"] >= 0.05
    assert any(c["residual"] is not None and abs(c["residual"]) > 1.96 for c in result["cells"])
    assert result["flagged"] == []


def test_independence_undefined_cases_say_why() -> None:
    assert independence(revisit_frame({("a", "b"): 3, ("b", "a"): 2})) == {
        "n": 5,
        "undefined": "too little data: needs at least 10 revisit events",
    }
    single_source = independence(revisit_frame({("a", "b"): 8, ("a", "c"): 4}))
    assert single_source["undefined"] == (
        "needs revisit events from at least 2 focus phases to 2 targets"
    )
    swap = independence(revisit_frame({("a", "b"): 6, ("b", "a"): 5}))
    assert swap["undefined"] == (
        "no degrees of freedom left once the structural zeros are excluded"
    )
    # Column d (3 events) can only be filled from rows a and b, which hold exactly 3: every
    # table with these margins is this one, so nothing is left to test.
    exact = independence(
        revisit_frame({("a", "d"): 2, ("b", "d"): 1, ("d", "a"): 4, ("d", "b"): 3, ("d", "c"): 3})
    )
    assert exact["undefined"] == (
        "too sparse: the events fit the model exactly, no degrees of freedom are left"
    )


# --- linearity ---------------------------------------------------------------------------------


def test_gamma_is_one_for_any_waterfall_whatever_the_ties() -> None:
    for runs in ([1, 1, 1, 1], [5, 1, 9, 2], [30, 2, 2, 1]):
        order = np.repeat(np.arange(4), runs)
        assert gamma(order, 4) == pytest.approx(1.0)
        assert gamma(order[::-1].copy(), 4) == pytest.approx(-1.0)


def test_gamma_is_tau_b_over_its_maximum() -> None:
    order = np.random.default_rng(4).integers(0, 4, 120)
    tau_b = stats.kendalltau(np.arange(120), order).statistic
    pairs = 120 * 119 / 2
    ties = sum(c * (c - 1) / 2 for c in np.bincount(order))
    assert gamma(order, 4) == pytest.approx(tau_b / math.sqrt((pairs - ties) / pairs))


def test_linearity_of_an_iterative_history() -> None:
    order = np.random.default_rng(5).integers(0, 4, 200)
    steps = [step(i, PHASES[k]) for i, k in enumerate(order)]
    result = linearity(steps, PHASES, resamples=199, seed=1)
    assert result["gamma"] == pytest.approx(gamma(order, 4))
    low, high = result["gamma_ci"]
    assert -1 <= low <= result["gamma"] <= high <= 1
    assert result["blocks"] == math.ceil(200 / result["block_length"]) >= 6
    assert (result["p_value"] * 200) == pytest.approx(round(result["p_value"] * 200))
    assert linearity(steps, PHASES, resamples=199, seed=1) == result


def test_linearity_undefined_cases() -> None:
    result = linearity([step(i, "b") for i in range(5)], PHASES)
    assert result == {"n": 5, "undefined": "needs at least 2 commits with different primary phases"}
    waterfall = [step(i, p) for i, p in enumerate("aaaabbbbccccdddd")]
    assert linearity(waterfall, PHASES)["undefined"] == (
        "too little data: needs at least 192 classified commits (6 blocks of 32)"
    )


# --- revisit rate ------------------------------------------------------------------------------


def test_revisit_rate_of_hand_history_is_a_jackknife_interval() -> None:
    steps = hand_history()
    result = revisit_rate(analysed(steps), len(steps))
    # Episodes (commits, events): (4, 0), (2, 1), (1, 1), (2, 1), (2, 1).
    assert (result["n"], result["events"], result["episodes"]) == (11, 4, 5)
    assert result["rate"] == pytest.approx(4 / 11)
    commits, events = np.array([4, 2, 1, 2, 2]), np.array([0, 1, 1, 1, 1])
    logs = np.log((4 - events) / (11 - commits))
    se = math.sqrt(4 / 5 * ((logs - logs.mean()) ** 2).sum())
    t = stats.t.ppf(0.975, 4)
    assert result["ci_low"] == pytest.approx(4 / 11 * math.exp(-t * se))
    assert result["ci_high"] == pytest.approx(min(1, 4 / 11 * math.exp(t * se)))


def test_revisit_rate_undefined_cases() -> None:
    flat = [step(i, "a") for i in range(4)]
    one_episode = revisit_rate(analysed(flat), 4)
    assert one_episode["undefined"] == "too little data: needs at least 4 focus episodes"
    assert (one_episode["n"], one_episode["rate"]) == (4, 0.0)
    assert revisit_rate(analysed([]), 0) == {"n": 0, "undefined": "no classified commits"}


# --- structure ---------------------------------------------------------------------------------


def test_markov_surrogates_keep_the_transition_matrix() -> None:
    rng = np.random.default_rng(2)
    primary = np.repeat(rng.integers(0, 4, 60), rng.integers(1, 6, 60))
    kinds = np.arange(len(primary))  # every step its own kind
    drawn = surrogates(primary, kinds, 4, 300, np.random.default_rng(0))
    assert drawn.shape == (len(primary), 300)
    phases = primary[drawn]  # each drawn kind is a step of the right primary phase
    assert (phases[0] == primary[0]).all()
    counts = np.zeros((4, 4))
    np.add.at(counts, (phases[:-1].ravel(), phases[1:].ravel()), 1.0)
    observed = transition_probabilities(primary, 4)
    np.testing.assert_allclose(counts / counts.sum(axis=1, keepdims=True), observed, atol=0.02)


def test_structure_is_seeded_and_floored() -> None:
    order = np.random.default_rng(6).integers(0, 4, 50)
    steps = [step(i, PHASES[k]) for i, k in enumerate(order)]
    sequence = analysed(steps)
    result = structure(steps, sequence, PHASES, resamples=99, seed=7)
    assert result["observed"] == len(sequence.revisit_events)
    assert result["resamples"] == 99
    assert result["p_floor"] == pytest.approx(0.01)
    assert result["p_value"] * 100 == pytest.approx(round(result["p_value"] * 100))
    low, high = result["expected_range"]
    assert low <= result["expected"] <= high
    assert structure(steps, sequence, PHASES, resamples=99, seed=7) == result


def test_structure_undefined_cases() -> None:
    same = [step(i, "a") for i in range(40)]
    assert structure(same, analysed(same), PHASES)["undefined"] == (
        "every commit has the same primary phase: nothing to compare"
    )
    steps = hand_history()
    assert structure(steps, analysed(steps), PHASES)["undefined"] == (
        "too little data: needs at least 30 classified commits"
    )
    by_time = structure(steps, analysed(steps, timedelta(days=1)), PHASES)
    assert by_time == {
        "n": 11,
        "undefined": "needs a commit-count window (--window N), not a time span",
    }


# --- trend -------------------------------------------------------------------------------------


def event_at(start: datetime) -> RevisitEvent:
    return RevisitEvent(
        "b", "a", "backward", ("x",), 0, 0, start, start, ("unspecified",), None, None
    )


def sequence_with(events: list[datetime]) -> SequenceAnalysis:
    episode = FocusEpisode("a", "x", "x", 0, 1, T0, T0)
    return SequenceAnalysis((), (), tuple(event_at(e) for e in events), (episode,))


def test_trend_is_on_the_rate_per_commit_and_skips_empty_months() -> None:
    # Months 2024-01 .. 2024-12 except March, 4 commits each; month m has m - 1 revisit events,
    # so the rate per commit rises linearly in time (March is left out, not counted as 0).
    months = [m for m in range(1, 13) if m != 3]
    steps = [
        step(10 * m + k, "a", when=datetime(2024, m, 5 + k, tzinfo=UTC))
        for m in months
        for k in range(4)
    ]
    events = [datetime(2024, m, 6, tzinfo=UTC) for m in months for _ in range(m - 1)]
    plus_two = timezone(timedelta(hours=2))
    events[-1] = datetime(2024, 12, 1, 0, 30, tzinfo=plus_two)  # in its own December
    result = trend(steps, sequence_with(events))
    assert result["n"] == 11
    assert "2024-03" not in result["months"]
    assert result["commits_per_month"] == [4] * 11
    assert result["events_per_month"] == [m - 1 for m in months]
    assert result["rate_per_month"] == [(m - 1) / 4 for m in months]
    assert result["tau"] == pytest.approx(1.0)
    assert result["sen_slope"] == pytest.approx(0.25)
    assert result["p_value"] < 0.01
    assert result["variance_inflation"] >= 1


def test_hamed_rao_without_autocorrelation_is_mann_kendall_with_a_t_reference() -> None:
    values = np.array([3.0, 1, 4, 1.5, 5, 9, 2, 6, 5.5, 3.5, 8, 9.5])
    times = np.arange(12.0)
    result = hamed_rao(times, values)
    s = sum(np.sign(values[j] - values[i]) for i in range(12) for j in range(i + 1, 12))
    variance = 12 * 11 * 29 / 18
    # Negative lag-1 autocorrelation: no inflation (never more liberal than Mann-Kendall).
    assert result["lag1_autocorrelation"] < 0
    assert result["variance_inflation"] == 1.0
    expected_p = 2 * stats.t.sf((abs(s) - 1) / math.sqrt(variance), 12 - 2)
    assert result["p_value"] == pytest.approx(expected_p)
    slopes = [(values[j] - values[i]) / (j - i) for i in range(12) for j in range(i + 1, 12)]
    assert result["sen_slope"] == pytest.approx(float(np.median(slopes)))
    low, high = result["sen_slope_ci"]
    assert low <= result["sen_slope"] <= high


def test_trend_undefined_cases() -> None:
    steps = [step(m, "a", when=datetime(2024, m, 10, tzinfo=UTC)) for m in range(1, 4)]
    short = trend(steps, sequence_with([]))
    assert short["undefined"] == "too little data: needs at least 10 months with classified commits"
    assert (short["n"], short["events_per_month"]) == (3, [0, 0, 0])
    year = [step(m, "a", when=datetime(2024, m, 10, tzinfo=UTC)) for m in range(1, 13)]
    flat = trend(year, sequence_with([]))
    assert flat["undefined"] == "the rate is the same every month"


# --- persistence -------------------------------------------------------------------------------


def test_persistence_compares_runs_with_independent_commits() -> None:
    steps = [step(i, p) for i, p in enumerate("aabbba")]
    result = persistence(steps, PHASES)
    assert (result["n"], result["unit"]) == (5, "commits")
    # a: stays 1 of 2 times -> runs of 2; share 1/2 -> 2 if independent. b: 2 of 3 -> 3.
    assert result["phases"]["a"] == {
        "stay": 0.5,
        "mean_run": pytest.approx(2.0),
        "independent_run": pytest.approx(2.0),
        "ratio": pytest.approx(1.0),
    }
    assert result["phases"]["b"]["mean_run"] == pytest.approx(3.0)
    assert result["phases"]["b"]["ratio"] == pytest.approx(1.5)
    assert set(result["phases"]) == {"a", "b"}
    assert persistence([step(0, "a")], PHASES)["undefined"] == (
        "needs at least one transition (2 classified commits)"
    )


# --- phase distribution and the whole dictionary -------------------------------------------------


def test_phase_statistics_of_hand_history() -> None:
    frame = phase_statistics(hand_history(), PHASES, commits_total=20)
    assert frame["phase"].tolist() == list(PHASES)
    assert frame["commits"].tolist() == [3, 5, 3, 0]
    assert frame["labelled"].tolist() == [4, 5, 3, 0]
    np.testing.assert_allclose(frame["share"], [3 / 11, 5 / 11, 3 / 11, 0])
    np.testing.assert_allclose(frame["share_of_total"], [3 / 20, 5 / 20, 3 / 20, 0])
    assert frame["churn"].tolist() == [1 + 2 + 5, 3 + 4 + 8 + 9 + 11, 6 + 7 + 10, 0]
    assert frame["first_seen"].tolist()[:2] == [
        T0.isoformat(),
        (T0 + timedelta(hours=2)).isoformat(),
    ]
    assert frame["last_seen"].tolist() == [
        (T0 + timedelta(hours=4)).isoformat(),
        (T0 + timedelta(hours=10)).isoformat(),
        (T0 + timedelta(hours=9)).isoformat(),
        None,
    ]
    assert frame["active_days"].tolist() == [1, 1, 1, 0]


def test_phase_churn_is_none_unless_every_commit_has_it() -> None:
    steps = [*hand_history(), step(11, "d")]
    assert phase_statistics(steps, PHASES, commits_total=12)["churn"].tolist() == [None] * 4


def plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return value is None or type(value) in (int, float, str, bool)


def test_compute_statistics_is_json_ready_and_deterministic() -> None:
    steps = hand_history()
    sequence = analysed(steps)
    matrices = build_matrices(steps, sequence, PHASES)
    result = compute_statistics(steps, sequence, matrices, PHASES, seed=0, resamples=19)
    assert list(result) == [
        "independence",
        "linearity",
        "revisit_rate",
        "structure",
        "trend",
        "persistence",
    ]
    assert all("n" in value for value in result.values())
    assert plain(result)
    text = json.dumps(result, allow_nan=False, sort_keys=True)
    again = compute_statistics(steps, sequence, matrices, PHASES, seed=0, resamples=19)
    assert json.dumps(again, allow_nan=False, sort_keys=True) == text


@settings(max_examples=40, deadline=None)
@given(sequences(), st.integers(1, 4))
def test_statistics_never_leak_nan_or_numpy_types(
    generated: tuple[list[Step], tuple[str, ...]], window: int
) -> None:
    steps, phases = generated
    sequence = analyse_sequence(steps, phases, SequenceOptions(window=window))
    matrices = build_matrices(steps, sequence, phases)
    result = compute_statistics(steps, sequence, matrices, phases, seed=0, resamples=19)
    assert plain(result)
    json.dumps(result, allow_nan=False)
    for value in result.values():
        assert isinstance(value["n"], int)
        assert ("undefined" in value) or all(v is not None for v in value.values())
