"""The repository the hook runs in, as git's hook environment shows it, and every git call the
hook makes (through :mod:`miner.git`'s runner)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import RepositoryError

if TYPE_CHECKING:
    from miner.history.log import FileChange

STATE_FILE = "miner/hook-state.json"  # where the hook keeps what it learns (``.git/miner/``)


@dataclass(frozen=True, slots=True)
class HookContext:
    """The repository the hook runs in, as git's hook environment points at it."""

    git_dir: Path
    top: Path
    state_file: Path
    head: str | None
    comment_char: str
    cwd: Path | None = None  # None inside a hook: git's environment locates the repository
    clean: bool = False

    def git(self, args: Sequence[str]) -> str:
        """Stdout of git in this repository (RepositoryError when git fails)."""
        return self.git_bytes(args).decode("utf-8", "surrogateescape")

    def git_bytes(self, args: Sequence[str]) -> bytes:
        return _git_bytes(args, cwd=self.cwd, clean=self.clean)


def _git(args: Sequence[str], *, cwd: Path | None = None, clean: bool = False) -> str:
    return _git_bytes(args, cwd=cwd, clean=clean).decode("utf-8", "surrogateescape")


def _git_bytes(args: Sequence[str], *, cwd: Path | None = None, clean: bool = False) -> bytes:
    """Run git; ``clean`` drops the inherited ``GIT_*`` variables (for a repository given by
    path), otherwise git's hook environment (``GIT_INDEX_FILE`` of ``commit -a``) is kept."""
    from miner.git import git_environment, run_git

    # In a hook (not clean) git's own environment is kept: GIT_INDEX_FILE is what is committed.
    env = git_environment() if clean else dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    return run_git(args, cwd=cwd, env=env, options=("-c", "core.quotePath=false"))


def locate(cwd: Path | None = None, *, clean: bool = False) -> HookContext:
    """Where the repository is. In a hook (``cwd`` None) git's environment says it; otherwise
    ``cwd`` does, with inherited ``GIT_*`` variables ignored."""
    git_dir, top, state = _git(
        ["rev-parse", "--absolute-git-dir", "--show-toplevel", "--git-path", STATE_FILE],
        cwd=cwd,
        clean=clean,
    ).splitlines()[:3]
    try:
        comment = _git(["config", "--get", "core.commentChar"], cwd=cwd, clean=clean).strip()
    except RepositoryError:
        comment = "#"
    base = cwd if cwd is not None else Path.cwd()
    context = HookContext(
        git_dir=Path(git_dir),
        top=Path(top),
        state_file=(base / state).resolve(),
        head=None,
        comment_char=comment if len(comment) == 1 else "#",
        cwd=cwd,
        clean=clean,
    )
    return replace(context, head=rev_parse(context, "HEAD"))


def rev_parse(context: HookContext, rev: str) -> str | None:
    """The commit ``rev`` names, or None."""
    try:
        out = context.git(["rev-parse", "-q", "--verify", f"{rev}^{{commit}}"])
    except RepositoryError:
        return None
    return out.strip() or None


def is_ancestor(context: HookContext, ancestor: str, tip: str) -> bool:
    try:
        context.git(["merge-base", "--is-ancestor", ancestor, tip])
    except RepositoryError:
        return False
    return True


def commit_template(context: HookContext) -> str | None:
    """The text of ``commit.template``, or None when there is none or it cannot be read."""
    try:
        configured = context.git(["config", "--path", "--get", "commit.template"]).strip()
        return (context.top / configured).read_text(encoding="utf-8", errors="replace")
    except (RepositoryError, OSError):
        return None


def staged_changes(
    context: HookContext, amending: bool, parent: str | None
) -> tuple[FileChange, ...]:
    """What the commit being made changes: the index (``GIT_INDEX_FILE`` as git set it) against
    HEAD (the empty tree before the first commit), or when amending against HEAD's parent."""
    args = ["diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff", "--no-relative"]
    if amending:
        args.append(parent or empty_tree(context))
    return tuple(parse_name_status(context.git_bytes(args)))


def staged_patch(context: HookContext, amending: bool, parent: str | None) -> bytes:
    """The staged diff's lines (``-U0``), against what :func:`staged_changes` compares with."""
    args = ["diff", "--cached", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv"]
    args += ["--no-renames", "--no-relative"]
    if amending:
        args.append(parent or empty_tree(context))
    return context.git_bytes(args)


def empty_tree(context: HookContext) -> str:
    return context.git(["hash-object", "-t", "tree", "--stdin"]).strip()


def parse_name_status(raw: bytes) -> Iterator[FileChange]:
    """``git diff --name-status -z`` output: status, path (two paths for renames and copies)."""
    from miner.history.log import FileChange, decode_path

    tokens = iter(raw.split(b"\0"))
    for token in tokens:
        if not token:
            continue
        status = token.decode("ascii")[0]
        first = decode_path(next(tokens))
        if status in "RC":
            yield FileChange(decode_path(next(tokens)), status, first)
        else:
            yield FileChange(first, status)
