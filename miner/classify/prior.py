"""The repository prior: what this repository's own layout says about a commit's phase.

A second pass over a repository's classified commits. From the commits the rules classified
*confidently*, it learns which folders (and files) serve which phase: a folder votes for a phase
when at least :data:`MIN_COMMITS` confident commits touched it and at least :data:`MIN_SHARE` of
them had that primary phase. Commits whose own evidence is *weak* (unclassified, or a rules
classification whose score or lead is small) then get one ``prior`` evidence item per folder
they touch that has a vote, shown by ``explain`` as e.g. "`app/workers/` → model_deployment, 23
commits". Confident commits, and commits labelled by a trailer or note, are never changed.

Deterministic: counts are taken over the commits in the order given, ties between phases go to
canonical order, and the deepest folder with a vote speaks for each file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from miner.classify.records import Classification, Evidence
from miner.classify.scoring import phase_order, with_evidence
from miner.rules.model import Rules

PRIOR_RULE = "repository-prior"
PRIOR_WEIGHT = 1.0  # half a typical path rule: the prior informs, it does not overrule
MIN_COMMITS = 3
MIN_SHARE = 0.6
# A commit is confident when its score reaches CONFIDENT_SCORE and its primary phase leads the
# runner-up by CONFIDENT_LEAD (in share of the total).
CONFIDENT_SCORE = 2.0
CONFIDENT_LEAD = 0.2
MAX_DEPTH = 3  # folders deeper than this share their third-level folder's vote
# Documents and pictures neither teach nor receive a vote: what a README edit is for depends on
# its text (often a typo or link: no phase), not on the folder it sits in.
_SILENT_SUFFIXES = (".md", ".rst", ".txt", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf")


@dataclass(frozen=True, slots=True)
class FolderVote:
    """A folder (``a/b/``) or file, the phase it serves, from how many confident commits."""

    key: str
    phase: str
    commits: int
    share: float

    def describe(self) -> str:
        return f"`{self.key}` → {self.phase}, {self.commits} commits"


@dataclass(frozen=True, slots=True)
class Prior:
    """Folder/file -> vote, learnt from one repository."""

    votes: dict[str, FolderVote]

    def vote_for(self, path: str) -> FolderVote | None:
        """The vote of the file itself, else of its deepest voting folder."""
        for key in reversed(_keys(path)):
            vote = self.votes.get(key)
            if vote is not None:
                return vote
        return None


def is_confident(c: Classification) -> bool:
    """Strong own evidence: an explicit label, a primary phase the subject line names, or a
    rules classification with a clear lead."""
    if c.source in ("trailer", "note"):
        return True
    if c.primary is None or c.source != "rules":
        return False
    if any(e.kind == "prior" for e in c.evidence):
        return False
    if any(e.kind in ("message", "scope") and e.phase == c.primary for e in c.evidence):
        return True  # the subject line names the primary phase
    score = sum(e.weight for e in c.evidence if e.phase == c.primary)
    shares = sorted(c.shares.values(), reverse=True)
    lead = shares[0] - (shares[1] if len(shares) > 1 else 0.0)
    return score >= CONFIDENT_SCORE and lead >= CONFIDENT_LEAD


def learn(commits: Iterable[tuple[Sequence[str], Classification]], rules: Rules) -> Prior:
    """The folder votes of one repository, from its confidently classified commits."""
    counts: dict[str, Counter[str]] = {}
    for paths, c in commits:
        if c.primary is None or c.source != "rules" or not is_confident(c):
            continue
        keys = {key for path in paths if _speaks(path, rules) for key in _keys(path)}
        for key in keys:
            counts.setdefault(key, Counter())[c.primary] += 1
    order = phase_order(rules.phases)
    votes = {}
    for key, counter in counts.items():
        total = sum(counter.values())
        phase, top = min(counter.items(), key=lambda item: (-item[1], order.get(item[0], 99)))
        if top >= MIN_COMMITS and top / total >= MIN_SHARE:
            votes[key] = FolderVote(key, phase, top, top / total)
    return Prior(votes)


def apply(
    c: Classification,
    paths: Sequence[str],
    prior: Prior,
    rules: Rules,
    *,
    weight: float = PRIOR_WEIGHT,
) -> Classification:
    """``c`` with the prior's evidence added when its own evidence is weak (else ``c``)."""
    if weight <= 0 or is_confident(c) or c.source not in ("rules", "none") or _is_noise(c):
        return c
    evidence = _prior_evidence(paths, prior, rules, weight)
    if not evidence:
        return c
    return with_evidence(c, evidence, rules)


def apply_all(
    commits: Sequence[tuple[Sequence[str], Classification]],
    rules: Rules,
    *,
    weight: float = PRIOR_WEIGHT,
) -> list[Classification]:
    """Learn the prior from ``commits`` and apply it to each of them."""
    prior = learn(commits, rules)
    return [apply(c, paths, prior, rules, weight=weight) for paths, c in commits]


def _prior_evidence(
    paths: Sequence[str], prior: Prior, rules: Rules, weight: float
) -> list[Evidence]:
    voted: dict[str, tuple[FolderVote, int]] = {}
    files = 0
    for path in paths:
        if not _speaks(path, rules) or _rules_know(path, rules):
            continue
        vote = prior.vote_for(path)
        if vote is None or vote.phase not in rules.phases:
            continue
        files += 1
        found = voted.get(vote.key)
        voted[vote.key] = (vote, 1 if found is None else found[1] + 1)
    return [
        Evidence(PRIOR_RULE, vote.phase, "prior", vote.describe(), weight * n / files)
        for vote, n in sorted(voted.values(), key=lambda item: item[0].key)
    ]


def _rules_know(path: str, rules: Rules) -> bool:
    """A path some path rule matches already voted: the prior fills in what rules do not know."""
    known = _KNOWN.setdefault(rules.digest, {})
    if path not in known:
        if len(known) >= 100_000:
            known.clear()
        known[path] = any(rule.matches(path) for rule in rules.path_rules)
    return known[path]


_KNOWN: dict[str, dict[str, bool]] = {}


def _speaks(path: str, rules: Rules) -> bool:
    """Memoised per distinct path (the ignore globs are a regex match; paths recur)."""
    known = _SPEAKS.setdefault(rules.digest, {})
    speaks = known.get(path)
    if speaks is None:
        if len(known) >= 100_000:
            known.clear()
        speaks = known[path] = not rules.is_ignored(path) and not path.lower().endswith(
            _SILENT_SUFFIXES
        )
    return speaks


_SPEAKS: dict[str, dict[str, bool]] = {}


def _is_noise(c: Classification) -> bool:
    return any(e.kind == "noise" for e in c.evidence)


@lru_cache(maxsize=100_000)
def _keys(path: str) -> tuple[str, ...]:
    """The folders of ``path`` (``a/``, ``a/b/``… up to MAX_DEPTH), then the file itself."""
    parts = path.split("/")[:-1]
    folders = ["/".join(parts[: depth + 1]) + "/" for depth in range(min(len(parts), MAX_DEPTH))]
    return (*folders, path)
