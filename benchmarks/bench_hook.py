"""How much the miner hook adds to ``git commit`` on a 10,000-commit repository.

    .venv/bin/python benchmarks/bench_hook.py [--commits 10000] [--runs 15]

Builds a deterministic repository with ``git fast-import`` (an ML project's paths and messages,
so the default rules classify most commits), installs the hook with this interpreter, then
times ``git commit -m`` with the hook and without it (``core.hooksPath`` pointed at an empty
folder), alternating the two so both see the same machine load. Each commit stages a real
change first (not timed). Prints the medians and their difference, plus one commit with a cold
focus cache (after a rebase or the first commit on a fresh clone, the cache is rebuilt once) and
one with a cold rules cache (the rules file changed: the rules are compiled once).

The timed processes write and read bytecode under the bench's scratch folder
(``PYTHONPYCACHEPREFIX``, ``PYTHONDONTWRITEBYTECODE`` unset), and one untimed hooked commit
fills it first: an installed miner has its ``.pyc`` files, so a hook run must not be charged for
compiling every module (with ``PYTHONDONTWRITEBYTECODE=1`` each run would recompile them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner.hook.install import install  # noqa: E402
from miner.hook.state import prime_state  # noqa: E402

PATHS = (
    ("data/raw/download.py", "Download the raw data"),
    ("src/features/build_features.py", "Clean and engineer features"),
    ("src/models/train_model.py", "Train the model"),
    ("src/models/evaluate.py", "Evaluate the model"),
    ("app/Dockerfile", "Deploy the model API"),
    ("monitoring/drift.py", "Add drift alerts"),
    (".github/workflows/ci.yml", "Update CI"),
    ("docs/notes.md", "Update notes"),
)
ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "1704067200 +0000",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_COMMITTER_DATE": "1704067200 +0000",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def fast_import_stream(commits: int) -> Iterator[bytes]:
    """A linear history (each commit continues the branch); commit i changes one file of PATHS,
    in a pattern that makes the focus move."""
    start = 1_600_000_000
    for i in range(commits):
        path, subject = PATHS[(i * 7 + i // 50) % len(PATHS)]
        message = f"{subject} ({i})\n".encode()
        content = f"revision {i}\n".encode()
        yield b"commit refs/heads/main\n"
        yield f"committer Bench <bench@example.com> {start + i * 3600} +0000\n".encode()
        yield b"data %d\n%s\n" % (len(message), message)
        yield f"M 100644 inline {path}\n".encode()
        yield b"data %d\n%s\n" % (len(content), content)


def build(repo: Path, commits: int) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q", str(repo)], check=True)
    stream = b"".join(fast_import_stream(commits))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=stream, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)


def timed_commit(repo: Path, n: int, *, hooked: bool, empty_hooks: Path) -> float:
    path, subject = PATHS[n % len(PATHS)]
    (repo / path).write_text(f"bench {n}\n")
    subprocess.run(["git", "add", path], cwd=repo, check=True)
    config = [] if hooked else ["-c", f"core.hooksPath={empty_hooks}"]
    command = ["git", *config, "commit", "-q", "-m", f"{subject} (bench {n})"]
    begin = time.perf_counter()
    subprocess.run(command, cwd=repo, check=True)
    return time.perf_counter() - begin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(prefix="miner-bench-hook-") as scratch:
        repo, empty_hooks = Path(scratch) / "repo", Path(scratch) / "no-hooks"
        empty_hooks.mkdir()
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
        print(f"bytecode cached in {os.environ['PYTHONPYCACHEPREFIX']} (filled before timing)")
        begin = time.perf_counter()
        build(repo, args.commits)
        print(f"built {args.commits} commits in {time.perf_counter() - begin:.1f} s")
        install(repo, python=sys.executable)
        begin = time.perf_counter()
        primed = prime_state(repo)
        print(
            f"install primed the focus cache from {primed} commits in "
            f"{time.perf_counter() - begin:.2f} s"
        )
        # Fills the bytecode cache, also for the modules that compile rules (the rules cache that
        # install wrote is dropped, so that this commit compiles them in a hook process).
        (repo / ".git" / "miner" / "hook-rules.json").unlink(missing_ok=True)
        timed_commit(repo, -1, hooked=True, empty_hooks=empty_hooks)
        with_hook: list[float] = []
        without: list[float] = []
        for n in range(args.runs):
            order = (True, False) if n % 2 == 0 else (False, True)
            for hooked in order:
                seconds = timed_commit(repo, 2 * n + hooked, hooked=hooked, empty_hooks=empty_hooks)
                (with_hook if hooked else without).append(seconds)
        tail = (
            subprocess.run(
                ["git", "log", "-1", "--format=%B"],
                cwd=repo,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        (repo / ".git" / "miner" / "hook-state.json").unlink()
        cold = timed_commit(repo, 10 * args.runs, hooked=True, empty_hooks=empty_hooks)
        (repo / ".git" / "miner" / "hook-rules.json").unlink(missing_ok=True)
        cold_rules = timed_commit(repo, 10 * args.runs + 1, hooked=True, empty_hooks=empty_hooks)
    median_with = statistics.median(with_hook) * 1000
    median_without = statistics.median(without) * 1000
    print(f"git commit without hook: median {median_without:.1f} ms over {len(without)} runs")
    print(f"git commit with hook:    median {median_with:.1f} ms over {len(with_hook)} runs")
    print(f"added by the hook:       {median_with - median_without:.1f} ms (budget 100 ms)")
    print(f"with a cold focus cache: {cold * 1000:.0f} ms (once, rebuilt from all history)")
    print(f"with a cold rules cache: {cold_rules * 1000:.0f} ms (once, after the rules changed)")
    print(f"last hooked message ends with: {tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
