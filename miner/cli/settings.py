"""A team's settings, committed with the analysed repository: ``.miner/config.toml`` or the
``[tool.miner]`` table of its ``pyproject.toml`` (found like the rules file: in the work tree, or
at the tip of a bare repository). Command-line options win over them.

The file is untrusted input, like the repository: it is parsed with ``tomllib`` (nothing runs),
only the keys below are known (any other is a one-line error naming it), and every value is
checked as the command-line option it stands for would be::

    [tool.miner]                       # or the top level of .miner/config.toml
    window = 10                        # or "14d"               (--window)
    revisits = "all"                   # or "backward"          (--revisits)
    min_share = 0.25                   #                        (--min-share)
    include = ["src/**"]               #                        (--include)
    exclude = ["docs/**"]              #                        (--exclude)
    exclude_authors = ["renovate"]     #                        (--exclude-author)
    include_bots = false               #                        (--include-bots)
    first_parent = false               #                        (--first-parent)
    churn = false                      #                        (--churn)
    period = "month"                   # miner report           (--period)
    fail_on = ["revisit_rate > 35%"]   # miner report           (--fail-on)
    gate_min_samples = {revisit_rate = 30}  # miner report      (--gate-min-sample)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from miner.errors import ConfigError, MinerError

CONFIG_FILE = ".miner/config.toml"
_MINER_TABLE = re.compile(rb"^\s*\[\s*tool\s*\.\s*miner\b|^\s*tool\s*\.\s*miner\b", re.MULTILINE)
PYPROJECT = "pyproject.toml"
_LIST_KEYS = {
    "include": "include",
    "exclude": "exclude",
    "exclude_authors": "exclude_authors",
}
_BOOL_KEYS = ("include_bots", "first_parent", "churn")
REPORT_KEYS = ("period", "fail_on", "gate_min_samples")
KNOWN_KEYS = ("window", "revisits", "min_share", *_LIST_KEYS, *_BOOL_KEYS, *REPORT_KEYS)


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated settings; ``analysis`` holds ``AnalysisOptions`` keywords."""

    source: str | None = None
    analysis: Mapping[str, Any] = field(default_factory=dict)
    period: str | None = None
    fail_on: tuple[str, ...] = ()
    gate_min_samples: Mapping[str, int] = field(default_factory=dict)


def settings_from_files(files: Mapping[str, bytes | None]) -> Settings:
    """The settings in ``.miner/config.toml`` or ``pyproject.toml``'s ``[tool.miner]``
    (``files`` maps each name to its bytes, None when absent); both at once is an error."""
    found = []
    config = files.get(CONFIG_FILE)
    if config is not None:
        found.append((CONFIG_FILE, _parse(CONFIG_FILE, config)))
    pyproject = files.get(PYPROJECT)
    # A project's own pyproject.toml is not ours to judge: without a [tool.miner] table it is
    # not read at all (real repositories carry broken ones).
    if pyproject is not None and _MINER_TABLE.search(pyproject) is not None:
        tool = _parse(PYPROJECT, pyproject).get("tool", {})
        if isinstance(tool, dict) and "miner" in tool:
            found.append((f"{PYPROJECT} [tool.miner]", tool["miner"]))
    if not found:
        return Settings()
    if len(found) > 1:
        raise ConfigError(
            f"settings in both {found[0][0]} and {found[1][0]}: keep them in one place"
        )
    source, table = found[0]
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: expected a table of settings")
    return _validate(source, table)


def _parse(name: str, raw: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: cannot read settings: not UTF-8 ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: not valid TOML: {error}") from None


def _validate(source: str, table: dict[str, Any]) -> Settings:
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{source}: unknown setting {unknown[0]!r} (known: {', '.join(KNOWN_KEYS)})"
        )
    analysis: dict[str, Any] = {}
    for key, value in table.items():
        if key in REPORT_KEYS:
            continue
        analysis[key] = _checked(source, key, _CHECKS[key], value)
    return Settings(
        source=source,
        analysis=analysis,
        period=_checked(source, "period", _period, table.get("period")),
        fail_on=_checked(source, "fail_on", _gates, table.get("fail_on", [])),
        gate_min_samples=_checked(
            source, "gate_min_samples", _minimums, table.get("gate_min_samples", {})
        ),
    )


def _checked(source: str, key: str, check: Callable[[Any], Any], value: object) -> Any:
    """``check(value)``; its error as ``<file>: <key>: <message>``."""
    try:
        return check(value)
    except MinerError as error:
        raise ConfigError(f"{source}: {key}: {error}") from None


def _window(value: object) -> Any:
    from miner.pipeline.options import parse_window

    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ConfigError(f'expected a number of commits or a span like "14d", not {value!r}')
    return parse_window(value)


def _choice(*choices: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, not {value!r}")
        return str(value)

    return check


def _share(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a number, not {value!r}")
    if not 0 < value <= 1:
        raise ConfigError(f"must be in (0, 1], not {value}")
    return float(value)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"expected a list of strings, not {value!r}")
    return tuple(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, not {value!r}")
    return value


def _period(value: object) -> str | None:
    from miner.trend.periods import UNITS

    return None if value is None else _choice(*UNITS)(value)


def _gates(value: object) -> tuple[str, ...]:
    from miner.trend.gates import parse_gates

    texts = _strings(value)
    parse_gates(texts)  # an invalid expression fails here, before any mining
    return texts


def _minimums(value: object) -> dict[str, int]:
    from miner.trend.gates import parse_min_samples

    if not isinstance(value, dict):
        raise ConfigError(f"expected a table like {{revisit_rate = 30}}, not {value!r}")
    texts = []
    for metric, count in value.items():
        if isinstance(count, bool) or not isinstance(count, int):
            raise ConfigError(f"{metric}: expected a whole number, not {count!r}")
        texts.append(f"{metric}={count}")
    return parse_min_samples(texts)


_CHECKS: dict[str, Callable[[object], Any]] = {
    "window": _window,
    "revisits": _choice("all", "backward"),
    "min_share": _share,
    **dict.fromkeys(_LIST_KEYS, _strings),
    **dict.fromkeys(_BOOL_KEYS, _flag),
}


def load_settings(path: str, *, rev: str | None = None) -> Settings:
    """The settings of the repository at ``path`` (work tree or bare: its tip). A URL's are not
    read: that would clone it a second time (give the options on the command line)."""
    from miner.history.files import MissingContentError, read_tracked_file
    from miner.history.repository import is_url, open_repository

    if is_url(path):
        return Settings()
    with open_repository(path, rev=rev) as repo:
        try:
            files = {name: read_tracked_file(repo, name) for name in (CONFIG_FILE, PYPROJECT)}
        except MissingContentError as error:
            # Most Python projects have a pyproject.toml: refusing every partial clone of one
            # would be worse than analysing with the command line's options and saying so.
            return Settings(source=f"not read: {error}")
        return settings_from_files(files)
