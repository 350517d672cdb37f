"""Compiled rules as plain JSON data, and back: what the commit hook keeps between commits, so
that it neither parses YAML nor translates or compiles a regex while the rules are unchanged.

:func:`rules_to_data` writes every field of :class:`~miner.rules.model.Rules` (message rules
with their RE2 forms, path rules with their regexes); :func:`rules_from_data` rebuilds the
same record and raises ValueError for anything :func:`rules_to_data` would not have written,
including a ``digest`` that is not the digest of the stored ``document``. Deciding *when*
stored rules may be used (the same rules file, the same miner) is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from miner.rules.model import MessageRule, PathRule, Phase, Rules, rules_digest
from miner.rules.regex import LinearForm

FORMAT = 1  # changes whenever the data written changes


def rules_to_data(rules: Rules) -> dict[str, Any]:
    """``rules`` as JSON-ready data."""
    return {
        "format": FORMAT,
        "phases": [[phase.id, phase.name, phase.description] for phase in rules.phase_info],
        "min_share": rules.min_share,
        "source": rules.source,
        "digest": rules.digest,
        "path_rules": [_path_rule_data(rule) for rule in rules.path_rules],
        "message_rules": [_message_rule_data(rule) for rule in rules.message_rules],
        "reasons": [_message_rule_data(rule) for rule in rules.reasons],
        "noise": [_message_rule_data(rule) for rule in rules.noise],
        "ignore": None if rules.ignore is None else _path_rule_data(rules.ignore),
        "document": dict(rules.document),
    }


def rules_from_data(data: object) -> Rules:
    """The rules :func:`rules_to_data` wrote; ValueError when ``data`` is anything else."""
    try:
        return _rules(data)
    except (KeyError, TypeError, IndexError, AttributeError) as error:
        raise ValueError(f"not stored rules: {error!r}") from None


def _rules(data: object) -> Rules:
    if not isinstance(data, Mapping) or data["format"] != FORMAT:
        raise ValueError("not stored rules of this format")
    phase_info = tuple(Phase(*_texts(item, 3)) for item in _list(data["phases"]))
    document = data["document"]
    if not isinstance(document, dict) or rules_digest(document) != _text(data["digest"]):
        raise ValueError("the stored digest is not the stored document's")
    ignore = data["ignore"]
    return Rules(
        phases=tuple(phase.id for phase in phase_info),
        min_share=_number(data["min_share"]),
        source=_text(data["source"]),
        digest=data["digest"],
        phase_info=phase_info,
        path_rules=tuple(_path_rule(item) for item in _list(data["path_rules"])),
        message_rules=tuple(_message_rule(item) for item in _list(data["message_rules"])),
        reasons=tuple(_message_rule(item) for item in _list(data["reasons"])),
        noise=tuple(_message_rule(item) for item in _list(data["noise"])),
        ignore=None if ignore is None else _path_rule(ignore),
        document=document,
    )


def _path_rule_data(rule: PathRule) -> list[Any]:
    return [rule.id, rule.phase, rule.weight, list(rule.globs), rule.include, rule.exclude]


def _path_rule(item: object) -> PathRule:
    rule_id, phase, weight, globs, include, exclude = _list(item, 6)
    return PathRule(
        id=_text(rule_id),
        phase=_text(phase),
        weight=_number(weight),
        globs=tuple(_text(glob) for glob in _list(globs)),
        include=_text(include),
        exclude=None if exclude is None else _text(exclude),
    )


def _message_rule_data(rule: MessageRule) -> list[Any]:
    form = rule.linear
    linear = (
        None if form is None else [form.ascii, form.ascii_exact, form.unicode, form.unicode_exact]
    )
    return [rule.id, rule.phase, rule.weight, rule.regex, rule.flags, linear]


def _message_rule(item: object) -> MessageRule:
    rule_id, phase, weight, regex, flags, linear = _list(item, 6)
    form = None
    if linear is not None:
        ascii_form, ascii_exact, unicode_form, unicode_exact = _list(linear, 4)
        form = LinearForm(
            _text(ascii_form), _flag(ascii_exact), _text(unicode_form), _flag(unicode_exact)
        )
    if not isinstance(flags, int) or isinstance(flags, bool):
        raise ValueError("regex flags are not an integer")
    return MessageRule(_text(rule_id), _text(phase), _number(weight), _text(regex), flags, form)


def _list(value: object, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise ValueError(f"expected a list of {length or 'any number of'} items")
    return value


def _texts(value: object, length: int) -> list[str]:
    return [_text(item) for item in _list(value, length)]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")
    return float(value)
