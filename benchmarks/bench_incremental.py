"""How much the incremental store saves: a first full run against a re-run after new commits.

Builds a synthetic ML project history with ``git fast-import`` (20,000 commits by default, in a
few seconds), then, in the same process and run:

1. ``analyze(..., use_cache=True)`` on an empty store (mines everything, fills the store);
2. adds 100 commits, then ``analyze(..., use_cache=True)`` again (reads only the new ones);
3. ``analyze(...)`` without the store on the grown history, as the fresh-run reference, and
   checks that both give byte-identical JSON.

It prints each time and the ratio re-run / first run (the target is <= 10%), for the whole
``analyze`` call and for its mining part alone (history + classification: what the store
replaces; the sequence analysis and statistics run over the whole range either way).

    python -m benchmarks.bench_incremental [--commits 20000] [--new 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Typical paths and subjects per phase, so the classifier has real work and the sequence real
# revisits. Files are tiny: the store's cost does not depend on blob sizes.
PHASE_WORK = (
    (("docs/requirements.md", "docs/adr/0001-goal.md"), "Define success metric for {n}"),
    (("scripts/download_data.py", "data/raw/source.dvc"), "Ingest raw data batch {n}"),
    (("src/features/build_features.py", "notebooks/eda_{n}.ipynb"), "Clean data and features {n}"),
    (("src/models/train.py", "params.yaml"), "Train model with new params {n}"),
    (("deploy/Dockerfile", "serving/app.py"), "Deploy model service {n}"),
    (("monitoring/drift.py", "monitoring/alerts.yaml"), "Add drift monitoring check {n}"),
    ((".github/workflows/ci.yml", "requirements.txt"), "Update CI pipeline {n}"),
    (("infra/autoscaling.yaml", "src/distributed.py"), "Scale training workers {n}"),
    (("MODEL_CARD.md", "LICENSE"), "Update model card and licence {n}"),
)
START = 1_600_000_000  # 2020-09-13
OFFSETS = ("+0000", "+0200", "-0500", "+0530")


def fast_import_stream(count: int, *, first: int, seed: int, parent: str | None) -> bytes:
    """``count`` linear commits on refs/heads/main, numbered from ``first``, in fast-import
    format; ``parent`` is where the first one attaches (None for a new history)."""
    rng = random.Random(seed)
    phase = 0
    lines: list[bytes] = []
    for number in range(first, first + count):
        # Mostly stay in a phase, sometimes move on, sometimes go back: real revisits.
        roll = rng.random()
        if roll < 0.15:
            phase = min(phase + 1, len(PHASE_WORK) - 1)
        elif roll < 0.25:
            phase = rng.randrange(len(PHASE_WORK))
        paths, subject = PHASE_WORK[phase]
        path = rng.choice(paths).format(n=number % 50)
        message = subject.format(n=number).encode() + b"\n"
        when = f"{START + number * 3600} {OFFSETS[number % len(OFFSETS)]}".encode()
        body = f"change {number}\n".encode()
        lines += [
            b"commit refs/heads/main",
            b"author Dev <dev@example.com> " + when,
            b"committer Dev <dev@example.com> " + when,
            b"data %d" % len(message),
            message,
        ]
        if number == first and parent is not None:
            lines.append(f"from {parent}".encode())
        lines += [f"M 100644 inline {path}".encode(), b"data %d" % len(body), body]
    return b"\n".join(lines) + b"\n"


def git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env=env,
        input=stdin,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def grow(repo: Path, count: int, *, first: int, seed: int) -> None:
    """Append ``count`` commits to main (creating the repository when it has none)."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q")
        parent = None
    else:
        parent = git(repo, "rev-parse", "main").strip()
    git(
        repo,
        "fast-import",
        "--quiet",
        stdin=fast_import_stream(count, first=first, seed=seed, parent=parent),
    )


def timed(run: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def mining_time(repo: Path, cache: Path | None) -> float:
    """Seconds for the mining part alone (history + classification), with or without store."""
    from miner.history.log import iter_commits
    from miner.history.repository import is_url, open_repository
    from miner.pipeline.incremental import mine_with_store
    from miner.pipeline.mine import mine
    from miner.pipeline.options import AnalysisOptions
    from miner.rules.resolve import resolve_rules

    settings = AnalysisOptions(use_cache=cache is not None, cache=str(cache) if cache else None)
    with open_repository(str(repo)) as handle:
        rules = resolve_rules(None, work_tree=handle.work_tree)
        start = time.perf_counter()
        if cache is None:
            mine(iter_commits(handle, settings.history()), rules, settings)
        else:
            assert not is_url(str(repo))
            mine_with_store(handle, rules, settings, cache, owned=False)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args(argv)

    from miner.pipeline.run import analyze
    from miner.report.json import render

    scratch = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    repo = args.keep or scratch / "repo"
    try:
        build, _ = timed(lambda: grow(repo, args.commits, first=0, seed=1))
        print(f"built {args.commits} commits with git fast-import in {build:.1f} s")
        cache, mining_cache = scratch / "cache.sqlite", scratch / "mining.sqlite"
        first, _ = timed(lambda: analyze(str(repo), use_cache=True, cache=str(cache)))
        first_mining = mining_time(repo, mining_cache)
        grow(repo, args.new, first=args.commits, seed=2)
        again, cached = timed(lambda: analyze(str(repo), use_cache=True, cache=str(cache)))
        again_mining = mining_time(repo, mining_cache)
        fresh, analysis = timed(lambda: analyze(str(repo)))
        fresh_mining = mining_time(repo, None)
        same = render(cached) == render(analysis)
        print(f"analyze, first run (empty store):   {first:7.2f} s")
        print(
            f"analyze, re-run after {args.new} commits:  {again:7.2f} s  "
            f"ratio {again / first:.1%}  (target <= 10%)"
        )
        print(f"analyze without store (reference):  {fresh:7.2f} s")
        print(f"mining only, first run:             {first_mining:7.2f} s")
        print(
            f"mining only, re-run:                {again_mining:7.2f} s  "
            f"ratio {again_mining / first_mining:.1%}"
        )
        print(f"mining only, without store:         {fresh_mining:7.2f} s")
        print(f"re-run JSON identical to a fresh run: {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
