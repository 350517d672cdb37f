"""Stage 1: read a repository's history.

The only module that runs git or touches GitPython/PyDriller.
Everything leaves this module as plain frozen records (`CommitRecord`); nothing downstream can
spawn git by accident.

How the history is read (each choice measured for speed; see the README, "Performance"):

- one streaming ``git log -z --topo-order --reverse`` process per analysis, read in large chunks
  and split on NUL; :func:`parse_log` is the pure parser, :func:`iter_commits` only starts git;
- line counts (``churn``) are opt-in: they cost a blob diff per commit;
- git runs with an environment built by :func:`git_environment` (inherited ``GIT_*`` variables
  such as a hook's ``GIT_DIR``/``GIT_INDEX_FILE`` dropped) and with options that make the
  repository's own configuration unable to run code or change the output format.

Decoding: messages, names and emails are UTF-8 (git re-encodes commits that declare another
encoding); bytes that are still not UTF-8 become U+FFFD. Paths that are not UTF-8 keep every
byte visible as a ``\\xNN`` escape (``backslashreplace``), so the same bytes always give the same
string. Messages lose their trailing newlines and nothing else.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import IO, Any, TypeVar

from miner.errors import RepositoryError, UsageError
from miner.git import SAFE_CONFIG, git_environment, gitpython_environment, redact_url, run_git
from miner.git import reason as _reason
from miner.history.dates import parse_git_date
from miner.history.files import read_tracked_file
from miner.history.repository import (
    MISSING_OBJECTS,
    PARTIAL_CLONE,
    Repository,
    RepositoryInfo,
    is_shallow,
    is_url,
    open_repository,
    resolve_revision,
)
from miner.history.repository import check_not_option as _check_not_option
from miner.history.repository import git_command as _git_command
from miner.history.repository import run_in as _run_in
from miner.history.repository import tip as _tip
from miner.history.view import history_view

# Opening a repository and running git live in miner.repository and miner.gitenv; what they
# offer the rest of the program is imported from here, the history stage's one front door.
__all__ = [
    "BACKENDS",
    "MISSING_OBJECTS",
    "PARTIAL_CLONE",
    "SAFE_CONFIG",
    "CommitRecord",
    "FileChange",
    "HistoryOptions",
    "Repository",
    "RepositoryInfo",
    "count_commits",
    "decode_path",
    "git_environment",
    "history_view",
    "is_shallow",
    "is_url",
    "iter_commits",
    "iter_commits_pydriller",
    "log_command",
    "open_repository",
    "parse_log",
    "read_commits",
    "read_tracked_file",
    "redact_url",
    "resolve_revision",
    "rev_list",
    "run_git",
    "with_exact_renames_if_needed",
    "with_progress",
]


@dataclass(frozen=True, slots=True)
class FileChange:
    """One changed path of a commit. ``status`` is git's letter (A, M, D, R, C, T, U, X, B)."""

    path: str
    status: str
    old_path: str | None = None
    added: int | None = None  # None unless line counts were mined (--churn); binary files stay None
    deleted: int | None = None


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """A commit as read from git, mailmap applied.

    Dates are timezone-aware (the commit's offset).
    """

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored_at: datetime
    committed_at: datetime
    message: str
    files: tuple[FileChange, ...]
    # What had to be changed to read the commit (a date out of range: miner.gitdates)
    anomalies: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


BACKENDS = ("git", "pydriller")


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    """Which commits to read. ``rev`` is a revision range or branch (default HEAD).

    ``backend`` is how they are read: ``git`` (one streamed ``git log``, the default) or
    ``pydriller`` (PyDriller's per-commit objects: the same commits, ~100x slower; see
    :func:`iter_commits_pydriller` for where its records differ).
    """

    rev: str | None = None
    since: str | None = None
    until: str | None = None
    first_parent: bool = False
    churn: bool = False
    backend: str = "git"


_MARKER = b"\x1eminer-commit"
# sha, parents, mailmapped author name and email, author and committer dates, raw message.
_FORMAT = "--format=\x1eminer-commit%x00%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cI%x00%B%x00"
_HEADER_FIELDS = 7
_CHUNK = 1 << 20


