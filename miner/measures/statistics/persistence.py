"""Persistence: how long work stays in a phase, against what the phase shares alone give.

Replaces the former "Markov view", whose stationary distribution equalled the phase shares.
Per phase: the observed mean run (consecutive classified commits with that primary phase, in
commits) and the mean run if commits were independent draws with the same shares,
1 / (1 - share) commits (a geometric run). Their ratio is the persistence the shares do not
show: 1 means no more clustering than chance, 3 means runs three times as long.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from miner.measures.statistics.common import Statistic, undefined
from miner.sequence.revisits import Step, primary_indices


def persistence(steps: Sequence[Step], phases: Sequence[str]) -> Statistic:
    """``phases``: per phase with commits, ``stay`` (P[p, p] = T[p, p] / transitions out of
    p), ``mean_run`` = 1 / (1 - stay) commits (null when the phase is never left),
    ``independent_run`` = 1 / (1 - share) commits and ``ratio`` = mean_run / independent_run.
    ``n`` = transitions (classified commits - 1)."""
    primary = primary_indices(steps, phases)
    n = len(primary) - 1
    if n < 1:
        return undefined(max(n, 0), "needs at least one transition (2 classified commits)")
    counts = np.zeros((len(phases), len(phases)))
    np.add.at(counts, (primary[:-1], primary[1:]), 1.0)
    out = counts.sum(axis=1)
    visits = np.bincount(primary, minlength=len(phases)).astype(np.float64)
    shares = visits / visits.sum()
    result = {}
    for index, phase in enumerate(phases):
        if visits[index] == 0:
            continue
        stay = float(counts[index, index] / out[index]) if out[index] else 1.0
        mean_run = None if stay >= 1 else 1 / (1 - stay)
        share = float(shares[index])
        independent = 1 / (1 - share) if share < 1 else None
        result[phase] = {
            "stay": stay,
            "mean_run": mean_run,
            "independent_run": independent,
            "ratio": None if mean_run is None or independent is None else mean_run / independent,
        }
    return {"n": n, "unit": "commits", "phases": result}
