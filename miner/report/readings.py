"""One plain-language sentence per statistic of docs/method.md §5, for the human-readable formats.

A reading states a conclusion only when the statistic's own p-value is below ALPHA; otherwise
it says "no evidence of …", which is absence of evidence, never evidence of absence. Words that
grade a conclusion ("close to a waterfall") follow the effect size, and the effect size is
always printed with its interval. The definitions are in ``docs/method.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Statistic = Mapping[str, Any]
ALPHA = 0.05


def read_statistic(name: str, values: Statistic) -> str:
    if "undefined" in values:
        return f"not defined: {values['undefined']}"
    reader = READERS.get(name)
    return (
        reader(values) if reader is not None else ", ".join(f"{k}={v}" for k, v in values.items())
    )


def p_text(s: Statistic) -> str:
    """p with 2 significant figures; at a Monte-Carlo floor, the floor and its B."""
    p = float(s["p_value"])
    floor = s.get("p_floor")
    if floor is not None and p <= float(floor) * (1 + 1e-9):
        return f"p ≤ 1/{s['resamples'] + 1} (the floor of {s['resamples']} resamples)"
    return f"p = {p:.2g}"


def _interval(values: list[float], digits: int = 2) -> str:
    low, high = values
    return f"95% CI {low:.{digits}f} to {high:.{digits}f}"


def significant(s: Statistic) -> bool:
    return float(s["p_value"]) < ALPHA


def _independence(s: Statistic) -> str:
    effect = f"Cramér's V {s['cramers_v']:.2f} ({_interval(s['cramers_v_ci'])})"
    test = f"G² {s['g2']:.1f}, df {s['df']}, {p_text(s)}"
    if not significant(s):
        return (
            "no evidence that revisit targets depend on the phase in focus "
            f"(absence of evidence, not proof of independence): {test}; {effect}"
        )
    flagged = ", ".join(f"{a} → {b}" for a, b in s["flagged"][:4])
    cells = f"cells beyond chance (Holm): {flagged}" if flagged else "no single cell after Holm"
    return f"revisit targets depend on the phase in focus: {test}; {effect}; {cells}"


def _linearity(s: Statistic) -> str:
    gamma = s["gamma"]
    numbers = (
        f"gamma {gamma:+.2f} ({_interval(s['gamma_ci'])}), {p_text(s)}, "
        f"blocks of {s['block_length']} commits"
    )
    if not significant(s):
        return f"no evidence of a drift through the phase order: {numbers}"
    direction = "forward" if gamma > 0 else "backward"
    size = abs(gamma)
    if size >= 0.7:
        words = f"work moved {direction} through the phases, close to a waterfall"
    elif size >= 0.3:
        words = f"work moved {direction} through the phases, with much iteration"
    else:
        words = f"work drifted slightly {direction} through the phases, mostly iterating"
    return f"{words}: {numbers}"


def _revisit_rate(s: Statistic) -> str:
    return (
        f"{s['events']} revisit events, {s['rate']:.3f} per classified commit "
        f"({_interval([s['ci_low'], s['ci_high']], 3)}, jackknife over "
        f"{s['episodes']} focus episodes)"
    )


def _structure(s: Statistic) -> str:
    low, high = s["expected_range"]
    numbers = (
        f"{s['observed']} observed vs {s['expected']:.1f} expected "
        f"(95% of surrogates {low:.0f}–{high:.0f}), {p_text(s)}"
    )
    if significant(s):
        return (
            "fewer revisits than work with the same persistence (Markov surrogate): "
            f"phases were worked on in a structured way: {numbers}"
        )
    return (
        "no evidence of fewer revisits than work with the same persistence "
        f"(Markov surrogate): {numbers}"
    )


def _trend(s: Statistic) -> str:
    low, high = s["sen_slope_ci"]
    numbers = (
        f"Kendall tau {s['tau']:+.2f}, Sen slope {s['sen_slope']:+.2g} per month "
        f"(95% CI {low:+.2g} to {high:+.2g}), {p_text(s)} over {s['n']} months "
        f"(autocorrelation-corrected)"
    )
    if not significant(s):
        return f"no evidence that the revisit rate per commit changed over time: {numbers}"
    words = "rose" if s["tau"] > 0 else "fell"
    return f"the revisit rate per commit {words} over time: {numbers}"


def _persistence(s: Statistic) -> str:
    runs = [(phase, v) for phase, v in s["phases"].items() if v["mean_run"] is not None]
    if not runs:
        return "no phase is ever left: runs have no length"
    top = sorted(runs, key=lambda item: -item[1]["mean_run"])[:3]
    listed = "; ".join(
        f"{phase} {v['mean_run']:.1f} commits"
        + (
            f" ({v['independent_run']:.1f} if commits were independent)"
            if v["independent_run"] is not None
            else ""
        )
        for phase, v in top
    )
    return f"work stays in a phase for runs of (mean): {listed}"


READERS: dict[str, Callable[[Statistic], str]] = {
    "independence": _independence,
    "linearity": _linearity,
    "revisit_rate": _revisit_rate,
    "structure": _structure,
    "trend": _trend,
    "persistence": _persistence,
}
