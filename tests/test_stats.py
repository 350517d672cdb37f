"""Statistics (SPEC §5) on known data, and the undefined cases with their reasons."""

from __future__ import annotations

import itertools
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

from miner.matrices import build_matrices
from miner.revisits import (
    FocusEpisode,
    RevisitEvent,
    SequenceAnalysis,
    SequenceOptions,
    Step,
    analyse_sequence,
)
from miner.stats import (
    adjusted_residuals,
    compute_statistics,
    independence,
    linearity,
    markov,
    phase_statistics,
    quasi_independence,
    revisit_rate,
    structure,
    trend,
)
from tests.test_revisits import PHASES, T0, hand_history, sequences, step


def revisit_frame(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    frame = pd.DataFrame(0, index=list(PHASES), columns=list(PHASES), dtype="int64")
    for (source, target), count in cells.items():
        frame.loc[source, target] = count
    return frame


def analysed(steps: list[Step], window: int | timedelta = 2) -> SequenceAnalysis:
    return analyse_sequence(steps, PHASES, SequenceOptions(window=window))


# --- independence ------------------------------------------------------------------------------


def test_independence_agrees_with_chi2_contingency_without_diagonal_cells() -> None:
    r = revisit_frame({("a", "c"): 10, ("a", "d"): 3, ("b", "c"): 4, ("b", "d"): 12})
    result = independence(r)
    table = np.array([[10, 3], [4, 12]])
    reference = stats.chi2_contingency(table, correction=False)
    assert result["df"] == reference.dof == 1
    assert result["chi2"] == pytest.approx(reference.statistic)
    assert result["p_value"] == pytest.approx(reference.pvalue)
    assert result["cramers_v"] == pytest.approx(math.sqrt(reference.statistic / 29))
    # Adjusted residuals of the independence model: (o - e) / sqrt(e (1 - r/N) (1 - c/N)).
    rows, columns, n = table.sum(axis=1), table.sum(axis=0), table.sum()
    by_cell = {(c["from"], c["to"]): c for c in result["cells"]}
    for i, source in enumerate("ab"):
        for j, target in enumerate("cd"):
            e = reference.expected_freq[i, j]
            closed = (table[i, j] - e) / math.sqrt(e * (1 - rows[i] / n) * (1 - columns[j] / n))
            assert by_cell[source, target]["expected"] == pytest.approx(e)
            assert by_cell[source, target]["residual"] == pytest.approx(closed)
    flagged = [[c["from"], c["to"]] for c in result["cells"] if abs(c["residual"]) >= 1.96]
    assert result["flagged"] == flagged
    assert len(flagged) == 4  # |r| is the same in every cell of a 2x2 table: about 2.8 here
    assert result["n"] == 29


def test_quasi_independence_with_masked_diagonal() -> None:
    table = np.array([[0.0, 5, 2], [3, 0, 7], [6, 4, 0]])
    masked = np.eye(3, dtype=bool)
    expected = quasi_independence(table, masked)
    assert expected is not None
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

    r = revisit_frame(
        {("a", "b"): 5, ("a", "c"): 2, ("b", "a"): 3, ("b", "c"): 7, ("c", "a"): 6, ("c", "b"): 4}
    )
    result = independence(r)
    assert result["df"] == (3 - 1) * (3 - 1) - 3
    chi2 = (((table - expected) ** 2)[~masked] / expected[~masked]).sum()
    assert result["chi2"] == pytest.approx(chi2)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(chi2, 1))
    assert len(result["cells"]) == 6


def test_independence_undefined_cases_say_why() -> None:
    single_source = independence(revisit_frame({("a", "b"): 3, ("a", "c"): 1}))
    assert single_source == {
        "n": 4,
        "undefined": "needs revisit events from at least 2 focus phases to 2 targets",
    }
    swap = independence(revisit_frame({("a", "b"): 3, ("b", "a"): 2}))
    assert swap["undefined"] == "no degrees of freedom left once the diagonal is excluded"
    assert swap["n"] == 5


# --- linearity ---------------------------------------------------------------------------------


