"""Several repositories: the fleet CLI, the fleet document, the runners, pooling and comparison.

Fixture repositories are built with real git (conftest); the small real histories are used
when ../shared/histories is present. Runners use jobs=1 unless the test is about the pool.
"""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import miner
from miner.cli import main
from miner.errors import UsageError
from miner.fleet.run import WORKER_DIED, analyze_fleet, read_targets
from miner.fleet.task import FleetTask, RepoOutcome, analyse_one
from miner.pipeline.options import AnalysisOptions

NO_CACHE = AnalysisOptions()  # the library default: no store


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def two(built_fixture: Callable[[str], Path]) -> list[str]:
    return [str(built_fixture("lifecycle")), str(built_fixture("edge"))]


# --- the command line -------------------------------------------------------------------------


def test_a_failing_repository_is_reported_and_the_rest_go_on(
    capsys: pytest.CaptureFixture[str], two: list[str], tmp_path: Path
) -> None:
    missing = tmp_path / "not-a-repo"
    code, out, err = cli(capsys, "analyze", *two, missing, "--jobs", "1", "--no-cache")
    assert code == 2
    assert err == (
        "miner: error: 1 of 3 repositories could not be analysed (each is listed in the report "
        "with its reason)\n"
    )
    for title in ("Comparison", "Pooled overlap rate O", "Pooled revisit events R", "Pooled tr"):
        assert title in out
    assert f"failed: {missing}: not a git repository: {missing}" in " ".join(out.split())


def test_every_repository_analysed_exits_0_and_json_embeds_each_schema_1_result(
    capsys: pytest.CaptureFixture[str], two: list[str]
) -> None:
    code, out, err = cli(capsys, "analyze", *two, "--format", "json", "--jobs", "1", "--no-cache")
    assert (code, err) == (0, "")
    fleet = json.loads(out)
    assert (fleet["document"], fleet["schema_version"]) == ("fleet", 1)
    assert [r["source"] for r in fleet["repositories"]] == two
    for entry in fleet["repositories"]:
        single = cli(capsys, "analyze", entry["source"], "--format", "json", "--no-cache")[1]
        assert entry["result"] == json.loads(single)  # unchanged: the same schema-1 document
        assert entry["provenance"]["head"] == entry["result"]["repository"]["head"]
        assert entry["provenance"]["rules_hash"] == fleet["rules"]["rules_hash"]
    assert [row["repository"] for row in fleet["comparison"]] == two


def test_repos_from_reads_paths_with_comments(
    capsys: pytest.CaptureFixture[str],
    two: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# ours\n\n{two[0]}   # the big one\n  {two[1]}\n", encoding="utf-8")
    assert read_targets(str(listing)) == two
    with monkeypatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(listing.read_text(encoding="utf-8")))
        assert read_targets("-") == two
    with pytest.raises(UsageError, match=r"cannot read repository list: no such file$"):
        read_targets(str(tmp_path / "absent.txt"))
    code, out, _ = cli(capsys, "analyze", "--repos-from", listing, "--format", "json", "-j", "1")
    assert code == 0
    assert [r["source"] for r in json.loads(out)["repositories"]] == two


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--jobs", "0"], "miner: error: --jobs must be a whole number of at least 1, not '0'\n"),
        (["--format", "plots"], "miner: error: --format plots is for one repository; a fleet "
         "renders as terminal, json, markdown, csv\n"),
        (["--cache", "x.sqlite"], "miner: error: --cache names one store: with several "
         "repositories each uses its own default store (or give --no-cache)\n"),
    ],
)  # fmt: skip
def test_bad_fleet_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], two: list[str], argv: list[str], message: str
) -> None:
    code, _, err = cli(capsys, "analyze", *two, *argv)
    assert (code, err) == (2, message)


def test_a_repository_given_twice_is_refused(
    capsys: pytest.CaptureFixture[str], two: list[str]
) -> None:
    code, _, err = cli(capsys, "analyze", two[0], two[0])
    assert (code, err) == (2, f"miner: error: repository given twice: {two[0]}\n")


