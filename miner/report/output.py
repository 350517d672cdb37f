"""Where output goes, checked before any work, and written through :mod:`miner.atomic`.

The rule, the same for every format and command (``--help`` and the README state it):

- A *file format* (terminal, json, markdown, …) given ``-o PATH`` writes the file PATH. Its
  folder must already exist: nothing is created outside the path given.
- A *folder format* (csv, plots) given ``-o DIR`` writes its files into DIR. DIR is created when
  missing (only DIR itself: its parent must exist) and may not look like a file name
  (``x.csv``), so a typo never turns into a folder named like a file.
- Several formats in one run (``--format json,markdown -o DIR``) write into DIR under a fixed
  name per format (``<stem>.json``, ``<stem>.md``; a folder format into ``DIR/<format>/``).
  ``--output FORMAT=PATH`` (repeatable) names each format's own path instead.

Every file is written to a temporary file in the same folder and renamed over the target: on any
failure (disk full, file-size limit, ^C) the previous file stays as it was and the error is one
line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from miner.atomic import replacing
from miner.errors import MinerError, UsageError


class OutputError(MinerError):
    """An output file or folder that cannot be written (exit 2); the old file is kept."""


@dataclass(frozen=True, slots=True)
class Target:
    """One format written to one place: ``path`` None means standard output."""

    format: str
    path: Path | None
    # The ``-o DIR`` of a several-format run that ``path`` lies in (created before writing).
    within: Path | None = None


@dataclass(frozen=True, slots=True)
class FormatKind:
    """What the output rule needs to know about a format."""

    multi_file: bool
    suffix: str


def check_file_target(path: Path) -> None:
    """A file format's ``-o``: not a folder, and its folder exists (never created)."""
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; this format writes one file (give a file name)")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: folder {parent} does not exist (miner does not create it)")


def check_folder_target(path: Path) -> None:
    """A folder format's ``-o``: an existing folder, or a new one (its parent must exist) whose
    name does not look like a file's."""
    if path.is_dir():
        return
    if path.exists():
        raise OutputError(f"{path}: is a file; this format writes several files into a folder")
    if path.suffix:
        raise OutputError(
            f"{path}: looks like a file name; this format writes several files into a folder "
            "(give a folder name without an extension, or an existing folder)"
        )
    if not path.parent.is_dir():
        raise OutputError(f"{path}: folder {path.parent} does not exist (miner does not create it)")


def check_targets(targets: Sequence[Target], kinds: Mapping[str, FormatKind]) -> None:
    """Every path checked before any work, so a typo fails in a second, not after the mining."""
    for target in targets:
        if target.path is None:
            continue
        if target.within is not None:
            check_folder_target(target.within)
            if not target.within.is_dir():
                continue  # created before writing: nothing inside it exists yet
        if kinds[target.format].multi_file:
            check_folder_target(target.path)
        else:
            check_file_target(target.path)


def prepare_folder(path: Path) -> bool:
    """``check_folder_target``, then create the folder when missing; whether it was created."""
    check_folder_target(path)
    if path.is_dir():
        return False
    try:
        path.mkdir()
    except OSError as error:
        raise OutputError(f"{path}: cannot create the folder: {error.strerror}") from None
    return True


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[str]]:
    """A temporary text file beside ``path``; on success it replaces ``path`` (atomically), on
    failure it is removed and ``path`` is untouched. OS failures become one OutputError.

    A symlink is followed (its target is replaced, the link stays); a target that is not a
    regular file (``/dev/null``, a named pipe, a terminal) is written in place, never replaced.
    """
    check_file_target(path)
    if path.exists() and not path.is_file():
        with _in_place(path) as handle:
            yield handle
        return
    path = path.resolve() if path.is_symlink() else path
    try:
        with replacing(path, mode=_mode_for(path), text=True) as handle:
            yield handle
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None


@contextmanager
def _in_place(path: Path) -> Iterator[IO[str]]:
    try:
        with path.open("w", encoding="utf-8") as handle:
            yield handle
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None


def write_text(path: Path, body: str) -> None:
    with atomic_file(path) as handle:
        handle.write(body)


