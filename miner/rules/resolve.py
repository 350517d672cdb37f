"""Which rules a repository is read with: the one resolver every command uses.

``--rules FILE`` when given; else the analysed repository's own ``.miner/phase_rules.yaml`` —
from its work tree, or from its tip when it has none (a bare clone, a URL); else the packaged
rules. ``analyze``, ``tag``, the commit hook and the ``rules`` commands all come here, so notes
written by ``tag`` always agree with the analysis of the same repository.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from miner.errors import ConfigError
from miner.history.files import read_tracked_file, read_work_tree_file
from miner.history.repository import Repository
from miner.rules.model import Rules

REPOSITORY_RULES = (Path(".miner") / "phase_rules.yaml").as_posix()


def resolve_rules(
    explicit: str | Path | None,
    *,
    work_tree: Path | None = None,
    committed: Callable[[str], bytes | None] | None = None,
) -> Rules:
    """``explicit``, else the repository's rules file (``work_tree`` first, else ``committed``,
    which reads a file of the tip), else the packaged rules."""
    if explicit is not None:
        from miner.rules.load import load_rules

        return load_rules(explicit)
    if work_tree is not None:
        text = read_work_tree_file(work_tree, REPOSITORY_RULES)
    else:
        text = committed(REPOSITORY_RULES) if committed is not None else None
    return file_rules(text)


def file_rules(text: bytes | None) -> Rules:
    """The rules of a repository whose rules file holds ``text`` (None: it has none, so the
    packaged rules). Validated and compiled here: YAML is imported only now."""
    from miner.rules.load import load_rules, rules_from_text

    if text is None:
        return load_rules()
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{REPOSITORY_RULES}: cannot read rules file: not UTF-8 ({error.reason})"
        ) from None
    return rules_from_text(decoded, source=REPOSITORY_RULES)


def repository_rules(repo: Repository, explicit: str | Path | None) -> Rules:
    """The rules of an opened repository (work tree, bare clone or URL clone alike)."""
    return resolve_rules(
        explicit, work_tree=repo.work_tree, committed=lambda path: read_tracked_file(repo, path)
    )
