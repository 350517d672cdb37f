"""Classification: literal commits in, literal scores, shares, labels and evidence out."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from miner.classify.classifier import Classifier, classify
from miner.classify.records import Classification, Evidence
from miner.cli import main
from miner.history.records import CommitRecord, FileChange
from miner.rules.defaults import default_rules_text
from miner.rules.load import load_rules, rules_from_text
from miner.rules.model import Rules

RULES = r"""
version: 1
phases: [alpha, beta, gamma]
settings: {min_share: 0.25}
ignore: ["*.lock"]
rules:
  - {id: a.path, phase: alpha, weight: 2, paths: ["src/a/"]}
  - {id: a.weak, phase: alpha, weight: 1, paths: ["*.py"]}
  - {id: a.msg, phase: alpha, weight: 2, message: '\balpha\b'}
  - {id: b.path, phase: beta, weight: 3, paths: ["data/"]}
  - {id: b.msg, phase: beta, weight: 1, message: '\bdata\b'}
  - {id: g.msg, phase: gamma, weight: 2, message: '\bfix\b'}
reasons:
  - {id: bug_fix, message: '\bfix'}
  - {id: refactor, message: '\brefactor'}
noise:
  - {id: noise.typo, message: '^fix typo'}
"""


@pytest.fixture(scope="module")
def rules() -> Rules:
    return rules_from_text(RULES, source="test")


def run(rules: Rules, message: str, *paths: str) -> Classification:
    return Classifier(rules).classify(message, [FileChange(p, "M") for p in paths])


def test_only_the_strongest_path_rule_of_a_phase_counts(rules: Rules) -> None:
    result = run(rules, "add it", "src/a/x.py")
    assert result == Classification(
        primary="alpha",
        labels=("alpha",),
        shares={"alpha": 1.0},
        evidence=(Evidence("a.path", "alpha", "path", "src/a/x.py", 2.0),),
        reasons=(),
        source="rules",
    )


def test_path_votes_are_normalised_by_the_files_that_matched(rules: Rules) -> None:
    result = run(rules, "update data", "src/a/x.py", "data/1.csv", "data/2.csv", "README")
    # 3 files matched a path rule: alpha 2/3, beta (3 + 3)/3 = 2, plus the message rule 1.
    assert result.evidence == (
        Evidence("a.path", "alpha", "path", "src/a/x.py", 2 / 3),
        Evidence("b.path", "beta", "path", "data/1.csv (+1 more)", 2.0),
        Evidence("b.msg", "beta", "message", "data", 1.0),
    )
    assert result.shares == {"alpha": (2 / 3) / (11 / 3), "beta": 3 / (11 / 3)}
    assert result.primary == "beta"
    assert result.labels == ("beta",)  # alpha's share 0.18 < 0.25


def test_thousands_of_data_files_do_not_drown_the_message(rules: Rules) -> None:
    files = [f"data/{n}.csv" for n in range(5000)]
    result = run(rules, "fix the loader", *files)
    assert result.evidence[0] == Evidence("b.path", "beta", "path", "data/0.csv (+4999 more)", 3.0)
    assert result.shares == {"beta": 0.6, "gamma": 0.4}
    assert result.labels == ("beta", "gamma")


def test_ignored_paths_contribute_nothing(rules: Rules) -> None:
    result = run(rules, "update", "poetry.lock", "data/poetry.lock")
    assert result == Classification(None, (), {}, (), (), "none")
    assert not result.classified


def test_a_tie_goes_to_the_subject_over_a_path_and_says_so(rules: Rules) -> None:
    result = run(rules, "fix", "src/a/y.py")
    assert result.shares == {"alpha": 0.5, "gamma": 0.5}
    assert result.primary == "gamma"
    assert result.labels == ("gamma", "alpha")
    assert result.evidence[-1] == Evidence(
        "tie-break",
        "gamma",
        "tie",
        "alpha 2 = gamma 2: settled by the stronger subject evidence",
        0.0,
    )


def test_a_tie_goes_to_a_path_over_body_prose(rules: Rules) -> None:
    classifier = Classifier(rules, body_weight=1.5)  # body "alpha": 2 x 1.5 = beta's path 3
    result = classifier.classify("update\n\nalpha", [FileChange("data/x.csv", "M")])
    assert result.primary == "beta"
    assert result.evidence[-1].match == ("alpha 3 = beta 3: settled by the stronger path evidence")


def test_body_matches_share_a_bounded_weight(rules: Rules) -> None:
    # Subject silent; body names alpha and data: each gets 2 x 0.5 / 2 and 1 x 0.5 / 2.
    result = run(rules, "update\n\nalpha and data", "README")
    assert [(e.rule, e.kind, e.weight) for e in result.evidence] == [
        ("a.msg", "body", 0.5),
        ("b.msg", "body", 0.25),
    ]


def test_boilerplate_and_deep_body_lines_carry_nothing(rules: Rules) -> None:
    body = "\n".join(["## Checklist", "- [x] alpha", "```", "alpha", "```", "> alpha"])
    body += "\nSigned-off-by: alpha <a@b.c>\nsee https://alpha.example/data\n"
    body += "\n".join(["filler"] * 12) + "\nalpha"
    assert run(rules, f"update\n\n{body}", "README").primary is None


def test_tie_between_message_rules_goes_to_canonical_order(rules: Rules) -> None:
    result = run(rules, "fix alpha")
    assert result.primary == "alpha"
    assert result.labels == ("alpha", "gamma")
    assert result.reasons == ("bug_fix",)
    assert result.evidence[-1].match == (
        "alpha 2 = gamma 2: settled by canonical order (evidence of every kind equal)"
    )


def test_primary_comes_first_then_canonical_order(rules: Rules) -> None:
    result = run(rules, "fix the alpha data", "data/x.csv")
    # alpha 2 (message), beta 3 (path) + 1 (message), gamma 2 (message)
    assert result.primary == "beta"
    assert result.labels == ("beta", "alpha", "gamma")
    assert list(result.shares) == ["alpha", "beta", "gamma"]


def test_a_share_equal_to_min_share_is_a_label(rules: Rules) -> None:
    result = run(rules, "fix", "data/x.csv", "data/y.csv", "src/a/z.py")
    # alpha 2/3, beta 2, gamma 2: total 14/3, alpha's share = 1/7 ; gamma's = 3/7 ; the tie
    # beta = gamma goes to gamma's subject evidence
    assert result.labels == ("gamma", "beta")
    exact = run(rules, "data", "src/a/x.py", "data/x.csv")  # alpha 1, beta 1.5 + 1
    assert exact.shares == {"alpha": 1 / 3.5, "beta": 2.5 / 3.5}
    assert exact.labels == ("beta", "alpha")


def test_renames_match_on_the_new_path(rules: Rules) -> None:
    change = FileChange("src/a/x.py", "R", old_path="data/x.csv")
    result = Classifier(rules).classify("move", [change])
    assert result.labels == ("alpha",)


def test_deletions_count_like_other_changes(rules: Rules) -> None:
    result = Classifier(rules).classify("drop", [FileChange("data/x.csv", "D")])
    assert result.primary == "beta"


def test_noise_leaves_the_commit_unclassified_with_its_reason(rules: Rules) -> None:
    result = run(rules, "fix typo in alpha", "src/a/x.py")
    assert result.primary is None
    assert result.evidence == (Evidence("noise.typo", "", "noise", "fix typo", 0.0),)
    assert result.source == "none"
    assert result.reasons == ("bug_fix",)


def test_trailer_overrides_the_rules_and_warns_about_unknown_ids(rules: Rules) -> None:
    message = "tweak data\n\nBody.\n\nMLOps-Phase: gamma, nope, beta\nSigned-off-by: A <a@b>"
    result = run(rules, message, "data/x.csv")
    assert result == Classification(
        primary="gamma",
        labels=("gamma", "beta"),
        shares={"beta": 0.5, "gamma": 0.5},
        evidence=(
            Evidence("MLOps-Phase", "beta", "trailer", "gamma, nope, beta", 1.0),
            Evidence("MLOps-Phase", "gamma", "trailer", "gamma, nope, beta", 1.0),
        ),
        reasons=(),
        source="trailer",
        warnings=("unknown phase 'nope' in MLOps-Phase trailer ignored",),
    )


def test_a_trailer_with_no_known_phase_falls_back_to_the_rules(rules: Rules) -> None:
    result = run(rules, "tweak\n\nmlops-phase: nope", "data/x.csv")
    assert result.primary == "beta"
    assert result.source == "rules"
    assert result.warnings == ("unknown phase 'nope' in MLOps-Phase trailer ignored",)


def test_trailers_are_not_matched_by_message_rules(rules: Rules) -> None:
    result = run(rules, "tweak\n\nReviewed-by: alpha data fix")
    assert result.primary is None


def test_reason_trailer_overrides_the_computed_reasons(rules: Rules) -> None:
    result = run(rules, "fix it\n\nMLOps-Reason: refactor, other", "src/a/x.py")
    assert result.reasons == ("refactor",)
    assert result.warnings == ("unknown reason 'other' in MLOps-Reason trailer ignored",)
    assert run(rules, "fix it\n\nMLOps-Reason: other").reasons == ("bug_fix",)


def test_comment_lines_are_not_part_of_the_message(rules: Rules) -> None:
    assert run(rules, "tweak\n# fix data").primary is None


def test_module_level_classify_uses_the_commit(rules: Rules) -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    commit = CommitRecord("a" * 40, (), "A", "a@b", when, when, "fix", (FileChange("data/x", "A"),))
    assert classify(commit, rules).labels == ("beta", "gamma")


# ----------------------------------------------------------------------- default rules

DEFAULT_CASES = [
    ("Bump requests from 2.22.0 to 2.23.0", ["requirements.txt"], "management"),
    ("feat: add login page", ["requirements.txt"], "management"),
    ("feat(api): add predict endpoint", ["src/serving/app.py"], "model_deployment"),
    ("add dbt staging models", ["models/staging/stg_orders.sql"], "data_preparation"),
    ("update data", ["data/raw/train.csv.dvc"], "data_acquisition"),
    ("update tracked files", ["models/model.pkl.dvc"], "model_development"),
    ("update data", ["data.dvc"], "management"),
    ("expose prometheus metrics for the API", ["monitoring/metrics.py"], "monitoring"),
    ("perf: speed up feature computation", ["src/features/build.py"], "scalability"),
    ("improve model performance with more epochs", ["src/models/train.py"], "model_development"),
    ("Fix typo in README", ["README.md"], None),
    ("Update README.md", ["README.md"], None),
    ("docs: fix broken links", ["docs/index.md"], None),
    ("Add LICENSE", ["LICENSE"], "governance_compliance"),
    ("Add drift report with Evidently", ["monitoring/drift.py"], "monitoring"),
    ("download raw data from the API", ["src/data/download.py"], "data_acquisition"),
    ("clean missing values", ["notebooks/02-eda.ipynb"], "data_preparation"),
]


@pytest.mark.parametrize(("message", "paths", "expected"), DEFAULT_CASES)
def test_default_rules_handle_the_known_collisions(
    message: str, paths: list[str], expected: str | None
) -> None:
    assert run(load_rules(), message, *paths).primary == expected


# ----------------------------------------------------------------------- property

VOCABULARY = [
    "src/models/train.py", "data/raw/x.csv", "notebooks/eda.ipynb", "Dockerfile",
    "monitoring/drift.py", "requirements.txt", "LICENSE", "README.md", "dvc.yaml",
    "src/serving/api.py", "tests/test_train.py", "poetry.lock", "docs/index.md",
]  # fmt: skip
MESSAGES = [
    "fix training loss", "bump numpy", "deploy the api", "add drift alert", "update readme",
    "speed up preprocessing", "clean data and retrain", "chore: lint", "initial commit",
]  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    message=st.sampled_from(MESSAGES),
    paths=st.lists(st.sampled_from(VOCABULARY), max_size=6, unique=True),
)
def test_classification_does_not_depend_on_rule_order(
    seed: int, message: str, paths: list[str]
) -> None:
    document: dict[str, Any] = yaml.safe_load(default_rules_text())
    shuffled = dict(
        document, rules=random.Random(seed).sample(document["rules"], len(document["rules"]))
    )
    permuted = rules_from_text(yaml.safe_dump(shuffled), source="shuffled")
    assert run(permuted, message, *paths) == run(load_rules(), message, *paths)
    assert permuted.digest == load_rules().digest


# ----------------------------------------------------------------------- CLI


def test_classify_command_reads_and_writes_json_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES, encoding="utf-8")
    lines = [
        {"id": 1, "message": "fix", "paths": ["src/a/x.py"]},
        {"id": "b", "message": "x", "paths": [{"path": "data/y", "status": "R", "old_path": "q"}]},
        {"id": 3, "message": "nothing"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    assert main(["classify", "--rules", str(rules_file)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0] == {
        "id": 1,
        "primary": "gamma",
        "labels": ["gamma", "alpha"],
        "shares": {"alpha": 0.5, "gamma": 0.5},
        "evidence": [
            {
                "rule": "a.path",
                "phase": "alpha",
                "kind": "path",
                "match": "src/a/x.py",
                "weight": 2.0,
            },
            {"rule": "g.msg", "phase": "gamma", "kind": "message", "match": "fix", "weight": 2.0},
            {
                "rule": "tie-break",
                "phase": "gamma",
                "kind": "tie",
                "match": "alpha 2 = gamma 2: settled by the stronger subject evidence",
                "weight": 0.0,
            },
        ],
        "reasons": ["bug_fix"],
        "source": "rules",
        "warnings": [],
    }
    assert (out[1]["id"], out[1]["primary"]) == ("b", "beta")
    assert (out[2]["primary"], out[2]["labels"], out[2]["evidence"]) == ("unclassified", [], [])


def test_classify_command_rejects_bad_json_with_its_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": 1}\n\n{oops\n'))
    assert main(["classify"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "miner: error: <stdin>: line 3: invalid JSON: Expecting property name enclosed in "
        "double quotes\n"
    )


# ------------------------------------------------------ default rules: conventions, not commits

# (message, paths, expected primary, expected labels)
CONVENTION_CASES = [
    # a detect-secrets baseline is a security file, not a model baseline
    ("Update detect-secrets baseline", [".secrets.baseline"], "governance_compliance",
     ("governance_compliance",)),
    # metrics/scores JSON of a Grafana dashboard is monitoring, not DVC model metrics
    ("Add score panel", ["monitoring/grafana/dashboards/scores.json"], "monitoring",
     ("monitoring",)),
    # a notebook named by its topic votes for that topic only
    ("Add notebook", ["notebooks/01-eda.ipynb"], "data_preparation", ("data_preparation",)),
    ("Add notebook", ["notebooks/02-clean.ipynb"], "data_preparation", ("data_preparation",)),
    ("Add notebook", ["notebooks/05-deploy.ipynb"], "model_deployment", ("model_deployment",)),
    ("Add notebook", ["notebooks/scratch.ipynb"], "model_development", ("model_development",)),
    # cookiecutter-data-science: download scripts under src/data are acquisition only,
    # make_dataset is acquisition + preparation, predict_model is model development
    ("Add script", ["src/data/download_raw.py"], "data_acquisition", ("data_acquisition",)),
    ("Add script", ["src/data/make_dataset.py"], "data_acquisition",
     ("data_acquisition", "data_preparation")),
    ("Add script", ["src/models/predict_model.py"], "model_development",
     ("model_development",)),
    ("Add script", ["src/models/train_model.py"], "model_development", ("model_development",)),
    # a package named after the prediction task is not serving code
    ("Add protocol", ["taxi_duration_prediction/models.py"], "model_development",
     ("model_development",)),
    # a deploy workflow is deployment; a CI-worded message adds management
    ("Update deploy.yml", [".github/workflows/deploy.yml"], "model_deployment",
     ("model_deployment",)),
    ("Add deploy workflow", [".github/workflows/deploy.yml"], "model_deployment",
     ("model_deployment", "management")),
    # tests take the phase of the component under test (guideline), with management beside
    ("Add tests", ["tests/test_features.py"], "data_preparation",
     ("data_preparation", "management")),
    # requirements documents are problem definition; requirements files are management
    ("Write the requirements document", ["docs/notes.md"], "problem_definition",
     ("problem_definition",)),
    ("Gather requirements from the retention team", ["docs/notes.md"], "problem_definition",
     ("problem_definition",)),
    ("Bump requirements", ["requirements.txt"], "management", ("management",)),
    # a drift alert as the cause of retraining is a reason, not monitoring work
    ("Retrain after the drift alert", ["src/models/train.py"], "model_development",
     ("model_development",)),
    # ORM models of a web app are app code
    ("Add user model", ["app/models/user.py"], "model_deployment", ("model_deployment",)),
]  # fmt: skip


@pytest.mark.parametrize(("message", "paths", "primary", "labels"), CONVENTION_CASES)
def test_default_rules_follow_the_conventions(
    message: str, paths: list[str], primary: str, labels: tuple[str, ...]
) -> None:
    result = run(load_rules(), message, *paths)
    assert (result.primary, result.labels) == (primary, labels)


REASON_CASES = [
    ("Fit a logistic regression baseline", ["src/models/train.py"], ()),
    ("Calibrate scores with isotonic regression", ["src/models/calibrate.py"], ()),
    ("Fix regression in the scoring endpoint", ["serving/app.py"], ("bug_fix",)),
    ("Retrain after the drift alert", ["src/models/train.py"], ("drift",)),
    ("Write the requirements document", ["docs/notes.md"], ()),
    ("Bump requirements", ["requirements.txt"], ("dependency_update",)),
]  # fmt: skip


@pytest.mark.parametrize(("message", "paths", "reasons"), REASON_CASES)
def test_default_reasons_follow_the_conventions(
    message: str, paths: list[str], reasons: tuple[str, ...]
) -> None:
    assert run(load_rules(), message, *paths).reasons == reasons


# the named collisions and conventions beyond the fixture project
MORE_CONVENTION_CASES = [
    # `feat:` and new product features are not feature engineering
    ("feat: add new features to the web app", ["app/main.py"], "model_deployment",
     ("model_deployment",)),
    # performance of a model is accuracy, performance of code is speed
    ("Performance improvement of the model", ["src/models/train.py"], "model_development",
     ("model_development",)),
    ("Performance improvement of the data loader", ["src/data/loader.py"], "scalability",
     ("scalability", "data_preparation")),
    # dbt models are SQL transformations, with their schema YAML
    ("Add dbt schema", ["models/staging/schema.yml"], "data_preparation", ("data_preparation",)),
    # Kedro's data_processing pipeline: orchestration plus the step's phase
    ("Add Kedro pipeline", ["src/proj/pipelines/data_processing/nodes.py"], "management",
     ("management", "data_preparation")),
    # secret scanners are security; model metrics named in the message are model work
    ("Add gitleaks config", [".gitleaks.toml"], "governance_compliance",
     ("governance_compliance",)),
    ("Add evaluation metrics", ["src/metrics.py"], "model_development", ("model_development",)),
    # an image for training jobs is not the serving image
    ("Add image", ["docker/train.Dockerfile"], "model_development", ("model_development",)),
    # "comments" filtering is data work; code comments are maintenance
    ("Add stars and comments filtering", ["preprocessing/filtering.py"], "data_preparation",
     ("data_preparation",)),
    ("Add comments", ["preprocessing/filtering.py"], "management",
     ("management", "data_preparation")),
    # a pip constraints file is a dependency file, not training code
    ("Update constraints", ["constraints.txt"], "management", ("management",)),
]  # fmt: skip


@pytest.mark.parametrize(("message", "paths", "primary", "labels"), MORE_CONVENTION_CASES)
def test_default_rules_handle_the_named_collisions(
    message: str, paths: list[str], primary: str, labels: tuple[str, ...]
) -> None:
    result = run(load_rules(), message, *paths)
    assert (result.primary, result.labels) == (primary, labels)


def test_model_performance_is_not_a_scaling_need() -> None:
    result = run(load_rules(), "Improve model performance", "src/models/train.py")
    assert result.reasons == ("model_performance",)


def test_known_path_votes_classify_like_fresh_ones(rules: Rules) -> None:
    files = [FileChange("src/models/train.py", "M"), FileChange("uv.lock", "M")]
    learnt = Classifier(rules)
    fresh = learnt.classify("Tune the model", files)
    seeded = Classifier(rules, known_paths=learnt.path_votes())
    assert seeded.classify("Tune the model", files) == fresh
    assert seeded.path_votes() == learnt.path_votes()
    assert learnt.path_votes()["uv.lock"] is None  # ignored paths are remembered as such


def test_raw_data_files_are_acquisition_not_preparation() -> None:
    files = [FileChange(f"data/raw/part-{i}.csv", "A") for i in range(3)]
    result = Classifier(load_rules()).classify("Add the January export", files)
    assert (result.primary, result.labels) == ("data_acquisition", ("data_acquisition",))
