"""All message rules of one kind matched in one pass over a message, by RE2 (linear time).

A :class:`MessageMatcher` holds an RE2 set of every rule's pattern (see
:mod:`miner.linear_regex`): one scan of the message names the rules that match, and only those
are searched again, each for its leftmost match (the evidence text). A vetted pattern whose form
is only a superset (the packaged rules' lookarounds) is confirmed by Python's ``re``, on the few
messages the set lets through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import re2
from re2 import _re2

from miner.rules.regex import LinearForm, Untranslatable, translate

if TYPE_CHECKING:
    from miner.rules.model import MessageRule

# The set's DFA needs room for long messages (up to ~8 KB of them); RE2 allocates it lazily.
_MAX_MEM = 256 << 20
UNANCHORED = _re2.RE2.Anchor.UNANCHORED


class EngineError(ValueError):
    """RE2 refused a pattern (its message says why)."""


class _Compiled(Protocol):
    def Match(  # noqa: N802 - RE2's name
        self, anchor: object, text: bytes, start: int, end: int
    ) -> list[tuple[int, int]]: ...


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    options.max_mem = _MAX_MEM
    return options


def compile_source(source: str) -> _Compiled:
    """RE2's compiled program for ``source``; raises :class:`EngineError` when RE2 refuses it."""
    compiled = _re2.RE2(source.encode("utf-8"), _options())
    if not compiled.ok():
        raise EngineError(compiled.error().decode("utf-8", "replace"))
    return compiled  # type: ignore[no-any-return]


def compile_form(form: LinearForm) -> None:
    """Raises :class:`EngineError` when RE2 refuses one of ``form``'s sources."""
    compile_source(form.ascii)
    if form.unicode != form.ascii:
        compile_source(form.unicode)


class _Bank:
    """One RE2 set over patterns, and each pattern's own program (for its match's span)."""

    def __init__(self, sources: Sequence[str], exact: Sequence[bool], *, is_ascii: bool) -> None:
        self.is_ascii = is_ascii
        self.sources = tuple(sources)
        self.exact = tuple(exact)
        self._programs: dict[int, _Compiled] = {}  # compiled on first hit: most rarely match
        self.set = _re2.Set(UNANCHORED, _options())
        for index, source in enumerate(sources):
            if self.set.Add(source.encode("utf-8")) < 0:
                raise EngineError(f"pattern {index}: RE2 refuses it")
        if not self.set.Compile():
            raise EngineError("the patterns do not compile together")

    def program(self, index: int) -> _Compiled:
        program = self._programs.get(index)
        if program is None:
            program = self._programs[index] = _shared_program(self.sources[index])
        return program


_PROGRAMS: dict[str, _Compiled] = {}


def _shared_program(source: str) -> _Compiled:
    """One program per distinct source: the subject's and the prose's matchers hold the same
    rules, and each program keeps its own lazily grown DFA memory."""
    program = _PROGRAMS.get(source)
    if program is None:
        if len(_PROGRAMS) >= 1024:
            _PROGRAMS.clear()
        program = _PROGRAMS[source] = compile_source(source)
    return program


@dataclass(frozen=True, slots=True)
class Scan:
    """One pass of a matcher's set over a text: the bank used, the text as UTF-8 and the indices
    of the rules whose (RE2) form matched, ascending. Spans are only computed when asked."""

    bank: _Bank
    data: bytes
    hits: tuple[int, ...]

    @property
    def ascii(self) -> bool:
        return self.bank.is_ascii


