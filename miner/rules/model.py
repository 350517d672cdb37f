"""The compiled rules as frozen records: phases, path and message rules, the rule set."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from miner.errors import ConfigError
from miner.rules.regex import LinearForm

if TYPE_CHECKING:
    pass

DEFAULT_SOURCE = "default"


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of the canonical order, with its display name (the id when the file has none)."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class PathRule:
    """A path rule: ``include`` is one regex for all positive globs, ``exclude`` for the ``!``
    globs (None when there are none), both matched with ``fullmatch``.

    They are compiled on first use: a commit hook that already knows the votes of its paths
    (see :class:`miner.classify.classifier.Classifier`) never pays for compiling them."""

    id: str
    phase: str
    weight: float
    globs: tuple[str, ...]
    include: str
    exclude: str | None

    def matches(self, path: str) -> bool:
        if _glob_pattern(self.include).fullmatch(path) is None:
            return False
        return self.exclude is None or _glob_pattern(self.exclude).fullmatch(path) is None


@cache
def _glob_pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MessageRule:
    """A message rule. ``regex`` (Python syntax, as written in the rules file) searches
    *lowercased* text with ``flags`` (see :func:`message_flags`), which keeps the rule
    case-insensitive. ``phase`` is empty for reasons and noise entries, and ``weight`` is 0 for
    them. ``linear`` is the same pattern in RE2 syntax (:mod:`miner.rules.regex`): what matching
    runs (None: derived from ``regex``)."""

    id: str
    phase: str
    weight: float
    regex: str
    flags: int = 0
    linear: LinearForm | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """``regex`` compiled by Python's ``re``, on first use: RE2 does the matching, ``re``
        only confirms the matches of a vetted pattern's prefilter (see :mod:`miner.rules.engine`),
        so a commit hook compiles few of them or none."""
        return _message_pattern(self.regex, self.flags)


_LETTER_OUTSIDE_ESCAPE = re.compile(r"(?<!\\)[A-Z]")


def message_flags(regex: str) -> int:
    """The flags a message regex is searched with, in lowercased text.

    Searching lowercased text with a case-sensitive pattern is ~3x faster than re.IGNORECASE
    and matches the same; a pattern that spells an upper-case letter (``[A-Z]``, a literal
    capital) keeps re.IGNORECASE so it still matches.
    """
    return re.IGNORECASE if _LETTER_OUTSIDE_ESCAPE.search(regex) else 0


@cache
def _message_pattern(regex: str, flags: int) -> re.Pattern[str]:
    return re.compile(regex, flags)


@dataclass(frozen=True, slots=True)
class Rules:
    """The effective, compiled rules. ``phases`` is the canonical order.

    ``digest`` is a sha256 of the effective rules (stable across runs), used in the JSON
    ``options`` and as the cache key. ``source`` names where they came from (a path or
    ``default``). ``phase_info`` carries display names; ``document`` is the effective rules as
    plain data (what ``miner rules show`` prints).
    """

    phases: tuple[str, ...]
    min_share: float
    source: str
    digest: str
    phase_info: tuple[Phase, ...] = ()
    path_rules: tuple[PathRule, ...] = ()
    message_rules: tuple[MessageRule, ...] = ()
    reasons: tuple[MessageRule, ...] = ()
    noise: tuple[MessageRule, ...] = ()
    ignore: PathRule | None = None
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def phase_names(self) -> dict[str, str]:
        """Phase id -> display name, in canonical order."""
        return {phase.id: phase.name for phase in self.phase_info}

    @property
    def reason_ids(self) -> tuple[str, ...]:
        return tuple(reason.id for reason in self.reasons)

    def is_ignored(self, path: str) -> bool:
        return self.ignore is not None and self.ignore.matches(path)

    def with_min_share(self, min_share: float) -> Rules:
        """The same rules with another ``min_share`` (a command-line override); the digest and
        ``document`` follow, so the change shows in every output."""
        if not 0 < min_share <= 1:
            raise ConfigError(f"min_share must be in (0, 1], got {min_share}")
        document = {**self.document, "settings": {"min_share": float(min_share)}}
        return replace(
            self, min_share=float(min_share), document=document, digest=rules_digest(document)
        )


# ----------------------------------------------------------------------------- merging

# For each effective rule/reason/noise entry, the key path of the file item it came from, so
# that errors found after merging still point into the user's file.
Origins = dict[tuple[str, str], str]


def rules_digest(document: dict[str, Any]) -> str:
    """sha256 of a canonical JSON form; rules sorted by id so their order does not matter."""
    canonical = dict(document)
    for section in ("rules", "reasons", "noise"):
        canonical[section] = sorted(document[section], key=lambda item: str(item["id"]))
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
