"""The library API: what a notebook calls. Typed keywords, the CLI's value forms.

    import miner
    analysis = miner.analyze("path/or/url", window="14d")
    fleet = miner.analyze_many(["repo-a", "repo-b", "https://host/org/c.git"], jobs=4)

Every keyword is an option of ``miner analyze`` with the same values: ``window`` takes 10,
``"10"``, ``"14d"`` or a ``timedelta``; ``include``/``exclude``/``exclude_authors`` take any
sequence of strings; paths may be ``pathlib.Path``. Bad values raise
:class:`miner.errors.UsageError` with the CLI's one-line message.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from miner.errors import UsageError
from miner.sequence.focus import DEFAULT_WINDOW

if TYPE_CHECKING:
    from miner.fleet.result import Fleet
    from miner.pipeline.analysis import Analysis
    from miner.pipeline.options import AnalysisOptions

PathLike = str | os.PathLike[str]
TEXT_FORMATS = ("terminal", "json", "markdown")


def options(
    *,
    rules: PathLike | None = None,
    rev: str | None = None,
    branch: str | None = None,
    since: str | None = None,
    until: str | None = None,
    first_parent: bool = False,
    window: int | str | timedelta = DEFAULT_WINDOW,
    revisits: Literal["all", "backward"] = "all",
    min_share: float | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_authors: Sequence[str] = (),
    include_bots: bool = False,
    churn: bool = False,
    seed: int = 0,
    cache: PathLike | None = None,
    use_cache: bool = False,
    backend: Literal["git", "pydriller"] = "git",
) -> AnalysisOptions:
    """The validated options (the CLI's value forms accepted)."""
    from miner.pipeline.options import AnalysisOptions, parse_window

    for name, value in (
        ("include", include),
        ("exclude", exclude),
        ("exclude_authors", exclude_authors),
    ):
        if isinstance(value, str):
            raise UsageError(f"{name} takes a list of strings, not the string {value!r}")
    if isinstance(window, bool) or not isinstance(window, int | str | timedelta):
        raise UsageError(f"window must be a number of commits or a span like 14d, not {window!r}")
    return AnalysisOptions(
        rules=None if rules is None else os.fspath(rules),
        rev=rev,
        branch=branch,
        since=since,
        until=until,
        first_parent=first_parent,
        window=parse_window(window) if isinstance(window, str) else window,
        revisits=revisits,
        min_share=None if min_share is None else float(min_share),
        include=tuple(include),
        exclude=tuple(exclude),
        exclude_authors=tuple(exclude_authors),
        include_bots=include_bots,
        churn=churn,
        seed=seed,
        cache=None if cache is None else os.fspath(cache),
        use_cache=use_cache,
        backend=backend,
    )


def analyze(
    path: PathLike,
    *,
    rules: PathLike | None = None,
    rev: str | None = None,
    branch: str | None = None,
    since: str | None = None,
    until: str | None = None,
    first_parent: bool = False,
    window: int | str | timedelta = DEFAULT_WINDOW,
    revisits: Literal["all", "backward"] = "all",
    min_share: float | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_authors: Sequence[str] = (),
    include_bots: bool = False,
    churn: bool = False,
    seed: int = 0,
    cache: PathLike | None = None,
    use_cache: bool = False,
    backend: Literal["git", "pydriller"] = "git",
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> Analysis:
    """Analyse one repository (work tree, bare repository or URL). ``total`` is told how many
    commits will be read before mining starts; ``progress`` the number read so far."""
    from miner.pipeline.run import analyze_with

    settings = options(
        rules=rules, rev=rev, branch=branch, since=since, until=until,
        first_parent=first_parent, window=window, revisits=revisits, min_share=min_share,
        include=include, exclude=exclude, exclude_authors=exclude_authors,
        include_bots=include_bots, churn=churn, seed=seed, cache=cache, use_cache=use_cache,
        backend=backend,
    )  # fmt: skip
    return analyze_with(os.fspath(path), settings, progress=progress, total=total)


def analyze_many(
    paths: Sequence[PathLike],
    *,
    jobs: int | None = None,
    dask: str | None = None,
    rules: PathLike | None = None,
    rev: str | None = None,
    branch: str | None = None,
    since: str | None = None,
    until: str | None = None,
    first_parent: bool = False,
    window: int | str | timedelta = DEFAULT_WINDOW,
    revisits: Literal["all", "backward"] = "all",
    min_share: float | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    exclude_authors: Sequence[str] = (),
    include_bots: bool = False,
    churn: bool = False,
    seed: int = 0,
    use_cache: bool = False,
    backend: Literal["git", "pydriller"] = "git",
    done: Callable[[], None] | None = None,
) -> Fleet:
    """Analyse several repositories with the same rules and options (``jobs`` local processes,
    default the machine's cores; or the Dask scheduler at ``dask``), then compare and pool.

    A repository that cannot be analysed does not stop the others: it is in
    ``fleet.failures`` with its one-line reason. ``done`` is called once per finished
    repository (a progress count)."""
    from miner.fleet.run import analyze_fleet

    if isinstance(paths, str | os.PathLike):
        raise UsageError("analyze_many takes a list of paths or URLs (miner.analyze takes one)")
    settings = options(
        rules=rules, rev=rev, branch=branch, since=since, until=until,
        first_parent=first_parent, window=window, revisits=revisits, min_share=min_share,
        include=include, exclude=exclude, exclude_authors=exclude_authors,
        include_bots=include_bots, churn=churn, seed=seed, use_cache=use_cache, backend=backend,
    )  # fmt: skip
    return analyze_fleet([os.fspath(p) for p in paths], settings, jobs=jobs, dask=dask, done=done)


def render(analysis: Analysis, fmt: str = "terminal", *, width: int = 100) -> str:
    """One analysis as text in ``fmt``: ``terminal`` (plain, ``width`` columns), ``json`` or
    ``markdown`` — exactly what ``miner analyze --format FMT`` prints."""
    if fmt == "json":
        from miner.report import json

        return json.render(analysis)
    if fmt == "markdown":
        from miner.report import markdown

        return markdown.render(analysis)
    if fmt == "terminal":
        from rich.console import Console

        from miner.report import terminal

        buffer = io.StringIO()
        terminal.render(
            analysis,
            Console(file=buffer, width=width, color_system=None, markup=False, highlight=False),
        )
        return buffer.getvalue()
    raise UsageError(
        f"render gives {', '.join(TEXT_FORMATS)} as text, not {fmt!r}; "
        "write(analysis, fmt, output) writes every format"
    )


def write(analysis: Analysis, fmt: str, output: PathLike) -> None:
    """Any format of ``miner analyze --format`` to ``output`` (a directory for csv and plots)."""
    from rich.console import Console

    from miner.report import FORMATS

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    FORMATS[fmt](analysis, Path(output), Console(width=100, color_system=None))


def describe(analysis: Analysis) -> str:
    """A one-line repr: what was analysed and the headline numbers."""
    from miner.pipeline.options import describe_window

    s = analysis.summary
    rate = "–" if s["revisit_rate"] is None else f"{s['revisit_rate']:.3f}"
    head = (analysis.repository.head or "no commits")[:12]
    return (
        f"<Analysis {analysis.repository.path!r} @ {head}: {s['commits_total']} commits, "
        f"{s['commits_classified']} classified, {s['revisit_events']} revisit events "
        f"(rate {rate}); window {describe_window(analysis.options.window)}; "
        f"rules {analysis.rules.source}>"
    )
