"""Sharp edge "terminal at 80-100 columns": below the width a table needs, the report switches to
a stacked layout that keeps every value whole (no "data…", "100.…"); ``miner commits --format
table`` keeps one line per commit. Rendered into rich consoles of a fixed width."""

from __future__ import annotations

import math
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from miner.pipeline.analysis import Analysis
from miner.pipeline.run import analyze
from miner.report import terminal
from miner.report.commit_table import commits_table
from miner.report.text import cell, short


@pytest.fixture(scope="module")
def lifecycle(built_fixture: Callable[[str], Path]) -> Analysis:
    return analyze(str(built_fixture("lifecycle")))


def rendered(width: int, draw: Callable[[Console], None]) -> str:
    console = Console(width=width, file=StringIO(), color_system=None, highlight=False)
    draw(console)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


@pytest.mark.parametrize("width", [80, 100])
def test_terminal_report_keeps_every_value_at_narrow_widths(
    lifecycle: Analysis, width: int
) -> None:
    out = rendered(width, lambda console: terminal.render(lifecycle, console))
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= width
    flat = " ".join(out.split())
    for phase in lifecycle.phases:
        assert f"{phase}:" in flat  # the phase distribution names every phase in full
    overlap = lifecycle.matrices.overlap_rate
    for focus, row in overlap.iterrows():
        for target, value in row.items():
            if not math.isnan(value) and value > 0:  # every non-zero cell, whole, by its names
                assert f"{target} {cell(value, percent=True)}" in flat, (focus, target)
    for event in lifecycle.sequence.revisit_events:
        assert event.commits[0][:10] in flat


def test_terminal_report_keeps_its_tables_when_they_fit(lifecycle: Analysis) -> None:
    out = rendered(200, lambda console: terminal.render(lifecycle, console))
    assert "focus \\ to" in out  # the heatmap table, not the stacked lines
    assert "…" not in out


@pytest.mark.parametrize("width", [80, 100, 160])
def test_commits_table_keeps_one_line_per_commit(lifecycle: Analysis, width: int) -> None:
    out = rendered(width, lambda console: console.print(commits_table(lifecycle, width)))
    shas = [c.record.sha[:10] for c in lifecycle.commits]
    rows = [line for line in out.splitlines() if line.strip()[:10] in shas]
    assert [line.split()[0] for line in rows] == shas  # one line each, in order, sha whole
    for line, commit in zip(rows, lifecycle.commits, strict=True):
        assert commit.record.authored_at.date().isoformat() in line
    assert max(len(line) for line in out.splitlines()) <= width
    if width < 160:
        assert "by short name: problem = problem_definition" in " ".join(out.split())


def test_commits_table_with_three_labels_a_commit_keeps_one_line_at_80_columns(
    make_repo: Callable[[dict[str, object]], Path],
) -> None:
    trailer = "MLOps-Phase: management, model_development, model_deployment"
    repo = make_repo(
        {
            "commits": [
                {"message": f"Many things {i}\n\n{trailer}", "write": {f"f{i}.txt": "x\n"}}
                for i in range(3)
            ]
        }
    )
    analysis = analyze(str(repo), use_cache=False)
    assert max(len(c.classification.labels) for c in analysis.commits) >= 3
    out = rendered(80, lambda console: console.print(commits_table(analysis, 80)))
    shas = [c.record.sha[:10] for c in analysis.commits]
    rows = [line for line in out.splitlines() if line.strip()[:10] in shas]
    assert [line.split()[0] for line in rows] == shas
    labels = ",".join(short(p) for p in analysis.commits[0].classification.labels)
    assert labels in rows[0]


@pytest.mark.parametrize("width", [80, 100])
def test_period_report_keeps_every_value_at_narrow_widths(lifecycle: Analysis, width: int) -> None:
    from miner.report import period
    from miner.trend.periods import period_report

    report = period_report(lifecycle, "month")
    out = rendered(width, lambda console: period.render_terminal(report, console))
    assert max(len(line) for line in out.splitlines()) <= width
    flat = " ".join(out.replace("… backward", "backward").split())
    assert "…" not in flat
    for summary in report.periods[-period.MAX_PERIODS :]:
        assert f"{summary.period.label}: commits {summary.commits} | " in flat
