"""The figures, the palette, the per-period series and the HTML page, without a browser
(tests/report/test_html_browser.py opens the pages in chromium)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from miner.pipeline.analysis import Analysis
from miner.pipeline.run import analyze
from miner.report import FORMATS
from miner.report.figures import analysis_figures, svg_text
from miner.report.figures.matrices import heatmap
from miner.report.figures.timeline import timeline
from miner.report.html import render
from miner.report.html.sections import esc, key_values
from miner.report.html.svg import UnsafeSvg, check_inert, inline_svg
from miner.report.palette import CANONICAL, MUTED, phase_colours, text_on
from miner.trend.series import period_series, wilson_interval


@pytest.fixture(scope="module")
def lifecycle(built_fixture: Callable[[str], Path]) -> Analysis:
    return analyze(str(built_fixture("lifecycle")))


@pytest.fixture(scope="module")
def page(lifecycle: Analysis) -> str:
    return render(lifecycle)


# -- palette -----------------------------------------------------------------------------------


def test_one_colour_per_canonical_phase_wherever_it_appears() -> None:
    colours = phase_colours(CANONICAL)
    assert list(colours.values()) == list(MUTED)
    assert len(set(MUTED)) == 9
    # A rules file that lists phases in another order or adds one keeps the canonical colours.
    reordered = phase_colours(["monitoring", "problem_definition", "custom"])
    assert reordered["monitoring"] == colours["monitoring"]
    assert reordered["problem_definition"] == colours["problem_definition"]
    assert reordered["custom"] == MUTED[2]
    assert (text_on("#332288"), text_on("#DDCC77")) == ("#FFFFFF", "#000000")


def test_terminal_report_paints_phases_in_the_palette(lifecycle: Analysis) -> None:
    from io import StringIO

    from rich.console import Console

    from miner.report import terminal

    out = StringIO()
    terminal.render(lifecycle, Console(file=out, width=160, color_system="truecolor"))
    red, green, blue = (int(MUTED[1][i : i + 2], 16) for i in (1, 3, 5))
    assert f"38;2;{red};{green};{blue}m" in out.getvalue()  # data_acquisition's indigo bar


# -- the per-period series ---------------------------------------------------------------------


def test_wilson_interval_known_values() -> None:
    assert wilson_interval(0, 0) is None
    none = wilson_interval(0, 10)
    assert none is not None and none.low == 0.0 and none.high == pytest.approx(0.2775, abs=1e-4)
    half = wilson_interval(5, 10)
    assert half is not None
    assert (half.low, half.high) == (
        pytest.approx(0.2366, abs=1e-4),
        pytest.approx(0.7634, abs=1e-4),
    )
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_wilson_interval_is_calibrated() -> None:
    """Coverage of the 95% interval over binomial draws stays close to 95% (seeded)."""
    rng = np.random.default_rng(7)
    for rate, trials in ((0.05, 40), (0.1, 20), (0.3, 60), (0.5, 15)):
        draws = rng.binomial(trials, rate, size=4000)
        intervals = [wilson_interval(int(k), trials) for k in draws]
        covered = np.mean([i is not None and i.low <= rate <= i.high for i in intervals])
        assert 0.92 <= covered <= 0.99, (rate, trials, covered)


def test_period_series_of_the_lifecycle(lifecycle: Analysis) -> None:
    series = period_series(lifecycle, "month")
    assert series.labels == tuple(f"2024-{m:02d}" for m in range(1, 10))
    assert sum(s.classified for s in series.summaries) == lifecycle.summary["commits_classified"]
    assert sum(len(s.revisit_events) for s in series.summaries) == 11
    for summary, interval in zip(series.summaries, series.intervals, strict=True):
        assert interval is not None and summary.revisit_rate is not None
        assert interval.low <= summary.revisit_rate <= interval.high


# -- figures -----------------------------------------------------------------------------------


def test_every_figure_is_titled_with_repository_range_and_dates(lifecycle: Analysis) -> None:
    figures = analysis_figures(lifecycle)
    assert len({f.name for f in figures}) == len(figures) == 12
    for named in figures:
        title = named.figure.get_suptitle()
        name = Path(lifecycle.repository.path).name
        assert title.endswith(f"\n{name} · HEAD · 2024-01-08 → 2024-09-23"), named.name


def test_heatmap_tells_no_data_from_zero(lifecycle: Analysis) -> None:
    frame = pd.DataFrame(
        [[0.0, np.nan], [0.25, 0.0]], index=["a", "b"], columns=["a", "b"], dtype=float
    )
    figure = heatmap(lifecycle, frame, "t", percent=True)
    labels = sorted(t.get_text() for t in figure.axes[0].texts)
    assert labels == ["0%", "0%", "25%", "n/a"]
    assert "n/a: no data" in figure.legends[0].get_texts()[0].get_text()


@pytest.mark.parametrize("axis", ["calendar", "commits"])
def test_timeline_legend_never_covers_the_data(lifecycle: Analysis, axis: str) -> None:
    figure = timeline(lifecycle, axis)  # type: ignore[arg-type]
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    plot = figure.axes[0].get_window_extent(renderer)
    (legend,) = figure.legends
    assert not plot.overlaps(legend.get_window_extent(renderer))


def test_commit_axis_spreads_a_burst(lifecycle: Analysis) -> None:
    by_index = timeline(lifecycle, "commits").axes[0]
    points = by_index.collections[0].get_offsets()
    assert list(np.asarray(points)[:, 0]) == list(range(1, 147))


def test_figures_keep_repository_text_out_of_svg_markup(
    make_repo: Callable[[dict[str, object]], Path],
) -> None:
    repo = make_repo(
        {"commits": [{"message": "Train <script>x</script>", "write": {"src/models/a.py": "a\n"}}]}
    )
    analysis = analyze(str(repo), rev="HEAD", use_cache=False)
    svg = svg_text(analysis_figures(analysis)[0].figure)
    assert "<script" not in svg.lower()
    with pytest.raises(UnsafeSvg):
        check_inert('<svg><g onload="x()"/></svg>')


def test_inline_svg_prefixes_every_id_and_reference() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg>\n'
        '<svg width="100pt" height="50pt" viewBox="0 0 100 50">'
        '<metadata>m</metadata><!-- a --><defs><path id="g1"/><clipPath id="c1"/></defs>'
        '<use xlink:href="#g1" clip-path="url(#c1)"/></svg>'
    )
    inline = inline_svg(svg, "f3", 'the "caption" <b>')
    assert inline.startswith("<svg ")
    assert 'id="f3-g1"' in inline and 'href="#f3-g1"' in inline and "url(#f3-c1)" in inline
    assert "metadata" not in inline and "<!--" not in inline and "<?xml" not in inline
    assert 'aria-label="the &quot;caption&quot; &lt;b&gt;"' in inline
    assert 'style="max-width:133px"' in inline


# -- the page ----------------------------------------------------------------------------------


class Outline(HTMLParser):
    """Sections, figures, scripts and text of a page, as a parser (not a browser) sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.svgs = 0
        self.scripts: list[str] = []
        self.ids: list[str] = []
        self.references: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section":
            self.sections.append(values["id"] or "")
        if tag == "svg":
            self.svgs += 1
        if values.get("id"):
            self.ids.append(values["id"] or "")
        for name in ("xlink:href", "href"):
            target = values.get(name) or ""
            if target.startswith("#"):
                self.references.append(target[1:])
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        else:
            self.text.append(data)


