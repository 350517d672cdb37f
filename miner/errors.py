"""The error hierarchy. Library code raises these; only ``miner.cli`` turns them into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class MinerError(Exception):
    """Bad input the user can fix: printed as one line, exit code 2."""

    exit_code = 2


class UsageError(MinerError):
    """A command-line option or value that makes no sense."""


class ConfigError(MinerError):
    """A rules file that cannot be read, parsed or validated; the message names the key path."""


class RepositoryError(MinerError):
    """Not a repository, an unknown revision, a URL that cannot be cloned."""


class GateFailed(MinerError):
    """A ``--fail-on`` gate tripped or a strict hook rejected a message: exit code 1."""

    exit_code = 1


@contextmanager
def reading(path: object, what: str, error: type[MinerError]) -> Iterator[None]:
    """Turn the ways a user's file cannot be read into one-line errors of class ``error``:
    ``<path>: cannot read <what>: no such file`` (is a directory, not UTF-8, the OS reason)."""
    try:
        yield
    except FileNotFoundError:
        raise error(f"{path}: cannot read {what}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: cannot read {what}: is a directory") from None
    except UnicodeDecodeError as decode:
        raise error(f"{path}: cannot read {what}: not UTF-8 ({decode.reason})") from None
    except OSError as failure:
        raise error(f"{path}: cannot read {what}: {failure.strerror}") from None
