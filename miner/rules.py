"""Stage 2: load, merge (``extends``), validate and compile the phase rules into frozen records.

A rules file is untrusted data (it may come from the analysed repository): it is parsed with
safe YAML loading, checked against the packaged JSON Schema, then checked semantically (unique
ids, known phases, compilable globs and regexes of bounded length). Every problem becomes one
line ``<file>: <key path>: <what>``; :func:`check_rules_file` returns all of them,
:func:`load_rules` raises the first as a :class:`ConfigError`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from miner.errors import ConfigError, UsageError, reading
from miner.linear_regex import LinearForm, Untranslatable, translate

if TYPE_CHECKING:
    import jsonschema

DEFAULT_SOURCE = "default"
REPOSITORY_RULES = Path(".miner") / "phase_rules.yaml"
MAX_PATTERN_LENGTH = 2000
# A quantified group that itself ends in a quantifier, e.g. ``(a+)+`` or ``(\w*)*``: the classic
# shape of catastrophic backtracking. Repository rules are untrusted, so such patterns are refused.
_NESTED_QUANTIFIER = re.compile(r"[*+}]\)[*+{]")


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of the canonical order, with its display name (the id when the file has none)."""

    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class PathRule:
    """A path rule: ``include`` is one regex for all positive globs, ``exclude`` for the ``!``
    globs (None when there are none), both matched with ``fullmatch``.

    They are compiled on first use: a commit hook that already knows the votes of its paths
    (see :class:`miner.classify.Classifier`) never pays for compiling them."""

    id: str
    phase: str
    weight: float
    globs: tuple[str, ...]
    include: str
    exclude: str | None

    def matches(self, path: str) -> bool:
        if _glob_pattern(self.include).fullmatch(path) is None:
            return False
        return self.exclude is None or _glob_pattern(self.exclude).fullmatch(path) is None


@cache
def _glob_pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MessageRule:
    """A compiled message rule. ``pattern`` searches *lowercased* text (see
    :func:`compile_message`), which keeps the rule case-insensitive. ``phase`` is empty for
    reasons and noise entries, and ``weight`` is 0 for them. ``linear`` is the same pattern in
    RE2 syntax (:mod:`miner.linear_regex`): what matching runs (None: derived from ``pattern``)."""

    id: str
    phase: str
    weight: float
    pattern: re.Pattern[str]
    linear: LinearForm | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """The effective, compiled rules. ``phases`` is the canonical order.

    ``digest`` is a sha256 of the effective rules (stable across runs), used in the JSON
    ``options`` and as the cache key. ``source`` names where they came from (a path or
    ``default``). ``phase_info`` carries display names; ``document`` is the effective rules as
    plain data (what ``miner rules show`` prints).
    """

    phases: tuple[str, ...]
    min_share: float
    source: str
    digest: str
    phase_info: tuple[Phase, ...] = ()
    path_rules: tuple[PathRule, ...] = ()
    message_rules: tuple[MessageRule, ...] = ()
    reasons: tuple[MessageRule, ...] = ()
    noise: tuple[MessageRule, ...] = ()
    ignore: PathRule | None = None
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def phase_names(self) -> dict[str, str]:
        """Phase id -> display name, in canonical order."""
        return {phase.id: phase.name for phase in self.phase_info}

    @property
    def reason_ids(self) -> tuple[str, ...]:
        return tuple(reason.id for reason in self.reasons)

    def is_ignored(self, path: str) -> bool:
        return self.ignore is not None and self.ignore.matches(path)

    def with_min_share(self, min_share: float) -> Rules:
        """The same rules with another ``min_share`` (a command-line override); the digest and
        ``document`` follow, so the change shows in every output."""
        if not 0 < min_share <= 1:
            raise ConfigError(f"min_share must be in (0, 1], got {min_share}")
        document = {**self.document, "settings": {"min_share": float(min_share)}}
        return replace(
            self, min_share=float(min_share), document=document, digest=_digest(document)
        )


