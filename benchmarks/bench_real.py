"""``miner analyze`` on real histories (pytest's, git/git's) against raw ``git log``, same run.

    python -m benchmarks.bench_real [--quick] [--runs 3]

For each history of ``benchmarks/real.py`` (rebuilt once from its fast-import stream):

1. cold ``analyze --no-cache --format json`` vs raw ``git log -z -M --name-status`` with the fields
   miner reads: whole-process medians of alternated runs (targets: git/git <= 1.5x, pytest
   <= 2.5x), and miner's own peak RSS (git excluded; target <= 250 MiB on git/git);
2. the store: ``analyze --cache`` on a clone fills it; 100 new commits (messages copied from the
   history's newest ones) are added with fast-import; the re-run's wall time over the cold run's
   (target <= 25% on git/git).

``--quick`` measures pytest's history only, one run each.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_history import git_log
from benchmarks.measure import Result, alternated, environment, load, run_command, run_miner
from benchmarks.real import available, ensure_real

TARGETS = {"pytest": 2.5, "git": 1.5}
RSS_TARGET_MIB = 250
STORE_TARGET = 0.25
NEW_COMMITS = 100


def bench_history(name: str, runs: int) -> list[Result]:
    repo = ensure_real(name)
    args = ["analyze", str(repo), "--format", "json", "--no-cache"]
    floor = git_log(repo, "--name-status")
    ours, theirs = alternated(lambda: run_miner(args), lambda: run_command(floor), runs)
    mine = statistics.median(run.wall for run in ours)
    base = statistics.median(run.wall for run in theirs)
    target = TARGETS[name]
    note = f"median of {runs} alternated runs, same run as the floor; {load()}"
    own = statistics.median(run.own_rss_kib or 0 for run in ours) / 1024
    git = statistics.median(run.child_rss_kib or 0 for run in ours) / 1024
    cpu_mine = statistics.median(run.cpu for run in ours)
    cpu_base = statistics.median(run.cpu for run in theirs)
    results = [
        Result(
            name,
            "analyze, cold",
            mine,
            "s",
            base,
            mine / base,
            f"<= {target}x git log",
            mine / base <= target,
            note,
        ),
        Result(
            name,
            "analyze, cold, CPU time",
            cpu_mine,
            "s",
            cpu_base,
            cpu_mine / cpu_base,
            note="user+system seconds of miner (with its git child) and of git log: less "
            "sensitive to a loaded machine than wall time",
        ),
        Result(
            name,
            "peak RSS (miner)",
            own,
            "MiB",
            target=f"<= {RSS_TARGET_MIB} MiB",
            met=own <= RSS_TARGET_MIB if name == "git" else None,
            note=f"miner's own process; git's peak apart: {git:.0f} MiB",
        ),
    ]
    results.append(bench_store(name, repo, mine))
    return results


def bench_store(name: str, repo: Path, cold: float) -> Result:
    scratch = Path(tempfile.mkdtemp(prefix="bench-real-store-"))
    try:
        clone = scratch / "repo"
        git(["clone", "-q", "--local", "--no-checkout", str(repo), str(clone)])
        cache = scratch / "cache.sqlite"
        args = ["analyze", str(clone), "--format", "json", "--cache", str(cache)]
        fill = run_miner(args).wall
        add_commits(clone, NEW_COMMITS)
        again = run_miner(args).wall
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ratio = again / cold
    return Result(
        name,
        f"store re-run after {NEW_COMMITS} new commits",
        again,
        "s",
        cold,
        ratio,
        f"<= {STORE_TARGET:.0%} of cold",
        ratio <= STORE_TARGET if name == "git" else None,
        f"baseline: the cold --no-cache median; filling the store took {fill:.1f} s; {load()}",
    )


def git(args: list[str], *, stdin: bytes | None = None, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *args], input=stdin, capture_output=True, check=True, env=environment(), cwd=cwd
    ).stdout.decode("utf-8", "replace")


def add_commits(repo: Path, count: int) -> None:
    """``count`` commits on top of HEAD, each changing one file, with real messages."""
    messages = git(["-C", str(repo), "log", "-z", f"-{count}", "--format=%B"]).split("\0")
    head = git(["-C", str(repo), "rev-parse", "HEAD"]).strip().encode()
    stream = bytearray()
    when = int(time.time())
    for index in range(count):
        message = (messages[index % len(messages)] or "Change\n").encode("utf-8")
        content = f"new revision {index}\n".encode()
        stream += b"commit refs/heads/bench\n"
        stream += f"committer Bench <bench@example.com> {when + index} +0000\n".encode()
        stream += b"data %d\n%s\n" % (len(message), message)
        if index == 0:
            stream += b"from %s\n" % head
        stream += b"M 100644 inline bench/new_%d.txt\ndata %d\n%s\n" % (
            index % 7,
            len(content),
            content,
        )
    git(["-C", str(repo), "fast-import", "--quiet"], stdin=bytes(stream))
    git(["-C", str(repo), "update-ref", "HEAD", "refs/heads/bench"])


def run(*, quick: bool) -> list[Result]:
    names = ["pytest"] if quick else ["pytest", "git"]
    results: list[Result] = []
    for name in names:
        if not available(name):
            print(f"{name}: history not available; skipped", flush=True)
            continue
        results += bench_history(name, 1 if quick else 3)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="pytest or git")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from benchmarks.run import print_table

    names = [args.only] if args.only else (["pytest"] if args.quick else ["pytest", "git"])
    results = [r for name in names for r in bench_history(name, args.runs)]
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
