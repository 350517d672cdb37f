"""Opening the analysed repository: where git finds it, and what git will see in it.

Every git process runs through :mod:`miner.git`, so nothing the repository configures runs.
Besides locating the repository, opening finds what makes git's answers differ from a plain
complete repository, so the report can say it and the store can key on it: a shallow history,
objects that may be missing (a partial clone: then renames are detected exactly, which reads no
blob, and nothing is ever fetched), replace refs, grafts and mailmaps
(:func:`miner.history.view.history_view`).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from miner.errors import RepositoryError
from miner.git import (
    READING_CONFIG,
    git_environment,
    probe_git,
    reason,
    redact_url,
)

PARTIAL_CLONE = "partial clone: file contents are fetched on demand, which miner never does"
MISSING_OBJECTS = "file contents missing from the repository (damaged or incomplete copy)"


@dataclass(frozen=True, slots=True)
class RepositoryInfo:
    """What the report says about the analysed repository."""

    path: str  # what the user gave (path, or URL without credentials), shown as given
    git_dir: str
    head: str | None  # sha of the analysed tip; None for a repository with no commits
    branch: str | None  # symbolic branch name or None when detached / not applicable
    shallow: bool
    # Why renames are detected exactly (identical content only) instead of by similarity:
    # PARTIAL_CLONE or MISSING_OBJECTS; None for a complete repository.
    exact_renames: str | None = None
    # The mailmap git would read from a blob (``HEAD:.mailmap`` in a bare repository) is named
    # but its content is missing (a partial clone): git is told not to read it, the report says so.
    mailmap_missing: bool = False


@dataclass(frozen=True, slots=True)
class Repository:
    """An opened repository: where git finds it, and what the report says about it.

    ``rev`` is the revision the repository was opened with; history readers use it when their
    options name no revision.
    """

    info: RepositoryInfo
    git_dir: Path
    work_tree: Path | None
    rev: str | None = None

    def with_exact_renames(self, why: str) -> Repository:
        """This repository, read with exact rename detection only (no blob is read)."""
        info = RepositoryInfo(
            self.info.path,
            self.info.git_dir,
            self.info.head,
            self.info.branch,
            self.info.shallow,
            why,
            self.info.mailmap_missing,
        )
        return Repository(info, self.git_dir, self.work_tree, self.rev)


# -- running git in it ----------------------------------------------------------------------------


def git_args(repo: Repository, *args: str) -> list[str]:
    """``git -c ... --git-dir=... [--work-tree=...] ARGS`` for ``repo``. Run it with
    :func:`git_environment`, which forces the same settings on the processes git starts; they
    are on the command line as well so that a command run with another environment is safe."""
    settings = READING_CONFIG + ((("mailmap.blob", ""),) if repo.info.mailmap_missing else ())
    config = [item for key, value in settings for item in ("-c", f"{key}={value}")]
    location = [f"--git-dir={repo.git_dir}"]
    if repo.work_tree is not None:
        location.append(f"--work-tree={repo.work_tree}")
    return [*config, *location, *args]


@dataclass(frozen=True, slots=True)
class GitAnswer:
    """What a git question returned, as text (undecodable bytes replaced)."""

    returncode: int
    stdout: str
    stderr: str


def run(args: list[str], cwd: Path) -> GitAnswer:
    """``git ARGS`` in ``cwd`` through the one runner, answered as text."""
    return _answer(probe_git(args, cwd=cwd), errors="replace")


def _answer(result: subprocess.CompletedProcess[bytes], *, errors: str) -> GitAnswer:
    stdout, stderr = (raw.decode("utf-8", errors=errors) for raw in (result.stdout, result.stderr))
    return GitAnswer(result.returncode, stdout, stderr)


def run_in(repo: Repository, *args: str) -> GitAnswer:
    return run(git_args(repo, *args), repo.work_tree or repo.git_dir)


def check_not_option(what: str, value: str | None) -> None:
    # A value starting with '-' would be read by git as an option; nothing valid starts so.
    if value is not None and (value.startswith("-") or not value.strip()):
        raise RepositoryError(f"invalid {what}: {value!r}")


# -- opening --------------------------------------------------------------------------------------

_SCP_LIKE = re.compile(r"^[^/:]+@[^/:]+:")
_URL_SCHEMES = ("file", "http", "https", "ssh", "git", "git+ssh", "ssh+git")


def is_url(target: str) -> bool:
    """True for what git clones as a remote: ``scheme://...`` or scp-like ``user@host:path``."""
    scheme, separator, _ = target.partition("://")
    if separator:
        return scheme.lower() in _URL_SCHEMES
    return bool(_SCP_LIKE.match(target)) and not Path(target).exists()