def load_rules(path: str | Path | None = None, *, repository_dir: Path | None = None) -> Rules:
    """``path`` if given, else ``<repository_dir>/.miner/phase_rules.yaml`` if it exists, else the
    packaged default. Raises ConfigError naming the file, key path (and line for YAML errors)."""
    if path is None and repository_dir is not None:
        candidate = Path(repository_dir) / REPOSITORY_RULES
        if candidate.is_file():
            _refuse_outside(candidate, Path(repository_dir))
            path = candidate
    if path is None:
        return _default_rules()
    rules, errors = _build(str(path), _read_text(Path(path)))
    if errors:
        raise ConfigError(errors[0])
    assert rules is not None  # no errors means _build compiled the rules
    return rules


def _refuse_outside(candidate: Path, repository_dir: Path) -> None:
    """A repository's rules file is its own data: a symlink out of the repository (to a file of
    the user's, say) is not followed."""
    try:
        candidate.resolve().relative_to(repository_dir.resolve())
    except ValueError:
        raise ConfigError(
            f"{candidate}: links outside the repository; not followed "
            "(pass --rules FILE to use that file)"
        ) from None


def check_rules_file(path: str | Path) -> list[str]:
    """Every problem of a rules file, one line each (empty when the file is valid)."""
    try:
        text = _read_text(Path(path))
    except ConfigError as error:
        return [str(error)]
    return _build(str(path), text)[1]


def rules_from_text(text: str, *, source: str) -> Rules:
    """Compile rules given as YAML text; ``source`` names them in errors and in ``Rules.source``."""
    rules, errors = _build(source, text)
    if errors:
        raise ConfigError(errors[0])
    assert rules is not None
    return rules


def default_rules_text() -> str:
    """The packaged default rules file, as text."""
    return resources.files("miner").joinpath("data", "phase_rules.yaml").read_text("utf-8")


@cache
def _default_rules() -> Rules:
    # The packaged rules are validated by the test suite (check_rules_file on the default);
    # skipping validation here keeps the commit hook fast.
    rules, errors = _build(DEFAULT_SOURCE, default_rules_text(), validate=False)
    if errors:  # a broken package, not bad user input: still reported as a config error
        raise ConfigError(errors[0])
    assert rules is not None
    return rules


@cache
def _default_document() -> dict[str, Any]:
    loaded = _parse_yaml(default_rules_text())
    assert isinstance(loaded, dict)
    return loaded


@cache
def _schema_validator() -> jsonschema.protocols.Validator:
    import jsonschema  # costs ~70 ms: only paid when a user's rules file is validated

    schema = json.loads(
        resources.files("miner").joinpath("data", "rules.schema.json").read_text("utf-8")
    )
    validator_class = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = validator_class(schema)
    return validator


def _read_text(path: Path) -> str:
    with reading(path, "rules file", ConfigError):
        return path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- building


def _parse_yaml(text: str) -> Any:
    """Safe YAML parsing with libyaml's C parser when available (several times faster); errors
    come from the pure-Python parser, whose messages are the same on every machine."""
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return yaml.safe_load(text)


def _build(source: str, text: str, *, validate: bool = True) -> tuple[Rules | None, list[str]]:
    """Parse, validate, merge and compile; returns the rules (None on error) and all errors."""
    try:
        document = _parse_yaml(text)
    except yaml.YAMLError as error:
        return None, [f"{source}: {_yaml_error(error)}"]
    if document is None:
        document = {}
    if not isinstance(document, dict):
        return None, [f"{source}: top level: expected a mapping, got {_type_name(document)}"]
    errors = [f"{source}: {message}" for message in _schema_errors(document)] if validate else []
    if errors:
        return None, errors
    effective, origins = _merge(document)
    if validate:
        errors = [f"{source}: {message}" for message in _semantic_errors(effective, origins)]
    if errors:
        return None, errors
    return _compile(effective, source, origins), []


