"""Changed lines of commits' diffs, streamed from one ``git log -p`` (content evidence)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence

from miner.errors import RepositoryError
from miner.git import reason as _reason
from miner.git import start_git
from miner.history.parse import decode_path
from miner.history.ranges import CHUNK, sha_list
from miner.history.repository import (
    Repository,
    git_args,
)

# -- diff content (miner.content) ----------------------------------------------------------------

_DIFF_MARKER = b"\x1eminer-diff"


def iter_diff_lines(
    repo: Repository, shas: Sequence[str], *, max_bytes: int, skip: Sequence[str] = ()
) -> Iterator[tuple[str, dict[str, bytes]]]:
    """For each of ``shas`` (non-merge commits), the added and removed lines of each changed
    file against its first parent, at most ``max_bytes`` per file (the rest is read but not
    kept): one streamed ``git diff-tree --stdin`` for all of them. Binary files give nothing;
    files whose name matches a ``skip`` pattern (e.g. ``*.csv``) are not diffed at all."""
    if not shas:
        return
    pathspecs = [":(exclude,glob)**/" + pattern for pattern in skip]
    command = git_args(
        repo,
        "diff-tree",
        "--stdin",
        "-r",
        "-p",
        "-U0",
        "--root",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        f"--format={_DIFF_MARKER.decode()}%x00%H",
        *(["--", ".", *pathspecs] if pathspecs else []),
    )
    with sha_list(shas) as stdin, tempfile.TemporaryFile() as stderr:
        process = start_git(
            command, cwd=repo.work_tree or repo.git_dir, stdin=stdin, stderr=stderr, bufsize=CHUNK
        )
        assert process.stdout is not None
        try:
            yield from parse_diff_lines(process.stdout, max_bytes=max_bytes)
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()
            process.wait()
        if process.returncode not in (0, -9):
            stderr.seek(0)
            reason = _reason(stderr.read().decode("utf-8", "replace"))
            raise RepositoryError(f"git diff-tree failed: {reason}")


def parse_diff_lines(
    lines: Iterable[bytes], *, max_bytes: int
) -> Iterator[tuple[str, dict[str, bytes]]]:
    """The pure twin of :func:`iter_diff_lines`: ``-U0`` patches, each commit introduced by
    a ``\\x1eminer-diff\\0<sha>`` line, into (sha, {path: changed lines})."""
    sha: str | None = None
    files: dict[str, bytes] = {}
    path: str | None = None
    header = False  # between "diff --git" and the first "@@": "---"/"+++" name the file
    for line in lines:
        if line.startswith(_DIFF_MARKER):
            if sha is not None:
                yield sha, files
            sha, files, path = line.rstrip(b"\n").split(b"\x00", 1)[1].decode("ascii"), {}, None
        elif line.startswith(b"diff --git "):
            path, header = None, True
        elif line.startswith(b"@@"):
            header = False
        elif header and line.startswith((b"+++ ", b"--- ")):
            target = line[4:].rstrip(b"\n")
            if target != b"/dev/null":
                path = decode_path(target.split(b"/", 1)[1] if b"/" in target else target)
                files.setdefault(path, b"")
        elif not header and path is not None and line[:1] in (b"+", b"-"):
            kept = files[path]
            if len(kept) < max_bytes:
                files[path] = kept + line[1 : 1 + max_bytes - len(kept)]
    if sha is not None:
        yield sha, files
