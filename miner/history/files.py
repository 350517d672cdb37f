"""A repository's own files (its rules, its settings): from the work tree, or from the tip of
a bare or cloned repository; never through a link out of the repository."""

from __future__ import annotations

from pathlib import Path

from miner.errors import ConfigError, RepositoryError, reading
from miner.git import (
    probe_git,
)
from miner.history.repository import MISSING_OBJECTS, Repository, blob_missing, git_args


class MissingContentError(RepositoryError):
    """A file the analysed commit has, whose content this repository lacks (partial clone)."""


def read_tracked_file(repo: Repository, path: str) -> bytes | None:
    """A file of the analysed repository: from the work tree, or (bare/cloned) from the tip.

    Used to find repository-local configuration such as ``.miner/phase_rules.yaml``.
    """
    if repo.work_tree is not None:
        return read_work_tree_file(repo.work_tree, path)
    if repo.info.head is None:
        return None
    if blob_missing(repo, f"{repo.info.head}:{path}"):
        raise MissingContentError(
            f"{path} is in the analysed commit, but its content is missing from this "
            f"repository ({repo.info.exact_renames or MISSING_OBJECTS}): pass --rules FILE"
        )
    blob = probe_git(
        git_args(repo, "cat-file", "blob", f"{repo.info.head}:{path}"), cwd=repo.git_dir
    )
    return blob.stdout if blob.returncode == 0 else None


def read_work_tree_file(work_tree: Path, path: str) -> bytes | None:
    """A repository's own file from its work tree (None when absent). The repository is
    untrusted: a symlink that leads out of it (to a file of the user's, say) is not followed."""
    candidate = work_tree / path
    if not candidate.is_file():
        return None
    try:
        candidate.resolve().relative_to(work_tree.resolve())
    except ValueError:
        raise ConfigError(
            f"{path}: links outside the repository; not followed "
            "(pass the file explicitly to use it)"
        ) from None
    with reading(candidate, "file", ConfigError):
        return candidate.read_bytes()