def test_linearity_waterfall_reverse_and_ties() -> None:
    waterfall = [step(i, p) for i, p in enumerate("abcd")]
    assert linearity(waterfall, PHASES)["tau"] == pytest.approx(1.0)
    assert linearity(waterfall[::-1], PHASES)["tau"] == pytest.approx(-1.0)
    # a a b b: 6 pairs, 2 tied in phase, none discordant: tau-b = 4 / sqrt(6 * 4).
    paired = linearity([step(i, p) for i, p in enumerate("aabb")], PHASES)
    assert paired["tau"] == pytest.approx(4 / math.sqrt(24))
    assert paired["n"] == 4
    assert 0 < paired["p_value"] <= 1


def test_linearity_undefined_for_a_single_phase() -> None:
    result = linearity([step(i, "b") for i in range(5)], PHASES)
    assert result == {"n": 5, "undefined": "needs at least 2 commits with different primary phases"}


# --- revisit rate ------------------------------------------------------------------------------


def test_revisit_rate_of_hand_history() -> None:
    steps = hand_history()
    result = revisit_rate(steps, analysed(steps), seed=0)
    # 4 events over 11 commits; episodes (commits, events): (4, 0), (2, 1), (1, 1), (2, 1), (2, 1).
    assert (result["n"], result["events"], result["episodes"]) == (11, 4, 5)
    assert result["rate"] == pytest.approx(4 / 11)
    assert 0 <= result["ci_low"] <= result["rate"] <= result["ci_high"] <= 1
    assert result["ci_high"] > result["ci_low"]
    assert revisit_rate(steps, analysed(steps), seed=0) == result


def test_revisit_rate_undefined_cases() -> None:
    flat = [step(i, "a") for i in range(4)]
    one_episode = revisit_rate(flat, analysed(flat), seed=0)
    assert one_episode["undefined"] == "needs at least 2 focus episodes to resample"
    assert (one_episode["n"], one_episode["rate"]) == (4, 0.0)
    # Episodes a (t0-t3, the advance into b included) and b (t4-t5): no revisits at all.
    two = [step(i, p) for i, p in enumerate("aabbbb")]
    same = revisit_rate(two, analysed(two), seed=0)
    assert same["undefined"] == "every focus episode has the same revisit rate: nothing to resample"
    assert revisit_rate([], analysed([]), seed=0) == {"n": 0, "undefined": "no classified commits"}


# --- structure ---------------------------------------------------------------------------------


def test_structure_exact_enumeration_matches_brute_force() -> None:
    steps = [step(i, p) for i, p in enumerate("aabbca")]
    sequence = analysed(steps)
    result = structure(steps, sequence, PHASES, seed=0)
    orderings = set(itertools.permutations("aabbca"))
    counts = [
        len(analysed([step(i, p) for i, p in enumerate(o)]).revisit_events) for o in orderings
    ]
    observed = len(sequence.revisit_events)
    assert len(counts) == math.factorial(6) // (math.factorial(3) * math.factorial(2)) == 60
    assert result == {
        "n": 6,
        "observed": observed,
        "mean_permuted": pytest.approx(sum(counts) / 60),
        "permutations": 60,
        "method": "exact",
        "alternative": "less: fewer revisit events than in shuffled order (structured work)",
        "p_value": pytest.approx(sum(c <= observed for c in counts) / 60),
    }


def test_structure_monte_carlo_is_seeded() -> None:
    steps = hand_history()
    sequence = analysed(steps)
    result = structure(steps, sequence, PHASES, seed=7)
    assert (result["method"], result["permutations"], result["observed"]) == (
        "monte_carlo",
        1000,
        4,
    )
    at_most = result["p_value"] * 1001 - 1
    assert at_most == pytest.approx(round(at_most))
    assert structure(steps, sequence, PHASES, seed=7) == result


def test_structure_undefined_cases() -> None:
    same = [step(i, "a") for i in range(3)]
    assert structure(same, analysed(same), PHASES, seed=0)["undefined"] == (
        "all commits have the same phases: there is only one ordering"
    )
    steps = hand_history()
    by_time = structure(steps, analysed(steps, timedelta(days=1)), PHASES, seed=0)
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


