"""Stage 1: read a repository's history. The only module that runs git or touches GitPython/PyDriller.

Everything leaves this module as plain frozen records (`CommitRecord`); nothing downstream can
spawn git by accident.
"""

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
    """A commit as read from git, mailmap applied. Dates are timezone-aware (the commit's offset)."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored_at: datetime
    committed_at: datetime
    message: str
    files: tuple[FileChange, ...]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    """Which commits to read. ``rev`` is a revision range or branch (default HEAD)."""

    rev: str | None = None
    since: str | None = None
    until: str | None = None
    first_parent: bool = False
    churn: bool = False


@dataclass(frozen=True, slots=True)
class RepositoryInfo:
    """What the report says about the analysed repository."""

    path: str  # what the user gave (path or URL), shown as given
    git_dir: str
    head: str | None  # sha of the analysed tip; None for a repository with no commits
    branch: str | None  # symbolic branch name or None when detached / not applicable
    shallow: bool
