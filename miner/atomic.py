"""The one way miner replaces a file: a temporary file beside it, renamed over it when complete.

Readers see the old content or the new one, never a partial file, and a failed write leaves the
old file as it was. Used by every output file, the message file the hook edits, the installed
hook scripts and the hook's caches.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def replacing(
    path: Path, *, mode: int, durable: bool = True, text: bool = False
) -> Iterator[IO[Any]]:
    """A temporary file beside ``path`` (UTF-8 text when ``text``) that replaces ``path`` with
    permissions ``mode`` when the block succeeds and is removed when it fails. ``durable``: on
    disk before the rename (not needed for a cache, which is rebuilt when a crash damages it)."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(
            descriptor, "w" if text else "wb", encoding="utf-8" if text else None
        ) as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomically(path: Path, data: bytes, mode: int, *, durable: bool = True) -> None:
    """``data`` as the new content of ``path`` (see :func:`replacing`)."""
    with replacing(path, mode=mode, durable=durable) as handle:
        handle.write(data)
