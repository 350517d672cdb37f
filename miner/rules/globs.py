"""Path globs (gitignore-like, ``**`` and ``!``) compiled to one anchored regex per rule."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from miner.errors import UsageError

if TYPE_CHECKING:
    pass
from miner.rules.model import PathRule

# ----------------------------------------------------------------------------- globs


def glob_to_regex(glob: str) -> str:
    """Translate a gitignore-like glob (see the rules file header) to a regex for ``fullmatch``
    against a repo-relative path. A leading ``!`` is not part of the glob (the caller strips it).
    Raises ValueError with a short reason."""
    body = glob[1:] if glob.startswith("!") else glob
    directory_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    if not body:
        raise ValueError("empty pattern")
    regex = "" if anchored else "(?:.*/)?"
    separator = False
    segments = body.split("/")
    for index, segment in enumerate(segments):
        if segment == "":
            raise ValueError("empty path segment ('//')")
        if segment == "**":
            last = index == len(segments) - 1
            regex += ("/" if separator else "") + (".+" if last else "(?:.*/)?")
            separator = False
            continue
        regex += ("/" if separator else "") + _segment_regex(segment)
        separator = True
    if segments[-1] == "**":
        return regex
    return regex + ("/.+" if directory_only else "(?:/.*)?")


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = _class_end(segment, index)
            out.append(_class_regex(segment[index + 1 : end]))
            index = end
        elif char == "\\":
            if index + 1 == len(segment):
                raise ValueError("trailing backslash")
            index += 1
            out.append(re.escape(segment[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    index = start + 1
    if index < len(segment) and segment[index] in "!^":
        index += 1
    if index < len(segment) and segment[index] == "]":
        index += 1  # a ']' first in the class is literal
    end = segment.find("]", index)
    if end < 0:
        raise ValueError("unterminated character class")
    return end


def _class_regex(content: str) -> str:
    negate = content[:1] in ("!", "^")
    body = content[1:] if negate else content
    escaped = "".join("\\" + c if c in "\\^[]" else c for c in body)
    regex = f"[{'^/' if negate else ''}{escaped}]"
    try:
        re.compile(regex)
    except re.error as error:
        raise ValueError(f"bad character class: {error.msg}") from None
    return regex


def compile_glob(glob: str, *, option: str) -> re.Pattern[str]:
    """One glob given on the command line (e.g. ``--include``), with the rules' semantics, as a
    pattern whose ``match`` is a full match. Raises UsageError naming the option."""
    try:
        return re.compile(f"(?:{glob_to_regex(glob)})\\Z", re.IGNORECASE)
    except ValueError as error:
        raise UsageError(f"{option}: invalid glob {glob!r}: {error}") from None


def compile_globs(rule_id: str, phase: str, weight: float, globs: Sequence[str]) -> PathRule:
    """One :class:`PathRule` whose include/exclude regexes cover all of ``globs``."""
    include = [glob_to_regex(g) for g in globs if not g.startswith("!")]
    exclude = [glob_to_regex(g) for g in globs if g.startswith("!")]
    return PathRule(
        id=rule_id,
        phase=phase,
        weight=float(weight),
        globs=tuple(globs),
        include=_alternation(include),
        exclude=_alternation(exclude) if exclude else None,
    )


def _alternation(regexes: list[str]) -> str:
    return "|".join(f"(?:{r})" for r in regexes) or "(?!)"
