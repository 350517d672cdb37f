"""Issue 10 part B, items 8 and 9 and "one run writes several formats": one rule for where output
goes, one atomic way to write it; real repositories, the CLI in-process (or in a subprocess when
a resource limit is needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import Run

from miner.cli import main


def one_line_error(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert (code, out) == (2, "")
    assert err.startswith("miner: error: ") and err.count("\n") == 1, err
    return err.removeprefix("miner: error: ").rstrip("\n")


def run_with_file_size_limit(limit: int, *argv: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process whose files may not grow past ``limit`` bytes (RLIMIT_FSIZE)."""
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from miner.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, argv)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_item8_a_write_past_the_file_size_limit_keeps_the_previous_file(
    edge: Path, tmp_path: Path
) -> None:
    previous = "the report of yesterday\n" * 100
    target = tmp_path / "report.json"
    target.write_text(previous, encoding="utf-8")
    result = run_with_file_size_limit(
        4096, "analyze", edge, "--no-cache", "--format", "json", "--output", target
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"miner: error: {target}: cannot write: File too large\n"
    assert target.read_text(encoding="utf-8") == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary left


def test_item8_a_failed_folder_format_keeps_the_previous_files(edge: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "commits.csv").write_text("yesterday\n", encoding="utf-8")
    result = run_with_file_size_limit(
        512, "analyze", edge, "--no-cache", "--format", "csv", "--output", folder
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"miner: error: {folder}: cannot write: File too large")
    assert result.stderr.count("\n") == 1
    assert [p.name for p in folder.iterdir()] == ["commits.csv"]  # no scratch folder left
    assert (folder / "commits.csv").read_text(encoding="utf-8") == "yesterday\n"


def test_item8_a_successful_write_replaces_the_file_and_keeps_its_mode(
    run: Run, edge: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    assert run("analyze", edge, "--format", "markdown", "--output", target)[0] == 0
    assert target.read_text(encoding="utf-8").startswith("#")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_a_named_pipe_is_written_in_place_never_replaced(
    run: Run, edge: Path, tmp_path: Path
) -> None:
    # /dev/null, a FIFO or a terminal as -o: renaming a temporary file over it would replace a
    # device with a regular file (it once did, to /dev/null)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert run("commits", edge, "--format", "csv", "-o", fifo)[0] == 0
    received = reader.communicate(timeout=30)[0]
    assert received.startswith(b"sha,")
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symlinked_output_replaces_its_target_and_keeps_the_link(
    run: Run, edge: Path, tmp_path: Path
) -> None:
    target = tmp_path / "real.md"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert run("analyze", edge, "--format", "markdown", "--output", link)[0] == 0
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize("command", ["analyze", "report", "commits"])
def test_item9_a_file_output_never_creates_a_folder(
    run: Run, edge: Path, tmp_path: Path, command: str
) -> None:
    for target in (tmp_path / "missing" / "dir" / "x", Path("/nonexistent/dir/x")):
        if target.parents[1].exists():
            continue
        message = one_line_error(
            run(command, edge, "--format", "json" if command != "commits" else "csv", "-o", target)
        )
        assert message == (
            f"{target}: folder {target.parent} does not exist (miner does not create it)"
        )
        assert not target.parents[1].exists()


def test_item9_a_folder_format_refuses_a_file_name(run: Run, edge: Path, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    message = one_line_error(run("analyze", edge, "--format", "csv", "-o", target))
    assert message.startswith(f"{target}: looks like a file name; this format writes several")
    assert list(tmp_path.iterdir()) == []


def test_item9_a_folder_format_creates_its_folder_but_not_the_parent(
    run: Run, edge: Path, tmp_path: Path
) -> None:
    assert run("analyze", edge, "--format", "csv", "-o", tmp_path / "tables")[0] == 0
    assert (tmp_path / "tables" / "commits.csv").is_file()
    deep = tmp_path / "missing" / "tables"
    message = one_line_error(run("analyze", edge, "--format", "csv", "-o", deep))
    assert message == f"{deep}: folder {deep.parent} does not exist (miner does not create it)"
    assert not deep.parent.exists()


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_item9_the_rule_is_stated_in_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a file format writes the file -o FILE (its folder must exist;" in text
    assert "nothing is created outside the path given" in text
    assert "a failed write keeps the previous file" in text


def test_several_formats_in_one_run_write_into_the_folder(
    run: Run, edge: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    code, out, err = run("analyze", edge, "--format", "json,markdown,csv", "-o", folder)
    assert (code, out, err) == (0, "", "")
    assert sorted(p.name for p in folder.iterdir()) == ["analysis.json", "analysis.md", "csv"]
    alone = json.loads(run("analyze", edge, "--format", "json")[1])
    assert json.loads((folder / "analysis.json").read_text(encoding="utf-8")) == alone
    markdown = run("analyze", edge, "--format", "markdown")[1]
    assert (folder / "analysis.md").read_text(encoding="utf-8") == markdown
    assert (folder / "csv" / "commits.csv").is_file()


def test_output_format_equals_path_beside_standard_output(
    run: Run, edge: Path, tmp_path: Path
) -> None:
    target = tmp_path / "miner-report.json"
    code, out, err = run(
        "report", edge, "--format", "markdown", "--output", f"json={target}", "--period", "quarter"
    )
    assert (code, err) == (0, "")
    assert out.startswith("## MLOps workflow report: ")
    assert json.loads(target.read_text(encoding="utf-8"))["kind"] == "period_report"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--format", "json,markdown"),
            "--format json,markdown: several formats need --output DIR",
        ),
        (("--format", "json,xml"), "argument --format: invalid choice: 'xml' (choose from"),
        (("--format", "json,json", "-o", "x"), "--format json,json: a format is named twice"),
        (("-o", "a", "-o", "b"), "--output PATH given twice (use --output FORMAT=PATH for each"),
        (("--output", "json="), "--output json=: give a path after '='"),
        (("--output", "json=same", "--output", "markdown=same"), "two formats would write the"),
    ],
)
def test_several_formats_bad_combinations_are_one_line_errors(
    run: Run, edge: Path, argv: tuple[str, ...], message: str
) -> None:
    assert one_line_error(run("analyze", edge, *argv)).startswith(message)
