"""The commit message file: where trailers go, and how it is rewritten.

The message file only ever gains trailer lines, written atomically (temporary file in the same
folder, then ``os.replace``, mode kept). Trailers go after the message text and before git's
trailing comment block and the ``commit.verbose`` scissors line, as ``git interpret-trailers``
places them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from miner.atomic import write_atomically
from miner.classify.trailers import parse_trailers


@dataclass(frozen=True, slots=True)
class MessageLayout:
    """A message file split where git will cut it: ``body`` (what becomes the commit message,
    maybe with comment lines inside) and ``tail`` (the trailing comment/blank block and
    everything from the scissors line on)."""

    body: str
    tail: str

    @property
    def is_empty(self) -> bool:
        return not self.body.strip()


def split_layout(text: str, comment_char: str = "#") -> MessageLayout:
    scissors = f"{comment_char} {'-' * 24} >8 {'-' * 24}"
    lines = text.splitlines(keepends=True)
    cut = next((i for i, line in enumerate(lines) if line.rstrip("\r\n") == scissors), len(lines))
    end = cut
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith(comment_char)):
        end -= 1
    return MessageLayout("".join(lines[:end]), "".join(lines[end:]))


def add_trailers(text: str, trailers: Sequence[str], comment_char: str = "#") -> str:
    """``text`` with ``trailers`` (``Key: value`` lines) appended to its trailer block.

    A new block is separated by one blank line; an existing block (git's rules) is extended.
    Nothing of ``text`` is changed or removed: a missing final newline of the body is added.
    """
    layout = split_layout(text, comment_char)
    newline = "\r\n" if layout.body.endswith("\r\n") else "\n"
    body = layout.body if layout.body.endswith(("\n", "\r")) else layout.body + newline
    separator = "" if parse_trailers(uncommented(body, comment_char)) else newline
    added = "".join(f"{line}{newline}" for line in trailers)
    return f"{body}{separator}{added}{layout.tail}"


def only_gains_lines(original: str, updated: str) -> bool:
    """True when ``updated`` is ``original`` with whole lines (or a final newline) inserted."""
    old = original.splitlines()
    position = 0
    for line in updated.splitlines():
        if position < len(old) and line == old[position]:
            position += 1
    return position == len(old) and len(updated) >= len(original)


def uncommented(body: str, comment_char: str) -> str:
    """``body`` without its comment lines (what git keeps of it)."""
    return "".join(
        line for line in body.splitlines(keepends=True) if not line.startswith(comment_char)
    )


def significant_lines(text: str, comment_char: str) -> list[str]:
    """The stripped lines of ``text`` that are neither blank nor comments: what tells an edited
    message from its template."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith(comment_char)
    ]


def rewrite_message(path: Path, original: bytes, updated_text: str) -> None:
    """Replace the message file (``original`` as read) with ``updated_text``, which may only add
    lines to it; a symlinked message file has its target replaced, its mode kept."""
    original_text = original.decode("utf-8", "surrogateescape")
    if not only_gains_lines(original_text, updated_text):
        raise RuntimeError("refusing to write a message that would lose text")  # a bug of ours
    real = Path(os.path.realpath(path))
    write_atomically(
        real, updated_text.encode("utf-8", "surrogateescape"), real.stat().st_mode & 0o7777
    )
