"""The incremental store: mined commits and their classifications, kept in SQLite between runs.

A re-run reads from git only the commits the store does not hold yet, and classifies only the
commits it holds no classification for under the current rules; everything else comes from
the store. The sequence is always the order ``git rev-list --topo-order --reverse`` gives for
the range *now*, so commits dropped by a force-push are simply not asked for, and a merged
branch lands where a fresh run would put it.

Where: ``--cache PATH``; else ``<git dir>/miner/cache.sqlite`` (never committed); for a URL,
``$XDG_CACHE_HOME/miner/<sha256 of the URL, 16 hex>/cache.sqlite`` (``~/.cache`` by default).

Layout (schema version 1; ``PRAGMA application_id`` marks the file as ours and
``PRAGMA user_version`` holds the schema version)::

    commits(mode, sha, data)          one commit as git gave it (JSON), per history mode
    classifications(key, sha, data)   one Classification (JSON), per classification key

The *history mode* names everything that changes what git returns for a commit: first-parent
diffs of merges, line counts (``--churn``), a history backend other than git (those read the
whole range each time; only classifications are reused), and the repository's *view*: its
mailmaps (work tree ``.mailmap``, ``mailmap.file``, ``mailmap.blob``, ``HEAD:.mailmap`` when
bare), replace refs, grafts, the shallow boundary and exact-only rename detection (partial
clones). A run therefore never returns a stored commit that a fresh run would read otherwise. The
*classification key* adds the rules digest, ``min_share`` and the ``--include``/``--exclude``
path filters (they change the files a commit is classified on).

Crash safety: WAL journal, every write batch in one ``BEGIN IMMEDIATE`` transaction, rows are
immutable facts about a sha (``INSERT OR IGNORE``), so a run killed at any moment leaves a store
that holds fewer rows, never a wrong one; concurrent runs wait for each other (busy timeout).
A corrupt, outdated or foreign file at the default location is rebuilt; at a ``--cache`` path
the user chose, a file that is not a miner store is refused with one line (it may be theirs).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from miner.classify.records import Classification
from miner.errors import MinerError
from miner.history.records import CommitRecord
from miner.history.repository import Repository
from miner.pipeline.store_codec import decode_commit, encode_classification, encode_commit

SCHEMA_VERSION = 1
APPLICATION_ID = 0x4D4E5231  # "MNR1"
DEFAULT_NAME = Path("miner") / "cache.sqlite"
BUSY_TIMEOUT_MS = 60_000
BATCH = 2_000
_SQLITE_HEADER = b"SQLite format 3\x00"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS commits ("
    " mode TEXT NOT NULL, sha TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (mode, sha)"
    ") WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS classifications ("
    " key TEXT NOT NULL, sha TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (key, sha)"
    ") WITHOUT ROWID",
)


class StoreError(MinerError):
    """The file at the cache path cannot be used as a store (one line, exit code 2)."""


class _DamagedError(Exception):
    """The store is ours but unusable (corrupt, other schema): rebuild it."""


# -- where ------------------------------------------------------------------------------------


def user_cache_home(environ: dict[str, str] | None = None) -> Path:
    """The XDG cache directory (``$XDG_CACHE_HOME``, else ``~/.cache``)."""
    env = os.environ if environ is None else environ
    configured = env.get("XDG_CACHE_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".cache"


def default_location(git_dir: str | Path, target: str, *, url: bool, cache_home: Path) -> Path:
    """``<git dir>/miner/cache.sqlite``; for a URL (cloned to a temporary folder) a folder of
    the user's cache named by a hash of the URL."""
    if not url:
        return Path(git_dir) / DEFAULT_NAME
    digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:16]
    return cache_home / "miner" / digest / "cache.sqlite"


# -- the database -----------------------------------------------------------------------------


