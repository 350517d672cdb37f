"""The library API as a notebook uses it: typed keywords with the CLI's value forms, a short
repr, DataFrames with real dtypes, rendering any format, and a fleet of repositories."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import miner
from miner.cli import main
from miner.errors import UsageError


@pytest.fixture(scope="module")
def edge(built_fixture: Callable[[str], Path]) -> Path:
    return built_fixture("edge")


def test_window_takes_the_cli_forms(edge: Path) -> None:
    by_span = miner.analyze(edge, window="14d")
    assert by_span.options.window == timedelta(days=14)
    assert by_span.render("json") == miner.analyze(str(edge), window=timedelta(days=14)).render(
        "json"
    )
    assert miner.analyze(edge, window="10").options.window == 10
    with pytest.raises(UsageError, match=r"^--window must be a number of commits or a span"):
        miner.analyze(edge, window="fortnight")
    with pytest.raises(UsageError, match=r"^include takes a list of strings"):
        miner.analyze(edge, include="src/*")


def test_repr_is_one_short_line(edge: Path) -> None:
    analysis = miner.analyze(edge)
    text = repr(analysis)
    assert len(text) < 300
    assert "\n" not in text
    assert text.startswith(f"<Analysis '{edge}' @ {analysis.repository.head[:12]}: ")


def test_commits_frame_has_real_dtypes(edge: Path) -> None:
    analysis = miner.analyze(edge)
    frame = analysis.commits_frame()
    assert isinstance(frame["authored_at"].dtype, pd.DatetimeTZDtype)
    assert str(frame["authored_at"].dt.tz) == "UTC"
    assert isinstance(frame["primary"].dtype, pd.CategoricalDtype)
    assert list(frame["primary"].cat.categories) == [*analysis.phases, "unclassified"]
    assert list(frame["focus"].cat.categories) == list(analysis.phases)
    assert all(isinstance(labels, list) for labels in frame["labels"])
    shares = frame[[f"share:{p}" for p in analysis.phases]]
    classified = frame["primary"] != "unclassified"
    assert shares[classified].sum(axis=1).round(9).eq(1.0).all()
    assert shares[~classified].sum(axis=1).eq(0.0).all()
    assert frame["event"].value_counts()["revisit"] == analysis.summary["revisit_events"]


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_render_is_what_the_cli_prints(
    edge: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(edge), "--format", fmt, "--no-cache"]) == 0
    assert miner.render(miner.analyze(edge), fmt) == capsys.readouterr().out


def test_write_puts_any_format_where_asked(edge: Path, tmp_path: Path) -> None:
    analysis = miner.analyze(edge)
    analysis.write("csv", tmp_path / "tables")
    assert (tmp_path / "tables" / "overlap_rate.csv").is_file()
    analysis.write("json", tmp_path / "a.json")
    assert json.loads((tmp_path / "a.json").read_text())["schema_version"] == 2
    assert "Summary" in analysis.render("terminal", width=120)
    with pytest.raises(UsageError, match=r"^render gives terminal, json, markdown as text"):
        analysis.render("csv")


def test_a_notebook_compares_repositories_with_dataframes(
    built_fixture: Callable[[str], Path], tmp_path: Path
) -> None:
    """What a notebook does with a fleet: sort the table, look at pooled matrices and spread."""
    repos = [built_fixture("lifecycle"), built_fixture("edge"), tmp_path / "gone"]
    fleet = miner.analyze_many(repos, window="10", jobs=1)
    assert repr(fleet).startswith("<Fleet 2 analysed, 1 failed;")
    assert [f.source for f in fleet.failures] == [str(tmp_path / "gone")]

    table = fleet.table
    assert list(table.index) == [str(r) for r in repos[:2]]
    assert table["commits"].dtype == "int64"
    assert table["revisit_rate"].dtype == "float64"
    busiest = table.sort_values("revisit_rate", ascending=False).index[0]
    assert table.loc[busiest, "revisit_rate"] == table["revisit_rate"].max()
    shares = table.filter(like="share:")
    assert ((shares.sum(axis=1) - 1).abs() < 1e-5).all()  # shares come rounded to 6 digits

    pooled = fleet.pooled
    assert pooled is not None
    assert pooled.revisits.to_numpy().sum() == table["revisit_events"].sum()
    assert list(pooled.overlap_rate.index) == list(fleet.phases)
    spread = pooled.spread["overlap_rate"]
    assert (spread.iqr.stack().dropna() >= 0).all()
    assert spread.repositories.to_numpy().max() == 2

    assert set(fleet.provenance().columns) == {"remote", "head", "branch", "rules_hash"}
    assert fleet.differences is not None  # two analysed: B minus A per metric
    assert "revisit_rate" in fleet.differences.index
    assert json.loads(fleet.render("json"))["document"] == "fleet"
    with pytest.raises(UsageError, match=r"^analyze_many takes a list"):
        miner.analyze_many(str(repos[0]))  # type: ignore[arg-type]
