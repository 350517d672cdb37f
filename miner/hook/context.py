"""The repository the hook runs in, as git's hook environment shows it, and every git call the
hook makes.

Every call goes through :mod:`miner.git`'s runner. Inside a hook git's own environment is kept
(``GIT_INDEX_FILE`` of ``commit -a`` is what will be committed) with miner's safe configuration
forced on top (:func:`miner.git.hook_git_environment`); for a repository given by path (``hook
install``) inherited ``GIT_*`` variables are dropped (:func:`miner.git.git_environment`).

What a commit costs in git processes: one ``rev-parse`` (folders, HEAD and its parents), one
``config`` (comment character, template, partial clone), one ``diff --cached``; the focus cache
adds a ``log`` of the commits made since it was written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import RepositoryError
from miner.git import git_environment, hook_git_environment, probe_git, run_git

if TYPE_CHECKING:
    from miner.history.records import FileChange

STATE_FILE = "miner/hook-state.json"  # where the hook keeps what it learns (``.git/miner/``)

# Read in one ``git config`` call (keys as git prints them), with the partial-clone settings.
_COMMENT_CHAR = "core.commentchar"
_TEMPLATE = "commit.template"
_READ = r"core\.commentchar|commit\.template"


@dataclass(frozen=True, slots=True)
class HookContext:
    """The repository the hook runs in, as git's hook environment points at it.

    ``head`` is None before the first commit; ``parents`` are HEAD's. ``template`` is
    ``commit.template`` as configured (None: none).
    """

    git_dir: Path
    top: Path
    state_file: Path
    head: str | None
    parents: tuple[str, ...] = ()
    comment_char: str = "#"
    template: str | None = None
    partial_clone: bool = False
    cwd: Path | None = None  # None inside a hook: git's environment locates the repository
    clean: bool = False

    def git(self, args: Sequence[str]) -> str:
        """Stdout of git in this repository (RepositoryError when git fails)."""
        return self.git_bytes(args).decode("utf-8", "surrogateescape")

    def git_bytes(self, args: Sequence[str]) -> bytes:
        return run_git(args, cwd=self.cwd, env=_environment(self.clean))


def _environment(clean: bool) -> dict[str, str]:
    return git_environment() if clean else hook_git_environment()


def locate(cwd: Path | None = None, *, clean: bool = False) -> HookContext:
    """Where the repository is. In a hook (``cwd`` None) git's environment says it; otherwise
    ``cwd`` does, with inherited ``GIT_*`` variables ignored. Two git calls."""
    env = _environment(clean)
    where = run_git(
        [
            "rev-parse",
            "--absolute-git-dir",
            "--show-toplevel",
            "--git-path",
            STATE_FILE,
            "--revs-only",  # no commit yet: HEAD^{commit} and HEAD^@ print nothing
            "HEAD^{commit}",
            "HEAD^@",
        ],
        cwd=cwd,
        env=env,
    )
    git_dir, top, state, *commits = where.decode("utf-8", "surrogateescape").splitlines()
    comment_char, template, partial_clone = _settings(cwd, env)
    base = cwd if cwd is not None else Path.cwd()
    return HookContext(
        git_dir=Path(git_dir),
        top=Path(top),
        state_file=(base / state).resolve(),
        head=commits[0] if commits else None,
        parents=tuple(commits[1:]),
        comment_char=comment_char,
        template=template,
        partial_clone=partial_clone,
        cwd=cwd,
        clean=clean,
    )


def _settings(cwd: Path | None, env: dict[str, str]) -> tuple[str, str | None, bool]:
    """``core.commentChar`` (``#`` unless it is one character), ``commit.template`` (None when
    unset), the last value of each winning as in git, and whether the repository is a partial
    clone."""
    from miner.history.repository import PARTIAL_CLONE_SETTINGS, says_partial_clone

    pattern = f"^({_READ}|{PARTIAL_CLONE_SETTINGS})$"
    found = probe_git(["config", "-z", "--get-regexp", pattern], cwd=cwd, env=env)
    if found.returncode != 0:  # 1: none of them is set
        return "#", None, False
    entries = [
        entry.decode("utf-8", "surrogateescape").partition("\n")[::2]
        for entry in found.stdout.split(b"\0")
        if entry
    ]
    values = dict(entry for entry in entries if entry[0] in (_COMMENT_CHAR, _TEMPLATE))
    comment = values.get(_COMMENT_CHAR, "#")
    partial_clone = says_partial_clone(entries)
    return (comment if len(comment) == 1 else "#"), values.get(_TEMPLATE), partial_clone


def commit_template(context: HookContext) -> str | None:
    """The text of ``commit.template``, or None when there is none or it cannot be read."""
    configured = context.template
    if configured is None:
        return None
    try:
        if configured.startswith(("~", "%(")):  # git expands these: ask it for the path
            configured = context.git(["config", "--path", "--get", _TEMPLATE]).strip()
        return (context.top / configured).read_text(encoding="utf-8", errors="replace")
    except (RepositoryError, OSError):
        return None


def rev_parse(context: HookContext, rev: str) -> str | None:
    """The commit ``rev`` names, or None."""
    try:
        out = context.git(["rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}"])
    except RepositoryError:
        return None
    return out.strip() or None


def is_ancestor(context: HookContext, ancestor: str, tip: str) -> bool:
    try:
        context.git(["merge-base", "--is-ancestor", ancestor, tip])
    except RepositoryError:
        return False
    return True


def staged_changes(context: HookContext, base: str | None) -> tuple[FileChange, ...]:
    """What the commit being made changes: the index (``GIT_INDEX_FILE`` as git set it) against
    HEAD (``base`` None; the empty tree before the first commit), or against ``base`` (when
    amending: see :func:`amend_base`). A partial clone detects renames exactly, reading no
    blob (it may lack some, and the hook never fetches)."""
    renames = "-M100%" if context.partial_clone else "-M"
    args = ["diff", "--cached", "--name-status", "-z", renames, "--no-ext-diff", "--no-relative"]
    return tuple(parse_name_status(context.git_bytes(_against(args, base))))


def staged_patch(context: HookContext, base: str | None) -> bytes:
    """The staged diff's lines (``-U0``), against what :func:`staged_changes` compares with."""
    args = ["diff", "--cached", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv"]
    args += ["--no-renames", "--no-relative"]
    return context.git_bytes(_against(args, base))


def _against(args: list[str], base: str | None) -> list[str]:
    return args if base is None else [*args, base]


def amend_base(context: HookContext) -> str:
    """What an amended commit is compared with: HEAD's first parent, or for a root commit the
    empty tree."""
    if context.parents:
        return context.parents[0]
    return context.git(["hash-object", "-t", "tree", "--stdin"]).strip()


def parse_name_status(raw: bytes) -> Iterator[FileChange]:
    """``git diff --name-status -z`` output: status, path (two paths for renames and copies)."""
    from miner.history.parse import decode_path
    from miner.history.records import FileChange

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
