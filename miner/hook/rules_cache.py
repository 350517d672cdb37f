"""The repository's rules, compiled once and kept in ``.git/miner/`` while they do not change.

Loading the rules costs more than everything else the hook does: importing and running the YAML
parser, validating, translating each message pattern for RE2, compiling Python regexes. The hook
keeps the compiled :class:`~miner.rules.model.Rules` as JSON (:mod:`miner.rules.stored`) in
``hook-rules.json``, under a key that digests everything they are built from: the bytes of the
repository's ``.miner/phase_rules.yaml`` (or its absence), the code and packaged data that compile
them (``miner/rules/*.py``, ``miner/data/*``) and the interpreter. A changed rules file, an
upgraded miner or another Python is another key, so the rules are compiled again; the file holds
one entry, so it never grows.

The file is a cache in a folder the repository's history never writes: a second line carries the
sha256 of the JSON that follows, and anything unexpected (missing, truncated, another key or
format, a wrong checksum, a field of the wrong type) means compiling the rules again, never a
failed commit.

On a miss the message patterns' RE2 forms translated by earlier commits are reused
(``hook-forms.json``): a rules file that changed in one rule translates only that rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from miner.atomic import write_atomically

if TYPE_CHECKING:
    from miner.hook.context import HookContext
    from miner.rules.model import Rules

RULES_FILE = "hook-rules.json"  # beside the state file
FORMS_FILE = "hook-forms.json"  # the message patterns' RE2 forms, beside it too
_CACHE_VERSION = b"1"
_PACKAGE = Path(__file__).resolve().parents[1]  # miner/


def load_rules(context: HookContext, *, refresh: bool = False) -> Rules:
    """The repository's rules (as :func:`miner.rules.resolve.resolve_rules` reads them): from
    the cache when it holds them for the same rules file, else compiled and kept (``refresh``:
    compiled and kept in any case)."""
    from miner.history.files import read_work_tree_file
    from miner.rules.resolve import REPOSITORY_RULES

    text = read_work_tree_file(context.top, REPOSITORY_RULES)
    try:
        key = cache_key(text)
    except OSError:  # miner's own files unreadable: no cache, the rules are still right
        return _compile(context, text)
    path = context.state_file.with_name(RULES_FILE)
    cached = None if refresh else _read(path, key)
    if cached is not None:
        return cached
    rules = _compile(context, text)
    _write(path, key, rules)
    return rules


def cache_key(text: bytes | None) -> str:
    """What the compiled rules of a repository whose rules file holds ``text`` depend on."""
    digest = hashlib.sha256(b"miner hook rules\0" + _CACHE_VERSION + b"\0")
    digest.update(_compiler_digest().encode() + b"\0")
    digest.update(b"packaged\0" if text is None else b"file\0" + text)
    return digest.hexdigest()


@cache
def _compiler_digest() -> str:
    """The interpreter, and the code and data that turn a rules file into Rules (read once per
    process: a checkout edited in between is seen at the next commit)."""
    digest = hashlib.sha256(sys.version.encode() + b"\0")
    sources = [*(_PACKAGE / "rules").glob("*.py"), *(_PACKAGE / "data").iterdir()]
    for source in sorted(path for path in sources if path.is_file()):
        digest.update(source.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


def _read(path: Path, key: str) -> Rules | None:
    from miner.rules.stored import rules_from_data

    try:
        stored_key, checksum, payload = path.read_bytes().split(b"\n", 2)
        if stored_key != key.encode() or checksum != hashlib.sha256(payload).hexdigest().encode():
            return None
        return rules_from_data(json.loads(payload))
    except (OSError, ValueError):  # a cache: anything odd means compiling the rules again
        return None


def _write(path: Path, key: str, rules: Rules) -> None:
    from miner.rules.stored import rules_to_data

    payload = json.dumps(rules_to_data(rules), separators=(",", ":")).encode()
    checksum = hashlib.sha256(payload).hexdigest().encode()
    with contextlib.suppress(OSError):  # a cache: failing to write it only costs time later
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(
            path, b"%s\n%s\n%s" % (key.encode(), checksum, payload), 0o644, durable=False
        )


def _compile(context: HookContext, text: bytes | None) -> Rules:
    """The rules from ``text``, translating only message patterns no earlier commit translated
    (parsing every pattern costs ~20 ms)."""
    from miner.rules import regex as linear_regex
    from miner.rules.resolve import file_rules

    forms_file = context.state_file.with_name(FORMS_FILE)
    held: object = None
    try:
        data = json.loads(forms_file.read_text(encoding="utf-8"))
        if data.get("translator") == linear_regex.TRANSLATOR_VERSION:
            held = data.get("forms")
            linear_regex.learn_forms(held)
    except (OSError, ValueError, AttributeError):
        pass  # a cache: anything odd means translating again
    rules = file_rules(text)
    forms = linear_regex.known_forms()
    if forms != held:
        document = {"translator": linear_regex.TRANSLATOR_VERSION, "forms": forms}
        with contextlib.suppress(OSError):
            forms_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(forms_file, json.dumps(document).encode(), 0o644, durable=False)
    return rules
