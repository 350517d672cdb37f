"""Git-style trailers (``Key: value`` lines closing a commit message), parsed like git does.

The trailer block is the last paragraph of the message (``#`` comment lines and trailing blank
lines dropped), provided it is not the subject paragraph and its lines are trailers, with
continuation lines (starting with whitespace) folded into the previous value. As in git, a
block with some non-trailer lines still counts when at least a quarter of its lines are trailers
and one of them is a git-generated one (``Signed-off-by``, ``(cherry picked from commit``).
Keys compare case-insensitively (:func:`trailer_values`).
"""

from __future__ import annotations

import re

# The trailers miner reads and writes: the phases of a commit (the author's word, or the commit
# hook's), the reasons for a revisit, and the revisit the hook saw. Also the key of the phase line
# in the git notes ``miner tag`` writes.
PHASE_TRAILER = "MLOps-Phase"
REASON_TRAILER = "MLOps-Reason"
REVISIT_TRAILER = "MLOps-Revisit"

_TRAILER = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)")
_GIT_GENERATED = ("signed-off-by:", "(cherry picked from commit ")

Trailers = tuple[tuple[str, str], ...]


def split_message(message: str) -> tuple[str, Trailers]:
    """The message without its trailer block and ``#`` comment lines, and the trailers."""
    lines = message.splitlines()
    if "#" in message:  # most messages have no comment line: skip the filtering pass
        lines = [line for line in lines if not line.startswith("#")]
    while lines and not lines[-1].strip():
        lines.pop()
    start = _last_paragraph_start(lines)
    if start == 0:  # the subject paragraph is never a trailer block
        return "\n".join(lines), ()
    trailers = _parse_block(lines[start:])
    if trailers is None:
        return "\n".join(lines), ()
    return "\n".join(lines[:start]).rstrip(), trailers


def parse_trailers(message: str) -> Trailers:
    """``(key, value)`` pairs of the message's trailer block, in order (keys as written)."""
    return split_message(message)[1]


def strip_trailers(message: str) -> str:
    """The message without trailers and ``#`` comment lines (what message rules look at)."""
    return split_message(message)[0]


def trailer_values(trailers: Trailers, key: str) -> tuple[str, ...]:
    """Every value of ``key`` (case-insensitive), comma-separated items split and stripped."""
    if not trailers:
        return ()
    wanted = key.lower()
    return tuple(
        item.strip()
        for name, value in trailers
        if name.lower() == wanted
        for item in value.split(",")
        if item.strip()
    )


def _last_paragraph_start(lines: list[str]) -> int:
    for index in range(len(lines) - 1, -1, -1):
        if not lines[index].strip():
            return index + 1
    return 0


def _parse_block(block: list[str]) -> Trailers | None:
    pairs: list[list[str]] = []
    other = 0
    generated = False
    for line in block:
        if line[:1] in (" ", "\t") and pairs:
            pairs[-1][1] = f"{pairs[-1][1]} {line.strip()}".strip()
            continue
        match = _TRAILER.fullmatch(line.rstrip())
        if match is None:
            other += 1
            generated = generated or line.lower().startswith(_GIT_GENERATED[1])
            continue
        generated = generated or line.lower().startswith(_GIT_GENERATED[0])
        pairs.append([match.group(1), match.group(2).strip()])
    if not pairs:
        return None
    if other and not (generated and len(pairs) * 3 >= other):
        return None
    return tuple((key, value) for key, value in pairs)
