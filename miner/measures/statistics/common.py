"""What every statistic shares: the result type, the defaults, p-values with their floor."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

Statistic = dict[str, Any]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

ALPHA = 0.05  # the level every reading and every residual flag uses
CONFIDENCE = 0.95
RESAMPLES = 999  # Monte-Carlo resamples: the smallest p-value is 1 / (RESAMPLES + 1) = 0.001


def undefined(n: int, why: str, **values: Any) -> Statistic:
    return {"n": n, **values, "undefined": why}


def too_few(n: int, what: str, minimum: int, **values: Any) -> Statistic:
    """The "too little data" result: the minimum is stated, no number is tested."""
    return undefined(n, f"too little data: needs at least {minimum} {what}", **values)


def monte_carlo_p(as_extreme: int, resamples: int) -> float:
    """(1 + resamples at least as extreme) / (1 + resamples): never 0, floor 1 / (B + 1)
    (Davison & Hinkley 1997, §4.2)."""
    return (1 + as_extreme) / (1 + resamples)


def resampling(resamples: int, method: str) -> Statistic:
    """The fields every Monte-Carlo p-value carries: method, B and the floor of p."""
    return {"method": method, "resamples": resamples, "p_floor": 1 / (1 + resamples)}


def finite(result: Statistic) -> Statistic:
    """Guard against NaN or infinity from a degenerate computation."""
    for value in result.values():
        numbers = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
            return undefined(int(result["n"]), "not computable for this data (degenerate)")
    return result
