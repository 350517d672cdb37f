"""Where a word stands in a commit message: the zones message rules are matched in.

A message (trailers and ``#`` comment lines already removed) is cut into

- the **subject** (its first line), which weighs most;
- the **scope** of a conventional-commit subject (``feat(serving): …`` → ``serving``), which is
  matched like a path, because scopes name components the way folders do;
- the **body prose**: the rest, without boilerplate, which weighs less.

Boilerplate carries nothing: fenced or indented code and quoted logs, ``>`` quotations, PR
template checklists (``- [x] …``) and HTML comments/``<details>`` blocks, ``Key-by:`` lines
(``Signed-off-by``, ``Co-authored-by``) that sit inside the body, diff statistics, and URLs. Only
the first :data:`MAX_BODY_LINES` prose lines are kept: a word deep in a long PR body is not
what the commit is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BODY_LINES = 12

_CONVENTIONAL = re.compile(r"^\W*([a-z]+)(?:\(([^)\n]{1,60})\))?!?:\s")
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+\.)\s*\[[ xX]?\]")
_BY_LINE = re.compile(r"^\s*[A-Za-z][A-Za-z-]*-by:\s", re.IGNORECASE)
_DIFFSTAT = re.compile(r"\|\s*\d+\s*[+-]*\s*$|^\s*\d+ files? changed\b")
_LOG_LINE = re.compile(
    r"^\s*(?:traceback \(most recent call last\)|file \"|at [\w.$]+\(|\$ |>>> |"
    r"\[?\d{4}-\d\d-\d\d[ t]\d\d:\d\d|(?:error|warning|info|debug)\s*[:\]])",
    re.IGNORECASE,
)
_HTML_OPEN = re.compile(r"<!--|<details\b", re.IGNORECASE)
_HTML_CLOSE = re.compile(r"-->|</details>", re.IGNORECASE)
# The four boilerplate patterns as one search (each alternative keeps its own anchor and flags):
# one regex call per line instead of four.
_BOILERPLATE = re.compile(
    f"(?:{_CHECKBOX.pattern})|(?i:{_BY_LINE.pattern})|(?:{_DIFFSTAT.pattern})"
    f"|(?i:{_LOG_LINE.pattern})"
)


@dataclass(frozen=True, slots=True)
class Zones:
    """The zones of one message. ``kind`` and ``scope`` are the conventional-commit type and
    scope in lower case (None when the subject does not follow the convention)."""

    subject: str
    kind: str | None
    scope: str | None
    body: str


def split_zones(message: str) -> Zones:
    """Cut a message (without trailers) into its zones."""
    subject, _, rest = message.strip("\n").partition("\n")
    match = _CONVENTIONAL.match(subject.lower())
    kind = scope = None
    if match is not None:
        kind, scope = match.group(1), match.group(2)
        scope = scope.strip() if scope else None
    return Zones(subject, kind, scope or None, body_prose(rest))


def body_prose(body: str) -> str:
    """The prose lines of a message body, boilerplate removed, at most MAX_BODY_LINES."""
    kept: list[str] = []
    in_fence = in_html = False
    # The literal tests in front of each regex only skip calls that cannot match (a fence needs
    # its backticks or tildes, HTML a ``<``, a URL ``://`` or ``www.``): the result is the same.
    for line in body.splitlines():
        if ("```" in line or "~~~" in line) and _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if in_html or ("<" in line and _HTML_OPEN.search(line)):
            in_html = not _HTML_CLOSE.search(line)
            continue
        if _is_boilerplate(line):
            continue
        text = _URL.sub(" ", line) if "://" in line or "www." in line else line
        text = text.strip()
        if text:
            kept.append(text)
            if len(kept) == MAX_BODY_LINES:
                break
    return "\n".join(kept)


def _is_boilerplate(line: str) -> bool:
    return line.startswith(("    ", "\t", ">")) or _BOILERPLATE.search(line) is not None
