"""Stage 4: the sequence of classified commits — focus, transitions' order, departures, revisit events.

Pure functions over plain records (SPEC §3); no git, no pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

RevisitMode = Literal["all", "backward"]


@dataclass(frozen=True, slots=True)
class Step:
    """One classified commit as the sequence analysis sees it (sequence order = topo order)."""

    sha: str
    when: datetime  # author date
    primary: str
    labels: tuple[str, ...]
    shares: Mapping[str, float]
    reasons: tuple[str, ...]
    churn: int | None = None


@dataclass(frozen=True, slots=True)
class SequenceOptions:
    window: int | timedelta = 10
    revisits: RevisitMode = "all"


@dataclass(frozen=True, slots=True)
class RevisitEvent:
    """Consecutive departures to ``target`` under the same focus ``source`` (SPEC §3)."""

    source: str
    target: str
    direction: Literal["backward", "forward"]
    commits: tuple[str, ...]  # shas, oldest first
    first_index: int  # positions in the step sequence
    last_index: int
    start: datetime
    end: datetime
    reasons: tuple[str, ...]  # ('unspecified',) when no reason matched
    returned_after_commits: int | None  # steps after the event's last commit until primary == source
    churn: int | None


@dataclass(frozen=True, slots=True)
class FocusEpisode:
    """A maximal run of steps with the same focus."""

    phase: str
    first_commit: str
    last_commit: str
    first_index: int
    commits: int
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SequenceAnalysis:
    """Per step: ``focus`` and ``events`` (``advance``, ``revisit`` or None), plus the aggregates."""

    focus: tuple[str, ...]
    events: tuple[str | None, ...]
    revisit_events: tuple[RevisitEvent, ...]
    episodes: tuple[FocusEpisode, ...]
