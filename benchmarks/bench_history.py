"""History extraction end to end: ``miner`` against the floor (raw ``git log``) and PyDriller.

    python -m benchmarks.bench_history [--quick] [--commits 100000] [--runs 5]

On one synthetic history (benchmarks/generate.py), in the same run:

1. ``miner analyze --format json --no-cache`` (a cold run) vs raw ``git log -z --name-status -M``
   with the fields miner reads (the physical floor: one git process, output thrown away),
   whole-process medians of alternated runs; and vs a PyDriller ``traverse_commits()`` loop
   reading the same fields, capped at a few thousand commits and extrapolated to the whole
   history (stated as such);
2. ``miner analyze --churn`` vs raw ``git log -z --numstat -M``;
4. miner's own peak RSS (git excluded) at three history sizes, and whether it grows linearly;
5. the startup cost of ``miner --version`` and of importing the hook path.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.generate import HistorySpec, ensure_history
from benchmarks.measure import (
    Result,
    Run,
    alternated,
    environment,
    load,
    median_wall,
    run_command,
    run_miner,
)

FIELDS = "--format=%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cI%x00%B%x00"
PYDRILLER_LOOP = """
import sys, time
start = time.perf_counter()
from pydriller import Repository
cap, read = int(sys.argv[2]), 0
for commit in Repository(sys.argv[1]).traverse_commits():
    fields = (commit.hash, commit.parents, commit.author.name, commit.author.email,
              commit.author_date, commit.committer_date, commit.msg)
    files = [(f.change_type, f.new_path, f.old_path) for f in commit.modified_files]
    read += 1
    if read == cap:
        break
