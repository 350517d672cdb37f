"""What a worker does for one repository: a plain task in, a plain outcome out.

Nothing that crosses a process (or a Dask worker) is a GitPython, pandas or rules object: a
:class:`FleetTask` holds the target as typed, the frozen options and the rules as YAML text; a
:class:`RepoOutcome` holds the schema-1 JSON document of the analysis (or the one-line reason it
failed) and where the result came from. Both pickle as plain data and compare by value, which is
what makes the local pool and a Dask cluster give byte-identical fleet JSON.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from miner.errors import MinerError, RepositoryError
from miner.git import redact_url, run_git
from miner.history.repository import is_url
from miner.pipeline.options import AnalysisOptions


@dataclass(frozen=True, slots=True)
class FleetTask:
    """One repository to analyse. ``rules_text`` None means the packaged rules."""

    target: str
    options: AnalysisOptions
    rules_text: str | None = None
    rules_source: str = "default"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a result came from, so that a table can be reproduced: the remote URL (without
    credentials; None for a repository without remotes), the analysed tip, its branch and the
    digest of the effective rules."""

    remote: str | None
    head: str | None
    branch: str | None
    rules_hash: str


@dataclass(frozen=True, slots=True)
class RepoOutcome:
    """One repository's result: ``document`` (schema 1) and ``provenance``, or ``error``."""

    source: str  # as the user gave it; a URL without its user information
    document: dict[str, Any] | None = None
    provenance: Provenance | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.document is not None


def shown_source(target: str) -> str:
    return redact_url(target) if is_url(target) else target


def failed(target: str, reason: str) -> RepoOutcome:
    return RepoOutcome(shown_source(target), error=" ".join(reason.split()) or "failed")


def analyse_one(task: FleetTask) -> RepoOutcome:
    """The whole analysis of one repository; any failure becomes the outcome's one-line reason
    (a bug too: the fleet reports it and goes on, so no repository is ever silently lost)."""
    try:
        return _analyse(task)
    except MinerError as error:
        return failed(task.target, str(error))
    except Exception as error:  # a bug in one repository's analysis must not stop the fleet
        where = traceback.extract_tb(error.__traceback__)[-1]
        return failed(
            task.target,
            f"internal error (a bug): {type(error).__name__}: {error} "
            f"({Path(where.filename).name}:{where.lineno})",
        )


def _analyse(task: FleetTask) -> RepoOutcome:
    from miner.pipeline.run import analyze_with
    from miner.report.json import document
    from miner.rules.load import load_rules, rules_from_text

    rules = (
        load_rules()
        if task.rules_text is None
        else rules_from_text(task.rules_text, source=task.rules_source)
    )
    analysis = analyze_with(task.target, task.options, rules=rules)
    info = analysis.repository
    remote = redact_url(task.target) if is_url(task.target) else remote_url(Path(info.git_dir))
    result = document(analysis)
    # A fleet document is shared: never with a credential, whatever the embedded one records.
    result["repository"]["path"] = shown_source(info.path)
    return RepoOutcome(
        source=shown_source(task.target),
        document=result,
        provenance=Provenance(remote, info.head, info.branch, analysis.rules.digest),
    )


def remote_url(git_dir: Path) -> str | None:
    """The URL of ``origin`` (else of the first remote by name), without credentials. Read from
    the repository's configuration as data: nothing in it runs."""
    try:
        listed = run_git(
            ["config", "--get-regexp", r"^remote\..*\.url$"],
            cwd=git_dir,
            options=(f"--git-dir={git_dir}",),
        )
    except RepositoryError:  # git config exits 1 when nothing matches: no remote
        return None
    urls: dict[str, str] = {}
    for line in listed.decode("utf-8", "replace").splitlines():
        key, _, url = line.partition(" ")
        urls[key.removeprefix("remote.").removesuffix(".url")] = url
    if not urls:
        return None
    return redact_url(urls.get("origin") or urls[min(urls)])


def for_worker(options: AnalysisOptions) -> AnalysisOptions:
    """The options a worker receives: the rules travel as text, never as a driver-local path."""
    return replace(options, rules=None)
