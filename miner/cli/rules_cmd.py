"""``miner classify``, ``miner evaluate`` and ``miner rules check|show|init``.

Thin shells over :mod:`miner.rules`, :mod:`miner.classify` and :mod:`miner.report.evaluation`:
parse the options, call one library function, render. Rules come from the one resolver
(:func:`miner.rules.resolve.resolve_rules`), with the repository containing the current folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.errors import MinerError, RepositoryError, UsageError

if TYPE_CHECKING:
    from miner.classify.evaluate import GoldRow
    from miner.history.records import FileChange
    from miner.rules.model import Rules

STARTER_RULES = """\
# Phase rules of this repository, read by miner before its packaged defaults.
# `extends: default` keeps every default rule; below, add rules, override fields of a default
# rule by repeating its id, or disable default rules. `miner rules show` prints the effective
# rules (and the default ids), `miner rules check .miner/phase_rules.yaml` validates this file,
# `miner explain . REV` shows which rules matched a commit.
#
# Globs are gitignore-like (`**`, a glob without '/' matches a file or folder name anywhere, a
# leading '!' excludes); messages are case-insensitive Python regexes. Weights are > 0.
version: 1
extends: default

# settings:
#   min_share: 0.25          # a phase is a label when its share of the score is at least this

# ignore:                    # paths that contribute nothing (added to the default ignores)
#   - "generated/"

rules: []
#  - id: team.feature_store   # a new path rule
#    phase: data_preparation
#    weight: 2
#    paths: ["feature_store/", "*_features.sql"]
#  - id: deployment.docker    # override a default rule's weight
#    weight: 2.5

# disable:                   # default rules (or reasons, noise entries) to drop
#   - model.artifacts
"""


def register(subparsers: Any) -> None:
    classify = subparsers.add_parser(
        "classify",
        help="classify commits given as JSON Lines (no repository needed)",
        description='Read JSON Lines {"id", "message", "paths"} (paths: strings or '
        '{"path", "status", "old_path"}) and write one JSON line per commit with its phases.',
    )
    _add_rules_option(classify)
    classify.add_argument("--input", metavar="FILE", help="JSON Lines file (default: stdin)")
    classify.set_defaults(run=run_classify)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="accuracy of the rules on hand-labelled commits (gold CSV)",
        description="Classify every row of a gold CSV and report primary accuracy, per-phase "
        "precision/recall/F1 of the label sets, macro-F1 and the confusion matrix.",
    )
    evaluate.add_argument(
        "--gold",
        metavar="FILE",
        required=True,
        action="append",
        help="gold CSV file (repeat to evaluate several files together)",
    )
    _add_rules_option(evaluate)
    evaluate.add_argument(
        "--min-confidence",
        choices=("high", "medium", "low"),
        default="low",
        help="evaluate rows labelled with at least this confidence (default: low = all rows)",
    )
    evaluate.add_argument(
        "--skip-merges", action="store_true", help="drop merge rows (the analysis skips merges)"
    )
    evaluate.add_argument(
        "--by-repo",
        action="store_true",
        help="score each repository (the gold 'repo' column) on its own: accuracy and macro-F1 "
        "per repository, their mean and the worst",
    )
    evaluate.add_argument(
        "--loro",
        action="store_true",
        help="with --by-repo: leave-one-repository-out, each repository scored with the tuned "
        "settings (body and prior weights) that do best on the other repositories",
    )
    evaluate.add_argument("--format", choices=("terminal", "json"), default="terminal")
    evaluate.set_defaults(run=run_evaluate)

    rules = subparsers.add_parser("rules", help="check, show or start a phase rules file")
    commands = rules.add_subparsers(dest="rules_command", metavar="COMMAND", required=True)
    check = commands.add_parser("check", help="validate a rules file: every error, with its key")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(run=run_rules_check)
    show = commands.add_parser("show", help="print the effective rules (after extends)")
    _add_rules_option(show)
    show.set_defaults(run=run_rules_show)
    init = commands.add_parser("init", help="write a starter .miner/phase_rules.yaml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument(
        "--dir", type=Path, default=None, metavar="DIR", help="repository (default: current)"
    )
    init.set_defaults(run=run_rules_init)


def _add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="FILE",
        help="rules file (default: .miner/phase_rules.yaml of the current repository, "
        "else the packaged rules)",
    )


def _load(args: argparse.Namespace) -> Rules:
    # Imported here, as every module a command needs: the CLI imports this module at start-up.
    from miner.rules.resolve import resolve_rules

    return resolve_rules(args.rules, work_tree=_repository_root(Path.cwd()))


def _repository_root(start: Path) -> Path | None:
    """The nearest folder holding ``.git`` (a directory, or a file in worktrees/submodules)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


# ----------------------------------------------------------------------------- classify


