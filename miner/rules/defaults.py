"""The packaged default rules file, and the safe YAML parsing every rules file goes through."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    pass


def default_rules_text() -> str:
    """The packaged default rules file, as text."""
    return resources.files("miner").joinpath("data", "phase_rules.yaml").read_text("utf-8")


@cache
def default_document() -> dict[str, Any]:
    loaded = parse_yaml(default_rules_text())
    assert isinstance(loaded, dict)
    return loaded


# ----------------------------------------------------------------------------- building


def parse_yaml(text: str) -> Any:
    """Safe YAML parsing with libyaml's C parser when available (several times faster); errors
    come from the pure-Python parser, whose messages are the same on every machine."""
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return yaml.safe_load(text)
