"""How every git process ``miner`` starts is run: environment, forced configuration, errors.

The analysed repository is untrusted input. Its configuration can name programs for git to run
(``core.fsmonitor``, ``core.hooksPath`` hooks, ``diff.external``, textconv drivers,
``core.pager``, ``gpg.program`` through ``log.showSignature``) or change what git prints. So
every git process gets, besides a cleaned environment (:func:`git_environment`), the settings
of :data:`SAFE_CONFIG` with command-line precedence, through ``GIT_CONFIG_COUNT``: they reach
git processes started by other git processes (``fast-import`` running a ref hook, a lazy fetch)
and those started by GitPython/PyDriller as well, which no ``-c`` option on our own command
lines would. The commit hook's git processes keep the environment git gave the hook (its index,
the user's ``-c`` options) and get the same settings (:func:`hook_git_environment`).

Reading never reaches the network: ``protocol.allow=never`` makes any fetch fail, which is what
stops a partial clone from downloading missing blobs behind our back (git 2.44+ also honours
``GIT_NO_LAZY_FETCH``). Only cloning a URL the user gave is allowed to fetch.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from typing import IO

from miner.errors import RepositoryError

# Inherited GIT_* variables we keep: where the user's own config and git's helpers live, and how
# to reach remotes. Everything else (GIT_DIR, GIT_INDEX_FILE, GIT_WORK_TREE, GIT_OBJECT_DIRECTORY,
# GIT_CONFIG_PARAMETERS, ... as set inside a hook) would point git at the wrong repository.
_KEPT_GIT_VARIABLES = frozenset(
    {
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_EXEC_PATH",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSH_VARIANT",
        "GIT_SSL_CAINFO",
        "GIT_SSL_CAPATH",
    }
)

# No hook can exist below /dev/null, on any system: an empty hooks folder without a temp dir.
NO_HOOKS = os.devnull

# Configuration a repository could set to run code (signature checks, external diff drivers,
# fsmonitor, hooks, pagers, automatic maintenance) or to change what we parse (paths relative to
# a folder, a hidden root commit, a custom file order, hidden submodules, a rename limit).
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("log.showSignature", "false"),
    ("log.showRoot", "true"),
    ("core.quotePath", "false"),
    ("diff.external", ""),
    ("core.fsmonitor", "false"),
    ("core.hooksPath", NO_HOOKS),
    ("core.pager", "cat"),
    ("gpg.program", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("diff.relative", "false"),
    ("diff.ignoreSubmodules", "none"),
    ("diff.renameLimit", "1000"),
)
# Added unless the process may fetch: a partial clone then cannot download missing objects.
_OFFLINE_CONFIG = (("protocol.allow", "never"),)
# What every process that reads the analysed repository gets.
READING_CONFIG = SAFE_CONFIG + _OFFLINE_CONFIG


def git_environment(
    base: Mapping[str, str] | None = None, *, network: bool = False, hooks: bool = False
) -> dict[str, str]:
    """The environment of every git process we run: ``base`` (default: ours) minus ``GIT_*``
    variables other than a safe few, with credential prompts disabled and :data:`SAFE_CONFIG`
    forced; ``network`` (cloning a URL) is the only case where git may fetch; ``hooks`` leaves
    ``core.hooksPath`` as configured, only to ask git where hooks live (``hook install``)."""
    source = os.environ if base is None else base
    env = {
        name: value
        for name, value in source.items()
        if not name.startswith("GIT_") or name in _KEPT_GIT_VARIABLES
    }
    env["GIT_TERMINAL_PROMPT"] = "0"  # a URL that needs a password fails instead of asking
    env["GIT_OPTIONAL_LOCKS"] = "0"  # reading must never write the user's index
    if not network:
        env["GIT_NO_LAZY_FETCH"] = "1"
    elif "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"  # never ask for a password or host key
    config = SAFE_CONFIG if network else READING_CONFIG
    if hooks:
        config = tuple(item for item in config if item[0] != "core.hooksPath")
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def hook_git_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a git process started *by a hook* of the repository being committed
    to: the inherited variables are kept, since git set them for the hook (``GIT_INDEX_FILE``
    of ``commit -a`` is what will be committed, ``GIT_DIR`` where) and the user's own ``git -c``
    options travel in them; :data:`READING_CONFIG` is forced as in :func:`git_environment`,
    appended after any ``GIT_CONFIG_KEY_<n>`` entries ``base`` (default: ours) carries, so that
    nothing the repository configures runs and nothing is fetched."""
    env = dict(os.environ if base is None else base)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"  # reading must never write the user's index
    env["GIT_NO_LAZY_FETCH"] = "1"
    count = env.get("GIT_CONFIG_COUNT", "0")
    start = int(count) if count.isascii() and count.isdigit() else 0
    for index, (key, value) in enumerate(READING_CONFIG, start=start):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(READING_CONFIG))
    return env


