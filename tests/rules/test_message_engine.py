"""Message rules matched by RE2 in one pass: the same matches as Python's re, in linear time.

- translation: RE2's result equals Python's on ASCII and non-ASCII text, pattern by pattern;
- real histories: every distinct message of a real history gets the same rules and match texts
  as Python's ``re`` gave (the matching before the engine), for phase rules, reasons and noise;
- untrusted rules: a catastrophic regex in a repository's rules file is matched in linear
  time; a construct RE2 cannot run is a one-line error naming the key path (and ``rules check``
  says so); a repository's rules symlink out of the repository is not followed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from miner.classify.classifier import MAX_MESSAGE_CHARS, Classifier
from miner.classify.trailers import split_message
from miner.errors import ConfigError
from miner.rules.engine import UNANCHORED, MessageMatcher, _has_anchor, compile_source, matcher_for
from miner.rules.load import check_rules_file, load_rules, rules_from_text
from miner.rules.model import MessageRule, Rules
from miner.rules.regex import Untranslatable, translate
from miner.rules.resolve import REPOSITORY_RULES, resolve_rules

SMALL_HISTORIES = (
    "e2e-taxi-ride-duration-prediction",
    "fsdl-text-recognizer-2022",
    "mlops-zoomcamp",
)


def python_matches(rules: Sequence[MessageRule], body: str, lowered: str) -> list[tuple[str, str]]:
    """What message matching did before RE2: every rule's pattern searched with Python's re."""
    found = []
    for rule in rules:
        match = rule.pattern.search(lowered)
        if match is not None:
            text = body[match.start() : match.end()] if len(lowered) == len(body) else match[0]
            found.append((rule.id, " ".join(text.split())))
    return found


def engine_matches(rules: Sequence[MessageRule], body: str, lowered: str) -> list[tuple[str, str]]:
    return [(rule.id, text) for rule, text in matcher_for(rules).matches(body, lowered)]


def mismatches(rules: Rules, messages: set[str]) -> list[str]:
    wrong = []
    for message in messages:
        body, _ = split_message(message[:MAX_MESSAGE_CHARS])
        subject = body.split("\n", 1)[0]
        for kind, text in (
            (rules.message_rules, body),
            (rules.reasons, body),
            (rules.noise, subject),
        ):
            lowered = text.lower()
            if python_matches(kind, text, lowered) != engine_matches(kind, text, lowered):
                wrong.append(text[:80])
    return wrong


def history_messages(repo: Path) -> set[str]:
    raw = subprocess.run(
        ["git", "-C", str(repo), "log", "--all", "--format=%B%x00"],
        capture_output=True,
        check=True,
    ).stdout
    return set(raw.decode("utf-8", "backslashreplace").split("\x00\n"))


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\bfix(es|ed)?\b", "Fixes the bug"),
        (r"\bfix\b", "prefix fixture"),
        (r"\w+ing\b", "naïve caching of données"),
        (r"\d+ rows", "١٢٣ rows and 12 rows"),
        (r"a\sb", "a\x1cb a\u3000b"),
        (r"[\w-]+\.py", "edit café-ü.py"),
        (r"[^\w\s]+", "abc é !?"),
        (r"^(chore|ci)(\([^)]*\))?!?:", "ci(build)!: go"),
        (r"links?\s*$", "fix links\n"),
        (r"(?m)^- item$", "list\n- item\nend"),
        (r"colou?r{1,2}", "colourr"),
        (r"x.*?y", "x1y2y"),
        (r"[A-Z]{3}-\d", "abc-1"),
        (r"\bdata\b", "données data"),
    ],
)
def test_translation_matches_like_python(pattern: str, text: str) -> None:
    flags = re.IGNORECASE if any(c.isupper() for c in pattern) else 0
    expected = re.compile(pattern, flags).search(text.lower())
    form = translate(pattern, flags)
    source = form.ascii if text.isascii() else form.unicode
    data = text.lower().encode("utf-8")
    (start, end), *_ = compile_source(source).Match(UNANCHORED, data, 0, len(data))
    found = None if start < 0 else data[start:end].decode("utf-8")
    assert found == (None if expected is None else expected[0])


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"(?<!linear )regression", "lookahead or lookbehind"),
        (r"fix(?= now)", "lookahead or lookbehind"),
        (r"(a)\1", "backreference"),
        (r"(?>ab|a)c", "atomic group"),
        (r"a++b", "possessive repeat"),
    ],
)
def test_constructs_without_a_linear_form_are_refused(pattern: str, construct: str) -> None:
    with pytest.raises(Untranslatable, match=construct):
        translate(pattern)


def test_a_vetted_pattern_becomes_a_prefilter() -> None:
    form = translate(r"\b(?<!linear )regression\b", superset=True)
    assert not form.ascii_exact and not form.unicode_exact
    assert "regression" in form.ascii and "\\b" not in form.unicode


def test_default_rules_match_like_python_on_hand_picked_messages() -> None:
    messages = {
        "Fix linear regression model",
        "Fix a regression in the loader",
        "Improve model performance of the classifier",
        "Bump numpy from 1.0 to 2.0",
        "Update requirements.txt doc",
        "Fix typo",
        "docs: fix broken links in README",
        "Réparer le modèle: données manquantes (missing values)",
        "naïve-bayes retrain ✓",
        "İstanbul deploy fix",
        "Train model\n\nSigned-off-by: A <a@b.c>",
    }
    assert mismatches(load_rules(), messages) == []


@pytest.mark.parametrize("name", SMALL_HISTORIES)
def test_real_history_matches_like_python(real_history: Callable[[str], Path], name: str) -> None:
    assert mismatches(load_rules(), history_messages(real_history(name))) == []


@pytest.mark.slow
def test_pytest_history_matches_like_python(real_history: Callable[[str], Path]) -> None:
    assert mismatches(load_rules(), history_messages(real_history("pytest"))) == []


def repository_with_rules(tmp_path: Path, text: str) -> Path:
    repo = tmp_path / "repo"
    (repo / ".miner").mkdir(parents=True)
    (repo / ".miner" / "phase_rules.yaml").write_text(text, encoding="utf-8")
    return repo


CATASTROPHIC = r"(a|a)*b"  # exponential for a backtracking engine on "aaa...a"


def test_a_catastrophic_repository_regex_is_matched_in_linear_time(tmp_path: Path) -> None:
    repo = repository_with_rules(
        tmp_path,
        "extends: default\nrules:\n"
        f"  - {{id: team.slow, phase: model_development, weight: 1, message: '{CATASTROPHIC}'}}\n",
    )
    rules = resolve_rules(None, work_tree=repo)
    assert check_rules_file(repo / ".miner" / "phase_rules.yaml") == []
    # With Python's re this message takes 2**40 steps; with RE2 it is one pass.
    message = "a" * 40 + " then aab"
    result = Classifier(rules).classify(message, ())
    assert [e.match for e in result.evidence if e.rule == "team.slow"] == ["aab"]


def test_a_lookaround_in_repository_rules_is_a_one_line_error(tmp_path: Path) -> None:
    repo = repository_with_rules(
        tmp_path,
        "extends: default\nreasons:\n  - {id: mine, message: '(?<!linear )regression'}\n",
    )
    rules_file = repo / ".miner" / "phase_rules.yaml"
    problem = (
        "reasons[0].message: regex '(?<!linear )regression' uses a negative "
        "lookahead or lookbehind, which a linear-time engine cannot run (RE2 syntax is required)"
    )
    with pytest.raises(ConfigError) as raised:
        resolve_rules(None, work_tree=repo)
    assert str(raised.value) == f"{REPOSITORY_RULES}: {problem}"
    assert check_rules_file(rules_file) == [f"{rules_file}: {problem}"]


def test_a_copy_of_a_packaged_pattern_keeps_its_lookarounds(tmp_path: Path) -> None:
    default = load_rules()
    bug_fix = next(reason for reason in default.reasons if reason.id == "bug_fix")
    assert "(?<!" in bug_fix.pattern.pattern
    text = "extends: default\nreasons:\n  - id: mine\n    message: " + repr_yaml(
        bug_fix.pattern.pattern
    )
    rules = rules_from_text(text, source="copied.yaml")
    mine = next(reason for reason in rules.reasons if reason.id == "mine")
    lowered = "fix linear regression model"
    assert engine_matches([mine], lowered, lowered) == python_matches([mine], lowered, lowered)


def repr_yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_a_rules_symlink_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("extends: default\n", encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / ".miner").mkdir(parents=True)
    (repo / ".miner" / "phase_rules.yaml").symlink_to(outside)
    with pytest.raises(ConfigError, match="links outside the repository; not followed"):
        resolve_rules(None, work_tree=repo)
    inside = repo / "rules.yaml"
    inside.write_text("extends: default\n", encoding="utf-8")
    (repo / ".miner" / "phase_rules.yaml").unlink()
    (repo / ".miner" / "phase_rules.yaml").symlink_to(inside)
    assert resolve_rules(None, work_tree=repo).source.endswith("phase_rules.yaml")


def test_kept_forms_never_leave_an_untrusted_pattern_to_python() -> None:
    from miner.rules import regex as linear_regex

    linear_regex.translate(r"\bdrift\b")
    kept = linear_regex.known_forms()
    assert kept["0:0:\\bdrift\\b"][1] is True
    forged = {"0:0:(a|a)*b": ["x", False, "x", False], "1:0:(?<!a)b": ["b", False, "b", False]}
    saved = dict(linear_regex._KNOWN)
    try:
        linear_regex.learn_forms(forged)
        assert "0:0:(a|a)*b" not in linear_regex._KNOWN  # not exact and not vetted: refused
        assert linear_regex._KNOWN["1:0:(?<!a)b"].ascii_exact is False
    finally:
        linear_regex._KNOWN.clear()
        linear_regex._KNOWN.update(saved)


@pytest.mark.parametrize(
    ("source", "anchored"),
    [
        (r"\b(?:fix|bug)\b", False),
        (r"[^\t\n]+ to", False),
        (r"[]^$]x", False),
        (r"^fix", True),
        (r"fix$", True),
        (r"\Afix", True),
        (r"fix\z", True),
        (r"[a-z]^", True),
    ],
)
def test_anchors_are_found_outside_character_classes(source: str, anchored: bool) -> None:
    assert _has_anchor(source) is anchored


def test_the_packaged_reasons_are_line_local() -> None:
    reasons = load_rules().reasons
    assert MessageMatcher(reasons).line_local(0, len(reasons))


@pytest.mark.parametrize(
    "body",
    [
        "no reason here\nnor here\nbut this fixes a crash\nand this is faster",
        "nothing\nat\nall",
        "the\nfix is\nhere",  # a form could span lines: the line-by-line answer still wins
        "an upgrade to\nthe tuning\nof speed",
    ],
)
def test_prose_reasons_are_those_of_the_first_line_naming_any(body: str) -> None:
    rules = load_rules()
    classifier = Classifier(rules)
    engine = MessageMatcher((*rules.message_rules, *rules.reasons))
    expected: list[str] = []
    for line in body.splitlines():
        expected = [rule.id for rule, _ in matcher_for(rules.reasons).matches(line, line.lower())]
        if expected:
            break
    scan = engine.scan(body.lower())
    assert [rule.id for rule, _ in classifier._prose_reasons(body, scan)] == expected
