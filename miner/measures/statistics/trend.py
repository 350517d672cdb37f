"""Trend: does the revisit rate per commit change over the months? (docs/method.md §5)

The series is the monthly rate (revisit events starting in the month / classified commits of
the month), months without classified commits left out: a raw monthly count measures activity,
not revisiting. Mann-Kendall's S on that series, with Var(S) inflated by Hamed & Rao's (1998)
n / n* for serial correlation. Their screening of significant lags under-corrected in our
calibration (7-8% false positives at alpha 0.05 for AR(1) months), so the factor is the larger
of theirs and the one of an AR(1) model r_k = rho^k (Yue & Wang 2004), rho the lag-1
autocorrelation of the ranks of the Sen-detrended series, bias-corrected (Kendall 1954:
E r1 = rho - (1 + 4 rho) / n), and z is referred to a t distribution on n* - 2 degrees of
freedom. Effect size: Sen's slope (Sen 1968) with its rank-based interval (Gilbert 1987,
§16.5), using the corrected variance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from miner.measures.statistics.common import (
    ALPHA,
    CONFIDENCE,
    FloatArray,
    Statistic,
    finite,
    too_few,
    undefined,
)
from miner.sequence.revisits import SequenceAnalysis, Step

MIN_MONTHS = 10


def trend(steps: Sequence[Step], sequence: SequenceAnalysis) -> Statistic:
    """``tau``, ``p_value`` (two-sided), ``sen_slope`` (rate change per month) with
    ``sen_slope_ci``, ``variance_inflation`` (n / n*); ``months`` lists the months with commits
    with ``commits_per_month``, ``events_per_month`` and ``rate_per_month``."""
    commits: dict[int, int] = {}
    for s in steps:
        key = _month(s.when.year, s.when.month)
        commits[key] = commits.get(key, 0) + 1
    events = dict.fromkeys(commits, 0)
    for event in sequence.revisit_events:
        key = _month(event.start.year, event.start.month)
        events[key] = events.get(key, 0) + 1
    months = sorted(commits)
    rates = [events[m] / commits[m] for m in months]
    base = {
        "months": [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months],
        "commits_per_month": [commits[m] for m in months],
        "events_per_month": [events[m] for m in months],
        "rate_per_month": rates,
    }
    if len(months) < MIN_MONTHS:
        return too_few(len(months), "months with classified commits", MIN_MONTHS, **base)
    if len(set(rates)) < 2:
        return undefined(len(months), "the rate is the same every month", **base)
    return finite({"n": len(months), **base, **hamed_rao(np.array(months), np.array(rates))})


def _month(year: int, month: int) -> int:
    return year * 12 + month - 1


def hamed_rao(times: FloatArray, values: FloatArray) -> Statistic:
    """Mann-Kendall with the Hamed-Rao variance correction; Sen's slope and its interval."""
    n = len(values)
    i, j = np.triu_indices(n, 1)
    s = float(np.sign(values[j] - values[i]).sum())
    _, ties = np.unique(values, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18
    slopes = (values[j] - values[i]) / (times[j] - times[i])
    slope = float(np.median(slopes))
    inflation = _inflation(values - slope * times)
    corrected = variance * inflation
    z = (s - np.sign(s)) / math.sqrt(corrected)
    freedom = max(1.0, n / inflation - 2)
    pairs = n * (n - 1) / 2
    tied_pairs = (ties * (ties - 1) / 2).sum()
    half = float(stats.norm.ppf(0.5 + CONFIDENCE / 2)) * math.sqrt(corrected)
    ordered = np.sort(slopes)
    lower = math.floor((len(ordered) - half) / 2)
    upper = math.ceil((len(ordered) + half) / 2)
    return {
        "tau": s / math.sqrt((pairs - tied_pairs) * pairs),
        "p_value": float(2 * stats.t.sf(abs(z), freedom)),
        "sen_slope": slope,
        "sen_slope_ci": [
            float(ordered[max(0, lower - 1)]),
            float(ordered[min(len(ordered) - 1, upper - 1)]),
        ],
        "confidence": CONFIDENCE,
        "variance_inflation": inflation,
        "lag1_autocorrelation": _lag_one(values - slope * times),
        "method": "Mann-Kendall on the monthly rate, AR(1) Hamed-Rao variance correction",
    }


def _lag_one(detrended: FloatArray) -> float:
    """Lag-1 autocorrelation of the ranks, bias-corrected, within [-0.95, 0.95]."""
    n = len(detrended)
    ranks = stats.rankdata(detrended)
    centred = ranks - ranks.mean()
    denominator = float((centred**2).sum())
    if denominator == 0:
        return 0.0
    raw = float((centred[:-1] * centred[1:]).sum()) / denominator
    return min(0.95, max(-0.95, (n * raw + 1) / (n - 4)))


def _inflation(detrended: FloatArray) -> float:
    """n / n* of Hamed & Rao (1998, eq. 26): the larger of their estimate (rank
    autocorrelations significant at ALPHA) and the AR(1) model r_k = rho^k, and at least 1 (a
    negative correlation never makes the test more liberal than the uncorrected one). Either
    alone under-corrects somewhere: the screening when every lag is small but many are
    positive, the AR(1) model when correlations decay slower than geometrically."""
    n = len(detrended)
    lags = np.arange(1, n - 2)  # (n - k - 2) vanishes at k = n - 2
    weights = (n - lags) * (n - lags - 1) * (n - lags - 2) * 2 / (n * (n - 1) * (n - 2))
    ranks = stats.rankdata(detrended)
    centred = ranks - ranks.mean()
    denominator = float((centred**2).sum())
    if denominator == 0:
        return 1.0
    acf = np.array([float((centred[:-k] * centred[k:]).sum()) / denominator for k in lags])
    significant = np.abs(acf) > float(stats.norm.ppf(1 - ALPHA / 2)) / math.sqrt(n)
    screened = 1 + float((weights * acf)[significant].sum())
    modelled = 1 + float((weights * _lag_one(detrended) ** lags).sum())
    return max(1.0, screened, modelled)
