"""The same tasks on a ``dask.distributed`` cluster (the optional extra ``miner[dask]``).

Workers receive the plain :class:`~miner.fleet.task.FleetTask` and return the plain outcome; a
URL is cloned into the worker's own temporary folder and removed after its analysis. When a
worker dies, the scheduler reschedules its task on another worker (up to its
``distributed.scheduler.allowed-failures``, default 3); a task that still cannot finish is
reported as failed with the scheduler's reason, so no repository is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from miner.errors import UsageError
from miner.fleet.task import FleetTask, RepoOutcome, failed

if TYPE_CHECKING:
    from distributed import Client

CONNECT_TIMEOUT = "10s"  # how long to keep trying a scheduler that does not answer


def connect(address: str) -> Client:
    """A client of the scheduler at ``address`` (``tcp://host:8786``); a one-line error when
    Dask is not installed or the scheduler cannot be reached."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--dask needs dask.distributed: pip install 'miner[dask]'") from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise UsageError(f"--dask {address}: cannot reach the scheduler: {error}") from None


def run_on_dask(
    tasks: Sequence[FleetTask],
    address: str,
    done: Callable[[], None],
    worker: Callable[[FleetTask], RepoOutcome],
) -> list[RepoOutcome]:
    from distributed import as_completed

    # as_current: as_completed finds the client there; the user's default client is left alone.
    with connect(address) as client, client.as_current():
        # pure=False: two tasks for the same target are two runs, never merged by key.
        futures = client.map(worker, list(tasks), pure=False)
        position = {future.key: index for index, future in enumerate(futures)}
        outcomes: dict[int, RepoOutcome] = {}
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            index = position[future.key]
            if future.status == "finished":
                outcomes[index] = future.result()
            else:
                reason = future.exception()
                outcomes[index] = failed(
                    tasks[index].target,
                    f"the Dask cluster could not run it: {type(reason).__name__}: {reason}",
                )
            done()
    return [outcomes[index] for index in range(len(tasks))]
