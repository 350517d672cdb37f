"""Classification throughput: commits per second on realistic synthetic ML-project commits.

    python benchmarks/bench_classify.py [--commits 100000] [--seed 7] [--unique-messages 0.5]

The commits are deterministic from the seed: 1-8 files drawn from an ML project layout
(data/, notebooks/, src/models/, serving, monitoring, CI, docs ...) and messages from typical
templates; ``--unique-messages`` is the fraction whose message carries a unique number (as real
histories do: ticket ids, versions), so the per-message cache does not flatter the result.
Prints one line per run and the median. Issue 6 asks for >= 200,000 commits/s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from miner.classify.classifier import Classifier
from miner.history.records import FileChange
from miner.rules.load import load_rules

FOLDERS = [
    "data/raw", "data/processed", "notebooks", "src/data", "src/features", "src/models",
    "src/serving", "src/monitoring", "src/pipelines", "tests", "docs", "deploy/k8s",
    ".github/workflows", "configs", "scripts", "app",
]  # fmt: skip
FILES = [
    "download.py", "clean.py", "build_features.py", "train.py", "evaluate.py", "predict.py",
    "api.py", "drift.py", "dashboard.json", "pipeline.py", "utils.py", "README.md",
    "params.yaml", "test_train.py", "ci.yml", "Dockerfile", "01-eda.ipynb", "model.pkl",
    "schema.py", "settings.py",
]  # fmt: skip
ROOT_FILES = ["requirements.txt", "pyproject.toml", "dvc.yaml", "LICENSE", "Makefile", "uv.lock"]
MESSAGES = [
    "fix training loop", "Bump numpy from 1.{n}.0 to 1.{m}.0", "add drift alerting",
    "feat(api): add predict endpoint", "refactor data loading", "update README",
    "clean missing values in raw data", "tune hyperparameters for run {n}", "chore: lint",
    "deploy model v{n} to production", "speed up preprocessing with multiprocessing",
    "Merge pull request #{n} from team/branch", "docs: fix broken links", "WIP",
    "add evaluation metrics (#{n})", "download new data snapshot {n}",
]  # fmt: skip


def synthetic_commits(count: int, seed: int, unique: float) -> list[tuple[str, list[FileChange]]]:
    rng = random.Random(seed)
    paths = [f"{folder}/{name}" for folder in FOLDERS for name in FILES] + ROOT_FILES
    commits = []
    for _ in range(count):
        template = rng.choice(MESSAGES)
        n = rng.randrange(10_000_000) if rng.random() < unique else rng.randrange(20)
        message = template.format(n=n, m=n + 1)
        files = [FileChange(p, rng.choice("AMMMD")) for p in rng.sample(paths, rng.randint(1, 8))]
        commits.append((message, files))
    return commits


def measure(commits: list[tuple[str, list[FileChange]]]) -> float:
    classifier = Classifier(load_rules())  # a fresh classifier: caches start empty
    start = time.perf_counter()
    for message, files in commits:
        classifier.classify(message, files)
    return len(commits) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--unique-messages", type=float, default=0.5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    commits = synthetic_commits(args.commits, args.seed, args.unique_messages)
    rates = []
    for run in range(1, args.runs + 1):
        rates.append(measure(commits))
        print(f"run {run}: {rates[-1]:,.0f} commits/s")
    print(
        f"classification: {statistics.median(rates):,.0f} commits/s (median of {args.runs}; "
        f"{args.commits:,} commits, {args.unique_messages:.0%} unique messages)"
    )


if __name__ == "__main__":
    main()
