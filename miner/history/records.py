"""What the history stage hands on: one frozen record per commit and per file change, and the
options that choose which commits are read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
