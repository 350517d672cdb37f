"""One plain-language sentence per statistic of SPEC §5, for the human-readable formats.

Thresholds only choose words; the numbers are printed beside them, so a reader can judge.
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


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _independence(s: Statistic) -> str:
    flagged = ", ".join(f"{a} → {b}" for a, b in s["flagged"][:4]) or "none"
    verdict = (
        "revisits depend on the phase in focus"
        if s["p_value"] < ALPHA
        else "no evidence that revisit targets depend on the phase in focus"
    )
    return (
        f"{verdict}: chi-square {s['chi2']:.2f}, df {s['df']}, {_p(s['p_value'])}, "
        f"Cramér's V {s['cramers_v']:.2f}; cells beyond ±1.96: {flagged}"
    )


def _linearity(s: Statistic) -> str:
    tau = s["tau"]
    if tau >= 0.7:
        words = "work was close to a waterfall"
    elif tau >= 0.4:
        words = "work moved forward with some iteration"
    elif tau > -0.4:
        words = "work was strongly iterative"
    else:
        words = "work ran mostly backwards through the phases"
    return f"{words}: Kendall tau {tau:.2f}, {_p(s['p_value'])}"


def _revisit_rate(s: Statistic) -> str:
    rate = s["rate"]
    return (
        f"{s['events']} revisit events, {rate:.3f} per classified commit "
        f"(95% CI {s['ci_low']:.3f}–{s['ci_high']:.3f}, {s['episodes']} focus episodes)"
    )


def _structure(s: Statistic) -> str:
    verdict = (
        "fewer revisits than in a random order: phases were worked on in runs"
        if s["p_value"] < ALPHA
        else "revisits no rarer than in a random order"
    )
    return (
        f"{verdict}: {s['observed']} observed vs {s['mean_permuted']:.1f} on average over "
        f"{s['permutations']} shuffles, {_p(s['p_value'])}"
    )


def _trend(s: Statistic) -> str:
    tau = s["tau"]
    if s["p_value"] >= ALPHA:
        words = "no clear trend in revisits per month"
    elif tau > 0:
        words = "revisits became more frequent over time"
    else:
        words = "revisits became less frequent over time"
    return f"{words}: Kendall tau {tau:.2f}, {_p(s['p_value'])} over {len(s['months'])} months"


def _markov(s: Statistic) -> str:
    top = sorted(s["stationary"].items(), key=lambda item: -item[1])[:3]
    listed = ", ".join(
        f"{phase} {share:.0%} (returns every {s['mean_return_time'][phase]:.1f})"
        for phase, share in top
    )
    return f"in the long run the work sits in {listed}"


READERS: dict[str, Callable[[Statistic], str]] = {
    "independence": _independence,
    "linearity": _linearity,
    "revisit_rate": _revisit_rate,
    "structure": _structure,
    "trend": _trend,
    "markov": _markov,
}
