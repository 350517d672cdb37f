"""The PyDriller backend (``--backend pydriller``): the same records through PyDriller, for
comparison; slower than the streamed ``git log``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from miner.errors import RepositoryError
from miner.git import gitpython_environment
from miner.git import reason as _reason
from miner.history.ranges import revision_arguments
from miner.history.records import CommitRecord, FileChange, HistoryOptions
from miner.history.repository import (
    Repository,
)
from miner.history.repository import run_in as _run_in

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
    backend's in ways PyDriller decides (each asserted in ``tests/history/test_backends.py``):

    - merges carry no files, also in mainline mode (PyDriller never diffs a merge);
    - messages lose all surrounding whitespace (``Commit.msg`` is stripped);
    - paths that are not UTF-8 have U+FFFD where the git backend keeps ``\\xNN`` escapes;
    - a message stored in a declared legacy encoding is decoded as UTF-8 (U+FFFD), not re-encoded;
    - with ``churn``, binary files count 0 added and 0 deleted lines instead of unknown (None).

    PyDriller writes ``blame.markUnblamableLines`` into the repository's configuration when it
    opens one; reading must not change the user's repository, so that file is restored.
    """
    revision = revision_arguments(repo, options)
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
        # PyDriller's own mailmap lookup starts git itself, without our configuration
        conf.set_value("developer_factory", _MailmapThroughRunner(repo))
        # every git process GitPython starts for PyDriller gets our safe configuration
        work_tree = None if repo.work_tree is None else str(repo.work_tree)
        reader.repo.git.update_environment(**gitpython_environment(str(repo.git_dir), work_tree))
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


class _MailmapThroughRunner:
    """PyDriller's developer factory, asking ``git check-mailmap`` through the one runner."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._known: dict[tuple[str | None, str | None], Any] = {}

    def get_developer(self, name: str | None = None, email: str | None = None) -> Any:
        from pydriller.domain.developer import Developer

        if (name, email) not in self._known:
            mapped = _run_in(self._repo, "check-mailmap", f"{name} <{email}>")
            found = mapped.stdout.rstrip("\n") if mapped.returncode == 0 else ""
            canonical_name, _, canonical_email = found.rpartition("<")
            self._known[name, email] = (
                Developer(canonical_name.removesuffix(" "), canonical_email.removesuffix(">"))
                if found
                else Developer(name, email)
            )
        return self._known[name, email]
