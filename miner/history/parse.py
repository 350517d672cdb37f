"""The pure parser of ``git log -z --name-status`` output (no git is run here).

Decoding: messages, names and emails are UTF-8 (git re-encodes commits that declare another
encoding); bytes that are still not UTF-8 become U+FFFD. Paths that are not UTF-8 keep every
byte visible as a ``\\xNN`` escape (``backslashreplace``), so the same bytes always give the same
string. Messages lose their trailing newlines and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

from miner.history.dates import parse_git_date
from miner.history.records import CommitRecord, FileChange

_MARKER = b"\x1eminer-commit"
# sha, parents, mailmapped author name and email, author and committer dates, raw message.
LOG_FORMAT = "--format=\x1eminer-commit%x00%H%x00%P%x00%aN%x00%aE%x00%aI%x00%cI%x00%B%x00"
_HEADER_FIELDS = 7


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
