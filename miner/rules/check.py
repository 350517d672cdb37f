"""Every problem of a rules document, one line each: schema, ids, phases, globs and regexes.

A rules file is untrusted data (it may come from the analysed repository): it is checked
against the packaged JSON Schema, then semantically (unique ids, known phases, compilable globs
and regexes of bounded length, no nested quantifiers)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import jsonschema
from miner.rules.defaults import default_document
from miner.rules.globs import glob_to_regex
from miner.rules.model import Origins

MAX_PATTERN_LENGTH = 2000
# A quantified group that itself ends in a quantifier, e.g. ``(a+)+`` or ``(\w*)*``: the classic
# shape of catastrophic backtracking. Repository rules are untrusted, so such patterns are refused.
_NESTED_QUANTIFIER = re.compile(r"[*+}]\)[*+{]")


@cache
def _schema_validator() -> jsonschema.protocols.Validator:
    import jsonschema  # costs ~70 ms: only paid when a user's rules file is validated

    schema = json.loads(
        resources.files("miner").joinpath("data", "rules.schema.json").read_text("utf-8")
    )
    validator_class = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = validator_class(schema)
    return validator


def yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{where}invalid YAML: {' '.join(str(problem).split())}"


def type_name(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def schema_errors(document: dict[str, Any]) -> list[str]:
    errors = sorted(
        _schema_validator().iter_errors(document),
        key=lambda error: [str(part) for part in error.absolute_path],
    )
    return [f"{_key_path(error.absolute_path)}: {_schema_message(error)}" for error in errors]


def _key_path(parts: Sequence[str | int] | Iterator[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _schema_message(error: jsonschema.ValidationError) -> str:
    """jsonschema's messages repeat the whole offending value; keep them one short line."""
    value: Any = error.instance
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    validator = error.validator
    if validator == "additionalProperties":
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        unknown = sorted(key for key in value if key not in allowed)
        return f"unknown key(s) {', '.join(repr(k) for k in unknown)}"
    if validator == "required":
        return error.message
    if validator == "type":
        return f"expected {error.validator_value}, got {type_name(value)}"
    if validator == "pattern":
        return f"invalid id {shown} (letters, digits and {_id_chars(error)})"
    if validator == "maxLength":
        return f"too long ({len(str(value))} characters, at most {error.validator_value})"
    if validator in ("exclusiveMinimum", "minimum", "maximum"):
        return f"{shown} is out of range ({validator} {error.validator_value})"
    if validator == "const":
        return f"expected {error.validator_value!r}, got {shown}"
    if validator == "oneOf":
        return f"expected a phase id or {{id, name, description}}, got {shown}"
    return f"{shown}: {validator} {error.validator_value!r} not satisfied"


def _id_chars(error: jsonschema.ValidationError) -> str:
    return "'_' only, lowercase" if "a-z0-9_]" in str(error.validator_value) else "'_.:-'"


def semantic_errors(effective: dict[str, Any], origins: Origins) -> list[str]:
    phases = [_phase_id(item) for item in effective.get("phases", [])]
    errors = _duplicates(phases, "phases")
    errors += [f"ignore[{i}]: {e}" for i, e in _glob_errors(effective.get("ignore", []))]
    known = set(phases)
    for section in ("rules", "reasons", "noise"):
        items = effective.get(section, [])
        errors += _duplicates([item["id"] for item in items], section)
        for item in items:
            where = origins.get((section, item["id"]))
            if where is None:  # inherited unchanged from the default rules
                errors += _inherited_errors(item, known)
                continue
            errors += [f"{where}{e}" for e in _item_errors(section, item, known)]
    all_ids = {item["id"] for s in ("rules", "reasons", "noise") for item in effective.get(s, [])}
    for index, rule_id in enumerate(effective.get("_disable", [])):
        if rule_id not in all_ids and not _in_default(rule_id):
            errors.append(f"disable[{index}]: unknown rule id {rule_id!r}")
    if not phases:
        errors.append("phases: at least one phase is required")
    return errors


def _inherited_errors(item: dict[str, Any], known: set[str]) -> list[str]:
    """A default rule can only break by naming a phase the user's ``phases:`` dropped."""
    phase = item.get("phase")
    if phase is None or phase in known:
        return []
    return [
        f"phases: default rule {item['id']!r} names dropped phase {phase!r} "
        "(disable the rule or give it another phase)"
    ]


def _in_default(rule_id: str) -> bool:
    base = default_document()
    return any(item["id"] == rule_id for s in ("rules", "reasons", "noise") for item in base[s])


def _duplicates(ids: list[str], section: str) -> list[str]:
    seen: set[str] = set()
    errors = []
    for index, item_id in enumerate(ids):
        if item_id in seen:
            errors.append(f"{section}[{index}]: duplicate id {item_id!r}")
        seen.add(item_id)
    return errors


def _item_errors(section: str, item: dict[str, Any], known: set[str]) -> list[str]:
    if section != "rules":
        if "message" not in item:
            return [": missing 'message'"]
        return _regex_errors(item["message"])
    errors = []
    for key in ("phase", "weight"):
        if key not in item:
            errors.append(f": missing {key!r}")
    if "phase" in item and item["phase"] not in known:
        errors.append(f".phase: unknown phase {item['phase']!r}")
    has_paths, has_message = "paths" in item, "message" in item
    if has_paths == has_message:
        errors.append(": needs exactly one of 'paths' or 'message'")
    if has_paths:
        errors += [f".paths[{i}]: {e}" for i, e in _glob_errors(item["paths"])]
        if item["paths"] and all(glob.startswith("!") for glob in item["paths"]):
            errors.append(".paths: needs at least one glob that is not a '!' exclusion")
    if has_message:
        errors += _regex_errors(item["message"])
    return errors


def _regex_errors(pattern: str) -> list[str]:
    if len(pattern) > MAX_PATTERN_LENGTH:
        return [f".message: regex too long ({len(pattern)} > {MAX_PATTERN_LENGTH} characters)"]
    if _NESTED_QUANTIFIER.search(pattern):
        return [
            f".message: regex {short_text(pattern)} has a nested quantifier (slow backtracking)"
        ]
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        return [f".message: invalid regex {short_text(pattern)}: {error.msg}"]
    if pattern in vetted_patterns():
        return []
    from miner.rules.engine import refusal  # deferred: RE2 loads only when a pattern needs it

    problem = refusal(pattern)
    if problem is not None:
        return [f".message: regex {short_text(pattern)} {problem} (RE2 syntax is required)"]
    return []


@cache
def vetted_patterns() -> frozenset[str]:
    """The packaged rules' message patterns: the project's own, tested, so they may use
    lookarounds (matched after a linear-time prefilter); any other pattern must be RE2's."""
    base = default_document()
    return frozenset(
        item["message"]
        for s in ("rules", "reasons", "noise")
        for item in base[s]
        if "message" in item
    )


def short_text(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


def _glob_errors(globs: list[str]) -> Iterator[tuple[int, str]]:
    for index, glob in enumerate(globs):
        try:
            glob_to_regex(glob)
        except ValueError as error:
            yield index, f"invalid glob {glob!r}: {error}"


def _phase_id(item: str | dict[str, str]) -> str:
    return item if isinstance(item, str) else item["id"]
