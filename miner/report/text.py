"""Words and cells shared by the human-readable formats (terminal and Markdown).

Formatting only: every number comes finished from the ``Analysis``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from miner.report.readings import read_statistic

if TYPE_CHECKING:
    from miner.pipeline.analysis import Analysis

BAR_WIDTH = 20
SHORT_NAMES = {
    "problem_definition": "problem",
    "data_acquisition": "acquis.",
    "data_preparation": "prep.",
    "model_development": "model",
    "model_deployment": "deploy",
    "monitoring": "monitor",
    "management": "manage",
    "scalability": "scale",
    "governance_compliance": "govern.",
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """Repository text made safe for one line of a terminal or table: control characters
    (escape sequences a terminal would obey, newlines, tabs) appear as ``\\xNN``."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def short(phase: str) -> str:
    return SHORT_NAMES.get(phase, phase[:8])


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell(value: Any, *, percent: bool) -> str:
    if missing(value):
        return "–"
    if value == 0:
        return "·"
    return f"{100 * float(value):.1f}%" if percent else f"{int(value)}"


def day(iso: Any) -> str:
    return "–" if missing(iso) else str(iso)[:10]


def header_items(analysis: Analysis) -> list[tuple[str, str]]:
    repo, opts = analysis.repository, analysis.options
    bots = ", ".join(opts.author_patterns) or "none"
    items = [
        ("repository", shown(repo.path)),
        ("head", f"{repo.head or '(no commits)'}" + (f" ({repo.branch})" if repo.branch else "")),
        ("range", opts.revision or "HEAD"),
        (
            "merges",
            "first-parent mainline (each merge = its first-parent diff)"
            if opts.first_parent
            else "skipped (their changes belong to the merged commits)",
        ),
        ("window", _window(analysis)),
        ("revisits", "backward only" if opts.revisits == "backward" else "backward and forward"),
        ("min share", f"{analysis.rules.min_share:g}"),
        ("rules", f"{analysis.rules.source} (sha256 {analysis.rules.digest[:12]})"),
        ("authors out", f"matching {bots}"),
    ]
    if opts.settings is not None:
        items.append(("settings", f"{opts.settings} (command-line options win)"))
    if opts.since or opts.until:
        items.append(("period", f"{opts.since or 'start'} → {opts.until or 'now'}"))
    if opts.include or opts.exclude:
        items.append(("paths", f"include {list(opts.include)} exclude {list(opts.exclude)}"))
    if opts.churn:
        items.append(("churn", "line counts mined (--churn)"))
    items.append(("labels", _label_sources(analysis)))
    if repo.exact_renames is not None:
        items.append(("renames", analysis.option_values()["renames"]))
    if repo.shallow:
        items.append(
            (
                "shallow",
                "yes: only part of the history was seen; fetch it all with `git fetch --unshallow`",
            )
        )
    return items


def _label_sources(analysis: Analysis) -> str:
    """Which source decided the classified commits' phases, how often: a trailer in the
    message wins over a note of `miner tag`, a note over the rules."""
    by = analysis.summary["classified_by"]
    counts = ", ".join(
        f"{by.get(source, 0)} by {source}" for source in ("trailer", "note", "rules")
    )
    if analysis.options.ignore_notes:
        return f"{counts} (notes ignored: --ignore-notes)"
    if by.get("note"):
        return f"{counts} (notes of `miner tag` win over the rules; --ignore-notes to drop them)"
    return counts


def _window(analysis: Analysis) -> str:
    from miner.pipeline.options import describe_window

    return f"previous {describe_window(analysis.options.window)}"


def summary_items(analysis: Analysis) -> list[tuple[str, str]]:
    s = analysis.summary
    rate = s["revisit_rate"]
    by = ", ".join(f"{n} by {source}" for source, n in s["classified_by"].items())
    items = [
        ("commits analysed", str(s["commits_total"])),
        ("classified", f"{s['commits_classified']}" + (f" ({by})" if by else "")),
        ("unclassified", str(s["commits_unclassified"])),
        ("merges skipped", str(s["merges_skipped"])),
        ("bot/author-excluded", str(s["authors_excluded"])),
        ("revisit events", f"{s['revisit_events']} ({s['backward_revisit_events']} backward)"),
        ("revisit rate", "–" if rate is None else f"{rate:.3f} per classified commit"),
        ("period", f"{day(s['period_start'])} → {day(s['period_end'])}"),
    ]
    if s["dates_out_of_range"]:
        items.append(
            ("dates out of range", f"{s['dates_out_of_range']} (read as listed in warnings)")
        )
    if s["paths_excluded"]:
        items.insert(5, ("path-excluded", str(s["paths_excluded"])))
    return items


@dataclass(frozen=True, slots=True)
class PhaseRow:
    phase: str
    commits: str
    share: str
    bar: str
    labelled: str
    churn: str
    first_seen: str
    last_seen: str
    active_days: str


def phase_rows(analysis: Analysis) -> Iterator[PhaseRow]:
    for row in analysis.phase_stats.to_dict(orient="records"):
        share = 0.0 if missing(row["share"]) else float(row["share"])
        yield PhaseRow(
            phase=str(row["phase"]),
            commits=str(int(row["commits"])),
            share=f"{100 * share:.1f}%",
            bar="█" * round(share * BAR_WIDTH),
            labelled=str(int(row["labelled"])),
            churn="–" if missing(row["churn"]) else str(int(row["churn"])),
            first_seen=day(row["first_seen"]),
            last_seen=day(row["last_seen"]),
            active_days=str(int(row["active_days"])),
        )


def event_rows(analysis: Analysis, limit: int) -> list[tuple[str, ...]]:
    events = sorted(
        analysis.sequence.revisit_events, key=lambda e: (-len(e.commits), e.first_index)
    )[:limit]
    return [
        (
            f"{e.source} → {e.target}",
            e.direction,
            str(len(e.commits)),
            e.start.date().isoformat(),
            ", ".join(e.reasons),
            _returned(e.returned_after_commits),
            e.commits[0][:10],
        )
        for e in events
    ]


def _returned(commits: int | None) -> str:
    if commits is None:
        return "never"
    return f"{commits} commit{'s' if commits != 1 else ''}"


def episode_rows(analysis: Analysis, limit: int) -> list[tuple[str, ...]]:
    episodes = analysis.sequence.episodes
    longest = max((e.commits for e in episodes), default=1)
    return [
        (
            str(number),
            e.phase,
            str(e.commits),
            e.start.date().isoformat(),
            e.end.date().isoformat(),
            "▇" * max(1, round(BAR_WIDTH * e.commits / longest)),
        )
        for number, e in enumerate(episodes[:limit], start=1)
    ]


def statistic_readings(analysis: Analysis) -> list[tuple[str, str, str]]:
    return [
        (name, str(values.get("n", "–")), read_statistic(name, values))
        for name, values in analysis.statistics.items()
    ]