class MessageMatcher:
    """The rules of one sequence (phase rules, reasons or noise, or several of them laid end to
    end so one pass serves them all), matched together."""

    def __init__(self, rules: Sequence[MessageRule]) -> None:
        self.rules = tuple(rules)
        self._forms = [_form(rule) for rule in self.rules]
        self._ascii = _Bank(
            [f.ascii for f in self._forms], [f.ascii_exact for f in self._forms], is_ascii=True
        )
        self._unicode_bank: _Bank | None = None  # built on the first non-ASCII message
        self._last = ("", b"")  # one attribute: threads sharing a matcher see a consistent pair

    def matches(self, body: str, lowered: str) -> list[tuple[MessageRule, str]]:
        """The rules whose pattern occurs in ``lowered``, in rule order, with the match's text
        as written in ``body`` (whitespace runs folded to one space)."""
        if not self.rules:
            return []
        return self.found(self.scan(lowered), body, lowered)

    def scan(self, lowered: str) -> Scan:
        """The set's one pass over ``lowered``."""
        data = self._encoded(lowered)
        bank = self._ascii if len(data) == len(lowered) else self._unicode()
        hits = bank.set.Match(data) if self.rules else ()
        return Scan(bank, data, tuple(sorted(hits)) if len(hits) > 1 else tuple(hits))

    def found(
        self, scan: Scan, body: str, lowered: str, start: int = 0, stop: int | None = None
    ) -> list[tuple[MessageRule, str]]:
        """:meth:`matches` for the rules with index in ``[start, stop)``, from ``scan``."""
        end = len(self.rules) if stop is None else stop
        found = []
        same_length = len(lowered) == len(body)
        for index in scan.hits:
            if not start <= index < end:
                continue
            span = self._span(scan.bank, index, scan.data, lowered)
            if span is None:
                continue
            text = body[span[0] : span[1]] if same_length else lowered[span[0] : span[1]]
            found.append((self.rules[index], " ".join(text.split())))
        return found

    def leftmost(self, scan: Scan, start: int, stop: int) -> int | None:
        """Where the earliest match of a form with index in ``[start, stop)`` begins (bytes of
        ``scan.data``), None when none matched. Forms only: a vetted rule may still refuse it."""
        firsts = [
            scan.bank.program(index).Match(UNANCHORED, scan.data, 0, len(scan.data))[0][0]
            for index in scan.hits
            if start <= index < stop
        ]
        firsts = [first for first in firsts if first >= 0]
        return min(firsts) if firsts else None

    def line_local(self, start: int, stop: int) -> bool:
        """Whether no form with index in ``[start, stop)`` has an anchor (``^``, ``$``, ``\\A``,
        ``\\z``): then a form that matches in one line of a text also matches in the whole text
        (a line break is a non-word character, so ``\\b`` sees the same boundary there)."""
        return not any(
            _has_anchor(source)
            for form in self._forms[start:stop]
            for source in (form.ascii, form.unicode)
        )

    def _unicode(self) -> _Bank:
        if self._unicode_bank is None:
            forms = self._forms
            self._unicode_bank = _Bank(
                [f.unicode for f in forms], [f.unicode_exact for f in forms], is_ascii=False
            )
        return self._unicode_bank

    def _encoded(self, lowered: str) -> bytes:
        # The phase rules and the reasons look at the same text: encode it once.
        last = self._last
        if last[0] is not lowered:
            last = self._last = (lowered, lowered.encode("utf-8"))
        return last[1]

    def _span(self, bank: _Bank, index: int, data: bytes, lowered: str) -> tuple[int, int] | None:
        """The leftmost match, in characters of ``lowered``."""
        start, end = bank.program(index).Match(UNANCHORED, data, 0, len(data))[0]
        if start < 0:  # cannot happen after the set matched; never trust that silently
            return None
        if len(data) != len(lowered):
            prefix = len(data[:start].decode("utf-8"))
            start, end = prefix, prefix + len(data[start:end].decode("utf-8"))
        if bank.exact[index]:
            return start, end
        # A vetted pattern's prefilter matched from ``start`` on: no match of the pattern
        # starts earlier, so Python's re searches from there (lookbehinds still see before it).
        match = self.rules[index].pattern.search(lowered, start)
        return None if match is None else match.span()


def _has_anchor(source: str) -> bool:
    """Whether an RE2 source may contain an anchor: ``^``/``$`` outside a character class, or an
    escape ``\\A``/``\\z``/``\\Z``. Errs on the side of yes (a literal ``\\$`` is fine too)."""
    in_class = False
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            if source[index + 1 : index + 2] in ("A", "z", "Z"):
                return True
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            index += 1
            # A ``^`` right after ``[`` negates; a ``]`` right after ``[`` or ``[^`` is literal.
            if source[index : index + 1] == "^":
                index += 1
            if source[index : index + 1] == "]":
                index += 1
            continue
        elif char in "^$":
            return True
        index += 1
    return False


def _form(rule: MessageRule) -> LinearForm:
    """The rule's RE2 form (a rule built without one: translated here, exact forms only)."""
    if rule.linear is not None:
        return rule.linear
    return translate(rule.regex, rule.flags & re.IGNORECASE)


_MATCHERS: dict[int, MessageMatcher] = {}


def matcher_for(rules: Sequence[MessageRule]) -> MessageMatcher:
    """The matcher of ``rules`` (built once per rules sequence)."""
    matcher = _MATCHERS.get(id(rules))
    if matcher is None or (matcher.rules is not rules and matcher.rules != tuple(rules)):
        if len(_MATCHERS) >= 32:
            _MATCHERS.clear()
        matcher = _MATCHERS[id(rules)] = MessageMatcher(rules)
    return matcher


def refusal(pattern: str) -> str | None:
    """Why RE2 cannot run ``pattern`` (None when it can): the translation or RE2 refuses it."""
    try:
        form = translate(pattern, re.IGNORECASE)
        compile_form(form)
    except Untranslatable as error:
        return str(error)
    except EngineError as error:
        return f"RE2 refuses it: {error}"
    return None
