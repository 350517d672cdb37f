"""What the hook keeps between commits, in ``.git/miner/`` (``git rev-parse --git-path``): the
focus of recent history, the path votes learnt so far and the message patterns' RE2 forms.

Each is a cache: missing, unreadable or made for other rules, it is rebuilt, and failing to write
it only costs time at the next commit.
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.hook.context import HookContext, is_ancestor, locate
from miner.hook.message import write_atomically

if TYPE_CHECKING:  # imported when used: a broken module must not block a commit (fail open)
    from miner.classify.classifier import Classification, Classifier
    from miner.rules.model import Rules

STATE_VERSION = 1
MAX_KNOWN_PATHS = 5_000
PATHS_FILE = "hook-paths.json"  # beside the state file
FORMS_FILE = "hook-forms.json"  # the message patterns' RE2 forms, beside it too
FOCUS_WINDOW = 10  # SPEC §3 default window (commits)

# SPEC §3 sums shares exactly: miner.revisits quantises them to 2**-40 and compares sums rounded
# to 1e-9. The tracker below must use the very same arithmetic to agree with it.
_QUANTUM = float(2**40)
_DECIMALS_SCALE = 1e9 / _QUANTUM


# -- focus of recent history (SPEC §3, incrementally) ---------------------------------------------


@dataclass(slots=True)
class FocusTracker:
    """SPEC §3 focus and departure kind, one commit at a time, in O(window) per commit.

    Mirrors :func:`miner.sequence.revisits.analyse_sequence` with a count window (a property test
    checks
    they agree on every prefix); keeps only what the next step needs, so the hook can store it.
    """

    phases: tuple[str, ...]
    window: int = FOCUS_WINDOW
    recent: deque[tuple[int, ...]] = field(default_factory=deque)
    focus: int | None = None
    seen: set[int] = field(default_factory=set)
    previous: tuple[int, int, str | None] | None = None  # (focus, target, event) of a departure

    def peek(self, primary: str) -> tuple[str, str | None]:
        """The focus and event (``advance``, ``revisit`` or None) a commit with this primary
        phase would get next."""
        p = self.phases.index(primary)
        f = self._next_focus(p)
        return self.phases[f], self._event(p, f)

    def push(self, primary: str, shares: Mapping[str, float]) -> tuple[str, str | None]:
        """Add a classified commit; returns its focus and event."""
        p = self.phases.index(primary)
        f = self._next_focus(p)
        event = self._event(p, f)
        self.previous = None if p == f else (f, p, event)
        self.focus = f
        self.seen.add(p)
        self.recent.append(tuple(round(shares.get(phase, 0.0) * _QUANTUM) for phase in self.phases))
        while len(self.recent) > self.window:
            self.recent.popleft()
        return self.phases[f], event

    def _next_focus(self, p: int) -> int:
        if self.focus is None:
            return p
        keys = [round(sum(column) * _DECIMALS_SCALE) for column in zip(*self.recent, strict=True)]
        top = max(keys)
        return self.focus if keys[self.focus] == top else keys.index(top)

    def _event(self, p: int, f: int) -> str | None:
        if p == f:
            return None
        if self.previous is not None and self.previous[:2] == (f, p):
            return self.previous[2]
        return "revisit" if p in self.seen else "advance"

    def to_json(self) -> dict[str, Any]:
        return {
            "phases": list(self.phases),
            "window": self.window,
            "recent": [list(row) for row in self.recent],
            "focus": self.focus,
            "seen": sorted(self.seen),
            "previous": None if self.previous is None else list(self.previous),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FocusTracker:
        previous = data["previous"]
        return cls(
            phases=tuple(data["phases"]),
            window=int(data["window"]),
            recent=deque(tuple(int(x) for x in row) for row in data["recent"]),
            focus=data["focus"],
            seen={int(x) for x in data["seen"]},
            previous=None
            if previous is None
            else (int(previous[0]), int(previous[1]), previous[2]),
        )


# -- the cached focus state -----------------------------------------------------------------------


def tracker_at(
    context: HookContext, tip: str | None, rules: Rules, classifier: Classifier
) -> FocusTracker:
    """The focus state after ``tip``: from the cache when it is at ``tip`` or an ancestor of it
    (then only the new commits are classified), else rebuilt from the whole history."""
    if tip is None:
        return FocusTracker(rules.phases)
    cached = _load_state(context.state_file, rules)
    if cached is not None and cached[0] == tip:
        return cached[1]
    if cached is not None and is_ancestor(context, cached[0], tip):
        tracker, revision = cached[1], f"{cached[0]}..{tip}"
    else:
        tracker, revision = FocusTracker(rules.phases), tip
    _feed(tracker, _classified(context, revision, classifier))
    _save_state(context.state_file, rules, tip, tracker)
    return tracker


def prime_state(repository: Path) -> int:
    """Build the hook's focus cache for the current HEAD (``hook install`` does it so the first
    commit is fast); returns the number of classified commits it read."""
    from miner.classify.classifier import Classifier

    context = locate(repository, clean=True)
    if context.head is None:
        return 0
    rules = load_rules(context)
    tracker = FocusTracker(rules.phases)
    classifier = Classifier(rules)
    count = _feed(tracker, _classified(context, context.head, classifier))
    _save_state(context.state_file, rules, context.head, tracker)
    remember_paths(context, rules, classifier, 0)
    return count


def _feed(tracker: FocusTracker, classified: Iterable[Classification]) -> int:
    count = 0
    for classification in classified:
        if classification.primary is not None:
            tracker.push(classification.primary, classification.shares)
            count += 1
    return count


def _classified(
    context: HookContext, revision: str, classifier: Classifier
) -> Iterator[Classification]:
    from miner.history.log import HistoryOptions, iter_commits
    from miner.history.repository import PARTIAL_CLONE, Repository, RepositoryInfo, is_partial_clone

    info = RepositoryInfo(str(context.top), str(context.git_dir), None, None, False)
    repo = Repository(info=info, git_dir=context.git_dir, work_tree=context.top, rev=None)
    if is_partial_clone(repo):  # similarity renames would need blobs it never fetches
        repo = repo.with_exact_renames(PARTIAL_CLONE)
    for commit in iter_commits(repo, HistoryOptions(rev=revision)):
        if not commit.is_merge:
            yield classifier.classify(commit.message, commit.files)


def _load_state(path: Path, rules: Rules) -> tuple[str, FocusTracker] | None:
    """The cached (tip, tracker), or None when missing, unreadable or made for other rules."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION or data.get("rules") != rules.digest:
            return None
        tracker = FocusTracker.from_json(data["state"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if tracker.phases != rules.phases or tracker.window != FOCUS_WINDOW:
        return None
    return str(data["tip"]), tracker


def _save_state(path: Path, rules: Rules, tip: str, tracker: FocusTracker) -> None:
    data = {"version": STATE_VERSION, "rules": rules.digest, "tip": tip, "state": tracker.to_json()}
    _write_cache(path, data)


def _write_cache(path: Path, data: object) -> None:
    with contextlib.suppress(OSError):  # a cache: failing to write it only costs time later
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data).encode(), 0o644)


# -- the rules, and what earlier commits learnt about them ----------------------------------------


def load_rules(context: HookContext) -> Rules:
    """The repository's rules, translating only message patterns no earlier commit translated
    (their RE2 forms are kept beside the focus cache; parsing every pattern costs ~20 ms)."""
    from miner.rules import regex as linear_regex
    from miner.rules.resolve import resolve_rules

    forms_file = context.state_file.with_name(FORMS_FILE)
    held: object = None
    try:
        data = json.loads(forms_file.read_text(encoding="utf-8"))
        if data.get("translator") == linear_regex.TRANSLATOR_VERSION:
            held = data.get("forms")
            linear_regex.learn_forms(held)
    except (OSError, ValueError, AttributeError):
        pass  # a cache: anything odd means translating again
    rules = resolve_rules(None, work_tree=context.top)
    forms = linear_regex.known_forms()
    if forms != held:
        _write_cache(forms_file, {"translator": linear_regex.TRANSLATOR_VERSION, "forms": forms})
    return rules


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
