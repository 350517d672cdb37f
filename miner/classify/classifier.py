"""Stage 3: classify one commit into phases, carrying its own explanation (the evidence).

Scoring (SPEC §2, the normalisation documented in ``config/phase_rules.yaml``):

- Paths. Ignored paths contribute nothing. For each other file and each phase, only the
  strongest matching path rule of that phase votes (its weight; equal weights: the smaller rule
  id, so the result never depends on rule order). A rule's path contribution is the sum of its
  votes divided by the number of files that matched at least one path rule: all paths together
  weigh at most the strongest path rule, however many files a commit touches. Renames match on
  their new path; deletions count like any change.
- Message. Trailers and ``#`` comment lines are removed; each message rule that matches adds
  its weight once. A ``noise`` entry that matches the subject line (a typo or link fix) leaves
  the commit unclassified.
- A phase's score is the sum of its evidence weights; ``shares`` = score / total; labels are the
  phases with share >= ``min_share``; primary = highest score, ties to the phase whose strongest
  evidence is a path, then canonical order.
- An ``MLOps-Phase`` trailer overrides all of this; ``MLOps-Reason`` overrides the reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from miner.classify.records import Classification, Evidence
from miner.classify.scoring import phase_order, score_evidence
from miner.classify.trailers import (
    PHASE_TRAILER,
    REASON_TRAILER,
    Trailers,
    split_message,
    trailer_values,
)
from miner.classify.zones import split_zones
from miner.history.records import CommitRecord, FileChange
from miner.rules.engine import MessageMatcher, Scan
from miner.rules.model import MessageRule, PathRule, Rules

# Rules look at this much of a message: enough for any real message, and a bound on regex cost.
MAX_MESSAGE_CHARS = 8192
# Memo caches are cleared when they reach this size, so memory stays bounded on huge histories.
MAX_CACHE_ENTRIES = 200_000
# Body prose weighs this fraction of a rule's weight, shared among the body matches: all of a
# body together weighs at most BODY_WEIGHT times its strongest rule (chosen leave-one-repository-
# out on the labelled commits: see ``miner evaluate --by-repo --loro``).
BODY_WEIGHT = 0.5
# Bumped whenever the same rules may classify a commit differently (cached classifications).
CLASSIFIER_VERSION = 2


# Per distinct path: the votes (rule, weight) of the strongest rule per phase; None if ignored.
_PathVotes = tuple[PathRule, ...] | None


@dataclass(frozen=True, slots=True)
class _MessageMatch:
    """What the rules found in one message (memoised per distinct message)."""

    evidence: tuple[Evidence, ...]
    reasons: tuple[str, ...]
    noise: Evidence | None
    trailers: Trailers
    warnings: tuple[str, ...]
    phases: tuple[str, ...]  # the MLOps-Phase trailer's values


class _Engine:
    """The matchers a classifier runs: one pass over a subject serves the phase rules, the
    reasons and the noise entries; one pass over the body prose the phase rules and reasons."""

    def __init__(self, rules: Rules) -> None:
        phase, reason = len(rules.message_rules), len(rules.reasons)
        self.phase_range = (0, phase)
        self.reason_range = (phase, phase + reason)
        self.noise_range = (phase + reason, phase + reason + len(rules.noise))
        self.subject = MessageMatcher((*rules.message_rules, *rules.reasons, *rules.noise))
        self.prose = MessageMatcher((*rules.message_rules, *rules.reasons))
        self.reasons = MessageMatcher(rules.reasons)
        self.reasons_line_local = self.prose.line_local(*self.reason_range)


class Classifier:
    """Classifies commits with one set of rules; caches the rule matches per distinct path and
    per distinct message.

    ``known_paths`` seeds the path cache with votes learnt earlier *with the same rules* (path
    -> ids of the voting path rules, None for an ignored path): :meth:`path_votes` gives them.
    The commit hook keeps them between commits, so it rarely compiles a path rule at all.
    """

    def __init__(
        self,
        rules: Rules,
        *,
        known_paths: Mapping[str, Sequence[str] | None] | None = None,
        body_weight: float = BODY_WEIGHT,
    ) -> None:
        self.rules = rules
        self.body_weight = body_weight
        self._order = phase_order(rules.phases)
        self._path_cache: dict[str, _PathVotes] = {}
        self._message_cache: dict[str, _MessageMatch] = {}
        self._evidence_cache: dict[tuple[str, str, int, int], Evidence] = {}
        self._phase_set = frozenset(rules.phases)
        self._reason_set = frozenset(rules.reason_ids)
        if known_paths:
            self._learn(known_paths)

    def _learn(self, known_paths: Mapping[str, Sequence[str] | None]) -> None:
        by_id = {rule.id: rule for rule in self.rules.path_rules}
        for path, ids in known_paths.items():
            if ids is None:
                self._path_cache[path] = None
            elif all(rule_id in by_id for rule_id in ids):
                self._path_cache[path] = tuple(by_id[rule_id] for rule_id in ids)

    def path_votes(self) -> dict[str, list[str] | None]:
        """The votes this classifier knows, by path (the form ``known_paths`` takes)."""
        return {
            path: None if votes is None else [rule.id for rule in votes]
            for path, votes in self._path_cache.items()
        }

    def classify(self, message: str, files: Sequence[FileChange]) -> Classification:
        found = self._message(message[:MAX_MESSAGE_CHARS])
        if found.trailers:
            overridden = self._from_trailers(found)
            if overridden is not None:
                return overridden
        reasons, warnings = found.reasons, found.warnings
        if found.noise is not None:
            return Classification(None, (), {}, (found.noise,), reasons, "none", warnings)
        evidence = self._path_evidence(files)
        evidence += found.evidence
        return self._from_evidence(evidence, reasons, warnings)

    def with_note(self, classification: Classification, phases: Sequence[str]) -> Classification:
        """Phases recorded in a git note (``miner tag``) are explicit labels like a trailer's,
        but a trailer the author wrote wins over them."""
        if classification.source == "trailer":
            return classification
        valid = tuple(dict.fromkeys(p for p in phases if p in self._phase_set))
        warnings = classification.warnings + tuple(
            f"unknown phase {p!r} in git note ignored" for p in phases if p not in self._phase_set
        )
        if not valid:
            return replace(classification, warnings=warnings)
        explicit = self._from_trailer(valid, tuple(phases), classification.reasons, warnings)
        return replace(
            explicit,
            source="note",
            evidence=tuple(replace(e, rule="git-note", kind="note") for e in explicit.evidence),
        )

    def _from_trailers(self, found: _MessageMatch) -> Classification | None:
        phases = found.phases
        if not phases:
            return None
        valid = tuple(dict.fromkeys(p for p in phases if p in self._phase_set))
        if not valid:
            return None
        return self._from_trailer(valid, phases, found.reasons, found.warnings)

    # ------------------------------------------------------------------ paths

    def _votes(self, path: str) -> _PathVotes:
        votes = self._path_cache.get(path, False)
        if votes is not False:
            return votes  # type: ignore[return-value]  # False only marks a cache miss
        if len(self._path_cache) >= MAX_CACHE_ENTRIES:
            self._path_cache.clear()
        votes = self._compute_votes(path)
        self._path_cache[path] = votes
        return votes

    def _compute_votes(self, path: str) -> _PathVotes:
        if self.rules.is_ignored(path):
            return None
        best: dict[str, PathRule] = {}
        for rule in self.rules.path_rules:
            current = best.get(rule.phase)
            if current is not None and (current.weight, rule.id) > (rule.weight, current.id):
                continue  # only the strongest rule of a phase votes; ties: smaller id
            if rule.matches(path):
                best[rule.phase] = rule
        return tuple(sorted(best.values(), key=lambda rule: self._order[rule.phase]))

    def _path_evidence(self, files: Sequence[FileChange]) -> list[Evidence]:
        matched_files = 0
        tallies: dict[str, list[Any]] = {}  # rule id -> [rule, first path, files]
        for change in files:
            votes = self._votes(change.path)
            if not votes:
                continue
            matched_files += 1
            for rule in votes:
                tally = tallies.get(rule.id)
                if tally is None:
                    tallies[rule.id] = [rule, change.path, 1]
                else:
                    tally[2] += 1
        return [
            self._path_item(rule, first, n, matched_files) for rule, first, n in tallies.values()
        ]

    def _path_item(self, rule: PathRule, first: str, files: int, matched: int) -> Evidence:
        """Evidence objects repeat across commits (same path, same counts): built once each."""
        key = (rule.id, first, files, matched)
        item = self._evidence_cache.get(key)
        if item is None:
            if len(self._evidence_cache) >= MAX_CACHE_ENTRIES:
                self._evidence_cache.clear()
            item = Evidence(
                rule.id,
                rule.phase,
                "path",
                _path_match(first, files),
                rule.weight * files / matched,
            )
            self._evidence_cache[key] = item
        return item

    # ------------------------------------------------------------------ message

    def _message(self, message: str) -> _MessageMatch:
        found = self._message_cache.get(message)
        if found is None:
            if len(self._message_cache) >= MAX_CACHE_ENTRIES:
                self._message_cache.clear()
            found = self._match_message(message)
            self._message_cache[message] = found
        return found

    def _match_message(self, message: str) -> _MessageMatch:
        body, trailers = split_message(message)
        zones = split_zones(body)
        engine = self._engine
        subject, lowered = zones.subject, zones.subject.lower()
        scan = engine.subject.scan(lowered)
        in_subject = engine.subject.found(scan, subject, lowered, *engine.phase_range)
        evidence = [
            Evidence(rule.id, rule.phase, "message", text, rule.weight) for rule, text in in_subject
        ]
        evidence += self._scope_evidence(zones.scope)
        found_reasons = engine.subject.found(scan, subject, lowered, *engine.reason_range)
        prose = zones.body
        if prose:
            prose_lowered = prose.lower()
            prose_scan = engine.prose.scan(prose_lowered)
            evidence += self._body_evidence(
                engine.prose.found(prose_scan, prose, prose_lowered, *engine.phase_range),
                {rule.id for rule, _ in in_subject},
            )
            if not found_reasons:
                found_reasons = self._prose_reasons(prose, prose_scan)
        phases = trailer_values(trailers, PHASE_TRAILER)
        reasons, warnings = self._reasons(
            tuple(rule.id for rule, _ in found_reasons),
            trailer_values(trailers, REASON_TRAILER),
        )
        warnings += tuple(
            f"unknown phase {p!r} in {PHASE_TRAILER} trailer ignored"
            for p in phases
            if p not in self._phase_set
        )
        noise = next(iter(engine.subject.found(scan, subject, lowered, *engine.noise_range)), None)
        noise_evidence = (
            None if noise is None else Evidence(noise[0].id, "", "noise", noise[1], 0.0)
        )
        return _MessageMatch(tuple(evidence), reasons, noise_evidence, trailers, warnings, phases)

    @cached_property
    def _engine(self) -> _Engine:
        return _Engine(self.rules)

    def _scope_evidence(self, scope: str | None) -> list[Evidence]:
        """A conventional-commit scope names a component the way a folder does: the path rules
        that would match a folder of that name vote, at full weight."""
        if not scope:
            return []
        votes = self._votes(f"{scope}/{scope}") or ()
        return [Evidence(rule.id, rule.phase, "scope", scope, rule.weight) for rule in votes]

    def _body_evidence(
        self, matched: list[tuple[MessageRule, str]], in_subject: set[str]
    ) -> list[Evidence]:
        """Rules matched in the body prose (and not already in the subject); together they
        weigh at most ``body_weight`` times the strongest of them."""
        if self.body_weight <= 0:
            return []
        found = [(rule, text) for rule, text in matched if rule.id not in in_subject]
        share = self.body_weight / len(found) if found else 0.0
        return [
            Evidence(rule.id, rule.phase, "body", text, rule.weight * share) for rule, text in found
        ]

    def _prose_reasons(self, prose: str, scan: Scan) -> list[tuple[MessageRule, str]]:
        """The reasons of the first prose line that names any (the subject named none): a long
        PR body does not yield a handful of reasons.

        Each line is matched on its own, as before; the pass over the whole prose only tells
        which lines cannot name a reason. When no form has an anchor, a reason found in a line
        is found in the prose at the same place, so the lines ending before the prose's earliest
        reason match (all lines, when it has none) are skipped. On ASCII text only, where
        lowercasing keeps every offset."""
        engine = self._engine
        lines = prose.splitlines()
        if scan.ascii and engine.reasons_line_local:
            earliest = engine.prose.leftmost(scan, *engine.reason_range)
            if earliest is None:
                return []
            offset = 0
            while lines and offset + len(lines[0]) < earliest:
                offset += len(lines.pop(0)) + 1
        for line in lines:
            found = engine.reasons.matches(line, line.lower())
            if found:
                return found
        return []

    def _reasons(
        self, computed: tuple[str, ...], given: tuple[str, ...]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if not given:
            return computed, ()
        valid = tuple(dict.fromkeys(r for r in given if r in self._reason_set))
        warnings = tuple(
            f"unknown reason {r!r} in {REASON_TRAILER} trailer ignored"
            for r in given
            if r not in self._reason_set
        )
        return (valid or computed), warnings

    # ------------------------------------------------------------------ results

    def _from_trailer(
        self,
        valid: tuple[str, ...],
        given: tuple[str, ...],
        reasons: tuple[str, ...],
        warnings: tuple[str, ...],
    ) -> Classification:
        ordered = sorted(valid, key=self._order.__getitem__)
        evidence = tuple(
            Evidence(PHASE_TRAILER, p, "trailer", ", ".join(given), 1.0) for p in ordered
        )
        share = 1.0 / len(valid)
        labels = (valid[0], *(p for p in ordered if p != valid[0]))
        return Classification(
            valid[0], labels, {p: share for p in ordered}, evidence, reasons, "trailer", warnings
        )

    def _from_evidence(
        self, evidence: list[Evidence], reasons: tuple[str, ...], warnings: tuple[str, ...]
    ) -> Classification:
        return score_evidence(evidence, self.rules, self._order, reasons=reasons, warnings=warnings)


_CLASSIFIERS: dict[str, Classifier] = {}


def classify(commit: CommitRecord, rules: Rules) -> Classification:
    """Classify one commit (a cached :class:`Classifier` per rules digest does the work)."""
    classifier = _CLASSIFIERS.get(rules.digest)
    if classifier is None or classifier.rules is not rules:
        if len(_CLASSIFIERS) >= 8:
            _CLASSIFIERS.clear()
        classifier = _CLASSIFIERS[rules.digest] = Classifier(rules)
    return classifier.classify(commit.message, commit.files)


def _path_match(first: str, count: int) -> str:
    return first if count == 1 else f"{first} (+{count - 1} more)"
