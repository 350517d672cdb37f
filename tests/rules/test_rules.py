"""Loading, merging and validating phase rules; every ConfigError with its exact one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from spec_phases import PHASES

from miner.cli import main
from miner.errors import ConfigError, UsageError
from miner.rules.defaults import default_rules_text
from miner.rules.globs import compile_glob, glob_to_regex
from miner.rules.load import check_rules_file, load_rules, rules_from_text
from miner.rules.resolve import REPOSITORY_RULES, resolve_rules


def write(folder: Path, text: str, name: str = "phase_rules.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------- globs

GLOBS = [
    ("*.ipynb", "notebooks/eda.ipynb", True),
    ("*.ipynb", "eda.ipynb", True),
    ("notebooks", "notebooks/eda.ipynb", True),  # a folder name anywhere
    ("notebooks", "src/notebooks/a/b.py", True),
    ("notebooks/", "notebooks", False),  # trailing '/': directories only
    ("notebooks/", "x/notebooks/a.py", True),
    ("src/models", "src/models/a.py", True),  # with '/': anchored at the root
    ("src/models", "lib/src/models/a.py", False),
    ("**/models/*.sql", "dbt/models/a.sql", True),
    ("**/models/*.sql", "models/a.sql", True),
    ("**/models/*.sql", "models/staging/a.sql", False),
    ("models/**/*.sql", "models/staging/deep/a.sql", True),
    ("a/**", "a/b/c", True),
    ("a/**", "a", False),
    ("data?.csv", "data1.csv", True),
    ("data?.csv", "data/1.csv", False),
    ("[!a]*.py", "b.py", True),
    ("[!a]*.py", "a.py", False),
    ("Dockerfile*", "deploy/dockerfile.gpu", True),  # case-insensitive
    ("*.md", "docs/a.md.txt", False),
    ("/setup.py", "setup.py", True),
    ("/setup.py", "pkg/setup.py", False),
]


@pytest.mark.parametrize(("glob", "path", "expected"), GLOBS)
def test_glob_semantics(glob: str, path: str, expected: bool) -> None:
    assert bool(re.fullmatch(glob_to_regex(glob), path, re.IGNORECASE)) is expected


@pytest.mark.parametrize(
    ("glob", "reason"),
    [
        ("[abc", "unterminated character class"),
        ("a//b", "empty path segment ('//')"),
        ("/", "empty pattern"),
        ("a\\", "trailing backslash"),
        ("[z-a]", "bad character class: bad character range z-a"),
    ],
)
def test_invalid_globs(glob: str, reason: str) -> None:
    with pytest.raises(ValueError) as error:
        glob_to_regex(glob)
    assert str(error.value) == reason


def test_compile_glob_for_command_line_options() -> None:
    assert compile_glob("src/", option="--include").match("src/a.py")
    assert not compile_glob("src/", option="--include").match("src/")
    with pytest.raises(UsageError) as error:
        compile_glob("[x", option="--exclude")
    assert str(error.value) == "--exclude: invalid glob '[x': unterminated character class"


# ----------------------------------------------------------------------- defaults


def test_default_rules_cover_the_nine_phases() -> None:
    rules = load_rules()
    assert rules.phases == PHASES
    assert rules.min_share == 0.25
    assert rules.source == "default"
    assert re.fullmatch("[0-9a-f]{64}", rules.digest)
    reachable = {r.phase for r in rules.path_rules} & {r.phase for r in rules.message_rules}
    assert reachable == set(PHASES)
    assert rules.phase_names["governance_compliance"] == "Governance & compliance"
    expected_reasons = {
        "bug_fix",
        "data_issue",
        "model_performance",
        "requirement_change",
        "drift",
        "scaling_need",
        "compliance",
        "refactor",
        "dependency_update",
    }
    assert expected_reasons <= set(rules.reason_ids)


def test_digest_is_stable_and_follows_the_content(tmp_path: Path) -> None:
    base = "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1, message: x}\n"
    first = rules_from_text(base, source="one")
    assert rules_from_text(base, source="two").digest == first.digest
    assert (
        rules_from_text(base.replace("weight: 1", "weight: 2"), source="x").digest != first.digest
    )
    assert first.with_min_share(0.5).digest != first.digest
    assert first.with_min_share(0.5).min_share == 0.5


def test_lookup_order(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".miner").mkdir(parents=True)
    assert resolve_rules(None, work_tree=repo).source == "default"
    write(repo / ".miner", "version: 1\nextends: default\nsettings: {min_share: 0.4}\n")
    assert resolve_rules(None, work_tree=repo).source == REPOSITORY_RULES
    assert resolve_rules(None, work_tree=repo).min_share == 0.4
    explicit = write(tmp_path, "version: 1\nphases: [only]\n", "mine.yaml")
    assert resolve_rules(explicit, work_tree=repo).phases == ("only",)


# ----------------------------------------------------------------------- extends


def test_extends_overrides_adds_and_disables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
extends: default
settings: {min_share: 0.3}
ignore: ["generated/"]
rules:
  - {id: deployment.docker, weight: 5}
  - {id: model.message, message: '\\bmodel\\b'}
  - {id: team.store, phase: data_preparation, weight: 2, paths: ["feature_store/"]}
disable: [model.artifacts, noise.links]
""",
    )
    rules = load_rules(path)
    by_id = {r.id: r for r in rules.path_rules}
    assert by_id["deployment.docker"].weight == 5.0
    assert by_id["deployment.docker"].globs[0] == "Dockerfile*"  # the rest kept from default
    assert by_id["team.store"].matches("feature_store/a.py")
    assert "model.artifacts" not in by_id
    assert [n.id for n in rules.noise] == ["noise.typo", "noise.course_logistics"]
    message = {r.id: r for r in rules.message_rules}["model.message"]
    assert message.pattern.pattern == "\\bmodel\\b"
    assert rules.min_share == 0.3
    assert rules.is_ignored("generated/x.py") and rules.is_ignored("poetry.lock")
    assert rules.document["rules"][-1]["id"] == "team.store"
    assert "extends" not in rules.document