def _yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{where}invalid YAML: {' '.join(str(problem).split())}"


def _type_name(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _schema_errors(document: dict[str, Any]) -> list[str]:
    errors = sorted(
        _schema_validator().iter_errors(document),
        key=lambda error: [str(part) for part in error.absolute_path],
    )
    return [f"{_key_path(error.absolute_path)}: {_schema_message(error)}" for error in errors]


def _key_path(parts: Sequence[str | int] | Iterator[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def _schema_message(error: jsonschema.ValidationError) -> str:
    """jsonschema's messages repeat the whole offending value; keep them one short line."""
    value: Any = error.instance
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    validator = error.validator
    if validator == "additionalProperties":
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        unknown = sorted(key for key in value if key not in allowed)
        return f"unknown key(s) {', '.join(repr(k) for k in unknown)}"
    if validator == "required":
        return error.message
    if validator == "type":
        return f"expected {error.validator_value}, got {_type_name(value)}"
    if validator == "pattern":
        return f"invalid id {shown} (letters, digits and {_id_chars(error)})"
    if validator == "maxLength":
        return f"too long ({len(str(value))} characters, at most {error.validator_value})"
    if validator in ("exclusiveMinimum", "minimum", "maximum"):
        return f"{shown} is out of range ({validator} {error.validator_value})"
    if validator == "const":
        return f"expected {error.validator_value!r}, got {shown}"
    if validator == "oneOf":
        return f"expected a phase id or {{id, name, description}}, got {shown}"
    return f"{shown}: {validator} {error.validator_value!r} not satisfied"


def _id_chars(error: jsonschema.ValidationError) -> str:
    return "'_' only, lowercase" if "a-z0-9_]" in str(error.validator_value) else "'_.:-'"


# ----------------------------------------------------------------------------- merging

# For each effective rule/reason/noise entry, the key path of the file item it came from, so
# that errors found after merging still point into the user's file.
Origins = dict[tuple[str, str], str]


def _merge(document: dict[str, Any]) -> tuple[dict[str, Any], Origins]:
    """The effective document: the user file alone, or laid over the default (``extends``)."""
    origins: Origins = {}
    if document.get("extends") != "default":
        disabled = list(document.get("disable", []))
        effective = {key: value for key, value in document.items() if key != "disable"}
        for section in ("rules", "reasons", "noise"):
            items = effective.get(section, [])
            for index, item in enumerate(items):
                origins.setdefault((section, item["id"]), f"{section}[{index}]")
            effective[section] = [item for item in items if item["id"] not in disabled]
        effective["_disable"] = disabled
        return effective, origins
    base = _default_document()
    effective = {
        "version": 1,
        "phases": document.get("phases", base["phases"]),
        "settings": {**base.get("settings", {}), **document.get("settings", {})},
        "ignore": [*base.get("ignore", []), *document.get("ignore", [])],
    }
    disabled = list(document.get("disable", []))
    for section in ("rules", "reasons", "noise"):
        effective[section] = _merge_section(
            section, base.get(section, []), document.get(section, []), disabled, origins
        )
    effective["_disable"] = disabled
    return effective, origins


def _merge_section(
    section: str,
    base: list[dict[str, Any]],
    overlay: list[dict[str, Any]],
    disabled: list[str],
    origins: Origins,
) -> list[dict[str, Any]]:
    merged = {item["id"]: dict(item) for item in base}
    for index, item in enumerate(overlay):
        origins.setdefault((section, item["id"]), f"{section}[{index}]")
        current = merged.setdefault(item["id"], {})
        if "paths" in item:
            current.pop("message", None)
        if "message" in item:
            current.pop("paths", None)
        current.update(item)
    return [item for key, item in merged.items() if key not in disabled]


def _semantic_errors(effective: dict[str, Any], origins: Origins) -> list[str]:
    phases = [_phase_id(item) for item in effective.get("phases", [])]
    errors = _duplicates(phases, "phases")
    errors += [f"ignore[{i}]: {e}" for i, e in _glob_errors(effective.get("ignore", []))]
    known = set(phases)
    for section in ("rules", "reasons", "noise"):
        items = effective.get(section, [])
        errors += _duplicates([item["id"] for item in items], section)
        for item in items:
            where = origins.get((section, item["id"]))
            if where is None:  # inherited unchanged from the default rules
                errors += _inherited_errors(item, known)
                continue
            errors += [f"{where}{e}" for e in _item_errors(section, item, known)]
    all_ids = {item["id"] for s in ("rules", "reasons", "noise") for item in effective.get(s, [])}
    for index, rule_id in enumerate(effective.get("_disable", [])):
        if rule_id not in all_ids and not _in_default(rule_id):
            errors.append(f"disable[{index}]: unknown rule id {rule_id!r}")
    if not phases:
        errors.append("phases: at least one phase is required")
    return errors


def _inherited_errors(item: dict[str, Any], known: set[str]) -> list[str]:
    """A default rule can only break by naming a phase the user's ``phases:`` dropped."""
    phase = item.get("phase")
    if phase is None or phase in known:
        return []
    return [
        f"phases: default rule {item['id']!r} names dropped phase {phase!r} "
        "(disable the rule or give it another phase)"
    ]


def _in_default(rule_id: str) -> bool:
    base = _default_document()
    return any(item["id"] == rule_id for s in ("rules", "reasons", "noise") for item in base[s])


def _duplicates(ids: list[str], section: str) -> list[str]:
    seen: set[str] = set()
    errors = []
    for index, item_id in enumerate(ids):
        if item_id in seen:
            errors.append(f"{section}[{index}]: duplicate id {item_id!r}")
        seen.add(item_id)
    return errors


def _item_errors(section: str, item: dict[str, Any], known: set[str]) -> list[str]:
    if section != "rules":
        if "message" not in item:
            return [": missing 'message'"]
        return _regex_errors(item["message"])
    errors = []
    for key in ("phase", "weight"):
        if key not in item:
            errors.append(f": missing {key!r}")
    if "phase" in item and item["phase"] not in known:
        errors.append(f".phase: unknown phase {item['phase']!r}")
    has_paths, has_message = "paths" in item, "message" in item
    if has_paths == has_message:
        errors.append(": needs exactly one of 'paths' or 'message'")
    if has_paths:
        errors += [f".paths[{i}]: {e}" for i, e in _glob_errors(item["paths"])]
        if item["paths"] and all(glob.startswith("!") for glob in item["paths"]):
            errors.append(".paths: needs at least one glob that is not a '!' exclusion")
    if has_message:
        errors += _regex_errors(item["message"])
    return errors


def _regex_errors(pattern: str) -> list[str]:
    if len(pattern) > MAX_PATTERN_LENGTH:
        return [f".message: regex too long ({len(pattern)} > {MAX_PATTERN_LENGTH} characters)"]
    if _NESTED_QUANTIFIER.search(pattern):
        return [f".message: regex {_short(pattern)} has a nested quantifier (slow backtracking)"]
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        return [f".message: invalid regex {_short(pattern)}: {error.msg}"]
    if pattern in _vetted_patterns():
        return []
    from miner.linear_regex import check  # loads RE2, which validation needs anyway

    problem = check(pattern)
    if problem is not None:
        return [f".message: regex {_short(pattern)} {problem} (RE2 syntax is required)"]
    return []


@cache
def _vetted_patterns() -> frozenset[str]:
    """The packaged rules' message patterns: the project's own, tested, so they may use
    lookarounds (matched after a linear-time prefilter); any other pattern must be RE2's."""
    base = _default_document()
    return frozenset(
        item["message"]
        for s in ("rules", "reasons", "noise")
        for item in base[s]
        if "message" in item
    )


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


def _glob_errors(globs: list[str]) -> Iterator[tuple[int, str]]:
    for index, glob in enumerate(globs):
        try:
            glob_to_regex(glob)
        except ValueError as error:
            yield index, f"invalid glob {glob!r}: {error}"


def _phase_id(item: str | dict[str, str]) -> str:
    return item if isinstance(item, str) else item["id"]


# ----------------------------------------------------------------------------- globs


def glob_to_regex(glob: str) -> str:
    """Translate a gitignore-like glob (see the rules file header) to a regex for ``fullmatch``
    against a repo-relative path. A leading ``!`` is not part of the glob (the caller strips it).
    Raises ValueError with a short reason."""
    body = glob[1:] if glob.startswith("!") else glob
    directory_only = body.endswith("/")
    body = body.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    if not body:
        raise ValueError("empty pattern")
    regex = "" if anchored else "(?:.*/)?"
    separator = False
    segments = body.split("/")
    for index, segment in enumerate(segments):
        if segment == "":
            raise ValueError("empty path segment ('//')")
        if segment == "**":
            last = index == len(segments) - 1
            regex += ("/" if separator else "") + (".+" if last else "(?:.*/)?")
            separator = False
            continue
        regex += ("/" if separator else "") + _segment_regex(segment)
        separator = True
    if segments[-1] == "**":
        return regex
    return regex + ("/.+" if directory_only else "(?:/.*)?")


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = _class_end(segment, index)
            out.append(_class_regex(segment[index + 1 : end]))
            index = end
        elif char == "\\":
            if index + 1 == len(segment):
                raise ValueError("trailing backslash")
            index += 1
            out.append(re.escape(segment[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    index = start + 1
    if index < len(segment) and segment[index] in "!^":
        index += 1
    if index < len(segment) and segment[index] == "]":
        index += 1  # a ']' first in the class is literal
    end = segment.find("]", index)
    if end < 0:
        raise ValueError("unterminated character class")
    return end


def _class_regex(content: str) -> str:
    negate = content[:1] in ("!", "^")
    body = content[1:] if negate else content
    escaped = "".join("\\" + c if c in "\\^[]" else c for c in body)
    regex = f"[{'^/' if negate else ''}{escaped}]"
    try:
        re.compile(regex)
    except re.error as error:
        raise ValueError(f"bad character class: {error.msg}") from None
    return regex


def compile_glob(glob: str, *, option: str) -> re.Pattern[str]:
    """One glob given on the command line (e.g. ``--include``), with the rules' semantics, as a
    pattern whose ``match`` is a full match. Raises UsageError naming the option."""
    try:
        return re.compile(f"(?:{glob_to_regex(glob)})\\Z", re.IGNORECASE)
    except ValueError as error:
        raise UsageError(f"{option}: invalid glob {glob!r}: {error}") from None


def compile_globs(rule_id: str, phase: str, weight: float, globs: Sequence[str]) -> PathRule:
    """One :class:`PathRule` whose include/exclude regexes cover all of ``globs``."""
    include = [glob_to_regex(g) for g in globs if not g.startswith("!")]
    exclude = [glob_to_regex(g) for g in globs if g.startswith("!")]
    return PathRule(
        id=rule_id,
        phase=phase,
        weight=float(weight),
        globs=tuple(globs),
        include=_alternation(include),
        exclude=_alternation(exclude) if exclude else None,
    )


def _alternation(regexes: list[str]) -> str:
    return "|".join(f"(?:{r})" for r in regexes) or "(?!)"


# ----------------------------------------------------------------------------- compiling


def _compile(effective: dict[str, Any], source: str, origins: Origins) -> Rules:
    phase_info = tuple(_phase(item) for item in effective["phases"])
    rules = effective.get("rules", [])
    path_rules = tuple(
        compile_globs(r["id"], r["phase"], r["weight"], r["paths"]) for r in rules if "paths" in r
    )
    vetted = source == DEFAULT_SOURCE
    message_rules = tuple(
        _message_rule(r["id"], r["phase"], float(r["weight"]), r["message"], vetted=vetted)
        for r in rules
        if "message" in r
    )
    ignore = effective.get("ignore", [])
    document = _document(effective)
    return Rules(
        phases=tuple(phase.id for phase in phase_info),
        min_share=float(effective.get("settings", {}).get("min_share", 0.25)),
        source=source,
        digest=_digest(document),
        phase_info=phase_info,
        path_rules=path_rules,
        message_rules=message_rules,
        reasons=_message_entries(effective.get("reasons", []), vetted=vetted),
        noise=_message_entries(effective.get("noise", []), vetted=vetted),
        ignore=compile_globs("ignore", "", 1.0, ignore) if ignore else None,
        document=document,
    )


def _phase(item: str | dict[str, str]) -> Phase:
    if isinstance(item, str):
        return Phase(item, item)
    return Phase(item["id"], item.get("name", item["id"]), item.get("description", ""))


def _message_entries(items: list[dict[str, Any]], *, vetted: bool) -> tuple[MessageRule, ...]:
    return tuple(_message_rule(i["id"], "", 0.0, i["message"], vetted=vetted) for i in items)


def _message_rule(
    rule_id: str, phase: str, weight: float, pattern: str, *, vetted: bool
) -> MessageRule:
    compiled = compile_message(pattern)
    superset = vetted or pattern in _vetted_patterns()
    try:
        linear = translate(pattern, compiled.flags & re.IGNORECASE, superset=superset)
    except Untranslatable as error:  # validation reports it first; a safety net for callers
        raise ConfigError(f"message rule {rule_id!r}: regex {_short(pattern)} {error}") from None
    return MessageRule(rule_id, phase, weight, compiled, linear)


_LETTER_OUTSIDE_ESCAPE = re.compile(r"(?<!\\)[A-Z]")


def compile_message(pattern: str) -> re.Pattern[str]:
    """A case-insensitive message regex, to be searched in lowercased text.

    Searching lowercased text with a case-sensitive pattern is ~3x faster than re.IGNORECASE
    and matches the same; a pattern that spells an upper-case letter (``[A-Z]``, a literal
    capital) keeps re.IGNORECASE so it still matches.
    """
    flags = re.IGNORECASE if _LETTER_OUTSIDE_ESCAPE.search(pattern) else 0
    return re.compile(pattern, flags)


def _document(effective: dict[str, Any]) -> dict[str, Any]:
    """The effective rules in the shape of a self-contained rules file (no ``extends``)."""
    return {
        "version": 1,
        "phases": [_phase_mapping(item) for item in effective["phases"]],
        "settings": {"min_share": float(effective.get("settings", {}).get("min_share", 0.25))},
        "ignore": list(effective.get("ignore", [])),
        "rules": [_rule_mapping(rule) for rule in effective.get("rules", [])],
        "reasons": [dict(item) for item in effective.get("reasons", [])],
        "noise": [dict(item) for item in effective.get("noise", [])],
    }


def _phase_mapping(item: str | dict[str, str]) -> dict[str, str]:
    phase = _phase(item)
    mapping = {"id": phase.id, "name": phase.name}
    if phase.description:
        mapping["description"] = phase.description
    return mapping


def _rule_mapping(rule: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "phase", "weight", "paths", "message", "description")
    mapping = {key: rule[key] for key in keys if key in rule}
    mapping["weight"] = float(mapping["weight"])
    return mapping


def _digest(document: dict[str, Any]) -> str:
    """sha256 of a canonical JSON form; rules sorted by id so their order does not matter."""
    canonical = dict(document)
    for section in ("rules", "reasons", "noise"):
        canonical[section] = sorted(document[section], key=lambda item: str(item["id"]))
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()