def gitpython_environment(git_dir: str, work_tree: str | None) -> dict[str, str]:
    """:func:`git_environment` for GitPython (PyDriller's), which can only add
    to ``os.environ``: every inherited ``GIT_*`` variable :func:`git_environment` drops is
    overridden instead, the repository-location ones with the values git would use anyway for
    ``git_dir`` (empty values are invalid there), all others with the empty string. Without this
    PyDriller run inside a hook would read the hook's repository instead."""
    env = git_environment()
    location = {
        "GIT_DIR": git_dir,
        "GIT_COMMON_DIR": git_dir,
        "GIT_OBJECT_DIRECTORY": os.path.join(git_dir, "objects"),
        "GIT_WORK_TREE": work_tree or git_dir,
    }
    for name in os.environ:
        if name.startswith("GIT_") and name not in env:
            env[name] = location.get(name, "")
    return env


def run_git(
    args: Sequence[str],
    *,
    cwd: os.PathLike[str] | str | None,
    env: Mapping[str, str] | None = None,
    stdin: bytes = b"",
    options: Sequence[str] = (),
) -> bytes:
    """Stdout of ``git OPTIONS ARGS`` (environment: ``env``, else :func:`git_environment`);
    a failure is a RepositoryError naming the subcommand and git's last error line."""
    result = probe_git([*options, *args], cwd=cwd, env=env, stdin=stdin)
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        last = redact_urls(lines[-1]) if lines else str(result.returncode)
        raise RepositoryError(f"git {args[0]} failed: {last}")
    return result.stdout


def probe_git(
    args: Sequence[str],
    *,
    cwd: os.PathLike[str] | str | None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | IO[bytes] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` run to completion, whatever its exit status: for questions whose answer *is*
    the status (does this object exist?) and callers that word their own error. ``stdin`` is
    bytes or a file to feed it (a file never blocks against a large output)."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=dict(env) if env is not None else git_environment(),
        input=stdin if isinstance(stdin, bytes) else None,
        stdin=None if isinstance(stdin, bytes) else (stdin or subprocess.DEVNULL),
        capture_output=True,
        check=False,
    )


def start_git(
    args: Sequence[str],
    *,
    cwd: os.PathLike[str] | str | None,
    env: Mapping[str, str] | None = None,
    stdin: IO[bytes] | None = None,
    stderr: IO[bytes] | None = None,
    bufsize: int = -1,
) -> subprocess.Popen[bytes]:
    """``git ARGS`` started with its stdout as a pipe, for output read as a stream (``log``,
    ``diff-tree``); ``stdin`` is a file to feed it (else nothing), ``stderr`` where its errors
    go (else a pipe)."""
    return subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        env=dict(env) if env is not None else git_environment(),
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr if stderr is not None else subprocess.PIPE,
        bufsize=bufsize,
    )


# -- what git says, fit to be shown ---------------------------------------------------------------


def redact_url(url: str) -> str:
    """The URL without its user information (a user name can be a token, as in
    ``https://TOKEN@host/...``), so no output, error or stored record ever shows a credential.
    Every place that shows or stores a URL goes through here."""
    if "@" not in url:
        return url
    from urllib.parse import urlsplit, urlunsplit  # only for a URL that may hold credentials

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


# scheme://userinfo@ inside free text (git's own error lines quote the URL they failed on)
_URL_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")


def redact_urls(text: str) -> str:
    """``text`` with the user information of every URL in it removed (see :func:`redact_url`)."""
    return _URL_USERINFO.sub(r"\1", text)


def reason(stderr: str) -> str:
    """git's own first ``fatal:``/``error:`` line (else its last line), without the prefix, and
    without credentials in any URL it quotes."""
    # GitPython wraps stderr as "  stderr: 'fatal: ...'"
    lines = [line.strip().removeprefix("stderr:").strip(" '") for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    first = (fatal or lines or ["git failed"])[0]
    return redact_urls(first.removeprefix("fatal:").removeprefix("error:").strip())
