"""Installing and removing the hook scripts; a hook of the user's is kept and chained."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from miner.atomic import write_atomically
from miner.classify.trailers import PHASE_TRAILER
from miner.errors import UsageError

if TYPE_CHECKING:  # argparse only when the arguments are parsed
    import argparse

# The git hooks miner installs: prepare-commit-msg tags messages that have text already (-m, -F,
# amend), commit-msg the ones written in the editor (and with --strict checks them).
STAGES = ("prepare-commit-msg", "commit-msg")
HOOK_MARKER = "# miner-hook: installed by `miner hook install`"


def hooks_dir(repository: Path) -> Path:
    """The folder git runs hooks from: honours ``core.hooksPath`` and linked worktrees."""
    from miner.history.repository import hooks_folder

    return hooks_folder(repository).path


def install(
    repository: Path,
    *,
    stages: Sequence[str] = STAGES,
    strict: bool = False,
    force: bool = False,
    python: str | None = None,
    shared: bool = False,
) -> list[str]:
    """Install the hook for ``stages``; returns one line per action taken.

    A hook of the user's is moved to ``<hook>.legacy`` and run first by ours (its exit code
    respected). A second foreign hook when ``.legacy`` is taken is an error unless ``force``:
    then the old ``.legacy`` is kept as ``.legacy.<n>``. Nothing is ever deleted. A hooks
    folder shared with other repositories (``core.hooksPath`` outside this one) is only written
    with ``shared``: the hook would tag, or with ``strict`` reject, their commits too.
    """
    from miner.history.repository import hooks_folder

    if strict and "commit-msg" not in stages:
        raise UsageError("--strict applies to the commit-msg stage")
    where = hooks_folder(repository)
    if where.shared and not shared:
        origin = f" (core.hooksPath, set in {where.configured_in})" if where.configured_in else ""
        raise UsageError(
            f"the hooks folder {where.path}{origin} is outside this repository, so its hooks "
            "run for every repository that uses it: pass --shared to install there anyway"
        )
    folder = where.path
    folder.mkdir(parents=True, exist_ok=True)
    interpreter = python or sys.executable
    return [
        _install_stage(
            folder,
            stage,
            strict=strict and stage == "commit-msg",
            force=force,
            script_python=interpreter,
        )
        for stage in stages
    ]


def _install_stage(
    folder: Path, stage: str, *, strict: bool, force: bool, script_python: str
) -> str:
    hook = folder / stage
    legacy = folder / f"{stage}.legacy"
    note = ""
    if (hook.exists() or hook.is_symlink()) and not is_miner_hook(hook):
        if legacy.exists() or legacy.is_symlink():
            if not force:
                raise UsageError(
                    f"{hook} is not miner's and {legacy.name} already exists: move one of them "
                    "aside, or use --force to keep the old one as "
                    f"{legacy.name}.<n> and chain the current hook"
                )
            backup = _free_name(legacy)
            os.replace(legacy, backup)
            note = f"; older {legacy.name} kept as {backup.name}"
        os.replace(hook, legacy)
        note = f", chaining the existing hook (now {legacy.name}){note}"
    write_atomically(hook, hook_script(stage, strict=strict, python=script_python).encode(), 0o755)
    return f"installed {stage} hook{' (strict)' if strict else ''}: {hook}{note}"


def _free_name(path: Path) -> Path:
    n = 1
    while (candidate := path.with_name(f"{path.name}.{n}")).exists():
        n += 1
    return candidate


def uninstall(repository: Path) -> list[str]:
    """Remove miner's hooks and put back the hooks they chained; one line per action."""
    folder = hooks_dir(repository)
    return [line for stage in STAGES if (line := _uninstall_stage(folder, stage))]


def _uninstall_stage(folder: Path, stage: str) -> str | None:
    hook = folder / stage
    legacy = folder / f"{stage}.legacy"
    if hook.exists() and not is_miner_hook(hook):
        return f"left {hook}: not installed by miner"
    removed = hook.exists()
    if removed:
        hook.unlink()
    if legacy.exists() or legacy.is_symlink():
        os.replace(legacy, hook)
        return f"removed {stage} hook, restored the previous one: {hook}"
    return f"removed {stage} hook: {hook}" if removed else None


def is_miner_hook(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return HOOK_MARKER.encode() in handle.read(4096)
    except OSError:
        return False


def hook_script(stage: str, *, strict: bool, python: str) -> str:
    """The installed script: chain the legacy hook, then run ``miner.hook.main`` with ``python``.

    When miner is not installed in ``python``'s site-packages (a checkout), the folder holding
    the package is put on ``PYTHONPATH``. A missing interpreter or package fails open.
    """
    args = f'{stage} "$@"{" --strict" if strict else ""}'
    package_root = _package_root()
    path_line = (
        ""
        if package_root is None
        else f'PYTHONPATH={shlex.quote(package_root)}"${{PYTHONPATH:+:$PYTHONPATH}}"\n'
        "export PYTHONPATH\n"
    )
    # commit-msg after prepare-commit-msg: most messages are tagged already; grep is far cheaper
    # than starting Python (the Python side still decides for every message grep lets through).
    skip_line = (
        ""
        if stage != "commit-msg" or strict
        else f"grep -qi '^{PHASE_TRAILER}[[:space:]]*:' \"$1\" 2>/dev/null && exit 0\n"
    )
    return f"""#!/bin/sh
{HOOK_MARKER}; `miner hook uninstall` removes it
# and restores the hook that was here before (kept meanwhile as {stage}.legacy).
MINER_PYTHON={shlex.quote(python)}
if [ -x "$0.legacy" ]; then
    "$0.legacy" "$@" || exit $?
fi
{skip_line}if [ ! -x "$MINER_PYTHON" ]; then
    echo "miner: warning: hook skipped: $MINER_PYTHON is gone (run 'miner hook install' again)" >&2
    exit 0
fi
{path_line}exec "$MINER_PYTHON" -c '{_BOOTSTRAP}' {args}
"""


# The import itself is guarded: a broken installation must not block commits.
_BOOTSTRAP = """import sys
try:
    from miner.hook import main
except Exception as error:
    print(f"miner: warning: hook skipped: {error}", file=sys.stderr)
    raise SystemExit(0)
raise SystemExit(main(sys.argv[1:]))"""


def _package_root() -> str | None:
    """The folder holding the ``miner`` package, unless it is ``python``'s site-packages."""
    import sysconfig

    root = Path(__file__).resolve().parents[2]  # .../miner/hook/install.py -> ...
    installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    return None if root in installed else str(root)


def build_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of ``hook run`` (shared with ``miner hook run``)."""
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("message_file", metavar="MSGFILE", type=Path)
    parser.add_argument("source", nargs="?", metavar="SOURCE")
    parser.add_argument("sha", nargs="?", metavar="SHA")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="only check that the message names its phases (or 'none', aliases n/a and -)",
    )
    return parser
