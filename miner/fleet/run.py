"""Run the fleet's tasks: in this process, on a local process pool, or on a Dask cluster.

Every runner returns one :class:`~miner.fleet.task.RepoOutcome` per task, in the order of the
tasks (never the order of completion), so the same input gives the same fleet whichever runner
ran it. A task whose worker died is retried once on its own; if it kills its worker again it is
reported as failed with that reason — a repository is never lost.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from miner.errors import ConfigError, UsageError, reading
from miner.fleet.result import Fleet, build_fleet
from miner.fleet.task import FleetTask, RepoOutcome, analyse_one, failed, for_worker, shown_source
from miner.pipeline.options import AnalysisOptions
from miner.rules.load import load_rules, rules_from_text

Done = Callable[[], None]  # told once per finished repository (the progress count)
Worker = Callable[[FleetTask], RepoOutcome]

WORKER_DIED = "the worker process died while analysing it (killed, out of memory or crashed)"


def default_jobs() -> int:
    """The machine's cores (those this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_tasks(
    tasks: Sequence[FleetTask],
    *,
    jobs: int | None = None,
    dask: str | None = None,
    done: Done | None = None,
    worker: Worker = analyse_one,
) -> list[RepoOutcome]:
    """Each task's outcome, in task order: on the Dask scheduler at ``dask`` when given, else
    on ``jobs`` local processes (default: the machine's cores; 1 runs here, in this process).
    ``worker`` is the function run per task (a test can make one that crashes its worker)."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    tell = done or (lambda: None)
    if dask is not None:
        from miner.fleet.cluster import run_on_dask

        return run_on_dask(tasks, dask, tell, worker)
    jobs = min(jobs or default_jobs(), max(1, len(tasks)))
    if jobs == 1:
        return [_counted(worker(task), tell) for task in tasks]
    return run_on_pool(tasks, jobs, tell, worker)


def _counted(outcome: RepoOutcome, done: Done) -> RepoOutcome:
    done()
    return outcome


def run_on_pool(
    tasks: Sequence[FleetTask], jobs: int, done: Done, worker: Worker
) -> list[RepoOutcome]:
    outcomes: dict[int, RepoOutcome] = {}
    lost = _pool_round(
        tasks, range(len(tasks)), jobs=jobs, worker=worker, outcomes=outcomes, done=done
    )
    for index in lost:  # each alone, so a task that kills its worker cannot take others along
        if _pool_round(tasks, [index], jobs=1, worker=worker, outcomes=outcomes, done=done):
            outcomes[index] = failed(tasks[index].target, WORKER_DIED)
            done()
    return [outcomes[index] for index in range(len(tasks))]


def _pool_round(
    tasks: Sequence[FleetTask],
    indices: Sequence[int],
    *,
    jobs: int,
    worker: Worker,
    outcomes: dict[int, RepoOutcome],
    done: Done,
) -> list[int]:
    """Run ``indices`` on a fresh pool, filling ``outcomes``; the indices whose worker died."""
    lost: list[int] = []
    # spawn: a fresh interpreter per worker, never a fork of a process that has threads (the
    # progress bar's) or open git pipes.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: dict[Future[RepoOutcome], int] = {
            pool.submit(worker, tasks[index]): index for index in indices
        }
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcomes[index] = future.result()
            except BrokenProcessPool:
                lost.append(index)
                continue
            done()
    return sorted(lost)


def analyze_fleet(
    targets: Sequence[str],
    settings: AnalysisOptions,
    *,
    jobs: int | None = None,
    dask: str | None = None,
    done: Done | None = None,
    worker: Worker = analyse_one,
) -> Fleet:
    """Analyse every target (path or URL) with the same rules and options, then compare and
    pool. The rules are read once, here (``settings.rules`` or the packaged rules; a
    repository's own ``.miner/phase_rules.yaml`` is not used, so every repository is read the
    same way) and travel to the workers as text."""
    check_targets(targets, settings)
    text, source = shared_rules_text(settings.rules)
    rules = load_rules() if text is None else rules_from_text(text, source=source)
    if settings.min_share is not None:
        rules = rules.with_min_share(settings.min_share)
    tasks = [FleetTask(target, for_worker(settings), text, source) for target in targets]
    outcomes = run_tasks(tasks, jobs=jobs, dask=dask, done=done, worker=worker)
    return build_fleet(
        outcomes,
        phases=rules.phases,
        rules_source=rules.source,
        rules_hash=rules.digest,
        seed=settings.seed,
    )


def check_targets(targets: Sequence[str], settings: AnalysisOptions) -> None:
    if not targets:
        raise UsageError("no repositories to analyse")
    seen: set[str] = set()
    for target in targets:
        if target in seen:
            raise UsageError(f"repository given twice: {shown_source(target)}")
        seen.add(target)
    if settings.cache is not None:
        raise UsageError(
            "--cache names one store: with several repositories each uses its own default "
            "store (or give --no-cache)"
        )


def shared_rules_text(path: str | None) -> tuple[str | None, str]:
    """The rules every repository is read with, as (YAML text or None for the packaged
    rules, source name)."""
    if path is None:
        return None, "default"
    with reading(path, "rules file", ConfigError):
        text = Path(path).read_text(encoding="utf-8")
    return text, path


def read_targets(path: str) -> list[str]:
    """``--repos-from FILE``: one path or URL a line; blank lines and ``#`` comments skipped
    (``-`` reads standard input)."""
    if path == "-":
        lines = sys.stdin.read().splitlines()
    else:
        with reading(path, "repository list", UsageError):
            lines = Path(path).read_text(encoding="utf-8").splitlines()
    entries = (line.strip() for line in lines)
    # A comment is a line starting with '#' or the end of a line after " #" (a URL may hold '#').
    return [
        entry.split(" #", 1)[0].strip() for entry in entries if entry and not entry.startswith("#")
    ]