def test_page_is_self_contained_and_well_formed(page: str) -> None:
    outline = Outline()
    outline.feed(page)
    assert outline.sections[0] == "settings" and outline.sections[-1] == "statistics"
    assert outline.svgs == 12
    assert len(outline.ids) == len(set(outline.ids))  # ids unique across the inlined figures
    assert set(outline.references) <= set(outline.ids)
    (script,) = outline.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page  # the policy allows exactly that script
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "@import" not in page and "url(http" not in page


def test_every_matrix_and_event_is_on_the_page(lifecycle: Analysis, page: str) -> None:
    assert page.count('<table class="matrix">') == 7
    for event in lifecycle.sequence.revisit_events:
        for sha in event.commits:
            assert f"<code>{sha[:10]}</code>" in page
    assert "requirement_change" in page  # a reason of the lifecycle's first revisit


def test_repository_text_is_escaped() -> None:
    assert esc("<script>&\x1b") == "&lt;script&gt;&amp;\\x1b"
    table = key_values([("k", '<img src=x onerror="y">')])
    assert "<img" not in table and "&lt;img src=x onerror=&quot;y&quot;&gt;" in table


def test_html_is_a_registered_format() -> None:
    assert "html" in FORMATS


def test_report_command_writes_html(built_fixture: Callable[[str], Path], tmp_path: Path) -> None:
    from miner.cli import main

    out = tmp_path / "report.html"
    assert (
        main(["report", str(built_fixture("lifecycle")), "--format", "html", "-o", str(out)]) == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "<title>MLOps workflow report: 2024-09 against 2024-08 (months)</title>" in page
    assert page.count("<svg ") == 2


def test_a_history_without_commits_still_makes_a_page(built_fixture: Callable[[str], Path]) -> None:
    page = render(analyze(str(built_fixture("empty"))))
    assert "Nothing to analyse: no commits in the analysed range." in page
    assert page.count("<svg ") == 12
