"""The error hierarchy. Library code raises these; only ``miner.cli`` turns them into exit codes."""

from __future__ import annotations


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
