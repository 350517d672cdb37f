"""Load, merge (``extends``), validate and compile a rules file.

Every problem becomes one line ``<file>: <key path>: <what>``; :func:`check_rules_file` returns
all of them, :func:`load_rules` raises the first as a :class:`ConfigError`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from miner.errors import ConfigError, reading
from miner.rules.check import schema_errors, semantic_errors, type_name, yaml_error
from miner.rules.compile import compile_rules
from miner.rules.defaults import default_document, default_rules_text, parse_yaml
from miner.rules.model import DEFAULT_SOURCE, Origins, Rules


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules file at ``path``, else the packaged default. Raises ConfigError naming the file,
    key path (and line for YAML errors). Which file a repository uses is decided by
    :func:`miner.rules.resolve.resolve_rules`."""
    if path is None:
        return _default_rules()
    rules, errors = _build(str(path), _read_text(Path(path)))
    if errors:
        raise ConfigError(errors[0])
    assert rules is not None  # no errors means _build compiled the rules
    return rules


def check_rules_file(path: str | Path) -> list[str]:
    """Every problem of a rules file, one line each (empty when the file is valid)."""
    try:
        text = _read_text(Path(path))
    except ConfigError as error:
        return [str(error)]
    return _build(str(path), text)[1]


def rules_from_text(text: str, *, source: str) -> Rules:
    """Compile rules given as YAML text; ``source`` names them in errors and in ``Rules.source``."""
    rules, errors = _build(source, text)
    if errors:
        raise ConfigError(errors[0])
    assert rules is not None
    return rules


@cache
def _default_rules() -> Rules:
    # The packaged rules are validated by the test suite (check_rules_file on the default);
    # skipping validation here keeps the commit hook fast.
    rules, errors = _build(DEFAULT_SOURCE, default_rules_text(), validate=False)
    if errors:  # a broken package, not bad user input: still reported as a config error
        raise ConfigError(errors[0])
    assert rules is not None
    return rules


def _read_text(path: Path) -> str:
    with reading(path, "rules file", ConfigError):
        return path.read_text(encoding="utf-8")


def _build(source: str, text: str, *, validate: bool = True) -> tuple[Rules | None, list[str]]:
    """Parse, validate, merge and compile; returns the rules (None on error) and all errors."""
    try:
        document = parse_yaml(text)
    except yaml.YAMLError as error:
        return None, [f"{source}: {yaml_error(error)}"]
    if document is None:
        document = {}
    if not isinstance(document, dict):
        return None, [f"{source}: top level: expected a mapping, got {type_name(document)}"]
    errors = [f"{source}: {message}" for message in schema_errors(document)] if validate else []
    if errors:
        return None, errors
    effective, origins = _merge(document)
    if validate:
        errors = [f"{source}: {message}" for message in semantic_errors(effective, origins)]
    if errors:
        return None, errors
    return compile_rules(effective, source, origins), []


def _merge(document: dict[str, Any]) -> tuple[dict[str, Any], Origins]:
    """The effective document: the user file alone, or laid over the default (``extends``)."""
    origins: Origins = {}
    if document.get("extends") != "default":
        disabled = list(document.get("disable", []))
        effective = {key: value for key, value in document.items() if key != "disable"}
        for section in ("rules", "reasons", "noise"):
            items = effective.get(section, [])
            for index, item in enumerate(items):
                origins.setdefault((section, item["id"]), f"{section}[{index}]")
            effective[section] = [item for item in items if item["id"] not in disabled]
        effective["_disable"] = disabled
        return effective, origins
    base = default_document()
    effective = {
        "version": 1,
        "phases": document.get("phases", base["phases"]),
        "settings": {**base.get("settings", {}), **document.get("settings", {})},
        "ignore": [*base.get("ignore", []), *document.get("ignore", [])],
    }
    disabled = list(document.get("disable", []))
    for section in ("rules", "reasons", "noise"):
        effective[section] = _merge_section(
            section, base.get(section, []), document.get(section, []), disabled, origins
        )
    effective["_disable"] = disabled
    return effective, origins


def _merge_section(
    section: str,
    base: list[dict[str, Any]],
    overlay: list[dict[str, Any]],
    disabled: list[str],
    origins: Origins,
) -> list[dict[str, Any]]:
    merged = {item["id"]: dict(item) for item in base}
    for index, item in enumerate(overlay):
        origins.setdefault((section, item["id"]), f"{section}[{index}]")
        current = merged.setdefault(item["id"], {})
        if "paths" in item:
            current.pop("message", None)
        if "message" in item:
            current.pop("paths", None)
        current.update(item)
    return [item for key, item in merged.items() if key not in disabled]
