"""Sequence analysis (SPEC §3): focus, ties, advance vs revisit, events, episodes.

Expected values are worked out by hand from the SPEC rules in the comments, not pasted from
the program's output.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miner.sequence.revisits import (
    SequenceOptions,
    Step,
    analyse_sequence,
    count_kind_sequences,
    count_revisit_events,
    count_shuffled,
    primary_indices,
    quantize_shares,
    step_kinds,
)

PHASES = ("a", "b", "c", "d")
T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def step(
    i: int,
    primary: str,
    shares: dict[str, float] | None = None,
    *,
    when: datetime | None = None,
    reasons: tuple[str, ...] = (),
    churn: int | None = None,
) -> Step:
    shares = shares or {primary: 1.0}
    labels = (primary, *sorted(p for p, s in shares.items() if s >= 0.25 and p != primary))
    return Step(
        sha=f"c{i:02d}",
        when=when or T0 + timedelta(hours=i),
        primary=primary,
        labels=labels,
        shares=shares,
        reasons=reasons,
        churn=churn,
    )


def hand_history() -> list[Step]:
    """Window 2 (count). Hand-worked focus / event per step:

    t0 a            focus a (first step: own primary)
    t1 a            window {t0}: a=1                  -> a
    t2 b            window {t0,t1}: a=2               -> a; b new: advance
    t3 b            window {t1,t2}: a=1 b=1 tie, previous a among tied -> a; same run: advance
    t4 a            window {t2,t3}: b=2               -> b; a seen: revisit b->a (backward)
    t5 c (.75 c, .25 a) window {t3,t4}: tie, previous b -> b; c new: advance
    t6 c            window {t4,t5}: a=1.25 c=.75      -> a; c seen: revisit a->c (forward)
    t7 b            window {t5,t6}: c=1.75 a=.25      -> c; revisit c->b (backward)
    t8 b            window {t6,t7}: c=1 b=1 tie, previous c -> c; same run as t7
    t9 c            window {t7,t8}: b=2               -> b; revisit b->c (forward)
    t10 b           window {t8,t9}: tie, previous b   -> b; no departure
    """
    return [
        step(0, "a", churn=1),
        step(1, "a", churn=2),
        step(2, "b", churn=3),
        step(3, "b", churn=4),
        step(4, "a", reasons=("data_issue",), churn=5),
        step(5, "c", {"c": 0.75, "a": 0.25}, churn=6),
        step(6, "c", reasons=("bug_fix",), churn=7),
        step(7, "b", reasons=("refactor",), churn=8),
        step(8, "b", reasons=("bug_fix",), churn=9),
        step(9, "c", churn=10),
        step(10, "b", churn=11),
    ]


def test_focus_and_events_of_hand_history() -> None:
    result = analyse_sequence(hand_history(), PHASES, SequenceOptions(window=2))
    assert result.focus == ("a", "a", "a", "a", "b", "b", "a", "c", "c", "b", "b")
    assert result.events == (
        None,
        None,
        "advance",
        "advance",
        "revisit",
        "advance",
        "revisit",
        "revisit",
        "revisit",
        "revisit",
        None,
    )


def test_revisit_events_of_hand_history() -> None:
    steps = hand_history()
    events = analyse_sequence(steps, PHASES, SequenceOptions(window=2)).revisit_events
    summary = [
        (
            e.source,
            e.target,
            e.direction,
            e.commits,
            e.first_index,
            e.last_index,
            e.reasons,
            e.returned_after_commits,
            e.churn,
        )
        for e in events
    ]
    assert summary == [
        # returns to b at t7: 3 steps after t4
        ("b", "a", "backward", ("c04",), 4, 4, ("data_issue",), 3, 5),
        # a is never primary after t6
        ("a", "c", "forward", ("c06",), 6, 6, ("bug_fix",), None, 7),
        # t7 and t8 form one event; back to c at t9
        ("c", "b", "backward", ("c07", "c08"), 7, 8, ("bug_fix", "refactor"), 1, 17),
        ("b", "c", "forward", ("c09",), 9, 9, ("unspecified",), 1, 10),
    ]
    assert events[2].start == steps[7].when
    assert events[2].end == steps[8].when


def test_event_churn_is_none_when_any_commit_lacks_it() -> None:
    steps = hand_history()
    steps[8] = step(8, "b")
    events = analyse_sequence(steps, PHASES, SequenceOptions(window=2)).revisit_events
    assert [e.churn for e in events] == [5, 7, None, 10]


def test_backward_only_mode_drops_forward_revisits() -> None:
    result = analyse_sequence(
        hand_history(), PHASES, SequenceOptions(window=2, revisits="backward")
    )
    assert [(e.source, e.target) for e in result.revisit_events] == [("b", "a"), ("c", "b")]
    assert result.events[6] is None
    assert result.events[9] is None
    assert result.events[2:4] == ("advance", "advance")


def test_episodes_of_hand_history() -> None:
    episodes = analyse_sequence(hand_history(), PHASES, SequenceOptions(window=2)).episodes
    assert [
        (e.phase, e.first_index, e.commits, e.first_commit, e.last_commit) for e in episodes
    ] == [
        ("a", 0, 4, "c00", "c03"),
        ("b", 4, 2, "c04", "c05"),
        ("a", 6, 1, "c06", "c06"),
        ("c", 7, 2, "c07", "c08"),
        ("b", 9, 2, "c09", "c10"),
    ]
    assert episodes[1].start == T0 + timedelta(hours=4)
    assert episodes[1].end == T0 + timedelta(hours=5)


def test_tie_without_previous_focus_goes_to_first_in_canonical_order() -> None:
    # t1: window {t0} -> a. t2: a=1 c=1 tie, previous a -> a.
    # t3: window {t1,t2}: c=1 b=1 tie, previous a not tied -> b (b precedes c).
    steps = [step(0, "a"), step(1, "c"), step(2, "b"), step(3, "d")]
    result = analyse_sequence(steps, PHASES, SequenceOptions(window=2))
    assert result.focus == ("a", "a", "a", "b")


def test_float_noise_does_not_break_a_tie() -> None:
    # t2, window {t0,t1}: a = 0.7 + 0.1 (0.7999999999999999 in floats), b = 0.3 + 0.5 = 0.8:
    # a tie, so the previous focus a stays (raw floats would pick b).
    steps = [
        step(0, "a", {"a": 0.7, "b": 0.3}),
        step(1, "b", {"a": 0.1, "b": 0.5, "c": 0.4}),
        step(2, "c"),
    ]
    assert 0.7 + 0.1 < 0.3 + 0.5
    result = analyse_sequence(steps, PHASES, SequenceOptions(window=2))
    assert result.focus == ("a", "a", "a")


def test_time_window_uses_dates_not_positions() -> None:
    day = timedelta(days=1)
    steps = [
        step(0, "a", when=T0),
        step(1, "a", when=T0 + day),  # window [T0, T0+1d): {t0} -> a
        step(2, "b", when=T0 + 5 * day),  # window [3d, 5d) empty -> previous focus a; advance
        step(3, "b", when=T0 + 6 * day),  # window [4d, 6d): {t2} -> b
        step(4, "a", when=T0 + 6 * day),  # same instant: t3 excluded; {t2} -> b; revisit b->a
        step(5, "c", when=T0 + 3 * day),  # out of date order: [1d, 3d): {t1} -> a; advance
    ]
    result = analyse_sequence(steps, PHASES, SequenceOptions(window=timedelta(days=2)))
    assert result.focus == ("a", "a", "a", "b", "b", "a")
    assert result.events == (None, None, "advance", None, "revisit", "advance")


def test_time_window_is_steps_before_in_sequence_only() -> None:
    day = timedelta(days=1)
    # t1 is dated before t0 but comes later in the sequence. t1's window [-3d, -1d) is empty
    # (t0, dated +1d, is not before t1's date) -> previous focus b; a is new -> advance.
    # t2's window [0.5d, 2.5d) holds t0 only (t1 at -1d is too old) -> b; c is new -> advance.
    steps = [
        step(0, "b", when=T0 + day),
        step(1, "a", when=T0 - day),
        step(2, "c", when=T0 + 2 * day + timedelta(hours=12)),
    ]
    result = analyse_sequence(steps, PHASES, SequenceOptions(window=timedelta(days=2)))
    assert result.focus == ("b", "b", "b")
    assert result.events == (None, "advance", "advance")


def test_first_step_focus_is_its_primary_and_empty_sequence() -> None:
    result = analyse_sequence([step(0, "c")], PHASES, SequenceOptions())
    assert result.focus == ("c",)
    assert result.events == (None,)
    empty = analyse_sequence([], PHASES, SequenceOptions())
    assert (empty.focus, empty.events, empty.revisit_events, empty.episodes) == ((), (), (), ())


def test_unknown_primary_is_rejected() -> None:
    with pytest.raises(ValueError, match="not one of the phases"):
        analyse_sequence([step(0, "zzz")], PHASES, SequenceOptions())


def test_vectorised_count_on_hand_history() -> None:
    steps = hand_history()
    primary = primary_indices(steps, PHASES)[None]
    quanta = quantize_shares(steps, PHASES)[None]
    assert count_revisit_events(primary, quanta, 2).tolist() == [4]
    assert count_revisit_events(primary, quanta, 2, backward_only=True).tolist() == [2]


# --- properties over generated sequences --------------------------------------------------------


@st.composite
def sequences(draw: st.DrawFn) -> tuple[list[Step], tuple[str, ...]]:
    phases = tuple("abcdef"[: draw(st.integers(2, 6))])
    n = draw(st.integers(0, 40))
    steps = []
    for i in range(n):
        primary = draw(st.sampled_from(phases))
        others = draw(st.lists(st.sampled_from(phases), max_size=2))
        weights = {primary: draw(st.integers(2, 4))}
        for other in others:
            weights[other] = weights.get(other, 0) + 1
        total = sum(weights.values())
        shares = {p: w / total for p, w in weights.items()}
        reasons = tuple(draw(st.lists(st.sampled_from(["bug_fix", "drift"]), unique=True)))
        steps.append(step(i, primary, shares, reasons=reasons))
    return steps, phases


@settings(max_examples=300, deadline=None)
@given(sequences(), st.integers(1, 6), st.sampled_from(["all", "backward"]))
def test_vectorised_count_equals_analyse_sequence(
    generated: tuple[list[Step], tuple[str, ...]], window: int, mode: str
) -> None:
    steps, phases = generated
    options = SequenceOptions(window=window, revisits="backward" if mode == "backward" else "all")
    result = analyse_sequence(steps, phases, options)
    primary = primary_indices(steps, phases)
    quanta = quantize_shares(steps, phases)
    backward = mode == "backward"
    count = count_revisit_events(primary[None], quanta[None], window, backward_only=backward)
    assert count.tolist() == [len(result.revisit_events)]
    kinds = step_kinds(primary, quanta)
    reordered = count_kind_sequences(kinds, kinds.of[None], window, backward_only=backward)
    assert reordered.tolist() == [len(result.revisit_events)]


@settings(max_examples=100, deadline=None)
@given(sequences(), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_counting_reorderings_matches_analysing_them(
    generated: tuple[list[Step], tuple[str, ...]], window: int, seed: int
) -> None:
    steps, phases = generated
    orders = np.random.default_rng(seed).permuted(np.tile(np.arange(len(steps)), (3, 1)), axis=1)
    kinds = step_kinds(primary_indices(steps, phases), quantize_shares(steps, phases))
    counted = count_kind_sequences(kinds, kinds.of[orders], window)
    analysed = [
        len(
            analyse_sequence(
                [steps[i] for i in order], phases, SequenceOptions(window)
            ).revisit_events
        )
        for order in orders
    ]
    assert counted.tolist() == analysed


@settings(max_examples=200, deadline=None)
@given(sequences(), st.integers(1, 6))
def test_focus_has_the_largest_window_sum(
    generated: tuple[list[Step], tuple[str, ...]], window: int
) -> None:
    steps, phases = generated
    result = analyse_sequence(steps, phases, SequenceOptions(window=window))
    for t in range(1, len(steps)):
        sums = {p: 0.0 for p in phases}
        for s in steps[max(0, t - window) : t]:
            for phase, share in s.shares.items():
                sums[phase] += share
        top = max(round(v, 9) for v in sums.values())
        tied = [p for p in phases if round(sums[p], 9) == top]
        expected = result.focus[t - 1] if result.focus[t - 1] in tied else tied[0]
        assert result.focus[t] == expected


@settings(max_examples=200, deadline=None)
@given(sequences(), st.integers(1, 6))
def test_events_episodes_and_departures_are_consistent(
    generated: tuple[list[Step], tuple[str, ...]], window: int
) -> None:
    steps, phases = generated
    result = analyse_sequence(steps, phases, SequenceOptions(window=window))
    assert sum(e.commits for e in result.episodes) == len(steps)
    for before, after in zip(result.episodes, result.episodes[1:], strict=False):
        assert before.phase != after.phase
        assert before.first_index + before.commits == after.first_index
    in_events = [i for e in result.revisit_events for i in range(e.first_index, e.last_index + 1)]
    assert in_events == [t for t, event in enumerate(result.events) if event == "revisit"]
    for t, event in enumerate(result.events):
        departed = steps[t].primary != result.focus[t]
        assert (event is not None) == departed
    for e in result.revisit_events:
        assert all(steps[i].primary == e.target for i in range(e.first_index, e.last_index + 1))
        assert all(result.focus[i] == e.source for i in range(e.first_index, e.last_index + 1))
        if e.returned_after_commits is not None:
            assert steps[e.last_index + e.returned_after_commits].primary == e.source


def test_shuffled_counts_do_not_depend_on_the_number_of_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primary = np.array([0, 1, 2, 1, 0, 3, 3, 2, 1, 0, 2, 2], dtype=np.int64)
    quanta = np.zeros((len(primary), 4), dtype=np.int64)
    quanta[np.arange(len(primary)), primary] = 2**40
    kinds = step_kinds(primary, quanta)
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    alone = count_shuffled(kinds, 3, shuffles=50, seed=7)
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    together = count_shuffled(kinds, 3, shuffles=50, seed=7)
    assert alone.tolist() == together.tolist()
    orderings = count_kind_sequences(kinds, np.stack([kinds.of] * 2), 3)
    assert len(set(alone.tolist())) > 1  # the shuffles really differ
    assert orderings.tolist() == [orderings[0]] * 2
