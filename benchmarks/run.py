"""Run every benchmark, print one table and write ``benchmarks/results.json`` (``make bench``).

    python -m benchmarks.run [--quick] [--only history,stats,classify,...] [--output FILE]

``--quick`` uses small histories (a few thousand commits) and fewer runs: a smoke run in about
a minute, not a measurement of the targets. The full run builds the synthetic histories once
(10k-200k commits, cached in ``benchmarks/.work``; the first build takes several minutes).

Benchmarks of this package are found by name (``benchmarks/bench_*.py``): a module with
``run(*, quick: bool) -> list[Result]`` contributes rows; a module with only a ``main`` runs as
``python -m benchmarks.NAME`` and its printed lines are kept in the results as they are.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import ROOT, Result, environment, load

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
# Arguments for modules that only have a main(): their own small sizes for --quick.
QUICK_ARGS = {"bench_incremental": ["--commits", "2000"], "bench_hook": []}
CLASSIFY_TARGET = 200_000


def classify_results(*, quick: bool) -> list[Result]:
    """bench_classify's own measurement (commits/s over realistic synthetic commits)."""
    from benchmarks.bench_classify import measure, synthetic_commits

    count, runs = (20_000, 1) if quick else (100_000, 3)
    commits = synthetic_commits(count, 7, 0.5)
    rate = statistics.median(measure(commits) for _ in range(runs))
    return [
        Result(
            f"classification {count:,} commits",
            "throughput",
            rate,
            "commits/s",
            target=f">= {CLASSIFY_TARGET:,}/s",
            met=rate >= CLASSIFY_TARGET,
            note=f"median of {runs}; 50% unique messages; fresh caches each run; {load()}",
        )
    ]


def module_names() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def run_module(name: str, *, quick: bool) -> tuple[list[Result], dict[str, Any] | None]:
    """Rows of a module with ``run``; otherwise its printed output as one record."""
    if name == "bench_classify":
        return classify_results(quick=quick), None
    module = importlib.import_module(f"benchmarks.{name}")
    if callable(getattr(module, "run", None)):
        return list(module.run(quick=quick)), None
    args = QUICK_ARGS.get(name, []) if quick else []
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    output = {
        "module": name,
        "arguments": args,
        "exit_status": done.returncode,
        "seconds": round(time.perf_counter() - start, 2),
        "output": (done.stdout + done.stderr).strip().splitlines(),
    }
    return [], output


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def print_table(results: Sequence[Result]) -> None:
    rows = [("benchmark", "measure", "value", "baseline", "ratio", "target", "met")]
    for r in results:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}x"
        rows.append(
            (
                r.benchmark,
                r.measure,
                f"{_number(r.value)} {r.unit}",
                _number(r.baseline),
                ratio,
                r.target or "",
                met,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for r in results:
        if r.note:
            print(f"  {r.benchmark} / {r.measure}: {r.note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", help="comma-separated module names without bench_ (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = module_names()
    if args.only:
        wanted = {f"bench_{name.strip()}" for name in args.only.split(",")}
        names = [name for name in names if name in wanted]
    results: list[Result] = []
    outputs: list[dict[str, Any]] = []
    for name in names:
        print(f"== {name} ({load()})", flush=True)
        rows, output = run_module(name, quick=args.quick)
        results += rows
        if output is not None:
            outputs.append(output)
            print("\n".join(output["output"]), flush=True)
    print()
    print_table(results)
    document = {
        "quick": args.quick,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_at_end": load(),
        },
        "results": [r.as_dict() for r in results],
        "other_benchmarks": outputs,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    missed = [r for r in results if r.met is False]
    return 1 if missed and not args.quick else 0  # quick sizes say nothing about the targets


if __name__ == "__main__":
    sys.exit(main())
