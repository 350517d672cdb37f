"""The statistics with resampling (bootstrap, permutation) on a 100,000-commit history.

    python -m benchmarks.bench_stats [--quick] [--commits 100000] [--runs 3]

The classified steps come from the real pipeline (history -> classification) over a synthetic
history (benchmarks/generate.py); then, timed separately, the sequence analysis, the matrices,
and ``compute_statistics`` (SPEC §5: independence, linearity, revisit rate with its bootstrap,
structure with its permutation test, trend, Markov), whose target is under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from benchmarks.generate import HistorySpec, ensure_history
from benchmarks.measure import Result, load
from miner.history.log import iter_commits
from miner.history.repository import open_repository
from miner.measures.matrices import build_matrices
from miner.measures.stats import compute_statistics
from miner.pipeline.analysis import to_steps
from miner.pipeline.mine import mine
from miner.pipeline.options import AnalysisOptions
from miner.rules.model import Rules
from miner.rules.resolve import resolve_rules
from miner.sequence.revisits import Step, analyse_sequence

T = TypeVar("T")


def classified_steps(commits: int) -> tuple[list[Step], Rules]:
    repo = ensure_history(HistorySpec(commits))
    settings = AnalysisOptions()
    with open_repository(str(repo)) as handle:
        rules = resolve_rules(None, work_tree=handle.work_tree)
        mined, _ = mine(iter_commits(handle, settings.history()), rules, settings)
    return to_steps(mined), rules


def timed(call: Callable[[], T], runs: int) -> tuple[float, T]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def run(*, quick: bool = False, commits: int | None = None, runs: int = 3) -> list[Result]:
    size = commits or (5_000 if quick else 100_000)
    steps, rules = classified_steps(size)
    phases, options = rules.phases, AnalysisOptions().sequence()
    name = f"statistics {len(steps):,} classified steps"
    sequence_time, sequence = timed(lambda: analyse_sequence(steps, phases, options), runs)
    matrices_time, matrices = timed(lambda: build_matrices(steps, sequence, phases), runs)
    stats_time, _ = timed(
        lambda: compute_statistics(steps, sequence, matrices, phases, seed=0), runs
    )
    note = f"median of {runs}; from a {size:,}-commit history; {load()}"
    return [
        Result(name, "sequence analysis", sequence_time, "s", note=note),
        Result(name, "matrices", matrices_time, "s", note=note),
        Result(
            name,
            "statistics (bootstrap + permutation)",
            stats_time,
            "s",
            target="< 1 s",
            met=stats_time < 1,
            note=note,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--commits", type=int)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks.run import print_table

    print_table(run(quick=args.quick, commits=args.commits, runs=args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
