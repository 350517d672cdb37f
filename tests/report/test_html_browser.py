"""The HTML pages in a real browser: Debian's chromium, headless, driven over DevTools.

Each page kind (the analysis, the period report) is opened offline from its file: no console
error, no blocked or failed resource, no request leaving the file, every section present, every
figure drawn with a non-zero size, sortable tables that sort. A page built from a history whose
messages, names and paths carry ``<script>`` and event handlers runs none of them and shows them
as text. The structure test compares sections and figure counts, never pixels.

Skipped, with the reason, only where no chromium is installed (``make test`` installs Debian's
``chromium`` when it is missing and runs as root).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, Tab, chromium_path, launch

from fixtures.build import build
from miner.cli import main
from miner.pipeline.run import analyze
from miner.report.html import render_comparison

HOSTILE = "<script>window.__pwned = 1</script>"
HANDLER = '<img src=x onerror="window.__pwned = 2">'
REPO_NAME = "<svg onload=window.__pwned=3>repo"  # shown in the title, the settings and every figure
ANALYSIS_SECTIONS = [
    "settings",
    "summary",
    "overlap",
    "revisits",
    "events",
    "transitions",
    "cooccurrence",
    "timeline",
    "over-time",
    "statistics",
]
ANALYSIS_FIGURES = {  # figures per section: every matrix, the flow, timelines, per month
    "overlap": 1,
    "revisits": 3,
    "transitions": 2,
    "cooccurrence": 2,
    "timeline": 2,
    "over-time": 2,
}
COMPARISON_SECTIONS = ["repositories", "phases", "revisit-rates", "settings", "statistics"]
PERIOD_SECTIONS = ["settings", "gates", "comparison", "phases", "events", "periods", "statistics"]
STRUCTURE = """[...document.querySelectorAll('main > section')].map(s => ({
    id: s.id,
    figures: s.querySelectorAll('figure svg').length,
    tables: s.querySelectorAll('table').length,
}))"""
FIGURE_SIZES = """[...document.querySelectorAll('figure svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    return [box.width, box.height, svg.querySelectorAll('path, use').length];
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no chromium on PATH: `make test` installs Debian's chromium when run as root "
            "(apt-get install chromium)"
        )
    with launch(executable) as running:
        yield running


@contextmanager
def open_checked(browser: Browser, page: Path) -> Iterator[Tab]:
    """The page in a fresh tab; on leaving, no error and no outside request was seen."""
    with browser.page(page) as tab:
        yield tab
        report = tab.report()
        assert report.errors == []
        assert report.requests == []


def structure(tab: Tab) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = tab.evaluate(STRUCTURE)
    return result


def assert_figures_drawn(tab: Tab) -> int:
    sizes = tab.evaluate(FIGURE_SIZES)
    for width, height, shapes in sizes:
        assert width > 100 and height > 100 and shapes > 10
    return len(sizes)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_analysis_page_in_chromium(browser: Browser, lifecycle_page: Path, tmp_path: Path) -> None:
    with open_checked(browser, lifecycle_page) as tab:
        sections = structure(tab)
        assert [s["id"] for s in sections] == ANALYSIS_SECTIONS
        figures = {s["id"]: s["figures"] for s in sections if s["figures"]}
        assert figures == ANALYSIS_FIGURES
        assert all(s["tables"] for s in sections if s["id"] != "over-time")
        assert assert_figures_drawn(tab) == sum(ANALYSIS_FIGURES.values())
        assert tab.evaluate("document.querySelectorAll('nav a').length") == len(sections)
        # The screenshot-level check: the page renders to an image as tall as its layout.
        shot = tmp_path / "analysis.png"
        tab.screenshot(shot)
        width, height = png_size(shot)
        assert width == 1280
        assert height == min(16000, tab.evaluate("document.documentElement.scrollHeight"))
        assert height > 5000  # twelve figures and the tables, not an empty shell


def test_sortable_tables_sort(browser: Browser, lifecycle_page: Path) -> None:
    column = """(() => {
        const table = document.querySelector('#summary table.sortable');
        return [...table.tBodies[0].rows].map(r => r.cells[1].textContent);
    })()"""
    heading = "document.querySelector('#summary table.sortable thead th:nth-child(2)')"
    with open_checked(browser, lifecycle_page) as tab:
        before = [int(v) for v in tab.evaluate(column)]
        tab.evaluate(f"{heading}.click()")
        assert [int(v) for v in tab.evaluate(column)] == sorted(before)
        tab.evaluate(f"{heading}.click()")
        assert [int(v) for v in tab.evaluate(column)] == sorted(before, reverse=True)


def test_period_page_in_chromium(browser: Browser, period_page: Path) -> None:
    with open_checked(browser, period_page) as tab:
        sections = structure(tab)
        assert [s["id"] for s in sections] == PERIOD_SECTIONS
        assert {s["id"]: s["figures"] for s in sections if s["figures"]} == {"periods": 2}
        assert assert_figures_drawn(tab) == 2
        assert tab.evaluate("document.querySelector('#gates .tripped').textContent") == "TRIPPED"


def test_comparison_page_in_chromium(browser: Browser, comparison_page: Path) -> None:
    with open_checked(browser, comparison_page) as tab:
        sections = structure(tab)
        assert [s["id"] for s in sections] == COMPARISON_SECTIONS
        assert {s["id"]: s["figures"] for s in sections if s["figures"]} == {
            "phases": 1,
            "revisit-rates": 1,
        }
        assert assert_figures_drawn(tab) == 2
        rows = "document.querySelectorAll('#repositories tbody tr').length"
        assert tab.evaluate(rows) == 2


def test_real_history_page_in_chromium(
    browser: Browser, real_history: Callable[[str], Path], pages: Path
) -> None:
    """A real project's history (mlops-zoomcamp, 508 commits, merges): every section and figure."""
    repo = real_history("mlops-zoomcamp")
    page = build_page("analyze", repo, "--no-cache", "--format", "html", "-o", pages / "real.html")
    with open_checked(browser, page) as tab:
        sections = structure(tab)
        assert [s["id"] for s in sections] == ANALYSIS_SECTIONS
        assert {s["id"]: s["figures"] for s in sections if s["figures"]} == ANALYSIS_FIGURES
        assert assert_figures_drawn(tab) == sum(ANALYSIS_FIGURES.values())
        events = tab.evaluate("document.querySelectorAll('#events tbody tr').length")
        assert events > 0
        assert tab.evaluate("document.querySelector('#events caption').textContent") == (
            f"{events} revisit events"
        )


def test_repository_text_is_shown_never_run(browser: Browser, hostile_page: Path) -> None:
    with open_checked(browser, hostile_page) as tab:
        assert tab.evaluate("typeof window.__pwned") == "undefined"
        assert tab.evaluate("document.querySelectorAll('script').length") == 1
        assert tab.evaluate("document.querySelectorAll('main img, main [onerror]').length") == 0
        shown = tab.evaluate("document.body.textContent")  # folded commit lists too
        assert HOSTILE in shown
        assert HANDLER in shown
        assert tab.evaluate("document.title").startswith(f"MLOps workflow analysis: {REPO_NAME}")
        assert tab.evaluate("document.querySelectorAll('[onload]').length") == 0
        assert assert_figures_drawn(tab) == sum(ANALYSIS_FIGURES.values())


# -- the pages ---------------------------------------------------------------------------------


def build_page(*argv: str | Path, expect: int = 0) -> Path:
    code = main([str(a) for a in argv])
    assert code == expect
    return Path(argv[argv.index("-o") + 1])


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pages")


@pytest.fixture(scope="module")
def lifecycle_page(built_fixture: Callable[[str], Path], pages: Path) -> Path:
    repo = built_fixture("lifecycle")
    return build_page("analyze", repo, "--format", "html", "-o", pages / "lifecycle.html")


@pytest.fixture(scope="module")
def period_page(built_fixture: Callable[[str], Path], pages: Path) -> Path:
    repo = built_fixture("lifecycle")
    # The gate trips (exit 1) and the page is still written, with the verdict on it.
    return build_page(
        "report", repo, "--format", "html", "-o", pages / "period.html",
        "--fail-on", "revisit_events>=0", "--no-cache", expect=1,
    )  # fmt: skip


@pytest.fixture(scope="module")
def comparison_page(built_fixture: Callable[[str], Path], pages: Path) -> Path:
    analyses = [analyze(str(built_fixture(name))) for name in ("lifecycle", "edge")]
    page = pages / "comparison.html"
    page.write_text(render_comparison(analyses), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def hostile_page(pages: Path) -> Path:
    repo = build(hostile_history(), pages / REPO_NAME).path
    return build_page("analyze", repo, "--format", "html", "-o", pages / "hostile.html")


def hostile_history() -> dict[str, object]:
    """Data work, model work, then a data fix whose message and path carry markup (a revisit,
    so its subject is listed in the events table too), then model work again. (git itself
    drops ``<`` and ``>`` from author names.)"""
    model = [
        {"message": f"Train model step {i}", "write": {f"src/models/train_{i}.py": "fit()\n"}}
        for i in range(8)
    ]
    data_fix = {
        "author": "mallory",
        "message": f"Fix data cleaning {HOSTILE} {HANDLER}\n\n-->\x1b[2J</title>",
        "write": {"src/data/clean_<b>x</b>.py": "clean()\n"},
    }
    return {
        "authors": {
            "ana": {"name": "Ana", "email": "ana@example.com"},
            "mallory": {"name": f"Mallory {HOSTILE}", "email": "m@example.com"},
        },
        "author": "ana",
        "commits": [
            {"message": "Prepare the data", "write": {"src/data/prepare.py": "prep()\n"}},
            *model[:6],
            data_fix,
            *model[6:],
        ],
    }
