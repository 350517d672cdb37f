"""Stage 1: read a repository's history with one streamed ``git log``.

Everything leaves the history stage as plain frozen records (:mod:`miner.history.records`);
nothing downstream can spawn git by accident.

How the history is read (each choice measured for speed; see the README, "Performance"):

- one streaming ``git log -z --topo-order --reverse`` process per analysis, read in large chunks
  and split on NUL; :func:`parse_log` is the pure parser, :func:`iter_commits` only starts git;
- line counts (``churn``) are opt-in: they cost a blob diff per commit;
- git runs with an environment built by :func:`git_environment` (inherited ``GIT_*`` variables
  such as a hook's ``GIT_DIR``/``GIT_INDEX_FILE`` dropped) and with options that make the
  repository's own configuration unable to run code or change the output format.

Decoding: :mod:`miner.history.parse`.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

from miner.errors import RepositoryError, UsageError
from miner.git import probe_git, start_git
from miner.git import reason as _reason
from miner.history.parse import LOG_FORMAT, parse_log
from miner.history.pydriller_backend import iter_commits_pydriller
from miner.history.ranges import (
    CHUNK,
    MISSING_OBJECT_PATTERN,
    MissingObjectsError,
    revision_arguments,
    sha_list,
)
from miner.history.records import CommitRecord, HistoryOptions
from miner.history.repository import (
    Repository,
    git_args,
)


def with_progress(
    records: Iterable[CommitRecord], progress: Callable[[int], None]
) -> Iterator[CommitRecord]:
    """``records``, calling ``progress`` with the number read so far after each one."""
    for read, record in enumerate(records, start=1):
        yield record
        progress(read)


def log_command(repo: Repository, options: HistoryOptions, revision: list[str]) -> list[str]:
    """The arguments of the one ``git log`` :func:`iter_commits` runs."""
    diff = ["--raw", "--numstat"] if options.churn else ["--name-status"]
    merges = ["--diff-merges=first-parent"] if options.first_parent else ["--diff-merges=off"]
    return git_args(
        repo,
        "log",
        "--topo-order",
        "--reverse",
        "-z",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-relative",
        "--encoding=UTF-8",
        # exact renames (identical content) compare object ids only: no blob is read
        "-M" if repo.info.exact_renames is None else "-M100%",
        "-O/dev/null",  # no diff.orderFile: paths in git's own order
        *diff,
        *merges,
        LOG_FORMAT,
        *revision,
    )


def iter_commits(repo: Repository, options: HistoryOptions) -> Iterator[CommitRecord]:
    """Every commit of the range, oldest first in ``git rev-list --topo-order --reverse`` order.

    Merges come without files unless ``options.first_parent`` (then each mainline merge carries
    its diff against the first parent). Streams: memory does not grow with the history.
    ``options.backend`` chooses the reader (:func:`iter_commits_pydriller` for ``pydriller``).
    """
    if options.backend == "pydriller":
        yield from iter_commits_pydriller(repo, options)
        return
    if options.backend != "git":
        raise UsageError(f"unknown history backend {options.backend!r} (choose git or pydriller)")
    revision = revision_arguments(repo, options)
    if revision is None:
        return
    with tempfile.TemporaryFile() as stderr:
        process = start_git(
            log_command(repo, options, revision),
            cwd=repo.work_tree or repo.git_dir,
            stderr=stderr,
            bufsize=CHUNK,
        )
        assert process.stdout is not None
        try:
            yield from parse_log(_read_chunks(process.stdout))
        except ValueError:
            _raise_if_failed(repo, process, stderr)
            raise
        finally:
            if process.poll() is None:
                process.kill()  # the consumer stopped early: do not wait for the whole history
            process.stdout.close()
            process.wait()
        _raise_if_failed(repo, process, stderr)


def _read_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    # read1 returns what one read of the pipe gives instead of blocking until 1 MiB is full.
    while chunk := stream.read1(CHUNK):  # type: ignore[attr-defined]
        yield chunk


def _raise_if_failed(repo: Repository, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
    if process.wait() != 0:
        stderr.seek(0)
        _raise_log_error(repo, stderr.read().decode("utf-8", "replace"))


def _raise_log_error(repo: Repository, message: str) -> None:
    error = f"git log failed: {_reason(message)}"
    if repo.info.exact_renames is None and MISSING_OBJECT_PATTERN.search(message):
        raise MissingObjectsError(error)
    raise RepositoryError(error)


def read_commits(
    repo: Repository, options: HistoryOptions, shas: Sequence[str]
) -> Iterator[CommitRecord]:
    """The records of exactly ``shas`` (any order), read by one ``git log --no-walk``."""
    if not shas:
        return
    command = log_command(
        repo, options, ["--no-walk=unsorted", "--stdin", "--end-of-options", "--"]
    )
    with sha_list(shas) as stdin:
        result = probe_git(command, cwd=repo.work_tree or repo.git_dir, stdin=stdin)
    if result.returncode != 0:
        _raise_log_error(repo, result.stderr.decode("utf-8", "replace"))
    yield from parse_log([result.stdout])
