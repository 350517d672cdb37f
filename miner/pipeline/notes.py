"""Phases of existing commits as git notes (``refs/notes/mlops``), without rewriting history.

``miner tag`` classifies a range and stores, for each commit the rules classified, a note::

    MLOps-Phase: model_development, data_preparation
    MLOps-Rules: <first 16 hex digits of the rules digest>

``miner analyze`` reads them back (:func:`read_notes`) as explicit labels: a trailer in the
message wins over a note, a note wins over the rules. Commits whose message already has an
``MLOps-Phase`` trailer, merges and unclassified commits get no note. A note without the
``MLOps-Rules`` line was written by a person and is never replaced; a note of ours is rewritten
only when its content changes (new rules), so tagging twice writes nothing the second time.

All notes of one run go into one notes commit written by ``git fast-import`` (thousands of
commits in one process instead of one ``git notes add`` each).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from miner.classify.classifier import Classifier
from miner.classify.trailers import PHASE_TRAILER
from miner.errors import RepositoryError
from miner.git import git_environment, run_git
from miner.history.log import HistoryOptions, iter_commits, with_exact_renames_if_needed
from miner.history.repository import Repository
from miner.rules.model import Rules

NOTES_REF = "refs/notes/mlops"
RULES_KEY = "MLOps-Rules"
_IDENTITY_VARIABLES = (
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
)


@dataclass(frozen=True, slots=True)
class TagSummary:
    """What ``miner tag`` did. ``written`` notes were added or updated; ``unchanged`` already
    said the same; ``kept`` were written by a person and left alone; ``by_trailer`` commits
    name their phases in their message already."""

    commits: int
    written: int
    unchanged: int
    kept: int
    by_trailer: int
    unclassified: int
    merges: int
    authors_excluded: int = 0  # bots and --exclude-author matches: analyze skips them too
    exact_renames: str | None = None  # why renames were detected exactly (objects missing)


def note_text(labels: tuple[str, ...], rules_digest: str) -> str:
    return f"{PHASE_TRAILER}: {', '.join(labels)}\n{RULES_KEY}: {rules_digest[:16]}\n"


def parse_note(text: str) -> tuple[str, ...]:
    """The phases a note names (primary first); () when it names none."""
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if separator and key.strip().lower() == PHASE_TRAILER.lower():
            return tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    return ()


def read_notes(repo: Repository) -> dict[str, tuple[str, ...]]:
    """Commit sha -> phases (primary first) of every note under ``refs/notes/mlops`` that names
    at least one phase. Unknown phase ids are returned as written: the caller validates them."""
    return {
        sha: phases for sha, text in _read_note_texts(repo).items() if (phases := parse_note(text))
    }


def tag_history(
    repo: Repository,
    rules: Rules,
    *,
    rev: str | None = None,
    exclude_authors: Sequence[str] = (),
) -> TagSummary:
    """Classify the commits of ``rev`` (default: the repository's) and store notes for them.

    Commits whose ``Name <email>`` matches one of ``exclude_authors`` (regexes: the bots and
    authors ``analyze`` leaves out) get no note, so tagging labels exactly what analysis counts.
    """
    existing = _read_note_texts(repo)
    authors = re.compile("|".join(f"(?:{p})" for p in exclude_authors)) if exclude_authors else None
    (counts, pending), read_from = with_exact_renames_if_needed(
        repo, lambda source: _classify_range(source, rules, rev, authors, existing)
    )
    if pending:
        _write_notes(repo, pending, rules)
    return TagSummary(written=len(pending), exact_renames=read_from.info.exact_renames, **counts)


def _classify_range(
    repo: Repository,
    rules: Rules,
    rev: str | None,
    authors: re.Pattern[str] | None,
    existing: Mapping[str, str],
) -> tuple[dict[str, int], dict[str, str]]:
    """Counts for :class:`TagSummary` and the notes to write (sha -> text)."""
    classifier = Classifier(rules)
    names = ("commits", "unchanged", "kept", "by_trailer", "unclassified", "merges")
    counts = dict.fromkeys((*names, "authors_excluded"), 0)
    pending: dict[str, str] = {}
    for commit in iter_commits(repo, HistoryOptions(rev=rev)):
        counts["commits"] += 1
        if commit.is_merge:
            counts["merges"] += 1
            continue
        if authors is not None and authors.search(f"{commit.author} <{commit.email}>"):
            counts["authors_excluded"] += 1
            continue
        classification = classifier.classify(commit.message, commit.files)
        if classification.source == "trailer":
            counts["by_trailer"] += 1
        elif classification.primary is None:
            counts["unclassified"] += 1
        else:
            text = note_text(classification.labels, rules.digest)
            outcome = _outcome(existing.get(commit.sha), text)
            if outcome == "write":
                pending[commit.sha] = text
            else:
                counts[outcome] += 1
    return counts, pending


def _outcome(current: str | None, wanted: str) -> str:
    if current is None:
        return "write"
    if current == wanted:
        return "unchanged"
    mine = any(line.startswith(f"{RULES_KEY}:") for line in current.splitlines())
    return "write" if mine else "kept"


# -- git ------------------------------------------------------------------------------------------


def _git(
    repo: Repository, *args: str, stdin: bytes = b"", env: Mapping[str, str] | None = None
) -> bytes:
    return run_git(
        args, cwd=repo.git_dir, env=env, stdin=stdin, options=(f"--git-dir={repo.git_dir}",)
    )


def _notes_tip(repo: Repository) -> str | None:
    try:
        return _git(repo, "rev-parse", "-q", "--verify", f"{NOTES_REF}^{{commit}}").decode().strip()
    except RepositoryError:
        pass
    named = _git(repo, "for-each-ref", "--format=%(objectname)", NOTES_REF).decode().strip()
    if named:  # the ref exists but its commit does not: notes would silently vanish
        raise RepositoryError(
            f"{NOTES_REF} is commit {named[:12]}, which is missing from the repository "
            "(damaged or incomplete copy): its notes cannot be read"
        ) from None
    return None  # no notes yet


def _read_note_texts(repo: Repository) -> dict[str, str]:
    """Commit sha -> note text of every note under the ref (empty when the ref does not exist)."""
    if _notes_tip(repo) is None:
        return {}
    pairs = [
        line.split()
        for line in _git(repo, "notes", f"--ref={NOTES_REF}", "list").decode().splitlines()
    ]
    if not pairs:
        return {}
    try:
        batch = _git(
            repo, "cat-file", "--batch", stdin="".join(f"{blob}\n" for blob, _ in pairs).encode()
        )
    except RepositoryError as error:  # git < 2.44 tries to fetch a missing blob, and fails
        if "could not fetch" not in str(error) and "unable to read" not in str(error):
            raise
        raise _missing_note(str(error).rpartition(": ")[2]) from None
    return {commit: text for (_, commit), text in zip(pairs, _batch_contents(batch), strict=True)}


def _missing_note(detail: str) -> RepositoryError:
    return RepositoryError(
        f"notes under {NOTES_REF} are missing from the repository ({detail}; a partial clone "
        "fetches notes without their content): pass --ignore-notes to classify without them"
    )


def _batch_contents(output: bytes) -> Iterator[str]:
    """Contents of ``git cat-file --batch`` output: ``<sha> <type> <size>\\n<content>\\n`` each."""
    position = 0
    while position < len(output):
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        if len(header) < 3:  # "<sha> missing": a partial clone fetched the notes without blobs
            raise _missing_note(header[0].decode("ascii", "replace"))
        size = int(header[2])
        start = header_end + 1
        yield output[start : start + size].decode("utf-8", "replace")
        position = start + size + 1


def _write_notes(repo: Repository, notes: Mapping[str, str], rules: Rules) -> None:
    parent = _notes_tip(repo)
    message = (
        f"miner tag: {len(notes)} note(s), rules {rules.source} {rules.digest[:16]}\n".encode()
    )
    stream = [
        f"commit {NOTES_REF}\n".encode(),
        f"committer {_committer(repo)}\n".encode(),
        _data(message),
    ]
    if parent is not None:
        stream.append(f"from {parent}\n".encode())
    for sha, text in notes.items():
        stream.append(f"N inline {sha}\n".encode())
        stream.append(_data(text.encode()))
    stream.append(b"done\n")
    _git(repo, "fast-import", "--quiet", "--done", "--date-format=raw", stdin=b"".join(stream))


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def _committer(repo: Repository) -> str:
    """The user's committer identity and date (``git var``, honouring ``GIT_COMMITTER_*``), or a
    neutral one when none is configured."""
    env = git_environment()
    env.update({name: os.environ[name] for name in _IDENTITY_VARIABLES if name in os.environ})
    try:
        return _git(repo, "var", "GIT_COMMITTER_IDENT", env=env).decode("utf-8", "replace").strip()
    except RepositoryError:
        return f"miner <miner@localhost> {int(time.time())} +0000"
