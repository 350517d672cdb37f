"""No silent ties: the primary phase among equal scores is settled by the stronger kind of
evidence, and only then by canonical order; either way the decision is recorded as evidence of
kind ``tie`` (weight 0), so ``explain`` and the JSON say how the primary was chosen.

Kinds of evidence from strongest to weakest: what the author wrote in the subject line (message
rules matched in the subject, a conventional-commit scope), the changed paths, the content of the
change, the body prose, and the repository prior. Explicit labels (trailers, notes) never tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

# Evidence kinds grouped by strength, strongest first.
STRENGTH: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("subject", ("message", "scope")),
    ("path", ("path",)),
    ("content", ("content",)),
    ("body", ("body",)),
    ("repository prior", ("prior",)),
)
TIE_KIND = "tie"
TIE_RULE = "tie-break"
_DIGITS = 9


class _Item(Protocol):
    @property
    def phase(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def weight(self) -> float: ...


def settle(
    scores: Mapping[str, float], evidence: Iterable[_Item], order: Sequence[str]
) -> tuple[str, str | None]:
    """The primary phase, and a one-line account of the tie it settled (None: no tie).

    ``scores`` is in canonical order (``order``)."""
    best = max(round(score, _DIGITS) for score in scores.values())
    tied = [phase for phase in order if phase in scores and round(scores[phase], _DIGITS) == best]
    if len(tied) == 1:
        return tied[0], None
    by_kind = _by_group(evidence, tied)
    shown = " = ".join(f"{phase} {scores[phase]:.4g}" for phase in tied)
    remaining = tied
    for group, _ in STRENGTH:
        top = max(round(by_kind[phase][group], _DIGITS) for phase in remaining)
        remaining = [p for p in remaining if round(by_kind[p][group], _DIGITS) == top]
        if len(remaining) == 1:
            return remaining[0], f"{shown}: settled by the stronger {group} evidence"
    return remaining[0], f"{shown}: settled by canonical order (evidence of every kind equal)"


def _by_group(evidence: Iterable[_Item], tied: Sequence[str]) -> dict[str, dict[str, float]]:
    group_of = {kind: group for group, kinds in STRENGTH for kind in kinds}
    totals = {phase: {group: 0.0 for group, _ in STRENGTH} for phase in tied}
    for item in evidence:
        group = group_of.get(item.kind)
        if group is not None and item.phase in totals:
            totals[item.phase][group] += item.weight
    return totals
