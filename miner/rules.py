"""Stage 2: load, merge (``extends``), validate and compile the phase rules into frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Rules:
    """The effective, compiled rules. ``phases`` is the canonical order.

    ``digest`` is a sha256 of the effective rules (stable across runs), used in the JSON
    ``options`` and as the cache key. ``source`` names where they came from (a path or
    ``default``).
    """

    phases: tuple[str, ...]
    min_share: float
    source: str
    digest: str
    # the helper owning this module adds the compiled rule records here


def load_rules(path: str | Path | None = None, *, repository_dir: Path | None = None) -> Rules:
    """``path`` if given, else ``<repository_dir>/.miner/phase_rules.yaml`` if it exists, else the
    packaged default. Raises ConfigError naming the file, key path (and line for YAML errors)."""
    raise NotImplementedError
