"""A fleet of generated repositories analysed on 1 and on 2 local worker processes.

    python -m benchmarks.bench_fleet [--quick] [--repositories 50] [--commits 300]

Each repository is a synthetic history (benchmarks/generate.py, a different seed each), built
once and cached in ``benchmarks/.work``. Timed: the whole ``miner analyze R1 ... R50 --format
json --no-cache --jobs N`` process, N = 1 then 2 (alternated, median of the runs). The speed-up
is wall(1) / wall(2); on a machine shared with other work it says little about an idle one, so
the load is printed with it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from benchmarks.generate import HistorySpec, ensure_history
from benchmarks.measure import Result, load, run_miner


def fleet(repositories: int, commits: int) -> list[Path]:
    return [ensure_history(HistorySpec(commits, seed=100 + i)) for i in range(repositories)]


def wall(paths: list[Path], jobs: int) -> float:
    args = ["analyze", *map(str, paths), "--format", "json", "--no-cache", "--jobs", str(jobs)]
    return run_miner(args).wall


def run(
    *, quick: bool = False, repositories: int | None = None, commits: int = 300, runs: int = 1
) -> list[Result]:
    count = repositories or (10 if quick else 50)
    paths = fleet(count, commits)
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(runs):
        for jobs in (1, 2):  # alternated, so both see the same drift in load
            times[jobs].append(wall(paths, jobs))
    one, two = statistics.median(times[1]), statistics.median(times[2])
    name = f"fleet {count} repositories x {commits} commits"
    note = f"median of {runs}; whole process, --no-cache; measured under {load()}"
    return [
        Result(name, "wall --jobs 1", one, "s", note=note),
        Result(name, "wall --jobs 2", two, "s", baseline=one, ratio=two / one),
        Result(name, "speed-up 1 -> 2 workers", one / two, "x", note=note),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repositories", type=int)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    for result in run(
        quick=args.quick, repositories=args.repositories, commits=args.commits, runs=args.runs
    ):
        print(f"{result.benchmark}: {result.measure} = {result.value:.3g} {result.unit}")
    print(f"({load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
