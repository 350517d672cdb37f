"""Stage 5c: the analysis as a series of calendar periods, for the figures that show change over
time (phase shares per month, revisit rate per period with its interval).

Built on ``miner.periods`` (the same bucketing as ``miner report``: a commit belongs to the
period of its author's own calendar day; an event to the period of its first commit). Pure
functions over the finished ``Analysis``; renderers draw the result and compute nothing.

The interval of a period's revisit rate is a Wilson score interval for ``events`` out of
``classified`` commits: a commit starts at most one revisit event, so the rate is a proportion.
It treats the period's commits as independent trials, which clustered revisits are not, so it is
narrower than a resampling interval would be; the whole history's rate keeps its bootstrap
interval over focus episodes (``miner.measures.statistics.rate.revisit_rate``). Wilson's interval
stays inside
[0, 1] and is defined for 0 events, which a month with few commits often has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

from miner.trend.periods import PeriodSummary, commit_day, period_of, periods_from, summarise

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class RateInterval:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class PeriodSeries:
    """Consecutive periods of ``unit`` from the first analysed commit's to the last's, empty
    periods included. ``intervals[i]`` is the ``CONFIDENCE`` interval of
    ``summaries[i].revisit_rate`` (None where the period has no classified commit)."""

    unit: str
    summaries: tuple[PeriodSummary, ...]
    intervals: tuple[RateInterval | None, ...]
    confidence: float = CONFIDENCE

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(s.period.label for s in self.summaries)


def wilson_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> RateInterval | None:
    """Wilson score interval for ``successes`` out of ``trials``; None for no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be in [0, {trials}], not {successes}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    spread /= denominator
    # At 0 (or all) successes the bound is exactly 0 (or 1); floats would leave 1e-17 there.
    low = 0.0 if successes == 0 else max(0.0, centre - spread)
    high = 1.0 if successes == trials else min(1.0, centre + spread)
    return RateInterval(low, high)


def series_of(summaries: Sequence[PeriodSummary], unit: str) -> PeriodSeries:
    """The series of already summarised periods (``miner report``'s, for instance)."""
    return PeriodSeries(
        unit=unit,
        summaries=tuple(summaries),
        intervals=tuple(wilson_interval(len(s.revisit_events), s.classified) for s in summaries),
    )


def period_series(analysis: Analysis, unit: str = "month") -> PeriodSeries:
    """Every period of ``unit`` from the first analysed commit to the last (none without
    commits)."""
    days = [commit_day(c) for c in analysis.commits]
    if not days:
        return series_of((), unit)
    periods = periods_from(period_of(min(days), unit), period_of(max(days), unit))
    return series_of(summarise(analysis, periods), unit)