def test_extends_may_rename_phases_when_rules_follow(tmp_path: Path) -> None:
    default = yaml.safe_load(default_rules_text())
    text = yaml.safe_dump(
        {
            "version": 1,
            "extends": "default",
            "phases": [p for p in PHASES if p != "scalability"],
            "disable": [r["id"] for r in default["rules"] if r["phase"] == "scalability"],
        }
    )
    rules = load_rules(write(tmp_path, text))
    assert "scalability" not in rules.phases
    assert all(r.phase != "scalability" for r in (*rules.path_rules, *rules.message_rules))


# ----------------------------------------------------------------------- errors


def config_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_rules(path)
    return str(error.value).replace(str(tmp_path) + "/", "")


ERRORS = [
    (
        "version: 1\nphases: [a, b]\nrules:\n  - id: x\n    phase: a\n   weight: 2\n",
        "phase_rules.yaml: line 6: invalid YAML: expected <block end>, but found "
        "'<block mapping start>'",
    ),
    ("- a\n", "phase_rules.yaml: top level: expected a mapping, got a list"),
    ("version: 2\nphases: [a]\n", "phase_rules.yaml: version: expected 1, got 2"),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1, paths: [x, y, '[ab']}\n",
        "phase_rules.yaml: rules[0].paths[2]: invalid glob '[ab': unterminated character class",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: b, weight: 1, message: x}\n",
        "phase_rules.yaml: rules[0].phase: unknown phase 'b'",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1, message: '(x'}\n",
        "phase_rules.yaml: rules[0].message: invalid regex '(x': missing ), unterminated "
        "subpattern",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1, message: '(\\w+)+!'}\n",
        "phase_rules.yaml: rules[0].message: regex '(\\\\w+)+!' has a nested quantifier "
        "(slow backtracking)",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 0, message: x}\n",
        "phase_rules.yaml: rules[0].weight: 0 is out of range (exclusiveMinimum 0)",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1, colour: x}\n",
        "phase_rules.yaml: rules[0]: unknown key(s) 'colour'",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1}\n",
        "phase_rules.yaml: rules[0]: needs exactly one of 'paths' or 'message'",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n  - {id: r, phase: a, weight: 1, paths: ['!x']}\n",
        "phase_rules.yaml: rules[0].paths: needs at least one glob that is not a '!' exclusion",
    ),
    (
        "version: 1\nphases: [a, a]\n",
        "phase_rules.yaml: phases[1]: duplicate id 'a'",
    ),
    (
        "version: 1\nphases: [a]\nrules:\n"
        f"  - {{id: r, phase: a, weight: 1, message: '{'x' * 2001}'}}\n",
        "phase_rules.yaml: rules[0].message: too long (2001 characters, at most 2000)",
    ),
    (
        "version: 1\nextends: default\ndisable: [no.such.rule]\n",
        "phase_rules.yaml: disable[0]: unknown rule id 'no.such.rule'",
    ),
    (
        "version: 1\nextends: default\nrules:\n  - {id: new.rule, weight: 1, paths: [x]}\n",
        "phase_rules.yaml: rules[0]: missing 'phase'",
    ),
    (
        "version: 1\nextends: default\nphases: [problem_definition]\n",
        "phase_rules.yaml: phases: default rule 'acquisition.paths' names dropped phase "
        "'data_acquisition' (disable the rule or give it another phase)",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_config_errors_are_one_line_with_the_key_path(
    tmp_path: Path, text: str, message: str
) -> None:
    assert config_error(tmp_path, text) == message


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load_rules(tmp_path / "nope.yaml")
    assert str(missing.value) == f"{tmp_path}/nope.yaml: cannot read rules file: no such file"
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError) as undecodable:
        load_rules(binary)
    assert (
        str(undecodable.value)
        == f"{binary}: cannot read rules file: not UTF-8 (invalid start byte)"
    )