print(read, time.perf_counter() - start)
"""
HEAVY_MODULES = ("pandas", "numpy", "scipy", "rich", "git", "pydriller", "yaml", "jsonschema")


def git_log(repo: Path, *diff: str) -> list[str]:
    return ["git", "-C", str(repo), "log", "-z", "-M", *diff, FIELDS, "HEAD"]


def commit_count(repo: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
        env=environment(),
    )
    return int(out.stdout)


def versus_floor(
    name: str, miner_args: Sequence[str], floor: list[str], *, runs: int, target: float
) -> tuple[list[Result], list[Run]]:
    ours, theirs = alternated(lambda: run_miner(miner_args), lambda: run_command(floor), runs)
    mine, base = median_wall(ours), median_wall(theirs)
    ratio = mine / base
    note = f"median of {runs} alternated runs; floor: {' '.join(floor[3:5])} ...; {load()}"
    return [
        Result(
            name, "wall time", mine, "s", base, ratio, f"<= {target}x floor", ratio <= target, note
        )
    ], ours


def pydriller_extrapolated(repo: Path, total: int, cap: int) -> tuple[float, float]:
    """(seconds extrapolated to ``total`` commits, seconds measured for ``cap`` commits)."""
    result = subprocess.run(
        [sys.executable, "-c", PYDRILLER_LOOP, str(repo), str(cap)],
        capture_output=True,
        text=True,
        check=True,
        env=environment(),
    )
    read, seconds = result.stdout.split()
    return float(seconds) * total / int(read), float(seconds)


def bench_extraction(repo: Path, runs: int, pydriller_cap: int) -> list[Result]:
    total = commit_count(repo)
    name = f"analyze {total:,} commits"
    args = ["analyze", str(repo), "--format", "json", "--no-cache"]
    floor = git_log(repo, "--name-status")
    results, ours = versus_floor(name, args, floor, runs=runs, target=1.5)
    mine = results[0].value
    extrapolated, measured = pydriller_extrapolated(repo, total, pydriller_cap)
    speedup = extrapolated / mine
    results.append(
        Result(
            name,
            "vs PyDriller loop",
            speedup,
            "x faster",
            extrapolated,
            mine / extrapolated,
            ">= 50x faster",
            speedup >= 50,
            f"PyDriller read {pydriller_cap:,} commits in {measured:.1f} s (traverse_commits, "
            f"same fields); extrapolated linearly to {total:,}",
        )
    )
    own = statistics.median(run.own_rss_kib or 0 for run in ours) / 1024
    git = statistics.median(run.child_rss_kib or 0 for run in ours) / 1024
    results.append(
        Result(
            name,
            "peak RSS (miner)",
            own,
            "MiB",
            target="<= 250 MiB",
            met=own <= 250,
            note=f"miner's own process; git's peak apart: {git:.0f} MiB",
        )
    )
    return results


def bench_churn(repo: Path, runs: int) -> list[Result]:
    name = f"analyze --churn {commit_count(repo):,} commits"
    args = ["analyze", str(repo), "--format", "json", "--no-cache", "--churn"]
    results, _ = versus_floor(name, args, git_log(repo, "--numstat"), runs=runs, target=1.3)
    return results


def bench_memory(repos: Sequence[Path]) -> list[Result]:
    sizes = [commit_count(repo) for repo in repos]
    rss = [
        run_miner(["analyze", str(repo), "--format", "json", "--no-cache"]).own_rss_kib or 0
        for repo in repos
    ]
    results = [
        Result(
            "peak RSS",
            f"{size:,} commits",
            kib / 1024,
            "MiB",
            note=f"{kib * 1024 / size:,.0f} B/commit",
        )
        for size, kib in zip(sizes, rss, strict=True)
    ]
    # linear or better: the marginal cost per commit does not grow with the history
    low = (rss[1] - rss[0]) / (sizes[1] - sizes[0])
    high = (rss[2] - rss[1]) / (sizes[2] - sizes[1])
    results.append(
        Result(
            "peak RSS",
            "marginal KiB/commit, large vs small step",
            high,
            "KiB/commit",
            low,
            high / low if low > 0 else None,
            "growth no faster than linear (ratio <= 1.2)",
            low <= 0 or high / low <= 1.2,
            f"{sizes[1]:,}->{sizes[2]:,} vs {sizes[0]:,}->{sizes[1]:,} commits",
        )
    )
    return results


def _python(*args: str) -> Run:
    return run_command([sys.executable, *args])


def bench_startup(runs: int) -> list[Result]:
    version = statistics.median(
        run_command([str(Path(sys.executable).parent / "miner"), "--version"]).wall
        for _ in range(runs)
    )
    bare = statistics.median(_python("-c", "pass").wall for _ in range(runs))
    hook = statistics.median(_python("-c", "import miner.hook").wall for _ in range(runs))
    probe = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            f"import miner.hook, sys; print(*[m for m in {HEAVY_MODULES!r} if m in sys.modules])",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=environment(),
    )
    own = re.findall(r"\|\s+(\d+) \| miner\.hook$", probe.stderr, re.MULTILINE)
    heavy = probe.stdout.split() or ["none"]
    return [
        Result(
            "startup",
            "miner --version",
            version * 1000,
            "ms",
            bare * 1000,
            note="baseline: python -c pass",
        ),
        Result(
            "startup",
            "import miner.hook",
            hook * 1000,
            "ms",
            bare * 1000,
            target="<= 100 ms",
            met=hook <= 0.1,
            note=f"importtime cumulative {int(own[0]) / 1000 if own else float('nan'):.0f} ms; "
            f"heavy modules loaded: {', '.join(heavy)}",
        ),
    ]


def run(
    *, quick: bool = False, commits: int | None = None, runs: int | None = None
) -> list[Result]:
    """Every benchmark of this module; ``quick`` uses small histories and fewer runs."""
    size = commits or (5_000 if quick else 100_000)
    runs = runs or (3 if quick else 5)
    repo = ensure_history(HistorySpec(size))
    results = bench_extraction(repo, runs, 300 if quick else 2_000)
    results += bench_churn(repo, max(3, runs - 2))
    ladder = (1_000, 2_000, 5_000) if quick else (10_000, 50_000, 200_000)
    results += bench_memory([ensure_history(HistorySpec(n)) for n in ladder])
    results += bench_startup(runs * 2 + 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small histories, fewer runs")
    parser.add_argument("--commits", type=int, help="history size for 1 and 2")
    parser.add_argument("--runs", type=int)
    args = parser.parse_args(argv)
    from benchmarks.run import print_table

    print_table(run(quick=args.quick, commits=args.commits, runs=args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