@contextmanager
def staged_folder(path: Path) -> Iterator[Path]:
    """A scratch folder inside ``path`` for a folder format to write into; on success every file
    in it is renamed into ``path`` (each atomically), on failure ``path`` keeps its old files and a
    folder created here is removed again."""
    created = prepare_folder(path)
    try:
        scratch = Path(tempfile.mkdtemp(dir=path, prefix=".miner-"))
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    try:
        yield scratch
        for item in sorted(scratch.iterdir()):
            os.replace(item, path / item.name)
        scratch.rmdir()
    except BaseException as failure:
        shutil.rmtree(scratch, ignore_errors=True)
        if created:
            shutil.rmtree(path, ignore_errors=True)
        if isinstance(failure, OSError) and not isinstance(failure, MinerError):
            reason = failure.strerror or str(failure)
            raise OutputError(f"{path}: cannot write: {reason}") from None
        raise


def plan_targets(
    formats: Sequence[str] | None,
    outputs: Sequence[str],
    kinds: Mapping[str, FormatKind],
    *,
    default: str,
    stem: str,
) -> tuple[Target, ...]:
    """Where each format goes, from ``--format A,B`` (None when not given) and the ``--output``
    values (``PATH`` or ``FORMAT=PATH``). See the module docstring for the rule."""
    named = [split_output(text, kinds) for text in outputs]
    pairs = [(fmt, path) for fmt, path in named if fmt is not None]
    plain = [path for fmt, path in named if fmt is None]
    if len(plain) > 1:
        raise UsageError("--output PATH given twice (use --output FORMAT=PATH for each format)")
    chosen = tuple(formats) if formats is not None else (() if pairs else (default,))
    targets = [Target(fmt, path) for fmt, path in pairs]
    if plain:
        (folder,) = plain
        if not chosen:
            raise UsageError(f"--output {folder}: which format? add --format")
        if len(chosen) == 1:
            targets.append(Target(chosen[0], folder))
        else:
            targets.extend(_into_folder(fmt, folder, kinds[fmt], stem) for fmt in chosen)
    elif len(chosen) > 1:
        raise UsageError(f"--format {','.join(chosen)}: several formats need --output DIR")
    else:
        targets.extend(Target(fmt, None) for fmt in chosen)
    _check_distinct(targets, kinds)
    return tuple(targets)


def split_output(text: str, kinds: Mapping[str, FormatKind]) -> tuple[str | None, Path]:
    """``json=out.json`` → ("json", out.json); any other value is a plain path."""
    name, equals, rest = text.partition("=")
    if equals and name in kinds:
        if not rest:
            raise UsageError(f"--output {text}: give a path after '='")
        return name, Path(rest)
    return None, Path(text)


def parse_formats(text: str, known: Sequence[str]) -> tuple[str, ...]:
    """``--format json,markdown`` → ("json", "markdown"); each must be a known format."""
    names = tuple(part.strip() for part in text.split(","))
    for name in names:
        if name not in known:
            raise UsageError(
                f"argument --format: invalid choice: {name!r} (choose from "
                f"{', '.join(repr(k) for k in known)})"
            )
    if len(set(names)) != len(names):
        raise UsageError(f"--format {text}: a format is named twice")
    return names


def _into_folder(fmt: str, folder: Path, kind: FormatKind, stem: str) -> Target:
    return Target(fmt, folder / (fmt if kind.multi_file else f"{stem}{kind.suffix}"), folder)


def _check_distinct(targets: list[Target], kinds: Mapping[str, FormatKind]) -> None:
    on_stdout = [t.format for t in targets if t.path is None]
    for target in targets:
        if target.path is None and kinds[target.format].multi_file:
            raise UsageError(f"--format {target.format} writes several files: give --output DIR")
    if len(on_stdout) > 1:
        raise UsageError("only one format can go to standard output")
    paths = [os.path.abspath(t.path) for t in targets if t.path is not None]
    if len(set(paths)) != len(paths):
        raise UsageError("two formats would write the same --output path")


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