def test_compare_reports_each_difference_and_its_test(
    capsys: pytest.CaptureFixture[str], two: list[str], tmp_path: Path
) -> None:
    code, out, err = cli(capsys, "compare", *two, "--format", "json", "-j", "1")
    assert (code, err) == (0, "")
    rows = {row["metric"]: row for row in json.loads(out)["differences"]}
    assert rows["commits"]["test"] == "exact count"
    a, b = (json.loads(cli(capsys, "analyze", p, "--format", "json")[1])["summary"] for p in two)
    rate = rows["revisit_rate"]
    assert rate["difference"] == pytest.approx(b["revisit_rate"] - a["revisit_rate"], abs=2e-6)
    from scipy import stats

    expected = stats.binomtest(
        a["revisit_events"],
        a["revisit_events"] + b["revisit_events"],
        a["commits_classified"] / (a["commits_classified"] + b["commits_classified"]),
    ).pvalue
    assert rate["p_value"] == pytest.approx(expected, abs=1e-6)
    assert rate["larger_than_uncertainty"] == (expected < 0.05)
    assert "B − A" in cli(capsys, "compare", *two, "-j", "1")[1]
    assert cli(capsys, "compare", two[0])[2] == (
        "miner: error: compare needs exactly two repositories, not 1\n"
    )
    cli(capsys, "compare", *two, "--format", "csv", "--output", tmp_path / "csv", "-j", "1")
    assert {p.name for p in (tmp_path / "csv").iterdir()} >= {
        "comparison.csv", "differences.csv", "pooled_overlap_rate.csv", "provenance.csv",
    }  # fmt: skip


# --- provenance ----------------------------------------------------------------------------------


