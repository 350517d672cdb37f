"""What, besides the commits, changes git's answers about a history: mailmaps, replace refs,
grafts, the shallow boundary. Its digest is part of the store's key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from miner.git import (
    probe_git,
)
from miner.history.repository import Repository, git_args, mailmap_blob_spec, run_in


def history_view(repo: Repository) -> str:
    """A digest of everything besides the commits themselves that changes what ``git log``
    returns for them: replace refs, grafts, the shallow boundary, the mailmaps git applies
    (work tree ``.mailmap``, ``mailmap.file``, ``mailmap.blob`` — ``HEAD:.mailmap`` in a bare
    repository) and exact-only rename detection. The store keys its rows on it."""
    parts = [
        b"replace:"
        + _output(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/replace/"),
        b"use-replace:" + _output(repo, "config", "--get", "core.useReplaceRefs"),
        b"grafts:" + _git_path_bytes(repo, "info/grafts"),
        b"shallow:" + _git_path_bytes(repo, "shallow"),
        b"mailmap-file:" + _mailmap_file(repo),
        b"mailmap-blob:" + _mailmap_blob(repo),
        f"exact-renames:{repo.info.exact_renames is not None}".encode(),
    ]
    if repo.work_tree is not None:
        parts.append(b"mailmap:" + _read_no_follow(repo.work_tree / ".mailmap"))
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _output(repo: Repository, *args: str) -> bytes:
    result = run_in(repo, *args)
    return result.stdout.encode("utf-8", "surrogateescape") if result.returncode == 0 else b""


def _git_path_bytes(repo: Repository, name: str) -> bytes:
    path = run_in(repo, "rev-parse", "--git-path", name).stdout.strip()
    location = Path(path) if os.path.isabs(path) else (repo.work_tree or repo.git_dir) / path
    return _read_no_follow(location, follow=True)


def _mailmap_file(repo: Repository) -> bytes:
    path = run_in(repo, "config", "--type=path", "--get", "mailmap.file").stdout.strip()
    if not path:
        return b""
    location = Path(path) if os.path.isabs(path) else (repo.work_tree or repo.git_dir) / path
    return path.encode() + b"\0" + _read_no_follow(location, follow=True)


def _mailmap_blob(repo: Repository) -> bytes:
    spec = mailmap_blob_spec(repo)
    if not spec or repo.info.mailmap_missing:
        return b""
    blob = probe_git(git_args(repo, "cat-file", "blob", spec), cwd=repo.work_tree or repo.git_dir)
    return spec.encode() + b"\0" + (blob.stdout if blob.returncode == 0 else b"")


def _read_no_follow(path: Path, *, follow: bool = False) -> bytes:
    """A file's bytes, b"" when absent; git ignores an in-tree ``.mailmap`` that is a symlink."""
    flags = os.O_RDONLY | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return b""
    with os.fdopen(descriptor, "rb") as handle:
        try:
            return handle.read()
        except OSError:
            return b""
