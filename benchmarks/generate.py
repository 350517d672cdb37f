"""Deterministic synthetic ML-project histories, built fast with ``git fast-import``.

    python -m benchmarks.generate DEST [--commits 100000] [--seed 1] [--max-files 5]
                                       [--merge-rate 0.03] [--rename-rate 0.03]

The same parameters always give the same repository, down to the commit shas. A history has:

- an ML project layout (data/, notebooks/, src/data, src/features, src/models, serving,
  deploy/, monitoring/, pipelines, tests/, docs/, CI, configs), each commit working mostly in
  one area of it and drifting between areas, so the classifier and the revisit counter have
  realistic work;
- 1..``max_files`` changed files per commit: modifications of existing files (a few lines of a
  ~12-line file change, so ``--numstat`` has real diffs), additions, deletions and renames;
- feature branches merged back into main (two-parent merges) at ``merge_rate``;
- 40 authors (a few with a second identity, one bot), hourly-ish dates with varied offsets,
  messages from typical templates, some with a body or ticket number.

:func:`ensure_history` keeps built repositories under ``benchmarks/.work`` keyed by their
parameters, so a benchmark run builds each size once.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"

# Areas of an ML project: folders, file stems and extensions, and subjects written there.
AREAS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("docs", "docs/design", "docs/adr"),
        ("requirements", "problem", "metrics", "architecture", "0001-goal", "roadmap"),
        ("Define the success metric for {topic}", "docs: describe {topic}", "Update roadmap"),
    ),
    (
        ("data/raw", "scripts", "src/data", "data/external"),
        ("download", "ingest", "source", "snapshot", "fetch_s3", "load_db"),
        ("Ingest raw data batch {n}", "Download new {topic} snapshot", "Add data source {n}"),
    ),
    (
        ("src/features", "notebooks", "data/processed", "src/preprocessing"),
        ("build_features", "clean", "eda", "encode", "impute", "split"),
        ("Clean missing values in {topic}", "Feature engineering for {topic}", "EDA notebook"),
    ),
    (
        ("src/models", "src/training", "configs", "experiments"),
        ("train", "model", "evaluate", "hyperparams", "loss", "metrics"),
        ("Train model with new params", "Tune hyperparameters for run {n}", "fix training loop"),
    ),
    (
        ("serving", "deploy/k8s", "deploy", "src/serving", "app"),
        ("api", "predict", "Dockerfile", "deployment", "service", "handler"),
        ("Deploy model v{n} to production", "feat(api): add predict endpoint", "Fix serving"),
    ),
    (
        ("monitoring", "src/monitoring", "dashboards", "alerts"),
        ("drift", "alerts", "dashboard", "latency", "data_quality", "report"),
        ("Add drift monitoring check", "Alert on latency regression", "monitoring: {topic}"),
    ),
    (
        (".github/workflows", "ci", "tests", "src/pipelines"),
        ("ci", "test_train", "test_api", "pipeline", "release", "lint"),
        ("Update CI pipeline", "chore: lint", "Add tests for {topic}", "Bump numpy to 1.{n}"),
    ),
    (
        ("infra", "infra/terraform", "src/distributed"),
        ("autoscaling", "cluster", "workers", "main", "variables", "queue"),
        ("Scale training workers", "infra: autoscale {topic}", "Add GPU node pool"),
    ),
)
EXTENSIONS = (".py", ".py", ".py", ".yaml", ".md", ".ipynb", ".json", ".sql")
TOPICS = ("users", "rides", "images", "text", "events", "sensors", "prices", "labels")
FIRST_NAMES = ("Ada", "Bo", "Chen", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun")
LAST_NAMES = ("Kim", "Lopez", "Meyer", "Novak")
OFFSETS = ("+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900")
START = 1_500_000_000  # 2017-07-14
LINES = 12  # lines per file; each new version rewrites about a sixth of them
# Message lengths like real histories' (git/git: mean 584 bytes, p90 1,173): log-normal with
# these parameters has that mean and p90. Short messages hid the cost of message rules.
BODY_VERSION = 2  # in the cache name: histories built with other messages are not reused
MESSAGE_MU, MESSAGE_SIGMA = 6.063, 0.784
PROSE = (
    "the", "this", "change", "because", "when", "we", "callers", "value", "instead", "of",
    "code", "path", "before", "after", "previous", "commit", "so", "that", "it", "is", "not",
    "a", "in", "on", "for", "with", "function", "option", "behaviour", "case", "returns",
    "expected", "now", "still", "which", "also", "they", "would", "could", "list", "entry",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistorySpec:
    """What to generate; equal specs give identical repositories."""

    commits: int
    seed: int = 1
    max_files: int = 5
    merge_rate: float = 0.03
    rename_rate: float = 0.03

    @property
    def name(self) -> str:
        return (
            f"synthetic-{self.commits}-s{self.seed}-f{self.max_files}-b{BODY_VERSION}"
            f"-m{self.merge_rate:g}-r{self.rename_rate:g}"
        )


def _identities(rng: random.Random) -> list[tuple[str, str]]:
    people = [
        (f"{first} {last}", f"{first}.{last}".lower())
        for last in LAST_NAMES
        for first in FIRST_NAMES
    ]
    identities = [(name, f"{login}@example.com") for name, login in people]
    # some people commit from a second address (mailmap material), and a bot now and then
    identities += [
        (name.split()[0].lower(), f"{login}@laptop.local") for name, login in rng.sample(people, 5)
    ]
    return identities


def _prose(rng: random.Random, size: int) -> str:
    """About ``size`` characters of words, wrapped at 72 columns like a commit body."""
    lines, line, total = [], "", 0
    while total < size:
        word = rng.choice(PROSE)
        if len(line) + len(word) + 1 > 72:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line else word
        total += len(word) + 1
    return "\n".join([*lines, line])


def _content(path: str, version: int) -> bytes:
    lines = [f"{path} line {j} v{version if j % 6 == version % 6 else 0}\n" for j in range(LINES)]
    return "".join(lines).encode()


class _Generator:
    """Emits the fast-import stream commit by commit; tracks the files of main and the branch."""

    def __init__(self, spec: HistorySpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.identities = _identities(self.rng)
        self.main: dict[str, int] = {}  # path -> version, the tree of main
        self.branch: dict[str, int] | None = None  # paths written on the open feature branch
        self.branch_left = 0
        self.branch_fresh = False
        self.area = 0
        self.mark = 0
        self.main_tip = 0
        self.branch_tip = 0
        self.version = 0

    def stream(self) -> Iterator[bytes]:
        for number in range(self.spec.commits):
            yield self._next_commit(number)
        yield b"done\n"

    def _next_commit(self, number: int) -> bytes:
        rng = self.rng
        if self.branch is not None and self.branch_left == 0:
            return self._merge(number)
        if self.branch is None and self.main and rng.random() < self.spec.merge_rate:
            self.branch, self.branch_left, self.branch_fresh = {}, rng.randint(1, 6), True
            return self._commit(number, on_branch=True)
        on_branch = self.branch is not None and rng.random() < 0.5
        return self._commit(number, on_branch=on_branch)

    def _path(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            self.area = min(self.area + 1, len(AREAS) - 1)
        elif roll < 0.2:
            self.area = rng.randrange(len(AREAS))
        folders, stems, _ = AREAS[self.area]
        if rng.random() < 0.03:
            return rng.choice(("README.md", "requirements.txt", "dvc.yaml", "Makefile"))
        suffix = "" if rng.random() < 0.7 else f"_{rng.randrange(12)}"
        return f"{rng.choice(folders)}/{rng.choice(stems)}{suffix}{rng.choice(EXTENSIONS)}"

    def _message(self, number: int) -> bytes:
        rng = self.rng
        subject = rng.choice(AREAS[self.area][2]).format(n=number % 997, topic=rng.choice(TOPICS))
        if rng.random() < 0.2:
            subject += f" (#{number})"
        length = int(rng.lognormvariate(MESSAGE_MU, MESSAGE_SIGMA))
        trailer = f"Refs: ML-{number}"
        room = length - len(subject) - len(trailer) - 4
        if room > 20:
            subject += f"\n\n{_prose(rng, room)}\n\n{trailer}"
        return subject.encode() + b"\n"

    def _header(self, ref: str, number: int, message: bytes) -> list[bytes]:
        rng = self.rng
        self.mark += 1
        if rng.random() < 0.01:
            name, email = "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"
        else:
            name, email = self.identities[rng.randrange(len(self.identities))]
        when = f"{START + number * 3000 + rng.randrange(2000)} {rng.choice(OFFSETS)}"
        who = f"{name} <{email}> {when}".encode()
        return [
            f"commit {ref}".encode(),
            b"mark :%d" % self.mark,
            b"author " + who,
            b"committer " + who,
            b"data %d" % len(message),
            message,
        ]

    def _write(self, tree: dict[str, int], path: str) -> list[bytes]:
        self.version += 1
        tree[path] = self.version
        body = _content(path, self.version)
        return [f"M 100644 inline {path}".encode(), b"data %d" % len(body), body]

    def _changes(self, tree: dict[str, int], branch: bool) -> list[bytes]:
        rng = self.rng
        ops: list[bytes] = []
        for _ in range(rng.randint(1, self.spec.max_files)):
            path = self._path()
            roll = rng.random()
            if not branch and path in tree and roll < self.spec.rename_rate:
                target = self._path()
                if target not in tree and target != path:
                    ops.append(f"R {path} {target}".encode())
                    tree[target] = tree.pop(path)
                    continue
            if not branch and path in tree and roll < 0.05:
                ops.append(f"D {path}".encode())
                del tree[path]
                continue
            ops += self._write(tree, path)
        return ops

    def _commit(self, number: int, *, on_branch: bool) -> bytes:
        message = self._message(number)
        if on_branch:
            assert self.branch is not None
            lines = self._header("refs/heads/feature", number, message)
            if self.branch_fresh:  # a new feature branch starts at main's tip
                lines.append(b"from :%d" % self.main_tip)
                self.branch_fresh = False
            lines += self._changes(self.branch, branch=True)
            self.branch_tip = self.mark
            self.branch_left -= 1
        else:
            lines = self._header("refs/heads/main", number, message)
            lines += self._changes(self.main, branch=False)
            self.main_tip = self.mark
        return b"\n".join(lines) + b"\n\n"

    def _merge(self, number: int) -> bytes:
        assert self.branch is not None
        message = f"Merge branch 'feature-{number}'\n".encode()
        lines = self._header("refs/heads/main", number, message)
        lines += [b"merge :%d" % self.branch_tip]
        for path, version in sorted(self.branch.items()):
            # the merged tree: main's files plus what the branch wrote
            self.main[path] = version
            body = _content(path, version)
            lines += [f"M 100644 inline {path}".encode(), b"data %d" % len(body), body]
        self.main_tip = self.mark
        self.branch = None
        return b"\n".join(lines) + b"\n\n"


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    return env


def generate(dest: Path, spec: HistorySpec) -> Path:
    """Build the history of ``spec`` as a new repository at ``dest`` (main checked out)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=dest, env=git_env(), check=True)
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE, cwd=dest, env=git_env()
    )
    assert process.stdin is not None
    for block in _Generator(spec).stream():
        process.stdin.write(block)
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError(f"git fast-import failed for {spec.name}")
    subprocess.run([*git, "checkout", "-q", "-f", "main"], cwd=dest, env=git_env(), check=True)
    return dest


def ensure_history(spec: HistorySpec, work: Path = WORK) -> Path:
    """The repository of ``spec`` under ``work``, built once and reused afterwards."""
    dest = work / spec.name
    done = dest / ".git" / "miner-bench-complete"
    if not done.exists():
        generate(dest, spec)
        done.write_text("built\n")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-files", type=int, default=5)
    parser.add_argument("--merge-rate", type=float, default=0.03)
    parser.add_argument("--rename-rate", type=float, default=0.03)
    args = parser.parse_args(argv)
    spec = HistorySpec(args.commits, args.seed, args.max_files, args.merge_rate, args.rename_rate)
    start = time.perf_counter()
    generate(args.dest, spec)
    print(f"{spec.name}: built in {time.perf_counter() - start:.1f} s at {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