# -- reading commits ------------------------------------------------------------------------------


def _revision_arguments(repo: Repository, options: HistoryOptions) -> list[str] | None:
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


_T = TypeVar("_T")


class MissingObjectsError(RepositoryError):
    """git could not read an object (a blob, when detecting renames by similarity)."""


# git's words for an object it cannot read: a damaged copy, or a partial clone's missing blob
_MISSING_OBJECT = re.compile(r"unable to read [0-9a-f]{7,}|could not fetch [0-9a-f]{7,}")


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


def with_progress(
    records: Iterable[CommitRecord], progress: Callable[[int], None]
) -> Iterator[CommitRecord]:
    """``records``, calling ``progress`` with the number read so far after each one."""
    for read, record in enumerate(records, start=1):
        yield record
        progress(read)


def count_commits(repo: Repository, options: HistoryOptions) -> int:
    """How many records :func:`iter_commits` yields for ``options`` (fast; for a progress bar)."""
    revision = _revision_arguments(repo, options)
    if revision is None:
        return 0
    result = _run_in(repo, "rev-list", "--count", *revision)
    if result.returncode != 0:
        raise RepositoryError(f"git rev-list failed: {_reason(result.stderr)}")
    return int(result.stdout.strip())


def log_command(repo: Repository, options: HistoryOptions, revision: list[str]) -> list[str]:
    """The one ``git log`` command line :func:`iter_commits` runs."""
    diff = ["--raw", "--numstat"] if options.churn else ["--name-status"]
    merges = ["--diff-merges=first-parent"] if options.first_parent else ["--diff-merges=off"]
    return _git_command(
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
        _FORMAT,
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
    revision = _revision_arguments(repo, options)
    if revision is None:
        return
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            log_command(repo, options, revision),
            cwd=repo.work_tree or repo.git_dir,
            env=git_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            bufsize=_CHUNK,
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
    while chunk := stream.read1(_CHUNK):  # type: ignore[attr-defined]
        yield chunk


def _raise_if_failed(repo: Repository, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
    if process.wait() != 0:
        stderr.seek(0)
        _raise_log_error(repo, stderr.read().decode("utf-8", "replace"))


def _raise_log_error(repo: Repository, message: str) -> None:
    error = f"git log failed: {_reason(message)}"
    if repo.info.exact_renames is None and _MISSING_OBJECT.search(message):
        raise MissingObjectsError(error)
    raise RepositoryError(error)


# -- the pure parser ------------------------------------------------------------------------------

_STATUS = re.compile(rb"[ACDMRTUXB][0-9]*")
_NUMSTAT = re.compile(rb"(-|[0-9]+)\t(-|[0-9]+)\t(.*)", re.DOTALL)


def parse_log(chunks: Iterable[bytes]) -> Iterator[CommitRecord]:
    """Parse the output of :func:`log_command`, split into chunks anywhere, into records.

    The stream is a sequence of NUL-terminated tokens. A commit is the marker token followed by
    exactly seven header tokens (sha, parents, name, email, author date, committer date,
    message), then its changes: a status (``M``, ``R100``, or a ``--raw`` line ending in one)
    followed by one path, or two (old, new) for renames and copies; with line counts, one
    ``added<TAB>deleted<TAB>path`` token per change (path empty and two path tokens following
    for a rename). Paths and messages are consumed by position, never by content, so no byte in
    them can be mistaken for structure. Raises ValueError on output that breaks this grammar.
    """
    tokens = _tokens(chunks)
    pending: _PendingCommit | None = None
    # Paths recur across a history: equal changes share one (frozen) record, which keeps the
    # per-commit memory small on long histories.
    shared: dict[_ChangeKey, FileChange] = {}
    for token in tokens:
        if token == _MARKER:
            if pending is not None:
                yield pending.finish()
            header = list(islice(tokens, _HEADER_FIELDS))
            if len(header) < _HEADER_FIELDS:
                raise ValueError("git log output ends inside a commit record")
            pending = _PendingCommit(header, shared)
        elif not token:
            continue  # git's separators between a message and its changes, and between commits
        elif pending is None:
            raise ValueError(f"git log output does not start with a commit: {token[:40]!r}")
        else:
            pending.take(token, tokens)
    if pending is not None:
        yield pending.finish()


def _tokens(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _next(tokens: Iterator[bytes]) -> bytes:
    token = next(tokens, None)
    if token is None:
        raise ValueError("git log output ends inside a commit record")
    return token


def decode_path(raw: bytes) -> str:
    """A path as text: UTF-8, else every undecodable byte as a visible ``\\xNN`` escape."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def _decode_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


@lru_cache(maxsize=8192)
def _decode_person(raw: bytes) -> str:
    """Names and emails recur on every commit of their author: one string each saves memory."""
    return _decode_text(raw)


def _parse_count(raw: bytes) -> int | None:
    return None if raw == b"-" else int(raw)  # '-' marks a binary file


_ChangeKey = tuple[str, bytes, bytes | None, int | None, int | None]


class _PendingCommit:
    """The commit being parsed: its header, and the changes read so far."""

    __slots__ = ("changes", "counts", "header", "shared")

    def __init__(self, header: list[bytes], shared: dict[_ChangeKey, FileChange]) -> None:
        self.header = header
        self.shared = shared
        self.changes: list[tuple[str, bytes, bytes | None]] = []  # status, path, old path
        self.counts: dict[bytes, tuple[int | None, int | None]] = {}

    def take(self, token: bytes, tokens: Iterator[bytes]) -> None:
        token = token.lstrip(b"\n")  # the first change follows a blank line
        numstat = _NUMSTAT.fullmatch(token)
        if numstat is not None:
            added, deleted, path = numstat.groups()
            if not path:  # a rename: old and new path follow as tokens
                _next(tokens)
                path = _next(tokens)
            self.counts[path] = (_parse_count(added), _parse_count(deleted))
            return
        status = token.rsplit(b" ", 1)[-1] if token.startswith(b":") else token
        if not _STATUS.fullmatch(status):
            raise ValueError(f"unexpected token in git log output: {token[:60]!r}")
        first = _next(tokens)
        if status[:1] in (b"R", b"C"):
            self.changes.append((chr(status[0]), _next(tokens), first))
        else:
            self.changes.append((chr(status[0]), first, None))

    def finish(self) -> CommitRecord:
        sha, parents, name, email, authored, committed, message = self.header
        authored_at, author_anomaly = parse_git_date(authored, "author date")
        committed_at, committer_anomaly = parse_git_date(committed, "committer date")
        return CommitRecord(
            sha=sha.decode("ascii"),
            parents=tuple(parents.decode("ascii").split()),
            author=_decode_person(name),
            email=_decode_person(email),
            authored_at=authored_at,
            committed_at=committed_at,
            message=_decode_text(message).rstrip("\n"),
            files=tuple(self._file_changes()),
            anomalies=tuple(a for a in (author_anomaly, committer_anomaly) if a is not None),
        )

    def _file_changes(self) -> Iterator[FileChange]:
        for status, path, old_path in self.changes:
            added, deleted = self.counts.get(path, (None, None))
            key = (status, path, old_path, added, deleted)
            change = self.shared.get(key)
            if change is None:
                change = self.shared[key] = FileChange(
                    path=decode_path(path),
                    status=status,
                    old_path=None if old_path is None else decode_path(old_path),
                    added=added,
                    deleted=deleted,
                )
            yield change


# -- the PyDriller backend ------------------------------------------------------------------------

# PyDriller's change types as git's status letters. UNKNOWN is what PyDriller reports when the
# blob did not change (a mode-only change), which git's --name-status shows as M.
_PYDRILLER_STATUS = {
    "ADD": "A",
    "COPY": "C",
    "RENAME": "R",
    "DELETE": "D",
    "MODIFY": "M",
    "UNKNOWN": "M",
}


def iter_commits_pydriller(repo: Repository, options: HistoryOptions) -> Iterator[CommitRecord]:
    """The commits of :func:`iter_commits`, each read through PyDriller (``--backend pydriller``).

    The same ``git rev-list`` chooses and orders the commits; PyDriller (with ``use_mailmap``)
    then reads each one, running git several times per commit. Its records differ from the git
    backend's in ways PyDriller decides (each asserted in ``tests/test_backends.py``):

    - merges carry no files, also in mainline mode (PyDriller never diffs a merge);
    - messages lose all surrounding whitespace (``Commit.msg`` is stripped);
    - paths that are not UTF-8 have U+FFFD where the git backend keeps ``\\xNN`` escapes;
    - a message stored in a declared legacy encoding is decoded as UTF-8 (U+FFFD), not re-encoded;
    - with ``churn``, binary files count 0 added and 0 deleted lines instead of unknown (None).

    PyDriller writes ``blame.markUnblamableLines`` into the repository's configuration when it
    opens one; reading must not change the user's repository, so that file is restored.
    """
    revision = _revision_arguments(repo, options)
    if revision is None:
        return
    listing = _run_in(repo, "rev-list", "--topo-order", "--reverse", *revision)
    if listing.returncode != 0:
        raise RepositoryError(f"git rev-list failed: {_reason(listing.stderr)}")
    reader = _open_pydriller(repo)
    for sha in listing.stdout.split():
        try:
            record = _pydriller_record(reader.get_commit(sha), churn=options.churn)
        except Exception as error:  # GitPython's and PyDriller's errors have no common base
            raise RepositoryError(
                f"--backend pydriller cannot read commit {sha[:12]}: {_one_line(error)}; "
                "the default backend (--backend git) reads it"
            ) from None
        yield record


def _one_line(error: BaseException) -> str:
    # GitCommandError spreads over lines; reason() picks git's own fatal line from them
    return _reason(str(error))[:200] if str(error).strip() else type(error).__name__


def _open_pydriller(repo: Repository) -> Any:
    from pydriller import Git  # ~100 ms to import: only this backend pays for it
    from pydriller.utils.conf import Conf

    location = str(repo.work_tree or repo.git_dir)
    config = repo.git_dir / "config"
    saved = config.read_bytes() if config.is_file() else None
    try:
        conf = Conf({"path_to_repo": location, "use_mailmap": True})
        reader = Git(location, conf)
        conf.set_value("git", reader)
        # every git process GitPython starts for PyDriller gets our safe configuration
        work_tree = None if repo.work_tree is None else str(repo.work_tree)
        reader.repo.git.update_environment(
            **gitpython_environment(str(repo.git_dir), work_tree, network=False)
        )
        return reader
    finally:
        if saved is not None and config.read_bytes() != saved:
            config.write_bytes(saved)


def _pydriller_record(commit: Any, *, churn: bool) -> CommitRecord:
    author = commit.author
    return CommitRecord(
        sha=commit.hash,
        parents=tuple(commit.parents),
        author=author.name,
        email=author.email,
        authored_at=commit.author_date,
        committed_at=commit.committer_date,
        message=commit.msg,
        files=tuple(_pydriller_change(change, churn=churn) for change in commit.modified_files),
    )


def _pydriller_change(change: Any, *, churn: bool) -> FileChange:
    status = _PYDRILLER_STATUS[change.change_type.name]
    renamed = status in ("R", "C")
    return FileChange(
        path=change.old_path if status == "D" else change.new_path,
        status=status,
        old_path=change.old_path if renamed else None,
        added=change.added_lines if churn else None,
        deleted=change.deleted_lines if churn else None,
    )


def rev_list(repo: Repository, options: HistoryOptions) -> list[str]:
    """The shas of the range in ``git rev-list --topo-order --reverse`` order (the order
    :func:`miner.history.log.iter_commits` yields them in)."""
    revision = _revision_arguments(repo, options)
    if revision is None:
        return []
    result = subprocess.run(
        _git_command(repo, "rev-list", "--topo-order", "--reverse", *revision),
        cwd=repo.work_tree or repo.git_dir,
        env=git_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RepositoryError(f"git rev-list failed: {message[-1] if message else 'no output'}")
    return result.stdout.decode("ascii").split()


def read_commits(
    repo: Repository, options: HistoryOptions, shas: Sequence[str]
) -> Iterator[CommitRecord]:
    """The records of exactly ``shas`` (any order), read by one ``git log --no-walk``."""
    if not shas:
        return
    command = log_command(
        repo, options, ["--no-walk=unsorted", "--stdin", "--end-of-options", "--"]
    )
    with tempfile.TemporaryFile() as stderr, _sha_list(shas) as stdin:
        result = subprocess.run(
            command,
            cwd=repo.work_tree or repo.git_dir,
            env=git_environment(),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            check=False,
        )
        if result.returncode != 0:
            stderr.seek(0)
            _raise_log_error(repo, stderr.read().decode("utf-8", "replace"))
    yield from parse_log([result.stdout])


@contextmanager
def _sha_list(shas: Sequence[str]) -> Iterator[IO[bytes]]:
    """A file of ``shas``, one a line, for a git command's ``--stdin`` (a file, not a pipe, so a
    long list can never block against git's output)."""
    with tempfile.TemporaryFile() as listing:
        listing.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
        listing.seek(0)
        yield listing


# -- diff content (miner.content) ----------------------------------------------------------------

_DIFF_MARKER = b"\x1eminer-diff"


def iter_diff_lines(
    repo: Repository, shas: Sequence[str], *, max_bytes: int, skip: Sequence[str] = ()
) -> Iterator[tuple[str, dict[str, bytes]]]:
    """For each of ``shas`` (non-merge commits), the added and removed lines of each changed
    file against its first parent, at most ``max_bytes`` per file (the rest is read but not
    kept): one streamed ``git diff-tree --stdin`` for all of them. Binary files give nothing;
    files whose name matches a ``skip`` pattern (e.g. ``*.csv``) are not diffed at all."""
    if not shas:
        return
    pathspecs = [":(exclude,glob)**/" + pattern for pattern in skip]
    command = _git_command(
        repo,
        "diff-tree",
        "--stdin",
        "-r",
        "-p",
        "-U0",
        "--root",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        f"--format={_DIFF_MARKER.decode()}%x00%H",
        *(["--", ".", *pathspecs] if pathspecs else []),
    )
    with _sha_list(shas) as stdin, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            command,
            cwd=repo.work_tree or repo.git_dir,
            env=git_environment(),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            bufsize=_CHUNK,
        )
        assert process.stdout is not None
        try:
            yield from parse_diff_lines(process.stdout, max_bytes=max_bytes)
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()
            process.wait()
        if process.returncode not in (0, -9):
            stderr.seek(0)
            reason = _reason(stderr.read().decode("utf-8", "replace"))
            raise RepositoryError(f"git diff-tree failed: {reason}")


def parse_diff_lines(
    lines: Iterable[bytes], *, max_bytes: int
) -> Iterator[tuple[str, dict[str, bytes]]]:
    """The pure twin of :func:`iter_diff_lines`: ``-U0`` patches, each commit introduced by
    a ``\\x1eminer-diff\\0<sha>`` line, into (sha, {path: changed lines})."""
    sha: str | None = None
    files: dict[str, bytes] = {}
    path: str | None = None
    header = False  # between "diff --git" and the first "@@": "---"/"+++" name the file
    for line in lines:
        if line.startswith(_DIFF_MARKER):
            if sha is not None:
                yield sha, files
            sha, files, path = line.rstrip(b"\n").split(b"\x00", 1)[1].decode("ascii"), {}, None
        elif line.startswith(b"diff --git "):
            path, header = None, True
        elif line.startswith(b"@@"):
            header = False
        elif header and line.startswith((b"+++ ", b"--- ")):
            target = line[4:].rstrip(b"\n")
            if target != b"/dev/null":
                path = decode_path(target.split(b"/", 1)[1] if b"/" in target else target)
                files.setdefault(path, b"")
        elif not header and path is not None and line[:1] in (b"+", b"-"):
            kept = files[path]
            if len(kept) < max_bytes:
                files[path] = kept + line[1 : 1 + max_bytes - len(kept)]
    if sha is not None:
        yield sha, files
