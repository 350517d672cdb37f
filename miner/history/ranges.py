"""Which commits a run reads: the revision and filters as ``git rev-list`` arguments, checked
first (a missing object or an option-like revision is a one-line error, never a git crash)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TypeVar

from miner.errors import RepositoryError
from miner.git import reason as _reason
from miner.history.records import HistoryOptions
from miner.history.repository import (
    MISSING_OBJECTS,
    Repository,
)
from miner.history.repository import check_not_option as _check_not_option
from miner.history.repository import run_in as _run_in
from miner.history.repository import tip as _tip

_T = TypeVar("_T")

CHUNK = 1 << 20


# -- reading commits ------------------------------------------------------------------------------


def revision_arguments(repo: Repository, options: HistoryOptions) -> list[str] | None:
    """Filters and revision for rev-list/log; None when there is nothing to read (no commits)."""
    rev = options.rev if options.rev is not None else repo.rev
    _check_not_option("revision", rev)
    _check_not_option("--since date", options.since)
    _check_not_option("--until date", options.until)
    _check_readable(repo, options)
    if rev is None:
        if repo.info.head is None:
            return None
        rev = "HEAD"
    elif rev != repo.rev:
        _tip(repo, rev)  # raises RepositoryError for an unknown revision
    filters = []
    if options.since is not None:
        filters.append(f"--since={options.since}")
    if options.until is not None:
        filters.append(f"--until={options.until}")
    if options.first_parent:
        filters.append("--first-parent")
    return [*filters, "--end-of-options", rev, "--"]


class MissingObjectsError(RepositoryError):
    """git could not read an object (a blob, when detecting renames by similarity)."""


# git's words for an object it cannot read: a damaged copy, or a partial clone's missing blob
MISSING_OBJECT_PATTERN = re.compile(r"unable to read [0-9a-f]{7,}|could not fetch [0-9a-f]{7,}")


def _check_readable(repo: Repository, options: HistoryOptions) -> None:
    """Refuse what needs file contents a repository lacks (one line, never a crash)."""
    why = repo.info.exact_renames
    if why is None:
        return
    if options.churn:
        raise RepositoryError(
            f"--churn counts changed lines, which needs file contents this repository lacks "
            f"({why}); run without --churn"
        )
    if options.backend == "pydriller":
        raise RepositoryError(
            f"--backend pydriller reads file contents, which this repository lacks ({why}); "
            "use the default backend (--backend git)"
        )


def with_exact_renames_if_needed(
    repo: Repository, read: Callable[[Repository], _T]
) -> tuple[_T, Repository]:
    """``read(repo)``; when that fails on an object git cannot read (a damaged or incomplete
    copy), ``read`` again with exact renames only, which reads no blob. Returns the result and
    the repository it was read from (its ``info.exact_renames`` says why, for the report)."""
    try:
        return read(repo), repo
    except MissingObjectsError:
        if repo.info.exact_renames is not None:
            raise
        exact = repo.with_exact_renames(MISSING_OBJECTS)
        return read(exact), exact


def count_commits(repo: Repository, options: HistoryOptions) -> int:
    """How many records :func:`iter_commits` yields for ``options`` (fast; for a progress bar)."""
    revision = revision_arguments(repo, options)
    if revision is None:
        return 0
    result = _run_in(repo, "rev-list", "--count", *revision)
    if result.returncode != 0:
        raise RepositoryError(f"git rev-list failed: {_reason(result.stderr)}")
    return int(result.stdout.strip())


def rev_list(repo: Repository, options: HistoryOptions) -> list[str]:
    """The shas of the range in ``git rev-list --topo-order --reverse`` order (the order
    :func:`miner.history.log.iter_commits` yields them in)."""
    revision = revision_arguments(repo, options)
    if revision is None:
        return []
    listing = _run_in(repo, "rev-list", "--topo-order", "--reverse", *revision)
    if listing.returncode != 0:
        raise RepositoryError(f"git rev-list failed: {_reason(listing.stderr)}")
    return listing.stdout.split()


@contextmanager
def sha_list(shas: Sequence[str]) -> Iterator[IO[bytes]]:
    """A file of ``shas``, one a line, for a git command's ``--stdin`` (a file, not a pipe, so a
    long list can never block against git's output)."""
    with tempfile.TemporaryFile() as listing:
        listing.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
        listing.seek(0)
        yield listing