def run_classify(args: argparse.Namespace) -> int:
    from miner.classify.classifier import Classifier
    from miner.report.evaluation import classification_dict

    classifier = Classifier(_load(args))
    with _open_input(args.input) as lines:
        for number, item in _read_jsonl(lines, args.input or "<stdin>"):
            message, files = _commit_fields(item, number, args.input or "<stdin>")
            result = classifier.classify(message, files)
            sys.stdout.write(json.dumps(classification_dict(item.get("id"), result)) + "\n")
    return 0


@contextmanager
def _open_input(path: str | None) -> Iterator[Iterable[str]]:
    """stdin, or the named file (closed afterwards)."""
    if path is None:
        yield sys.stdin
        return
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
    with handle:
        yield handle


def _read_jsonl(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{name}: line {number}: invalid JSON: {error.msg}") from None
        if not isinstance(item, dict):
            raise UsageError(f"{name}: line {number}: expected a JSON object")
        yield number, item


def _commit_fields(item: dict[str, Any], number: int, name: str) -> tuple[str, list[FileChange]]:
    from miner.history.records import FileChange

    where = f"{name}: line {number}"
    message = item.get("message", "")
    if not isinstance(message, str):
        raise UsageError(f"{where}: 'message' must be a string")
    paths = item.get("paths", [])
    if not isinstance(paths, list):
        raise UsageError(f"{where}: 'paths' must be a list")
    files = []
    for index, entry in enumerate(paths):
        if isinstance(entry, str):
            files.append(FileChange(entry, "M"))
        elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
            status, old = entry.get("status", "M"), entry.get("old_path")
            if not isinstance(status, str) or not (old is None or isinstance(old, str)):
                raise UsageError(f"{where}: paths[{index}]: 'status'/'old_path' must be strings")
            files.append(FileChange(entry["path"], status, old))
        else:
            raise UsageError(f"{where}: paths[{index}]: expected a string or an object with 'path'")
    return message, files


# ----------------------------------------------------------------------------- evaluate


def run_evaluate(args: argparse.Namespace) -> int:
    from miner.classify.evaluate import evaluate, read_gold

    rules = _load(args)
    rows = tuple(row for path in args.gold for row in read_gold(path, rules.phases))
    if args.loro and not args.by_repo:
        raise UsageError("--loro needs --by-repo")
    if args.by_repo:
        return _run_by_repo(args, rules, rows)
    result = evaluate(
        rows,
        rules,
        gold=", ".join(args.gold),
        min_confidence=args.min_confidence,
        skip_merges=args.skip_merges,
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        from miner.cli.console import stdout_console
        from miner.report.evaluation import render_evaluation

        render_evaluation(result, stdout_console())
    return 0


def _run_by_repo(args: argparse.Namespace, rules: Rules, rows: tuple[GoldRow, ...]) -> int:
    from miner.classify.evaluate_repos import evaluate_by_repo

    result = evaluate_by_repo(
        rows,
        rules,
        min_confidence=args.min_confidence,
        skip_merges=args.skip_merges,
        loro=args.loro,
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        from miner.cli.console import stdout_console
        from miner.report.evaluation import render_by_repo

        render_by_repo(result, stdout_console())
    return 0


# ----------------------------------------------------------------------------- rules


def run_rules_check(args: argparse.Namespace) -> int:
    from miner.rules.load import check_rules_file, load_rules

    errors = check_rules_file(args.file)
    for error in errors:
        print(f"miner: error: {error}", file=sys.stderr)
    if errors:
        return MinerError.exit_code
    rules = load_rules(args.file)
    print(
        f"{args.file}: OK ({len(rules.phases)} phases, "
        f"{len(rules.path_rules) + len(rules.message_rules)} rules, {len(rules.reasons)} reasons)"
    )
    return 0


def run_rules_show(args: argparse.Namespace) -> int:
    import yaml

    rules = _load(args)
    sys.stdout.write(f"# effective rules from {rules.source} (digest {rules.digest})\n")
    sys.stdout.write(
        yaml.safe_dump(dict(rules.document), sort_keys=False, allow_unicode=True, width=4096)
    )
    return 0


def run_rules_init(args: argparse.Namespace) -> int:
    from miner.rules.resolve import REPOSITORY_RULES

    start = (args.dir or Path.cwd()).resolve()
    root = _repository_root(start)
    if root is None:
        raise RepositoryError(f"not a git repository (or any parent): {start}")
    target = root / REPOSITORY_RULES
    if target.exists() and not args.force:
        raise UsageError(f"{target} already exists (use --force to overwrite it)")
    from miner.report.output import write_text

    target.parent.mkdir(exist_ok=True)
    write_text(target, STARTER_RULES)  # replaced atomically, as every output file
    print(f"wrote {target}")
    return 0
