"""What every benchmark shares: result rows, whole-process timing, alternated medians.

Timing is whole-process wall time (start to exit). ``miner`` runs through :data:`MINER`, the
same entry as the console script plus one line that reports its own peak RSS
(``RUSAGE_SELF``: git, its child, is excluded and reported apart as ``RUSAGE_CHILDREN``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MINER = (
    "import resource, sys\n"
    "from miner.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "me = resource.getrusage(resource.RUSAGE_SELF)\n"
    "kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime\n"
    "sys.stderr.write(f'\\nmaxrss-kib {me.ru_maxrss} {kids.ru_maxrss} {cpu}\\n')\n"
    "sys.exit(code)\n"
)
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Result:
    """One measured number, with its baseline and target when it has them."""

    benchmark: str
    measure: str
    value: float
    unit: str
    baseline: float | None = None  # the same measure for the baseline (same unit)
    ratio: float | None = None  # value / baseline
    target: str | None = None  # e.g. "<= 1.5x", ">= 200000/s"
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Run:
    wall: float  # seconds
    own_rss_kib: int | None = None  # miner's own peak RSS (None for other commands)
    child_rss_kib: int | None = None  # the largest child's (git's) peak RSS
    cpu: float = 0.0  # user + system seconds of the process and its children


def environment() -> dict[str, str]:
    """No user or system git configuration; the project importable as in ``make bench``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", CI="1")
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_miner(args: Sequence[str]) -> Run:
    """``miner ARGS`` as a whole process, output discarded; its and git's peak RSS."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MINER, *args],
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - start
    lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
    if result.returncode != 0 or not lines or not lines[-1].startswith("maxrss-kib "):
        raise RuntimeError(f"miner {' '.join(args)} failed: {' '.join(lines[-3:])}")
    own, child, cpu = lines[-1].split()[1:]
    return Run(wall, int(own), int(child), float(cpu))


def run_command(command: Sequence[str], cwd: Path | None = None) -> Run:
    """A command as a whole process, its stdout read through a pipe and thrown away."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=environment(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    while process.stdout.read1(_CHUNK):  # type: ignore[attr-defined]
        pass
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed")
    return Run(time.perf_counter() - start, cpu=usage.ru_utime + usage.ru_stime)


def alternated(
    first: Callable[[], Run], second: Callable[[], Run], runs: int
) -> tuple[list[Run], list[Run]]:
    """``runs`` of each, alternating which goes first, after one untimed warm-up of each (so
    both find the repository in the page cache)."""
    first()
    second()
    ours: list[Run] = []
    theirs: list[Run] = []
    for index in range(runs):
        if index % 2 == 0:
            ours.append(first())
            theirs.append(second())
        else:
            theirs.append(second())
            ours.append(first())
    return ours, theirs


def median_wall(runs: Sequence[Run]) -> float:
    return statistics.median(run.wall for run in runs)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"
