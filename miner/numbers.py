"""Numbers typed by a user or read from a settings file: ASCII digits only, ranges checked.

Python's ``int``/``float`` accept any Unicode decimal digit (a fullwidth 5 is 5), underscores,
``nan`` and ``inf``; a value from the command line, a ``--fail-on`` gate or ``[tool.miner]`` is
none of those. Every such number goes through here, so ``--window`` with a fullwidth digit, or
``1_0``, is an error (exit 2), as is a value outside its option's range.
"""

from __future__ import annotations

import math
import re

from miner.errors import UsageError

_INTEGER = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def is_integer(text: str) -> bool:
    """Whether ``text`` is a plain non-negative integer in ASCII digits."""
    return _INTEGER.fullmatch(text) is not None


def parse_integer(text: str, option: str, *, low: int, high: int) -> int:
    """An integer in ``[low, high]`` written in ASCII digits."""
    if not is_integer(text):
        raise UsageError(f"{option} must be a whole number (digits 0-9), not {text!r}")
    return check_range(int(text), option, low=low, high=high)


def parse_decimal(text: str, option: str) -> float:
    """A finite decimal number in ASCII (``0.35``, ``-2``, ``1e-3``)."""
    if _DECIMAL.fullmatch(text) is None:
        raise UsageError(f"{option} must be a number (digits 0-9), not {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise UsageError(f"{option} must be a finite number, not {text!r}")
    return value


def check_range(value: int, option: str, *, low: int, high: int) -> int:
    if not low <= value <= high:
        raise UsageError(f"{option} must be between {low:,} and {high:,}, not {value:,}")
    return value
