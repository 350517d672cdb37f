"""What the hook keeps between commits, in ``.git/miner/`` (``git rev-parse --git-path``): the
focus of recent history and the path votes learnt so far (the compiled rules:
:mod:`miner.hook.rules_cache`).

Each is a cache: missing, unreadable or made for other rules, it is rebuilt, and failing to write
it only costs time at the next commit.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.atomic import write_atomically
from miner.hook.context import HookContext, is_ancestor, locate
from miner.hook.rules_cache import load_rules
from miner.sequence.focus import (
    ADVANCE,
    DEFAULT_WINDOW,
    QUANTUM,
    REVISIT,
    CountWindow,
    FocusTracker,
    quantize,
)

if TYPE_CHECKING:  # imported when used: a broken module must not block a commit (fail open)
    from miner.classify.classifier import Classifier
    from miner.classify.records import Classification
    from miner.rules.model import Rules

# 2: the focus rule of miner.sequence.focus (sums rounded to 2**-30, not 1e-9); a state file of
# another version is rebuilt, never read.
STATE_VERSION = 2
MAX_KNOWN_PATHS = 5_000
PATHS_FILE = "hook-paths.json"  # beside the state file
_EVENTS = (None, ADVANCE, REVISIT)
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


# -- focus of recent history (SPEC §3, one commit at a time) --------------------------------------


@dataclass(slots=True)
class RecentFocus:
    """The focus of the last classified commits, by phase name: a
    :class:`~miner.sequence.focus.FocusTracker` over a count window of the SPEC's default size,
    which is what the hook keeps between commits (``to_json``), so tagging a commit costs
    O(phases), not a pass over history. A property test checks it agrees with
    :func:`miner.sequence.revisits.analyse_sequence` on every prefix."""

    phases: tuple[str, ...]
    window: CountWindow
    tracker: FocusTracker = field(default_factory=FocusTracker)

    @classmethod
    def start(cls, phases: Sequence[str], window: int = DEFAULT_WINDOW) -> RecentFocus:
        return cls(tuple(phases), CountWindow(len(phases), window))

    def peek(self, primary: str) -> tuple[str, str | None]:
        """The focus and event (``advance``, ``revisit`` or None) a commit with this primary
        phase would get next."""
        p = self.phases.index(primary)
        focus = self.tracker.next_focus(p, self.window.keys())
        return self.phases[focus], self.tracker.event(p, focus)[0]

    def push(self, primary: str, shares: Mapping[str, float]) -> tuple[str, str | None]:
        """Add a classified commit; returns its focus and event."""
        focus, event, _ = self.tracker.step(self.phases.index(primary), self.window.keys())
        self.window.add([quantize(shares.get(phase, 0.0)) for phase in self.phases])
        return self.phases[focus], event

    def to_json(self) -> dict[str, Any]:
        previous = self.tracker.previous
        return {
            "phases": list(self.phases),
            "window": self.window.size,
            "recent": [list(row) for row in self.window.rows],
            "focus": self.tracker.focus,
            "seen": sorted(self.tracker.seen),
            "previous": None if previous is None else list(previous),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecentFocus:
        """What ``to_json`` wrote; ValueError, KeyError or TypeError when it is not that."""
        phases = tuple(_text(phase) for phase in data["phases"])
        rows: deque[Sequence[int]] = deque([_quanta(x) for x in row] for row in data["recent"])
        focus, previous = data["focus"], data["previous"]
        if previous is not None and (len(previous) != 3 or previous[2] not in _EVENTS):
            raise ValueError("not a departure")
        tracker = FocusTracker(
            focus=None if focus is None else _index(focus, phases),
            seen={_index(x, phases) for x in data["seen"]},
            previous=None
            if previous is None
            else (_index(previous[0], phases), _index(previous[1], phases), previous[2]),
        )
        return cls(phases, CountWindow(len(phases), _integer(data["window"]), rows), tracker)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _integer(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _quanta(value: object) -> int:
    quanta = _integer(value)
    if not 0 <= quanta <= QUANTUM:
        raise ValueError(f"share {quanta} out of range")
    return quanta


def _index(value: object, phases: Sequence[str]) -> int:
    index = _integer(value)
    if not 0 <= index < len(phases):
        raise ValueError(f"phase index {index} out of range")
    return index


# -- the cached focus state -----------------------------------------------------------------------


def focus_at(
    context: HookContext, tip: str | None, rules: Rules, classifier: Classifier
) -> RecentFocus:
    """The focus after ``tip``: from the cache when it is at ``tip`` or an ancestor of it (then
    only the commits made since are classified), else rebuilt from the whole history."""
    if tip is None:
        return RecentFocus.start(rules.phases)
    cached = _load_state(context.state_file, rules)
    if cached is not None and cached[0] == tip:
        return cached[1]
    if cached is not None and _behind(context, cached[0], tip):
        focus, revision = cached[1], f"{cached[0]}..{tip}"
    else:
        focus, revision = RecentFocus.start(rules.phases), tip
    _feed(focus, _classified(context, revision, classifier))
    _save_state(context.state_file, rules, tip, focus)
    return focus


def _behind(context: HookContext, cached: str, tip: str) -> bool:
    """Whether ``cached`` is an ancestor of ``tip``; after one commit it is HEAD's parent, which
    ``locate`` read already."""
    return (tip == context.head and cached in context.parents) or is_ancestor(context, cached, tip)


def prime_state(repository: Path) -> int:
    """Build the hook's focus cache for the current HEAD (``hook install`` does it so the first
    commit is fast); returns the number of classified commits it read."""
    from miner.classify.classifier import Classifier

    context = locate(repository, clean=True)
    if context.head is None:
        return 0
    rules = load_rules(context, refresh=True)
    focus = RecentFocus.start(rules.phases)
    classifier = Classifier(rules)
    count = _feed(focus, _classified(context, context.head, classifier))
    _save_state(context.state_file, rules, context.head, focus)
    remember_paths(context, rules, classifier, 0)
    return count


def _feed(focus: RecentFocus, classified: Iterable[Classification]) -> int:
    count = 0
    for classification in classified:
        if classification.primary is not None:
            focus.push(classification.primary, classification.shares)
            count += 1
    return count


def _classified(
    context: HookContext, revision: str, classifier: Classifier
) -> Iterator[Classification]:
    from miner.history.log import iter_commits
    from miner.history.records import HistoryOptions
    from miner.history.repository import PARTIAL_CLONE, Repository, RepositoryInfo

    info = RepositoryInfo(str(context.top), str(context.git_dir), None, None, False)
    # ``rev`` is the repository's own: a range of two shas that needs no resolving
    repo = Repository(info=info, git_dir=context.git_dir, work_tree=context.top, rev=revision)
    if context.partial_clone:  # similarity renames would need blobs it never fetches
        repo = repo.with_exact_renames(PARTIAL_CLONE)
    for commit in iter_commits(repo, HistoryOptions()):
        if not commit.is_merge:
            yield classifier.classify(commit.message, commit.files)


def _load_state(path: Path, rules: Rules) -> tuple[str, RecentFocus] | None:
    """The cached (tip, tracker), or None when missing, unreadable or made for other rules."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION or data.get("rules") != rules.digest:
            return None
        tip = _text(data["tip"])
        focus = RecentFocus.from_json(data["state"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
    if not _SHA.fullmatch(tip) or focus.phases != rules.phases:
        return None
    return (tip, focus) if focus.window.size == DEFAULT_WINDOW else None


def _save_state(path: Path, rules: Rules, tip: str, focus: RecentFocus) -> None:
    data = {"version": STATE_VERSION, "rules": rules.digest, "tip": tip, "state": focus.to_json()}
    _write_cache(path, data)


def _write_cache(path: Path, data: object) -> None:
    with contextlib.suppress(OSError):  # a cache: failing to write it only costs time later
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data).encode(), 0o644, durable=False)


# -- what earlier commits learnt about the rules --------------------------------------------------


def known_paths(context: HookContext, rules: Rules) -> dict[str, list[str] | None]:
    """Path votes learnt by earlier runs with the same rules (a cache: anything odd is empty)."""
    try:
        data = json.loads(context.state_file.with_name(PATHS_FILE).read_text(encoding="utf-8"))
        votes = data["votes"] if data.get("rules") == rules.digest else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not isinstance(votes, dict):
        return {}
    return {
        path: ids
        for path, ids in votes.items()
        if ids is None or (isinstance(ids, list) and all(isinstance(i, str) for i in ids))
    }


def remember_paths(context: HookContext, rules: Rules, classifier: Classifier, known: int) -> None:
    """Keep the newest ``MAX_KNOWN_PATHS`` path votes for the next commit."""
    votes = classifier.path_votes()
    if len(votes) == known:
        return
    kept = dict(list(votes.items())[-MAX_KNOWN_PATHS:])
    _write_cache(context.state_file.with_name(PATHS_FILE), {"rules": rules.digest, "votes": kept})
