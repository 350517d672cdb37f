"""Message patterns in RE2 syntax: matching in time linear in the text, whatever the pattern.

A rules file may come from the analysed repository, so its regexes are untrusted: with Python's
backtracking ``re`` a pattern like ``(a|a)*b`` runs for hours on one message. Every message
pattern is therefore translated from Python's syntax (the rules file's) into RE2's and matched by
RE2, which never backtracks. The translation keeps Python's meaning where RE2 differs: ``\\w``,
``\\d`` and ``\\s`` are Python's Unicode classes, ``$`` also matches before a final newline. One
difference remains on non-ASCII text: ``\\b`` and ``\\B`` are ASCII word boundaries (RE2 has no
other). On ASCII text (most messages) a pattern has a cheaper form with ASCII classes, exact too.

Constructs RE2 cannot run in linear time (lookahead, lookbehind, backreferences, atomic groups,
possessive repeats) raise :class:`Untranslatable`, unless the caller vets the pattern
(``superset=True``: the packaged default rules, which use lookarounds). A vetted pattern's forms
then match a superset of its matches (assertions, and on non-ASCII text word boundaries, left
out): a prefilter after which Python's ``re`` confirms the match, from where the prefilter found
it.
"""

from __future__ import annotations

import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Any

# Python's str.isspace(), which is what \s means for str patterns.
_SPACE = (
    r"\t\n\x{0b}\f\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
_WORD = r"\p{L}\p{N}_"
_UNICODE = {
    sre.CATEGORY_WORD: (f"[{_WORD}]", _WORD),
    sre.CATEGORY_NOT_WORD: (f"[^{_WORD}]", None),
    sre.CATEGORY_DIGIT: (r"\p{Nd}", r"\p{Nd}"),
    sre.CATEGORY_NOT_DIGIT: (r"\P{Nd}", r"\P{Nd}"),
    sre.CATEGORY_SPACE: (f"[{_SPACE}]", _SPACE),
    sre.CATEGORY_NOT_SPACE: (f"[^{_SPACE}]", None),
}
_ASCII_TEXT = {  # without re.ASCII, on ASCII text: \s also holds \x1c-\x1f as str.isspace()
    sre.CATEGORY_WORD: (r"\w", r"\w"),
    sre.CATEGORY_NOT_WORD: (r"\W", r"\W"),
    sre.CATEGORY_DIGIT: (r"\d", r"\d"),
    sre.CATEGORY_NOT_DIGIT: (r"\D", r"\D"),
    sre.CATEGORY_SPACE: (r"[\t\n\x{0b}\f\r\x{1c}-\x{1f} ]", r"\t\n\x{0b}\f\r\x{1c}-\x{1f} "),
    sre.CATEGORY_NOT_SPACE: (r"[^\t\n\x{0b}\f\r\x{1c}-\x{1f} ]", None),
}
_ASCII = {  # re.ASCII
    sre.CATEGORY_WORD: (r"\w", r"\w"),
    sre.CATEGORY_NOT_WORD: (r"\W", r"\W"),
    sre.CATEGORY_DIGIT: (r"\d", r"\d"),
    sre.CATEGORY_NOT_DIGIT: (r"\D", r"\D"),
    sre.CATEGORY_SPACE: (r"[\t\n\x{0b}\f\r ]", r"\t\n\x{0b}\f\r "),
    sre.CATEGORY_NOT_SPACE: (r"[^\t\n\x{0b}\f\r ]", None),
}
_FLAG_LETTERS = ((sre.SRE_FLAG_IGNORECASE, "i"), (sre.SRE_FLAG_MULTILINE, "m"))
_UNSUPPORTED = {
    sre.ASSERT: "a lookahead or lookbehind",
    sre.ASSERT_NOT: "a negative lookahead or lookbehind",
    sre.GROUPREF: "a backreference",
    sre.GROUPREF_EXISTS: "a conditional group",
    sre.ATOMIC_GROUP: "an atomic group",
    sre.POSSESSIVE_REPEAT: "a possessive repeat",
}
MAX_REPEAT_COUNT = 1000  # RE2's own limit on {n,m}


class Untranslatable(ValueError):
    """The pattern uses a construct RE2 cannot run; the message says which."""


@dataclass(frozen=True, slots=True)
class LinearForm:
    """A pattern in RE2 syntax, in two forms: ``ascii`` for ASCII text (where it can use RE2's
    cheaper ASCII classes), ``unicode`` for any other text. Each is ``exact`` (it matches where
    Python's pattern does; on non-ASCII text ``\\b`` aside, see the module notes) or a superset of
    the pattern's matches: a prefilter only, for a vetted pattern."""

    ascii: str
    ascii_exact: bool
    unicode: str
    unicode_exact: bool


# Forms already translated, by (superset, flags, pattern): the commit hook keeps them between
# commits (see known_forms/learn_forms), so it does not parse every pattern again.
_KNOWN: dict[str, LinearForm] = {}
TRANSLATOR_VERSION = 1  # changes whenever a translation would: kept forms are then dropped


def _key(pattern: str, flags: int, superset: bool) -> str:
    return f"{int(superset)}:{flags}:{pattern}"


def known_forms() -> dict[str, list[str | bool]]:
    """The forms translated so far, as JSON-ready data for :func:`learn_forms`."""
    return {key: [f.ascii, f.ascii_exact, f.unicode, f.unicode_exact] for key, f in _KNOWN.items()}


def learn_forms(data: object) -> None:
    """Take forms kept by :func:`known_forms` (anything malformed is ignored). A form that is not
    exact is taken only for a vetted pattern: other patterns are never left to Python's re."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if not (isinstance(key, str) and isinstance(value, list) and len(value) == 4):
            continue
        ascii_form, ascii_exact, unicode_form, unicode_exact = value
        if not (isinstance(ascii_form, str) and isinstance(unicode_form, str)):
            continue
        if ascii_exact is not True or unicode_exact is not True:
            if not key.startswith("1:") or not isinstance(ascii_exact, bool):
                continue
            if not isinstance(unicode_exact, bool):
                continue
        _KNOWN[key] = LinearForm(ascii_form, ascii_exact, unicode_form, unicode_exact)


def translate(pattern: str, flags: int = 0, *, superset: bool = False) -> LinearForm:
    """The RE2 forms of Python regex ``pattern``. Raises ``re.error`` for an invalid pattern and
    :class:`Untranslatable` for one RE2 cannot run (unless ``superset``: see the module notes)."""
    key = _key(pattern, flags, superset)
    known = _KNOWN.get(key)
    if known is None:
        known = _KNOWN[key] = _translate(pattern, flags, superset=superset)
    return known


def _translate(pattern: str, flags: int, *, superset: bool) -> LinearForm:
    parsed = sre_parse.parse(pattern, flags)
    global_flags = parsed.state.flags
    items = list(parsed)
    prefix = "".join(letter for flag, letter in _FLAG_LETTERS if global_flags & flag)
    if global_flags & sre.SRE_FLAG_DOTALL:
        prefix += "s"
    prefix = f"(?{prefix})" if prefix else ""

    def form(*, ascii_text: bool, loose: bool) -> str:
        writer = _Writer(superset=loose, boundaries=not (loose and not ascii_text))
        classes = _ASCII if global_flags & sre.SRE_FLAG_ASCII else None
        writer.classes = classes or (_ASCII_TEXT if ascii_text else _UNICODE)
        return prefix + writer.sequence(items, global_flags)

    try:
        ascii_form, exact = form(ascii_text=True, loose=False), True
        unicode_form = form(ascii_text=False, loose=False)
    except Untranslatable:
        if not superset:
            raise
        ascii_form, exact = form(ascii_text=True, loose=True), False
    if superset:
        # RE2's \b is ASCII: on other text a vetted pattern's prefilter drops word boundaries,
        # so that it never misses, and Python's re decides.
        loose_form = form(ascii_text=False, loose=True)
        if not exact or loose_form != unicode_form:
            return LinearForm(ascii_form, exact, loose_form, False)
    return LinearForm(ascii_form, exact, unicode_form, exact)


class _Writer:
    def __init__(self, *, superset: bool, boundaries: bool) -> None:
        self.superset = superset  # leave out what RE2 cannot run: the form matches more
        self.boundaries = boundaries  # keep \b and \B (else left out: the form matches more)
        self.classes = _UNICODE

    def sequence(self, items: list[tuple[Any, Any]], flags: int) -> str:
        return "".join(self.item(op, av, flags) for op, av in items)

    def unsupported(self, op: Any) -> str:
        if not self.superset:
            raise Untranslatable(f"uses {_UNSUPPORTED[op]}, which a linear-time engine cannot run")
        return ""

    def item(self, op: Any, av: Any, flags: int) -> str:
        if op is sre.LITERAL:
            return _char(av)
        if op is sre.NOT_LITERAL:
            return f"[^{_char(av)}]"
        if op is sre.ANY:
            return "."
        if op is sre.IN:
            return self.charset(av, flags)
        if op is sre.CATEGORY:
            return self.classes[av][0]
        if op is sre.BRANCH:
            return "(?:" + "|".join(self.sequence(list(alt), flags) for alt in av[1]) + ")"
        if op is sre.SUBPATTERN:
            _group, add, remove, inner = av
            letters = "".join(letter for flag, letter in _FLAG_LETTERS if add & flag)
            if add & sre.SRE_FLAG_DOTALL:
                letters += "s"
            off = "".join(letter for flag, letter in _FLAG_LETTERS if remove & flag)
            if remove & sre.SRE_FLAG_DOTALL:
                off += "s"
            spec = letters + (f"-{off}" if off else "")
            return f"(?{spec}:{self.sequence(list(inner), (flags | add) & ~remove)})"
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            return self.repeat(av, flags, lazy=op is sre.MIN_REPEAT)
        if op is sre.AT:
            if not self.boundaries and av in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY):
                return ""
            return _at(av, flags)
        if op is sre.POSSESSIVE_REPEAT:
            self.unsupported(op)
            return self.repeat(av, flags, lazy=False)  # the greedy repeat matches more
        if op is sre.ATOMIC_GROUP:
            self.unsupported(op)
            return f"(?:{self.sequence(list(av), flags)})"
        if op in _UNSUPPORTED:
            if op in (sre.GROUPREF, sre.GROUPREF_EXISTS) and self.superset:
                raise Untranslatable(f"uses {_UNSUPPORTED[op]}, which has no linear-time form")
            return self.unsupported(op)
        raise Untranslatable(f"uses an unsupported construct ({op})")

    def repeat(self, av: Any, flags: int, *, lazy: bool) -> str:
        low, high, inner = av
        if low > MAX_REPEAT_COUNT or (high != sre.MAXREPEAT and high > MAX_REPEAT_COUNT):
            raise Untranslatable(f"repeats more than {MAX_REPEAT_COUNT} times")
        body = f"(?:{self.sequence(list(inner), flags)})"
        if high == sre.MAXREPEAT:
            count = "*" if low == 0 else ("+" if low == 1 else f"{{{low},}}")
        elif low == high:
            count = f"{{{low}}}"
        else:
            count = "?" if (low, high) == (0, 1) else f"{{{low},{high}}}"
        return body + count + ("?" if lazy else "")

    def charset(self, items: list[tuple[Any, Any]], flags: int) -> str:
        negate = bool(items) and items[0][0] is sre.NEGATE
        members: list[str] = []
        complements: list[str] = []  # \W or \S in a class: RE2 classes cannot hold them
        for op, av in items[1:] if negate else items:
            if op is sre.LITERAL:
                members.append(_char(av))
            elif op is sre.RANGE:
                members.append(f"{_char(av[0])}-{_char(av[1])}")
            elif op is sre.CATEGORY:
                whole, inside = self.classes[av]
                if inside is None:
                    complements.append(whole)
                else:
                    members.append(inside)
            else:
                raise Untranslatable(f"uses an unsupported character class item ({op})")
        if not complements:
            if not members:
                return "[^\\x{0}-\\x{10ffff}]" if not negate else "(?s:.)"
            return f"[{'^' if negate else ''}{''.join(members)}]"
        if negate:
            raise Untranslatable("negates a class that holds \\W or \\S")
        parts = ([f"[{''.join(members)}]"] if members else []) + complements
        return "(?:" + "|".join(parts) + ")"


def _char(code: int) -> str:
    char = chr(code)
    if char.isascii() and char.isalnum():
        return char
    return f"\\x{{{code:x}}}"


def _at(where: Any, flags: int) -> str:
    if where is sre.AT_BEGINNING:
        return "(?m:^)" if flags & sre.SRE_FLAG_MULTILINE else "\\A"
    if where is sre.AT_BEGINNING_STRING:
        return "\\A"
    if where is sre.AT_END:
        # Python's $ also matches before a newline that ends the text; RE2's does not.
        return "(?m:$)" if flags & sre.SRE_FLAG_MULTILINE else "(?:\\n?\\z)"
    if where is sre.AT_END_STRING:
        return "\\z"
    if where is sre.AT_BOUNDARY:
        return "\\b"
    if where is sre.AT_NON_BOUNDARY:
        return "\\B"
    raise Untranslatable(f"uses an unsupported anchor ({where})")
