"""What the change does: content evidence from the added and removed lines of a commit.

Read only for commits whose message and paths do not decide
(:func:`miner.classify.prior.is_confident` is false), with ``analyze --content`` for a history
(one streamed ``git diff-tree --stdin`` for all of them,
:func:`miner.history.log.iter_diff_lines`, at most :data:`MAX_BYTES_PER_FILE` per file) and by
default in the commit hook (the staged diff is local).

Content rules match the changed lines of the files their glob selects: imports of training,
serving, monitoring, data and orchestration libraries; Dockerfile instructions; Kubernetes
kinds; CI steps that push images or deploy; headings of changed README/docs. Like the body
prose, all content evidence of a commit together weighs at most :data:`CONTENT_WEIGHT` times
its strongest rule (each matched rule counts once). The patterns are linear-time (RE2-safe:
no look-around, no backreferences) and go through the same matcher as message rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from miner.classify.prior import is_confident
from miner.classify.records import Classification, Evidence
from miner.classify.scoring import with_evidence
from miner.history.diff import parse_diff_lines
from miner.rules.engine import matcher_for
from miner.rules.globs import glob_to_regex
from miner.rules.model import MessageRule, Rules, message_flags

MAX_BYTES_PER_FILE = 8192
# Data files, which can be huge and no content rule reads: git does not diff them at all. (Each
# pattern costs git a pathspec match per changed file, so the list stays short: measured on a
# 12k-commit history with small files, 10 patterns doubled the diff time, 3 cost 5-25 %.)
SKIPPED_FILES = ("*.csv", "*.tsv", "*.parquet", "*.jsonl")
CONTENT_WEIGHT = 1.0

_PY = ("*.py", "*.ipynb")
_DOCKER = ("Dockerfile*", "*.dockerfile", "docker-compose*", "compose.y*ml")
_YAML = ("*.yaml", "*.yml")
_CI = (
    ".github/workflows/",
    ".gitlab-ci.yml",
    ".gitlab/",
    ".circleci/",
    "Jenkinsfile",
    "azure-pipelines*",
    ".azuredevops/",
    "cloudbuild*.y*ml",
)
_DOCS = ("*.md", "*.rst")
_IMPORT = r'(?m)^\s*"?\s*(from|import)\s+'

# (id, phase, weight, file globs, pattern over the changed lines, lowercased)
_TABLE: tuple[tuple[str, str, float, tuple[str, ...], str], ...] = (
    (
        "content.import.training",
        "model_development",
        2,
        _PY,
        _IMPORT + r"(torch|tensorflow|keras|sklearn|xgboost|lightgbm|catboost|transformers|"
        r"pytorch_lightning|lightning|jax|flax|optuna|timm|peft|trl)\b",
    ),
    (
        "content.import.llm",
        "model_development",
        2,
        _PY,
        _IMPORT + r"(openai|anthropic|langchain\w*|llama_index|litellm|dspy|guidance)\b",
    ),
    (
        "content.import.serving",
        "model_deployment",
        2,
        _PY,
        _IMPORT + r"(fastapi|flask|uvicorn|gunicorn|bentoml|starlette|grpc|django|streamlit|"
        r"gradio|kserve|seldon_core|tritonclient|onnxruntime|ray\.serve|celery|rq)\b",
    ),
    (
        "content.import.monitoring",
        "monitoring",
        2,
        _PY,
        _IMPORT + r"(evidently|whylogs|prometheus_client|alibi_detect|nannyml|deepchecks|"
        r"sentry_sdk|opentelemetry)\b",
    ),
    (
        "content.import.acquisition",
        "data_acquisition",
        1.5,
        _PY,
        _IMPORT + r"(requests|httpx|scrapy|bs4|kaggle|boto3|gcsfs|s3fs|tweepy|praw|"
        r"google\.cloud\.(storage|bigquery))\b",
    ),
    (
        "content.import.preparation",
        "data_preparation",
        1.5,
        _PY,
        _IMPORT + r"(great_expectations|pandera|albumentations|nltk|spacy|"
        r"sklearn\.(preprocessing|impute|feature_extraction|model_selection))\b",
    ),
    (
        "content.import.orchestration",
        "management",
        1.5,
        _PY,
        _IMPORT + r"(mlflow|prefect|airflow|dagster|kfp|zenml|wandb|dvc|hydra|omegaconf)\b",
    ),
    (
        "content.docker.serving",
        "model_deployment",
        2,
        _DOCKER,
        r"(?m)^\s*(expose\s+\d|healthcheck\s|(cmd|entrypoint)\b.*(uvicorn|gunicorn|serve|"
        r"streamlit|gradio|flask|app\.py|api))",
    ),
    (
        "content.docker.environment",
        "management",
        1,
        _DOCKER,
        r"(?m)^\s*(from|run|env|workdir|copy|arg)\s",
    ),
    (
        "content.k8s.serving",
        "model_deployment",
        2,
        _YAML,
        r"(?m)^\s*kind:\s*(deployment|service|ingress|statefulset|certificate|ingressroute|"
        r"inferenceservice|seldondeployment|knative\w*|route)\s*$",
    ),
    (
        "content.k8s.scaling",
        "scalability",
        2,
        _YAML,
        r"(?m)^\s*(kind:\s*horizontalpodautoscaler|replicas:\s*\d|nvidia\.com/gpu|"
        r"(min|max)replicas:|instance_type:|machine_type:|vm_size:)",
    ),
    (
        "content.k8s.security",
        "governance_compliance",
        2,
        _YAML,
        r"(?m)^\s*(kind:\s*(role|rolebinding|clusterrole|clusterrolebinding|networkpolicy|"
        r"podsecuritypolicy)\s*$|seccompprofile:|runasnonroot:|readonlyrootfilesystem:)",
    ),
    (
        "content.k8s.monitoring",
        "monitoring",
        2,
        _YAML,
        r"(?m)^\s*kind:\s*(servicemonitor|podmonitor|prometheusrule|grafanadashboard)\s*$",
    ),
    (
        "content.ci.deploy",
        "model_deployment",
        2,
        _CI,
        r"(docker push|docker/build-push-action|push:\s*true|kubectl (apply|set image|rollout)|"
        r"helm (upgrade|install)|gcloud run deploy|gcloud app deploy|lambda update-function-code|"
        r"online-deployment|serverless deploy|fly deploy|sam deploy|cdk deploy)",
    ),
    (
        "content.ci.check",
        "management",
        1,
        _CI,
        r"\b(pytest|ruff|flake8|mypy|pylint|black|pre-commit|tox|nox|coverage)\b",
    ),
    (
        "content.docs.problem",
        "problem_definition",
        2,
        _DOCS,
        r"(?m)^#+\s*(goals?|objectives?|motivation|problem( statement)?|purpose|roadmap|scope|"
        r"use cases?|background|business\w*)\b",
    ),
    (
        "content.docs.setup",
        "management",
        1.5,
        _DOCS,
        r"(?m)^#+\s*(install\w*|setup|set up|getting started|quick ?start|usage|contribut\w*|"
        r"development|prerequisites|requirements|configuration)\b",
    ),
    (
        "content.docs.deployment",
        "model_deployment",
        2,
        _DOCS,
        r"(?m)^#+\s*(deploy\w*|serving|api|docker\w*|kubernetes|inference|endpoints?)\b",
    ),
    (
        "content.docs.monitoring",
        "monitoring",
        2,
        _DOCS,
        r"(?m)^#+\s*(monitor\w*|drift|alert\w*|dashboards?|observability)\b",
    ),
    (
        "content.docs.model",
        "model_development",
        1.5,
        _DOCS,
        r"(?m)^#+\s*(train\w*|models?|evaluation|results|experiments?|fine-?tun\w*)\b",
    ),
    (
        "content.docs.data",
        "data_acquisition",
        1.5,
        _DOCS,
        r"(?m)^#+\s*(data ?sets?|data sources?|download\w*|data collection)\b",
    ),
    (
        "content.docs.governance",
        "governance_compliance",
        2,
        _DOCS,
        r"(?m)^#+\s*(licen[cs]e|security|privacy|responsible ai|model card)\b",
    ),
)


@dataclass(frozen=True, slots=True)
class ContentRule:
    """A message-style rule over the changed lines of the files ``globs`` select."""

    rule: MessageRule
    globs: tuple[str, ...]
    regex: str  # one alternation of the globs, matched with fullmatch

    def selects(self, path: str) -> bool:
        return _glob(self.regex).fullmatch(path) is not None


@cache
def _glob(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def content_rules(rules: Rules) -> tuple[ContentRule, ...]:
    """The content rules whose phase the rules define (a rules file may drop phases)."""
    known = set(rules.phases)
    return tuple(
        ContentRule(
            MessageRule(rule_id, phase, float(weight), pattern, message_flags(pattern)),
            globs,
            "|".join(f"(?:{glob_to_regex(glob)})" for glob in globs),
        )
        for rule_id, phase, weight, globs, pattern in _TABLE
        if phase in known
    )


def content_evidence(files: Mapping[str, bytes], rules: Sequence[ContentRule]) -> list[Evidence]:
    """Each content rule that matches a changed file's lines, once, in rule order; together
    they weigh at most CONTENT_WEIGHT times the strongest."""
    found: list[tuple[MessageRule, str]] = []
    for content_rule in rules:
        for path in sorted(files):
            if not content_rule.selects(path):
                continue
            text = files[path].decode("utf-8", "replace")
            hit = matcher_for((content_rule.rule,)).matches(text, text.lower())
            if hit:
                found.append((content_rule.rule, f"{path}: {hit[0][1][:80]}"))
                break
    share = CONTENT_WEIGHT / len(found) if found else 0.0
    return [
        Evidence(rule.id, rule.phase, "content", where, rule.weight * share)
        for rule, where in found
    ]


def needs_content(c: Classification) -> bool:
    """Only commits whose own message and paths do not decide are worth reading."""
    return not is_confident(c) and c.source in ("rules", "none") and not _is_noise(c)


def with_content(
    c: Classification, files: Mapping[str, bytes], rules: Rules, compiled: Sequence[ContentRule]
) -> Classification:
    """``c`` with the content evidence of its changed lines added (``c`` if none matched)."""
    evidence = content_evidence(files, compiled)
    if not evidence:
        return c
    return with_evidence(c, evidence, rules)


def apply_content(
    commits: Sequence[tuple[str, Classification]],
    diffs: Iterable[tuple[str, dict[str, bytes]]],
    rules: Rules,
) -> dict[str, Classification]:
    """The reclassified commits (sha -> classification) given their diffs."""
    compiled = content_rules(rules)
    by_sha = dict(commits)
    return {
        sha: with_content(by_sha[sha], files, rules, compiled)
        for sha, files in diffs
        if sha in by_sha
    }


def files_from_patch(patch: bytes, *, max_bytes: int = MAX_BYTES_PER_FILE) -> dict[str, bytes]:
    """The changed lines per file of one ``git diff -p -U0`` (e.g. the staged diff)."""
    lines = [b"\x1eminer-diff\x00staged\n", *patch.splitlines(keepends=True)]
    return next((files for _, files in parse_diff_lines(lines, max_bytes=max_bytes)), {})


def _is_noise(c: Classification) -> bool:
    return any(e.kind == "noise" for e in c.evidence)
