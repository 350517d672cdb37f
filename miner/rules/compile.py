"""The effective rules document compiled into :class:`~miner.rules.model.Rules`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from miner.errors import ConfigError
from miner.rules.regex import Untranslatable, translate

if TYPE_CHECKING:
    pass
from miner.rules.check import short_text, vetted_patterns
from miner.rules.globs import compile_globs
from miner.rules.model import (
    DEFAULT_SOURCE,
    MessageRule,
    Origins,
    Phase,
    Rules,
    message_flags,
    rules_digest,
)

# ----------------------------------------------------------------------------- compiling


def compile_rules(effective: dict[str, Any], source: str, origins: Origins) -> Rules:
    phase_info = tuple(_phase(item) for item in effective["phases"])
    rules = effective.get("rules", [])
    path_rules = tuple(
        compile_globs(r["id"], r["phase"], r["weight"], r["paths"]) for r in rules if "paths" in r
    )
    vetted = source == DEFAULT_SOURCE
    message_rules = tuple(
        _message_rule(r["id"], r["phase"], float(r["weight"]), r["message"], vetted=vetted)
        for r in rules
        if "message" in r
    )
    ignore = effective.get("ignore", [])
    document = _document(effective)
    return Rules(
        phases=tuple(phase.id for phase in phase_info),
        min_share=float(effective.get("settings", {}).get("min_share", 0.25)),
        source=source,
        digest=rules_digest(document),
        phase_info=phase_info,
        path_rules=path_rules,
        message_rules=message_rules,
        reasons=_message_entries(effective.get("reasons", []), vetted=vetted),
        noise=_message_entries(effective.get("noise", []), vetted=vetted),
        ignore=compile_globs("ignore", "", 1.0, ignore) if ignore else None,
        document=document,
    )


def _phase(item: str | dict[str, str]) -> Phase:
    if isinstance(item, str):
        return Phase(item, item)
    return Phase(item["id"], item.get("name", item["id"]), item.get("description", ""))


def _message_entries(items: list[dict[str, Any]], *, vetted: bool) -> tuple[MessageRule, ...]:
    return tuple(_message_rule(i["id"], "", 0.0, i["message"], vetted=vetted) for i in items)


def _message_rule(
    rule_id: str, phase: str, weight: float, pattern: str, *, vetted: bool
) -> MessageRule:
    flags = message_flags(pattern)
    superset = vetted or pattern in vetted_patterns()
    try:
        linear = translate(pattern, flags & re.IGNORECASE, superset=superset)
    except Untranslatable as error:  # validation reports it first; a safety net for callers
        raise ConfigError(
            f"message rule {rule_id!r}: regex {short_text(pattern)} {error}"
        ) from None
    return MessageRule(rule_id, phase, weight, pattern, flags, linear)


def compile_message(pattern: str) -> re.Pattern[str]:
    """A case-insensitive message regex, to be searched in lowercased text (see
    :func:`miner.rules.model.message_flags`)."""
    return re.compile(pattern, message_flags(pattern))


def _document(effective: dict[str, Any]) -> dict[str, Any]:
    """The effective rules in the shape of a self-contained rules file (no ``extends``)."""
    return {
        "version": 1,
        "phases": [_phase_mapping(item) for item in effective["phases"]],
        "settings": {"min_share": float(effective.get("settings", {}).get("min_share", 0.25))},
        "ignore": list(effective.get("ignore", [])),
        "rules": [_rule_mapping(rule) for rule in effective.get("rules", [])],
        "reasons": [dict(item) for item in effective.get("reasons", [])],
        "noise": [dict(item) for item in effective.get("noise", [])],
    }


def _phase_mapping(item: str | dict[str, str]) -> dict[str, str]:
    phase = _phase(item)
    mapping = {"id": phase.id, "name": phase.name}
    if phase.description:
        mapping["description"] = phase.description
    return mapping


def _rule_mapping(rule: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "phase", "weight", "paths", "message", "description")
    mapping = {key: rule[key] for key in keys if key in rule}
    mapping["weight"] = float(mapping["weight"])
    return mapping