def test_provenance_records_the_remote_without_credentials(
    two: list[str], tmp_path: Path, git: Callable[..., str]
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", f"file://{two[1]}", str(clone))
    git(clone, "remote", "set-url", "origin", "https://user:s3cret@example.com/org/repo.git")
    git(clone, "remote", "add", "another", "https://example.org/x.git")
    fleet = analyze_fleet([str(clone), two[0]], NO_CACHE, jobs=1)
    provenance = fleet.provenance()
    assert provenance.loc[str(clone), "remote"] == "https://example.com/org/repo.git"
    assert pd.isna(provenance.loc[two[0], "remote"])  # built locally: no remote
    assert json.loads(fleet.render("json"))["repositories"][1]["provenance"]["remote"] is None
    assert "s3cret" not in fleet.render("json")


def test_a_url_is_shown_without_credentials_in_failures() -> None:
    outcome = analyse_one(FleetTask("https://token@localhost:1/nothing.git", NO_CACHE))
    assert outcome.source == "https://localhost:1/nothing.git"
    assert outcome.error is not None
    assert "token" not in outcome.error


# --- pooling -------------------------------------------------------------------------------------


def test_pooled_matrices_are_sums_and_commit_weighted_rates(two: list[str]) -> None:
    fleet = analyze_fleet(two, NO_CACHE, jobs=1)
    singles = [miner.analyze(p) for p in two]
    assert fleet.pooled is not None
    summed = sum(s.matrices.revisits for s in singles)
    assert fleet.pooled.revisits.equals(summed)
    assert fleet.pooled.transitions.equals(sum(s.matrices.transitions for s in singles))
    # O pooled = sum of event commits / sum of commits under each focus
    event_commits = np.zeros((len(fleet.phases),) * 2)
    under = np.zeros(len(fleet.phases))
    order = {p: i for i, p in enumerate(fleet.phases)}
    for single in singles:
        for event in single.sequence.revisit_events:
            event_commits[order[event.source], order[event.target]] += len(event.commits)
        for focus in single.sequence.focus:
            under[order[focus]] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = event_commits / under[:, None]
    np.testing.assert_allclose(fleet.pooled.overlap_rate.to_numpy(), expected, atol=1e-6)
    # the spread's median of a cell over two repositories is the mean of their two rates
    rates = [s.matrices.overlap_rate.to_numpy() for s in singles]
    np.testing.assert_allclose(
        fleet.pooled.spread["overlap_rate"].median.to_numpy(), np.nanmean(rates, axis=0), atol=1e-6
    )


# --- runners -------------------------------------------------------------------------------------


def crash_on(target: str, task: FleetTask) -> RepoOutcome:
    """A worker that dies (as on an out-of-memory kill) when it meets ``target``."""
    if task.target == target:
        os._exit(1)
    return analyse_one(task)


def test_a_worker_that_dies_is_reported_never_lost(two: list[str], tmp_path: Path) -> None:
    doomed = str(tmp_path / "doomed")
    fleet = analyze_fleet(
        [two[0], doomed, two[1]], NO_CACHE, jobs=2, worker=functools.partial(crash_on, doomed)
    )
    assert [r.source for r in fleet.repositories] == [two[0], doomed, two[1]]
    assert [r.ok for r in fleet.repositories] == [True, False, True]
    assert fleet.repositories[1].error == WORKER_DIED


def test_pool_and_dask_give_byte_identical_fleet_json(two: list[str], tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    missing = str(tmp_path / "missing")
    targets = [*two, missing]
    local = analyze_fleet(targets, NO_CACHE, jobs=2).render("json")
    assert analyze_fleet(targets, NO_CACHE, jobs=1).render("json") == local  # pool = one process
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
    ):
        counted: list[None] = []
        on_dask = analyze_fleet(
            targets, NO_CACHE, dask=cluster.scheduler_address, done=lambda: counted.append(None)
        )
    assert on_dask.render("json") == local
    assert len(counted) == 3


def raise_on(target: str, task: FleetTask) -> RepoOutcome:
    if task.target == target:
        raise RuntimeError("lost the connection to the worker")
    return analyse_one(task)


def test_on_dask_a_task_the_cluster_cannot_finish_is_reported(
    two: list[str], tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    doomed = str(tmp_path / "doomed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        fleet = analyze_fleet(
            [doomed, two[0]],
            NO_CACHE,
            dask=cluster.scheduler_address,
            worker=functools.partial(raise_on, doomed),
        )
    assert [r.ok for r in fleet.repositories] == [False, True]
    assert fleet.repositories[0].error == (
        "the Dask cluster could not run it: RuntimeError: lost the connection to the worker"
    )


@pytest.mark.slow  # worker processes restarted by their nanny: a minute on a loaded machine
def test_on_dask_a_worker_that_keeps_dying_is_reported(two: list[str], tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    doomed = str(tmp_path / "doomed")
    # Dask retries a task whose worker died (here once: allowed-failures 1), then gives up on
    # it; one task per worker thread, so the innocent task never shares the doomed one's worker.
    settings = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with (
        dask.config.set(settings),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        fleet = analyze_fleet(
            [doomed, two[0]],
            NO_CACHE,
            dask=cluster.scheduler_address,
            worker=functools.partial(crash_on, doomed),
        )
    assert [r.ok for r in fleet.repositories] == [False, True]
    error = fleet.repositories[0].error
    assert error is not None
    assert error.startswith("the Dask cluster could not run it: KilledWorker")


def test_an_unreachable_scheduler_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], two: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("miner.fleet.cluster.CONNECT_TIMEOUT", "1s")
    code, _, err = cli(capsys, "analyze", *two, "--dask", "tcp://127.0.0.1:9")
    assert code == 2
    assert err.startswith("miner: error: --dask tcp://127.0.0.1:9: cannot reach the scheduler")
    assert len(err.splitlines()) == 1


def test_a_repository_with_missing_objects_is_reported(
    two: list[str], tmp_path: Path, git: Callable[..., str]
) -> None:
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(two[1], damaged)
    head_tree = git(damaged, "rev-parse", "HEAD~1^{tree}").strip()
    (damaged / ".git" / "objects" / head_tree[:2] / head_tree[2:]).unlink()
    fleet = analyze_fleet([str(damaged), two[0]], NO_CACHE, jobs=1)
    assert [r.ok for r in fleet.repositories] == [False, True]
    error = fleet.repositories[0].error
    assert error is not None
    assert error == f"git log failed: unable to read tree {head_tree}"


def test_a_url_with_credentials_is_analysed_and_stored_without_them(two: list[str]) -> None:
    url = f"file://user:s3cret@{two[1]}"  # git ignores the user information of file:// URLs
    fleet = analyze_fleet([url, two[0]], NO_CACHE, jobs=1)
    assert fleet.repositories[0].ok, fleet.repositories[0].error
    text = fleet.render("json")
    assert "s3cret" not in text
    entry = json.loads(text)["repositories"][0]
    assert entry["source"] == entry["provenance"]["remote"] == f"file://{two[1]}"
    assert entry["result"]["repository"]["path"] == f"file://{two[1]}"


def test_three_real_histories_and_a_bad_path_on_the_pool(
    capsys: pytest.CaptureFixture[str], real_history: Callable[[str], Path], tmp_path: Path
) -> None:
    names = ("e2e-taxi-ride-duration-prediction", "fsdl-text-recognizer-2022", "mlops-zoomcamp")
    repos = [real_history(name) for name in names]
    bad = tmp_path / "bad"
    code, out, _ = cli(capsys, "analyze", *repos, bad, "--no-cache", "--jobs", "2")
    assert code == 2
    flat = " ".join(out.split())
    assert "3 analysed, 1 failed (of 4)" in flat
    assert f"failed: {bad}: not a git repository: {bad}" in flat
    assert "Revisit rates across 3 repositories" in flat
    for title in ("Comparison", "Phase shares", "Pooled overlap rate O", "Pooled transitions T"):
        assert title in out