def test_check_lists_every_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
version: 1
phases: [alpha, beta]
rules:
  - {id: r1, phase: alpha, weight: 1, paths: ["src/", "[abc"]}
  - {id: r2, phase: gamma, weight: 1, message: "ok"}
  - {id: r3, phase: beta, weight: 1, message: "(unclosed"}
reasons:
  - {id: bug_fix, message: "["}
""",
    )
    assert [e.replace(str(tmp_path) + "/", "") for e in check_rules_file(path)] == [
        "phase_rules.yaml: rules[0].paths[1]: invalid glob '[abc': unterminated character class",
        "phase_rules.yaml: rules[1].phase: unknown phase 'gamma'",
        "phase_rules.yaml: rules[2].message: invalid regex '(unclosed': missing ), unterminated "
        "subpattern",
        "phase_rules.yaml: reasons[0].message: invalid regex '[': unterminated character set",
    ]


def test_check_lists_every_schema_error(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nphases: [a, B]\nsettings: {min_share: 2}\n")
    assert [e.replace(str(tmp_path) + "/", "") for e in check_rules_file(path)] == [
        "phase_rules.yaml: phases[1]: expected a phase id or {id, name, description}, got 'B'",
        "phase_rules.yaml: settings.min_share: 2 is out of range (maximum 1)",
    ]


# ----------------------------------------------------------------------- CLI


def test_rules_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "version: 1\nextends: default\n", "good.yaml")
    assert main(["rules", "check", str(good)]) == 0
    assert capsys.readouterr().out == f"{good}: OK (9 phases, 32 rules, 10 reasons)\n"
    bad = write(
        tmp_path,
        "version: 1\nphases: [a]\nrules:\n"
        "  - {id: r, phase: b, weight: 1, message: x}\n"
        "  - {id: s, phase: c, weight: 1, message: x}\n",
    )
    assert main(["rules", "check", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"miner: error: {bad}: rules[0].phase: unknown phase 'b'\n"
        f"miner: error: {bad}: rules[1].phase: unknown phase 'c'\n"
    )


def test_rules_show_prints_the_effective_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, "version: 1\nextends: default\nrules:\n  - {id: deployment.docker, weight: 4}\n"
    )
    assert main(["rules", "show", "--rules", str(path)]) == 0
    out = capsys.readouterr().out
    header, body = out.split("\n", 1)
    assert header == f"# effective rules from {path} (digest {load_rules(path).digest})"
    shown = yaml.safe_load(body)
    assert [p["id"] for p in shown["phases"]] == list(PHASES)
    assert {r["id"]: r for r in shown["rules"]}["deployment.docker"]["weight"] == 4.0
    assert rules_from_text(body, source="shown").digest == load_rules(path).digest


def test_rules_init_writes_a_valid_starter_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert main(["rules", "init"]) == 0
    target = tmp_path / ".miner" / "phase_rules.yaml"
    assert capsys.readouterr().out == f"wrote {target}\n"
    assert load_rules(target).digest == load_rules().digest
    target.write_text("version: 1\nextends: default\n# mine\n", encoding="utf-8")
    assert main(["rules", "init"]) == 2
    assert capsys.readouterr().err == (
        f"miner: error: {target} already exists (use --force to overwrite it)\n"
    )
    assert target.read_text(encoding="utf-8").endswith("# mine\n")
    assert main(["rules", "init", "--force"]) == 0
    assert "extends: default" in target.read_text(encoding="utf-8")


def test_rules_init_outside_a_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "init", "--dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"miner: error: not a git repository (or any parent): {tmp_path}\n"
    )


def test_packaged_default_passes_full_validation() -> None:
    # load_rules() skips validation of the packaged file for speed; this keeps that safe.
    packaged = Path(__file__).resolve().parents[2] / "config" / "phase_rules.yaml"
    assert check_rules_file(packaged) == []


@pytest.mark.parametrize(
    ("pattern", "text"),
    [(r"\bdrift\b", "Data DRIFT alert"), (r"\bPR-[0-9]+", "see pr-12"), (r"[A-Z]{3}-\d", "abc-1")],
)
def test_message_patterns_stay_case_insensitive(pattern: str, text: str) -> None:
    from miner.rules.compile import compile_message

    assert compile_message(pattern).search(text.lower())


def test_lowercase_default_patterns_compile_without_ignorecase() -> None:
    # Searching lowercased text case-sensitively is the fast path (~3x faster).
    assert all(not rule.pattern.flags & re.IGNORECASE for rule in load_rules().message_rules)
