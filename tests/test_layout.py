"""The package layout is the pipeline: checked from the source, so a shortcut cannot creep back.

- imports go from a stage to the stages before it, never back, and never in a circle (deferred
  imports included: deferring one hides a cycle, it does not remove it);
- only :mod:`miner.git` starts processes, so every git call gets the one safe environment;
- no module grows past ~400 lines;
- the README documents every command and option, and lists every module in its layout tree.
"""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from miner.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "miner"
README = ROOT / "README.md"

# The pipeline, first stage first. A module may import from its own stage and the ones before.
STAGES: dict[str, int] = {
    "miner": 0,
    "miner.errors": 0,
    "miner.numbers": 0,
    "miner.git": 0,
    "miner.atomic": 0,
    "miner.history": 1,
    "miner.rules": 2,
    "miner.classify": 3,
    "miner.sequence": 4,
    "miner.measures": 5,
    "miner.pipeline": 6,
    "miner.trend": 7,
    "miner.report": 8,
    "miner.fleet": 9,
    "miner.api": 10,
    "miner.hook": 10,
    "miner.cli": 11,
    "miner.__main__": 12,
}
# The one sanctioned way back: Analysis.render/write/repr, a convenience for notebook users,
# defer to the public API (which renders with the report stage) when called.
FACADE = {("miner.pipeline.analysis", "miner.api")}
MAX_LINES = 420
PROCESS_CALLS = {
    "subprocess": {"run", "Popen", "call", "check_call", "check_output", "getoutput"},
    "os": {"system", "popen", "execv", "execvp", "execve", "spawnv", "spawnvp", "posix_spawn"},
}


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    imported: str
    line: int
    deferred: bool


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def owning_module(name: str, known: dict[str, Path]) -> str:
    while name not in known:
        name = name.rpartition(".")[0]
    return name


def imports() -> Iterator[Import]:
    known = modules()
    for importer, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)
        }
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if id(node) in type_only or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in imported_names(node):
                if name.startswith("miner"):
                    imported = owning_module(name, known)
                    if imported != importer:
                        yield Import(importer, imported, node.lineno, id(node) not in top_level)


def imported_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.module:
        return [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def stage(module: str) -> int:
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in STAGES:
            return STAGES[prefix]
    raise AssertionError(f"{module} belongs to no stage: add its package to STAGES")


def test_no_module_imports_from_a_later_stage() -> None:
    backwards = [
        f"{edge.importer}:{edge.line} imports {edge.imported}"
        for edge in imports()
        if stage(edge.imported) > stage(edge.importer)
        and (edge.importer, edge.imported) not in FACADE
    ]
    assert backwards == []


def test_there_is_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for edge in imports():
        if (edge.importer, edge.imported) not in FACADE:
            graph.setdefault(edge.importer, set()).add(edge.imported)
    assert find_cycle(graph) is None


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            if (cycle := visit(successor)) is not None:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_every_deferred_import_across_stages_says_why() -> None:
    """A function-level import of another package is there to keep start-up light; the line
    or the one above says so (``deferred``, ``light``, ``lazy``, ``costs``, ``import``)."""
    known = modules()
    unexplained = []
    for edge in imports():
        if not edge.deferred or edge.imported.split(".")[:2] == edge.importer.split(".")[:2]:
            continue
        lines = known[edge.importer].read_text(encoding="utf-8").splitlines()
        context = " ".join(lines[max(0, edge.line - 2) : edge.line]).lower()
        nearby = " ".join(lines[max(0, edge.line - 12) : edge.line]).lower()
        if not re.search(r"defer|light|lazy|cost|start-?up|import|only when", context + nearby):
            unexplained.append(f"{edge.importer}:{edge.line} -> {edge.imported}")
    assert unexplained == []


def test_only_the_git_runner_starts_processes() -> None:
    offenders = []
    for name, path in modules().items():
        if name == "miner.git":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(called, ast.Attribute)
                and isinstance(called.value, ast.Name)
                and called.attr in PROCESS_CALLS.get(called.value.id, ())
            ):
                offenders.append(f"{name}:{called.lineno} {called.value.id}.{called.attr}")
            if isinstance(node, ast.ImportFrom) and node.module in PROCESS_CALLS:
                started = PROCESS_CALLS[node.module] & {alias.name for alias in node.names}
                offenders += [f"{name}:{node.lineno} from {node.module} import {started}"] * bool(
                    started
                )
    assert offenders == []


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()
    }
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}


# -- the README ----------------------------------------------------------------------------------


def commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str | None]]:
    """Every (sub)command, then its long options."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), None
                yield from commands(sub, (*prefix, name))
        else:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    yield prefix, option


def test_the_readme_documents_every_command_and_option() -> None:
    text = README.read_text(encoding="utf-8")
    missing = sorted(
        {
            f"{' '.join(command)} {option or ''}".strip()
            for command, option in commands(build_parser())
            if not re.search(
                re.escape(option) + r"(?![\w-])"
                if option
                else r"miner " + re.escape(" ".join(command)) + r"\b",
                text,
            )
        }
    )
    assert missing == []


def test_the_readme_layout_lists_every_module() -> None:
    text = README.read_text(encoding="utf-8")
    layout = text.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"[\w/]+\.py|[\w/]+/", layout))
    missing = [
        str(path.relative_to(PACKAGE))
        for path in modules().values()
        if path.name != "__init__.py"
        and path.name not in listed
        and str(path.relative_to(PACKAGE)) not in listed
    ]
    assert missing == []
