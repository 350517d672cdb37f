"""Whether a speed change left every output byte-identical.

    python -m benchmarks.same_output save DIR      # before the change: write the JSONs
    python -m benchmarks.same_output compare DIR   # after: exit 1 and name what differs

For every fixture (``fixtures/repos/*.yaml``) and every real history available
(``benchmarks/real.py``), the JSON of ``miner analyze --no-cache --format json`` and the output of
``miner commits --format json`` (every commit's classification) are kept or compared byte for
byte. ``--only NAME,...`` restricts the repositories (e.g. to skip git/git's 82k commits).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from benchmarks.generate import WORK
from benchmarks.measure import ROOT, environment
from benchmarks.real import LARGE, SMALL, available, ensure_real
from fixtures.build import REPOS, build_repository

FIXTURES = WORK / "fixtures"
COMMANDS = {
    "analyze": ["analyze", "--no-cache", "--format", "json"],
    "commits": ["commits", "--no-cache", "--format", "jsonl"],
}


def repositories(only: set[str] | None) -> Iterator[tuple[str, Path]]:
    for spec in sorted(REPOS.glob("*.yaml")):
        name = f"fixture-{spec.stem}"
        if only is None or name in only:
            dest = FIXTURES / spec.stem
            if not dest.exists():
                build_repository(spec, dest)
            yield name, dest
    for name in (*SMALL, *LARGE):
        if (only is None or name in only) and available(name):
            yield name, ensure_real(name)


def output(command: list[str], repo: Path) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "miner", command[0], str(repo), *command[1:]],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        check=False,
    )
    return done.stdout + b"\n--- exit %d\n" % done.returncode + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--only", help="comma-separated names (fixture-NAME or a history name)")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    args.folder.mkdir(parents=True, exist_ok=True)
    differ = []
    for name, repo in repositories(only):
        for label, command in COMMANDS.items():
            kept = args.folder / f"{name}.{label}.out"
            produced = output(command, repo)
            if args.action == "save":
                kept.write_bytes(produced)
                print(f"saved {kept} ({len(produced):,} bytes)", flush=True)
            elif not kept.is_file() or kept.read_bytes() != produced:
                differ.append(f"{name} {label}")
                (args.folder / f"{name}.{label}.new").write_bytes(produced)
                print(f"DIFFERS {name} {label}", flush=True)
            else:
                print(f"same    {name} {label}", flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
