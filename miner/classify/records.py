"""What classifying a commit yields: its phases, shares and reasons, and the evidence that
explains them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule that contributed to a commit's score.

    ``kind`` is ``path``, ``message`` (matched in the subject line), ``scope`` (a conventional-
    commit scope matched like a path), ``body`` (matched in the body prose), ``content``
    (added/removed lines, :mod:`miner.content`), ``prior`` (the repository's own layout,
    :mod:`miner.prior`), ``trailer``, ``note``, ``noise`` (a noise entry that made the commit
    unclassified: ``phase`` empty, ``weight`` 0) or ``tie`` (how a tie for the primary phase was
    settled: weight 0, see :mod:`miner.ties`); ``match`` is the matched path or text
    (for a path rule matching several files: the first path and ``(+N more)``); ``weight`` is the
    rule's *effective* contribution after path normalisation, so a phase's score is exactly the
    sum of its evidence weights.
    """

    rule: str
    phase: str
    kind: str
    match: str
    weight: float


@dataclass(frozen=True, slots=True)
class Classification:
    """The phases of one commit.

    ``primary`` is None when nothing matched (unclassified). ``labels``: primary first, then the
    other labelled phases in canonical order. ``shares``: every phase with a non-zero score ->
    score / total (sums to 1), in canonical order. ``reasons``: reason categories whose rules
    matched the message (or the ``MLOps-Reason`` trailer's values). ``source``: ``trailer``,
    ``rules`` or ``none``. ``warnings``: e.g. an unknown phase id in a trailer.
    """

    primary: str | None
    labels: tuple[str, ...]
    shares: Mapping[str, float]
    evidence: tuple[Evidence, ...]
    reasons: tuple[str, ...]
    source: str
    warnings: tuple[str, ...] = ()

    @property
    def classified(self) -> bool:
        return self.primary is not None
