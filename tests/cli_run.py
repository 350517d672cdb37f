"""The type of the ``run`` fixture (conftest.py): ``run(*argv)`` calls ``miner`` in-process and
returns ``(exit code, stdout, stderr)``."""

from __future__ import annotations

from collections.abc import Callable

Run = Callable[..., tuple[int, str, str]]