@contextlib.contextmanager
def open_repository(target: str, *, rev: str | None = None) -> Iterator[Repository]:
    """Open a work tree (or any folder inside one), a bare repository, or a URL.

    A URL is cloned (bare) into a temporary folder that is removed on exit; it is shown and
    stored without its user information (:func:`miner.git.redact_url`). ``rev`` (a branch,
    revision or range) is validated here and its tip recorded as ``info.head``.
    Raises :class:`RepositoryError` with a one-line message.
    """
    check_not_option("revision", rev)
    if "\n" in target or "\r" in target:
        raise RepositoryError(f"a repository path cannot contain a line break: {target!r}")
    if is_url(target):
        with tempfile.TemporaryDirectory(prefix="miner-clone-") as scratch:
            clone = Path(scratch) / "repository.git"
            _clone(target, clone)
            yield _locate(str(clone), shown_as=redact_url(target), rev=rev)
    else:
        yield _locate(target, shown_as=target, rev=rev)


def _locate(target: str, *, shown_as: str, rev: str | None) -> Repository:
    folder = Path(target)
    if not folder.is_dir():
        raise RepositoryError(f"not a git repository: {shown_as}")
    probe = run(["rev-parse", "--absolute-git-dir", "--is-inside-work-tree"], cwd=folder)
    if probe.returncode != 0:
        raise RepositoryError(_not_a_repository(shown_as, probe.stderr))
    git_dir_line, inside_work_tree = probe.stdout.splitlines()[:2]
    work_tree = None
    if inside_work_tree == "true":
        top = run(["rev-parse", "--show-toplevel"], cwd=folder)
        work_tree = Path(top.stdout.rstrip("\n"))
    repo = Repository(
        info=RepositoryInfo(shown_as, git_dir_line, None, None, False),
        git_dir=Path(git_dir_line),
        work_tree=work_tree,
        rev=rev,
    )
    head, branch = tip(repo, rev)
    shallow = run_in(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    partial = is_partial_clone(repo)
    exact = PARTIAL_CLONE if partial else None
    mailmap_missing = partial and blob_missing(repo, mailmap_blob_spec(repo))
    info = RepositoryInfo(shown_as, git_dir_line, head, branch, shallow, exact, mailmap_missing)
    return Repository(info=info, git_dir=repo.git_dir, work_tree=work_tree, rev=rev)


def _not_a_repository(shown_as: str, stderr: str) -> str:
    """git's "dubious ownership" refusal explained (it otherwise reads as "not a repository")."""
    if "dubious ownership" not in stderr:
        return f"not a git repository: {shown_as}"
    owned = re.search(r"is owned by:\s*\n\s*'?(.*?)'?\s*\(", stderr)  # git 2.45+ names them
    owner = f"by {owned.group(1)}, not by you" if owned else "by another user than you"
    allowed = re.search(r"safe\.directory\s+'?(.*?)'?\s*$", stderr, re.MULTILINE)
    folder = allowed.group(1) if allowed else shown_as
    return (
        f"{shown_as} is owned {owner}, so git refuses to read it (safe.directory); "
        f"if you trust it: git config --global --add safe.directory {folder}"
    )


_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def tip(repo: Repository, rev: str | None) -> tuple[str | None, str | None]:
    """The analysed tip's sha and branch name; (None, branch) for a repository with no commits.
    A tip whose commit object is missing is an error, never an empty history."""
    if rev is None:
        head = run_in(repo, "rev-parse", "-q", "--verify", "HEAD^{commit}")
        branch = run_in(repo, "symbolic-ref", "-q", "--short", "HEAD").stdout.strip() or None
        if head.returncode != 0:
            _check_unborn(repo, "HEAD")
        return (head.stdout.strip() or None), branch
    parsed = run_in(repo, "rev-parse", "--symbolic-full-name", "--end-of-options", rev, "--")
    resolved = run_in(repo, "rev-parse", "--end-of-options", rev, "--")
    tips = [line for line in resolved.stdout.split() if _SHA.match(line)]
    if resolved.returncode != 0 or not tips:
        raise RepositoryError(f"unknown revision or branch: {rev}")
    # an annotated tag names a tag object: the tip is the commit it points to
    found = run_in(repo, "rev-parse", "-q", "--verify", f"{tips[0]}^{{commit}}").stdout.strip()
    if not found:
        _check_present(repo, tips[0], rev)
        raise RepositoryError(f"not a commit: {rev}")
    branches = [line for line in parsed.stdout.split() if line.startswith("refs/heads/")]
    branch = branches[0].removeprefix("refs/heads/") if len(branches) == 1 else None
    return found, branch


def _check_unborn(repo: Repository, name: str) -> None:
    """No commit at ``name``: fine when the branch has no commit yet; an error when it names
    an object that is not there (a damaged or incomplete copy)."""
    named = run_in(repo, "rev-parse", "-q", "--verify", name).stdout.strip()
    if named:
        _check_present(repo, named, name)
        raise RepositoryError(f"{name} does not name a commit: {named}")


def _check_present(repo: Repository, sha: str, name: str) -> None:
    if run_in(repo, "cat-file", "-e", sha).returncode != 0:
        raise RepositoryError(
            f"{name} is commit {sha[:12]}, which is missing from the repository "
            "(damaged or incomplete copy): nothing can be read"
        )


def resolve_revision(repo: Repository, rev: str) -> str:
    """The full sha of the one commit ``rev`` names (a sha prefix, branch, tag, ``HEAD~2``...)."""
    check_not_option("revision", rev)
    result = run_in(repo, "rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    if result.returncode != 0:
        raise RepositoryError(f"unknown revision: {rev}")
    return result.stdout.strip()


def _clone(url: str, dest: Path) -> None:
    cloned = probe_git(
        ["clone", "--bare", "--quiet", "--", url, str(dest)],
        cwd=None,
        env=git_environment(network=True),
    )
    if cloned.returncode != 0:
        stderr = cloned.stderr.decode("utf-8", "replace")
        raise RepositoryError(f"cannot clone {redact_url(url)}: {reason(stderr)}")


# -- what git will see ----------------------------------------------------------------------------


def mailmap_blob_spec(repo: Repository) -> str:
    spec = run_in(repo, "config", "--get", "mailmap.blob").stdout.strip()
    if not spec and repo.work_tree is None:
        spec = "HEAD:.mailmap"  # git's default in a bare repository
    return spec


def blob_missing(repo: Repository, spec: str) -> bool:
    """Whether ``spec`` (``REV:PATH``) names a blob whose content is not in the repository.
    Resolving the name reads only trees, so it never fetches."""
    if not spec:
        return False
    # no ^{blob}: peeling reads the object, which is what may be missing
    sha = run_in(repo, "rev-parse", "-q", "--verify", spec).stdout.strip()
    return bool(sha) and run_in(repo, "cat-file", "-e", sha).returncode != 0


# The settings that make a repository a partial clone, as a ``git config --get-regexp`` pattern.
PARTIAL_CLONE_SETTINGS = r"remote\..*\.promisor|extensions\.partialclone"


def is_partial_clone(repo: Repository) -> bool:
    """Whether objects may be missing by design: a promisor remote (``--filter`` clone)."""
    found = run_in(repo, "config", "--get-regexp", f"^({PARTIAL_CLONE_SETTINGS})$")
    return says_partial_clone(line.partition(" ")[::2] for line in found.stdout.splitlines())


def says_partial_clone(settings: Iterable[tuple[str, str]]) -> bool:
    """Whether these ``(key, value)`` settings (keys as ``git config`` prints them, in lower
    case) make a partial clone: a promisor remote, or the ``partialclone`` extension."""
    for key, value in settings:
        if key == "extensions.partialclone":
            return True
        promisor = key.startswith("remote.") and key.endswith(".promisor")
        if promisor and value.strip().lower() in ("true", "yes", "on", "1"):
            return True
    return False


def is_shallow(repo: Repository) -> bool:
    """Whether the repository is a shallow clone (its oldest commits are missing)."""
    return repo.info.shallow


# -- where hooks live -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HooksFolder:
    """The folder git runs ``repository``'s hooks from, and whether other repositories share
    it: a ``core.hooksPath`` outside the repository (its git dir and work tree), typically set
    in the user's global or the system configuration, runs its hooks for every repository."""

    path: Path
    shared: bool
    configured_in: str | None  # the config file that sets core.hooksPath, if any


def hooks_folder(repository: Path) -> HooksFolder:
    where = _ask_about_hooks(repository, "rev-parse", "--git-path", "hooks", "--git-common-dir")
    if where.returncode != 0:
        raise RepositoryError(f"not a git repository: {repository} ({reason(where.stderr)})")
    hooks, common = (_absolute(repository, line) for line in where.stdout.splitlines()[:2])
    top = _ask_about_hooks(repository, "rev-parse", "--show-toplevel")  # fails when bare
    inside = [common] + ([_absolute(repository, top.stdout.strip())] if top.returncode == 0 else [])
    shared = not any(hooks == folder or folder in hooks.parents for folder in inside)
    origin = _ask_about_hooks(repository, "config", "--show-origin", "--get", "core.hooksPath")
    configured_in = origin.stdout.partition("\t")[0].removeprefix("file:")
    return HooksFolder(hooks, shared, configured_in or None)


def _ask_about_hooks(repository: Path, *args: str) -> GitAnswer:
    """git with the repository's own ``core.hooksPath`` (only to learn where hooks live)."""
    result = probe_git(args, cwd=repository, env=git_environment(hooks=True))
    return _answer(result, errors="surrogateescape")


def _absolute(base: Path, path: str) -> Path:
    return (Path(path) if os.path.isabs(path) else base / path).resolve()