class Store:
    """An open store. Use :func:`open_store`; close it (or use it as a context manager)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def commit_shas(self, mode: str) -> set[str]:
        rows = self._db.execute("SELECT sha FROM commits WHERE mode = ?", (mode,))
        return {sha for (sha,) in rows}

    def load_commits(self, mode: str, wanted: set[str]) -> dict[str, CommitRecord]:
        """The stored commits of ``mode`` whose sha is in ``wanted`` (others stay undecoded)."""
        rows = self._db.execute("SELECT sha, data FROM commits WHERE mode = ?", (mode,))
        return {sha: decode_commit(sha, data) for sha, data in rows if sha in wanted}

    def add_commits(self, mode: str, records: Iterable[CommitRecord]) -> None:
        self._insert(
            "INSERT OR IGNORE INTO commits (mode, sha, data) VALUES (?, ?, ?)",
            ((mode, r.sha, encode_commit(r)) for r in records),
        )

    def load_classifications(self, key: str) -> dict[str, str]:
        """sha -> encoded classification; decoded on use by
        :class:`miner.pipeline.incremental.StoredClassifier`."""
        rows = self._db.execute("SELECT sha, data FROM classifications WHERE key = ?", (key,))
        return dict(rows.fetchall())

    def add_classifications(self, key: str, items: Iterable[tuple[str, Classification]]) -> None:
        self._insert(
            "INSERT OR IGNORE INTO classifications (key, sha, data) VALUES (?, ?, ?)",
            ((key, sha, encode_classification(c)) for sha, c in items),
        )

    def _insert(self, statement: str, rows: Iterable[tuple[str, str, str]]) -> None:
        batch: list[tuple[str, str, str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self._write(statement, batch)
                batch = []
        if batch:
            self._write(statement, batch)

    def _write(self, statement: str, batch: list[tuple[str, str, str]]) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so two runs queue instead of failing
        # half-way; a run killed inside the transaction leaves the previous state (WAL).
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(statement, batch)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def open_store(path: Path, *, owned: bool) -> Store:
    """Open (creating if needed) the store at ``path``.

    ``owned``: the path is our default location, so anything unusable there is rebuilt. At a
    path the user chose, only a file that is recognisably a miner store is rebuilt; any other
    file raises :class:`StoreError`.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot create the cache folder {path.parent}: {error.strerror}"
        ) from None
    try:
        return _open(path, owned=owned)
    except _DamagedError:
        remove_store(path)
        try:
            return _open(path, owned=True)
        except _DamagedError as error:
            raise StoreError(f"cannot rebuild the cache {path}: {error}") from None


def remove_store(path: Path) -> None:
    """Delete a store and its WAL side files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _open(path: Path, *, owned: bool) -> Store:
    _check_header(path, owned=owned)
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the cache {path}: {error}") from None
    try:
        _prepare(connection, path, owned=owned)
    except sqlite3.DatabaseError as error:
        connection.close()
        if unreadable(error):
            _refuse_or_rebuild(path, owned=owned, why=str(error))
        raise StoreError(f"cannot use the cache {path}: {error}") from None
    except BaseException:
        connection.close()
        raise
    return Store(path, connection)


def _check_header(path: Path, *, owned: bool) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as error:
        raise StoreError(f"cannot read the cache {path}: {error.strerror}") from None
    if header and header != _SQLITE_HEADER:
        _refuse_or_rebuild(path, owned=owned, why="not an SQLite database")


def _refuse_or_rebuild(path: Path, *, owned: bool, why: str) -> None:
    if owned:
        raise _DamagedError(why)
    raise StoreError(f"--cache {path}: not a miner cache ({why}); delete it or choose another path")


def unreadable(error: sqlite3.DatabaseError) -> bool:
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(
        error, sqlite3.OperationalError
    )


def _prepare(connection: sqlite3.Connection, path: Path, *, owned: bool) -> None:
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    # NORMAL is durable against a killed process in WAL mode (only power loss can drop the
    # last transactions, which the next run then simply mines again).
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("BEGIN IMMEDIATE")
    try:
        _check_identity(connection, path, owned=owned)
        for statement in _SCHEMA:
            connection.execute(statement)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _check_identity(connection: sqlite3.Connection, path: Path, *, owned: bool) -> None:
    application = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if application == APPLICATION_ID:
        if version != SCHEMA_VERSION:
            raise _DamagedError(f"schema version {version}, expected {SCHEMA_VERSION}")
        return
    if application == 0 and tables == 0:
        return  # a new, empty database
    _refuse_or_rebuild(path, owned=owned, why="an SQLite database of another program")


def store_path(repo: Repository, cache: str | None, *, url: bool) -> tuple[Path, bool]:
    """The store's path and whether it is our default location (see :func:`open_store`)."""
    if cache is not None:
        return Path(cache), False
    return default_location(
        repo.git_dir, repo.info.path, url=url, cache_home=user_cache_home()
    ), True