def test_trend_counts_months_with_zeros_and_event_offsets() -> None:
    steps = [
        step(0, "a", when=datetime(2024, 1, 10, tzinfo=UTC)),
        step(1, "a", when=datetime(2024, 4, 20, tzinfo=UTC)),
    ]
    plus_two = timezone(timedelta(hours=2))
    events = [
        datetime(2024, 2, 1, 0, 30, tzinfo=plus_two),  # still January in UTC: counts in February
        datetime(2024, 3, 3, tzinfo=UTC),
        datetime(2024, 3, 9, tzinfo=UTC),
        *[datetime(2024, 4, d, tzinfo=UTC) for d in (1, 2, 3)],
    ]
    result = trend(steps, sequence_with(events))
    assert result["months"] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert result["events_per_month"] == [0, 1, 2, 3]
    assert result["n"] == 4
    assert result["tau"] == pytest.approx(1.0)
    assert result["p_value"] == pytest.approx(stats.kendalltau([0, 1, 2, 3], [0, 1, 2, 3]).pvalue)


def test_trend_undefined_cases() -> None:
    steps = [
        step(0, "a", when=datetime(2024, 1, 10, tzinfo=UTC)),
        step(1, "a", when=datetime(2024, 2, 20, tzinfo=UTC)),
    ]
    short = trend(steps, sequence_with([]))
    assert short["undefined"] == "needs at least 3 calendar months of history"
    assert (short["n"], short["events_per_month"]) == (2, [0, 0])
    longer = [*steps, step(2, "a", when=datetime(2024, 3, 1, tzinfo=UTC))]
    flat = trend(longer, sequence_with([]))
    assert flat["undefined"] == "the number of revisit events is the same every month"


# --- Markov view -------------------------------------------------------------------------------


def transition_frame(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    return revisit_frame(cells)


def test_markov_stationary_distribution() -> None:
    # P = [[1/2, 1/2], [1, 0]] over a, b: pi = (2/3, 1/3), return times 1.5 and 3.
    result = markov(transition_frame({("a", "a"): 1, ("a", "b"): 1, ("b", "a"): 2}))
    assert result["n"] == 4
    assert result["stationary"] == {"a": pytest.approx(2 / 3), "b": pytest.approx(1 / 3)}
    assert result["mean_return_time"] == {"a": pytest.approx(1.5), "b": pytest.approx(3.0)}


def test_markov_undefined_cases() -> None:
    dead_end = markov(transition_frame({("a", "a"): 1, ("a", "b"): 1}))
    assert dead_end == {"n": 2, "undefined": "not irreducible: no transition leaves b"}
    split = markov(transition_frame({("a", "a"): 1, ("b", "b"): 1}))
    assert split["undefined"] == "not irreducible: some phases are never reached again from others"
    assert markov(transition_frame({}))["undefined"] == (
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
    result = compute_statistics(steps, sequence, matrices, PHASES, seed=0)
    assert list(result) == [
        "independence",
        "linearity",
        "revisit_rate",
        "structure",
        "trend",
        "markov",
    ]
    assert all("n" in value for value in result.values())
    assert plain(result)
    text = json.dumps(result, allow_nan=False, sort_keys=True)
    again = compute_statistics(steps, sequence, matrices, PHASES, seed=0)
    assert json.dumps(again, allow_nan=False, sort_keys=True) == text


@settings(max_examples=40, deadline=None)
@given(sequences(), st.integers(1, 4))
def test_statistics_never_leak_nan_or_numpy_types(
    generated: tuple[list[Step], tuple[str, ...]], window: int
) -> None:
    steps, phases = generated
    sequence = analyse_sequence(steps, phases, SequenceOptions(window=window))
    matrices = build_matrices(steps, sequence, phases)
    result = compute_statistics(steps, sequence, matrices, phases, seed=0)
    assert plain(result)
    json.dumps(result, allow_nan=False)
    for value in result.values():
        assert isinstance(value["n"], int)
        assert ("undefined" in value) or all(v is not None for v in value.values())
