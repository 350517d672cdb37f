"""From evidence to phases (SPEC §2): scores, shares, labels and the primary phase."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache

from miner.classify.records import Classification, Evidence
from miner.classify.ties import TIE_KIND, TIE_RULE, settle
from miner.rules.model import Rules


@cache
def phase_order(phases: tuple[str, ...]) -> Mapping[str, int]:
    """Phase -> its index in the canonical order (built once per set of phases)."""
    return {phase: index for index, phase in enumerate(phases)}


def with_evidence(c: Classification, evidence: Sequence[Evidence], rules: Rules) -> Classification:
    """``c`` scored anew with ``evidence`` added (the content or prior pass): rules evidence."""
    scored = score_evidence(
        [*c.evidence, *evidence],
        rules,
        phase_order(rules.phases),
        reasons=c.reasons,
        warnings=c.warnings,
    )
    return replace(scored, source="rules")


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
