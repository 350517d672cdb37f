"""From evidence to phases (SPEC §2): scores, shares, labels and the primary phase."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from miner.classify.records import Classification, Evidence
from miner.classify.ties import TIE_KIND, TIE_RULE, settle
from miner.rules.engine import matcher_for
from miner.rules.model import MessageRule, Rules


def score_evidence(
    evidence: Sequence[Evidence],
    rules: Rules,
    order: Mapping[str, int],
    *,
    reasons: tuple[str, ...],
    warnings: tuple[str, ...],
    source: str = "rules",
) -> Classification:
    """Scores, primary, labels and shares from a commit's evidence (a previous ``tie`` item is
    dropped and the tie, if any, settled anew): one precedence for every kind of evidence."""
    items = sorted(
        (item for item in evidence if item.kind != TIE_KIND and item.phase),
        key=lambda item: (order[item.phase], -item.weight, item.kind != "path", item.rule),
    )
    if not items:
        return Classification(None, (), {}, (), reasons, "none", warnings)
    # Sorted first, so that sums (and so ties) never depend on the order of the rules.
    scores: dict[str, float] = {}
    for item in items:
        scores[item.phase] = scores.get(item.phase, 0.0) + item.weight
    primary, tie = settle(scores, items, rules.phases)
    if tie is not None:
        items.append(Evidence(TIE_RULE, primary, TIE_KIND, tie, 0.0))
    total = sum(scores.values())
    threshold = (rules.min_share - 1e-12) * total
    labels = (primary, *(p for p, s in scores.items() if p != primary and s >= threshold))
    shares = {p: s / total for p, s in scores.items()}
    return Classification(primary, labels, shares, tuple(items), reasons, source, warnings)


def _matches(
    rules: Sequence[MessageRule], body: str, lowered: str
) -> list[tuple[MessageRule, str]]:
    """The rules whose pattern occurs in ``body``, with the matched text as written (rules
    search the lowercased text ``lowered``: see :func:`miner.rules.model.message_flags`). All of
    ``rules`` are matched in one linear-time pass (:mod:`miner.message_engine`)."""
    return matcher_for(rules).matches(body, lowered)


def path_match(first: str, count: int) -> str:
    return first if count == 1 else f"{first} (+{count - 1} more)"
