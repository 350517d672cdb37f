"""The git hook: tag each new commit with its phase, or check that it names one.

Installed as a small ``sh`` script that runs the interpreter which installed it on
``miner.hook.main``, so a commit never pays for pandas, scipy or the report (``python -X
importtime -c 'import miner.hook'`` shows what it does pay for).

Policy (README "The commit hook"):

- ``prepare-commit-msg`` and ``commit-msg`` (without ``--strict``) add ``MLOps-Phase: <labels>``
  (primary first), plus ``MLOps-Revisit: <focus> -> <phase>`` when SPEC §3 calls the change a
  revisit of an earlier phase relative to the focus of recent history.
- Left untouched: merges (SOURCE ``merge`` or a merge in progress: merges are not sequenced), an
  unedited ``template`` and an empty message (so git can still abort the commit), ``fixup!`` /
  ``squash!`` / ``amend!`` commits (folded into their target), messages that already carry an
  ``MLOps-Phase`` trailer (the author's word wins: amend, re-runs and rebases never duplicate it),
  and changes no rule recognises.
- ``--strict`` only checks: a message without an ``MLOps-Phase`` trailer naming known phases (or
  ``none``, aliases ``n/a`` and ``-``) is rejected (:class:`GateFailed`, exit 1), with the
  trailer the rules would have added.
  Everything else fails open: one warning line, exit 0, message file byte-identical.
- A tagged message is reported on stderr in one line (``miner: added MLOps-Phase: …``).

The message file only ever gains trailer lines, written atomically (temporary file in the same
folder, then ``os.replace``, mode kept). Trailers go after the message text and before git's
trailing comment block and the ``commit.verbose`` scissors line, as ``git interpret-trailers``
places them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from miner.classify.trailers import PHASE_TRAILER, REVISIT_TRAILER
from miner.errors import GateFailed, MinerError, RepositoryError, UsageError

if TYPE_CHECKING:  # imported when used: a broken module must not block a commit (fail open)
    from miner.classify.classifier import Classification, Classifier
    from miner.history.log import FileChange
    from miner.rules.model import Rules

# ``MLOps-Phase: none`` says "this commit belongs to no phase" (a typo fix, a version bump);
# --strict accepts it and its aliases (any case).
NO_PHASE = "none"
NO_PHASE_ALIASES = ("none", "n/a", "-")
STAGES = ("prepare-commit-msg", "commit-msg")
SKIPPED_SOURCES = frozenset({"merge", "template"})
AUTOSQUASH_PREFIXES = ("fixup! ", "squash! ", "amend! ")
HOOK_MARKER = "# miner-hook: installed by `miner hook install`"
STATE_FILE = "miner/hook-state.json"
STATE_VERSION = 1
MAX_KNOWN_PATHS = 5_000
PATHS_FILE = "hook-paths.json"  # beside the state file
FORMS_FILE = "hook-forms.json"  # the message patterns' RE2 forms, beside it too
FOCUS_WINDOW = 10  # SPEC §3 default window (commits)

# SPEC §3 sums shares exactly: miner.revisits quantises them to 2**-40 and compares sums rounded
# to 1e-9. The tracker below must use the very same arithmetic to agree with it.
_QUANTUM = float(2**40)
_DECIMALS_SCALE = 1e9 / _QUANTUM


# -- installing -----------------------------------------------------------------------------------


def hooks_dir(repository: Path) -> Path:
    """The folder git runs hooks from: honours ``core.hooksPath`` and linked worktrees."""
    from miner.history.repository import hooks_folder

    return hooks_folder(repository).path


def install(
    repository: Path,
    *,
    stages: Sequence[str] = STAGES,
    strict: bool = False,
    force: bool = False,
    python: str | None = None,
    shared: bool = False,
) -> list[str]:
    """Install the hook for ``stages``; returns one line per action taken.

    A hook of the user's is moved to ``<hook>.legacy`` and run first by ours (its exit code
    respected). A second foreign hook when ``.legacy`` is taken is an error unless ``force``:
    then the old ``.legacy`` is kept as ``.legacy.<n>``. Nothing is ever deleted. A hooks
    folder shared with other repositories (``core.hooksPath`` outside this one) is only written
    with ``shared``: the hook would tag, or with ``strict`` reject, their commits too.
    """
    from miner.history.repository import hooks_folder

    if strict and "commit-msg" not in stages:
        raise UsageError("--strict applies to the commit-msg stage")
    where = hooks_folder(repository)
    if where.shared and not shared:
        origin = f" (core.hooksPath, set in {where.configured_in})" if where.configured_in else ""
        raise UsageError(
            f"the hooks folder {where.path}{origin} is outside this repository, so its hooks "
            "run for every repository that uses it: pass --shared to install there anyway"
        )
    folder = where.path
    folder.mkdir(parents=True, exist_ok=True)
    interpreter = python or sys.executable
    return [
        _install_stage(
            folder,
            stage,
            strict=strict and stage == "commit-msg",
            force=force,
            script_python=interpreter,
        )
        for stage in stages
    ]


def _install_stage(
    folder: Path, stage: str, *, strict: bool, force: bool, script_python: str
) -> str:
    hook = folder / stage
    legacy = folder / f"{stage}.legacy"
    note = ""
    if (hook.exists() or hook.is_symlink()) and not is_miner_hook(hook):
        if legacy.exists() or legacy.is_symlink():
            if not force:
                raise UsageError(
                    f"{hook} is not miner's and {legacy.name} already exists: move one of them "
                    "aside, or use --force to keep the old one as "
                    f"{legacy.name}.<n> and chain the current hook"
                )
            backup = _free_name(legacy)
            os.replace(legacy, backup)
            note = f"; older {legacy.name} kept as {backup.name}"
        os.replace(hook, legacy)
        note = f", chaining the existing hook (now {legacy.name}){note}"
    _write_atomically(hook, hook_script(stage, strict=strict, python=script_python).encode(), 0o755)
    return f"installed {stage} hook{' (strict)' if strict else ''}: {hook}{note}"


def _free_name(path: Path) -> Path:
    n = 1
    while (candidate := path.with_name(f"{path.name}.{n}")).exists():
        n += 1
    return candidate


def uninstall(repository: Path) -> list[str]:
    """Remove miner's hooks and put back the hooks they chained; one line per action."""
    folder = hooks_dir(repository)
    return [line for stage in STAGES if (line := _uninstall_stage(folder, stage))]


def _uninstall_stage(folder: Path, stage: str) -> str | None:
    hook = folder / stage
    legacy = folder / f"{stage}.legacy"
    if hook.exists() and not is_miner_hook(hook):
        return f"left {hook}: not installed by miner"
    removed = hook.exists()
    if removed:
        hook.unlink()
    if legacy.exists() or legacy.is_symlink():
        os.replace(legacy, hook)
        return f"removed {stage} hook, restored the previous one: {hook}"
    return f"removed {stage} hook: {hook}" if removed else None


def is_miner_hook(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return HOOK_MARKER.encode() in handle.read(4096)
    except OSError:
        return False


def hook_script(stage: str, *, strict: bool, python: str) -> str:
    """The installed script: chain the legacy hook, then run ``miner.hook.main`` with ``python``.

    When miner is not installed in ``python``'s site-packages (a checkout), the folder holding
    the package is put on ``PYTHONPATH``. A missing interpreter or package fails open.
    """
    args = f'{stage} "$@"{" --strict" if strict else ""}'
    package_root = _package_root()
    path_line = (
        ""
        if package_root is None
        else f'PYTHONPATH={shlex.quote(package_root)}"${{PYTHONPATH:+:$PYTHONPATH}}"\n'
        "export PYTHONPATH\n"
    )
    # commit-msg after prepare-commit-msg: most messages are tagged already; grep is far cheaper
    # than starting Python (the Python side still decides for every message grep lets through).
    skip_line = (
        ""
        if stage != "commit-msg" or strict
        else f"grep -qi '^{PHASE_TRAILER}[[:space:]]*:' \"$1\" 2>/dev/null && exit 0\n"
    )
    return f"""#!/bin/sh
{HOOK_MARKER}; `miner hook uninstall` removes it
# and restores the hook that was here before (kept meanwhile as {stage}.legacy).
MINER_PYTHON={shlex.quote(python)}
if [ -x "$0.legacy" ]; then
    "$0.legacy" "$@" || exit $?
fi
{skip_line}if [ ! -x "$MINER_PYTHON" ]; then
    echo "miner: warning: hook skipped: $MINER_PYTHON is gone (run 'miner hook install' again)" >&2
    exit 0
fi
{path_line}exec "$MINER_PYTHON" -c '{_BOOTSTRAP}' {args}
"""


# The import itself is guarded: a broken installation must not block commits.
_BOOTSTRAP = """import sys
try:
    from miner.hook import main
except Exception as error:
    print(f"miner: warning: hook skipped: {error}", file=sys.stderr)
    raise SystemExit(0)
raise SystemExit(main(sys.argv[1:]))"""


def _package_root() -> str | None:
    import sysconfig

    root = Path(__file__).resolve().parent.parent
    installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    return None if root in installed else str(root)


# -- the message file -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageLayout:
    """A message file split where git will cut it: ``body`` (what becomes the commit message,
    maybe with comment lines inside) and ``tail`` (the trailing comment/blank block and
    everything from the scissors line on)."""

    body: str
    tail: str

    @property
    def is_empty(self) -> bool:
        return not self.body.strip()


def split_layout(text: str, comment_char: str = "#") -> MessageLayout:
    scissors = f"{comment_char} {'-' * 24} >8 {'-' * 24}"
    lines = text.splitlines(keepends=True)
    cut = next((i for i, line in enumerate(lines) if line.rstrip("\r\n") == scissors), len(lines))
    end = cut
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].startswith(comment_char)):
        end -= 1
    return MessageLayout("".join(lines[:end]), "".join(lines[end:]))


def add_trailers(text: str, trailers: Sequence[str], comment_char: str = "#") -> str:
    """``text`` with ``trailers`` (``Key: value`` lines) appended to its trailer block.

    A new block is separated by one blank line; an existing block (git's rules) is extended.
    Nothing of ``text`` is changed or removed: a missing final newline of the body is added.
    """
    from miner.classify.trailers import parse_trailers

    layout = split_layout(text, comment_char)
    newline = "\r\n" if layout.body.endswith("\r\n") else "\n"
    body = layout.body if layout.body.endswith(("\n", "\r")) else layout.body + newline
    separator = "" if parse_trailers(_uncommented(body, comment_char)) else newline
    added = "".join(f"{line}{newline}" for line in trailers)
    return f"{body}{separator}{added}{layout.tail}"


def only_gains_lines(original: str, updated: str) -> bool:
    """True when ``updated`` is ``original`` with whole lines (or a final newline) inserted."""
    old = original.splitlines()
    position = 0
    for line in updated.splitlines():
        if position < len(old) and line == old[position]:
            position += 1
    return position == len(old) and len(updated) >= len(original)


def _uncommented(body: str, comment_char: str) -> str:
    return "".join(
        line for line in body.splitlines(keepends=True) if not line.startswith(comment_char)
    )


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: readers see the old
    content or the new one, never a partial file."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _rewrite_message(path: Path, original: bytes, updated_text: str) -> None:
    original_text = original.decode("utf-8", "surrogateescape")
    if not only_gains_lines(original_text, updated_text):
        raise RuntimeError("refusing to write a message that would lose text")  # a bug of ours
    real = Path(os.path.realpath(path))
    _write_atomically(
        real, updated_text.encode("utf-8", "surrogateescape"), real.stat().st_mode & 0o7777
    )


# -- focus of recent history (SPEC §3, incrementally) ---------------------------------------------


@dataclass(slots=True)
class FocusTracker:
    """SPEC §3 focus and departure kind, one commit at a time, in O(window) per commit.

    Mirrors :func:`miner.sequence.revisits.analyse_sequence` with a count window (a property test
    checks
    they agree on every prefix); keeps only what the next step needs, so the hook can store it.
    """

    phases: tuple[str, ...]
    window: int = FOCUS_WINDOW
    recent: deque[tuple[int, ...]] = field(default_factory=deque)
    focus: int | None = None
    seen: set[int] = field(default_factory=set)
    previous: tuple[int, int, str | None] | None = None  # (focus, target, event) of a departure

    def peek(self, primary: str) -> tuple[str, str | None]:
        """The focus and event (``advance``, ``revisit`` or None) a commit with this primary
        phase would get next."""
        p = self.phases.index(primary)
        f = self._next_focus(p)
        return self.phases[f], self._event(p, f)

    def push(self, primary: str, shares: Mapping[str, float]) -> tuple[str, str | None]:
        """Add a classified commit; returns its focus and event."""
        p = self.phases.index(primary)
        f = self._next_focus(p)
        event = self._event(p, f)
        self.previous = None if p == f else (f, p, event)
        self.focus = f
        self.seen.add(p)
        self.recent.append(tuple(round(shares.get(phase, 0.0) * _QUANTUM) for phase in self.phases))
        while len(self.recent) > self.window:
            self.recent.popleft()
        return self.phases[f], event

    def _next_focus(self, p: int) -> int:
        if self.focus is None:
            return p
        keys = [round(sum(column) * _DECIMALS_SCALE) for column in zip(*self.recent, strict=True)]
        top = max(keys)
        return self.focus if keys[self.focus] == top else keys.index(top)

    def _event(self, p: int, f: int) -> str | None:
        if p == f:
            return None
        if self.previous is not None and self.previous[:2] == (f, p):
            return self.previous[2]
        return "revisit" if p in self.seen else "advance"

    def to_json(self) -> dict[str, Any]:
        return {
            "phases": list(self.phases),
            "window": self.window,
            "recent": [list(row) for row in self.recent],
            "focus": self.focus,
            "seen": sorted(self.seen),
            "previous": None if self.previous is None else list(self.previous),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FocusTracker:
        previous = data["previous"]
        return cls(
            phases=tuple(data["phases"]),
            window=int(data["window"]),
            recent=deque(tuple(int(x) for x in row) for row in data["recent"]),
            focus=data["focus"],
            seen={int(x) for x in data["seen"]},
            previous=None
            if previous is None
            else (int(previous[0]), int(previous[1]), previous[2]),
        )


# -- running --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HookRequest:
    """What git passed to the hook. ``source``/``sha``: prepare-commit-msg's extra arguments."""

    stage: str
    message_file: Path
    source: str | None = None
    sha: str | None = None
    strict: bool = False


@dataclass(frozen=True, slots=True)
class HookResult:
    """``added``: the trailer lines written; ``skipped``: why the message was left as it was."""

    added: tuple[str, ...] = ()
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    """The repository the hook runs in, as git's hook environment points at it."""

    git_dir: Path
    top: Path
    state_file: Path
    head: str | None
    comment_char: str
    cwd: Path | None = None  # None inside a hook: git's environment locates the repository
    clean: bool = False

    @property
    def paths_file(self) -> Path:
        return self.state_file.with_name(PATHS_FILE)


def execute(request: HookRequest, stderr: TextIO) -> int:
    """Run the hook and turn the outcome into an exit code (0, or 1 for a strict rejection).

    Fails open: any other failure prints one warning line and leaves the message untouched.
    """
    try:
        result = run_hook(request)
    except GateFailed as rejected:
        print(f"miner: error: {rejected}", file=stderr)
        return GateFailed.exit_code
    except Exception as error:  # fail open: a commit is never blocked by a bug or bad config
        print(
            f"miner: warning: hook skipped ({type(error).__name__}): {_one_line(error)}",
            file=stderr,
        )
        return 0
    if result.added:  # say what changed in the message (pre-commit shows it with verbose: true)
        print(f"miner: added {'; '.join(result.added)}", file=stderr)
    return 0


def run_hook(request: HookRequest) -> HookResult:
    """Tag (or with ``strict`` check) the message file. Raises GateFailed on a strict rejection."""
    if request.stage not in STAGES:
        raise UsageError(
            f"unknown hook stage {request.stage!r} (expected one of {', '.join(STAGES)})"
        )
    original = request.message_file.read_bytes()
    context = _context()
    text = original.decode("utf-8", "surrogateescape")
    layout = split_layout(text, context.comment_char)
    skipped = _skip_reason(request, layout, context)
    if skipped is not None:
        return HookResult(skipped=skipped)
    from miner.classify.trailers import parse_trailers, trailer_values

    phases = trailer_values(
        parse_trailers(_uncommented(layout.body, context.comment_char)), PHASE_TRAILER
    )
    if phases and not request.strict:  # decided before loading rules: the cheap common case
        return HookResult(skipped="the message already has an MLOps-Phase trailer")
    rules = _load_rules(context)
    if request.strict:
        try:
            _check(phases, rules.phases)
        except GateFailed as rejected:
            hint = _would_match(request, layout.body, rules, context)
            raise GateFailed(f"{rejected}{hint}") from None
        return HookResult(skipped="checked")
    added = _trailers_for(request, layout.body, rules, context)
    if not added:
        return HookResult(skipped="no rule recognises this change")
    _rewrite_message(
        request.message_file, original, add_trailers(text, added, context.comment_char)
    )
    return HookResult(added=added)


def _skip_reason(request: HookRequest, layout: MessageLayout, context: _Context) -> str | None:
    if request.source in SKIPPED_SOURCES:
        return f"{request.source} messages are not tagged"
    if (context.git_dir / "MERGE_HEAD").exists():
        return "merge commits are not tagged"
    if layout.is_empty:
        return "empty message (git aborts the commit)"
    if layout.body.lstrip().startswith(AUTOSQUASH_PREFIXES):
        return "fixup!/squash!/amend! commits are folded into their target"
    if request.source is None and _is_untouched_template(layout, context):
        return "unedited template (git aborts the commit)"
    return None


def _is_untouched_template(layout: MessageLayout, context: _Context) -> bool:
    """At commit-msg (no SOURCE): is the message still ``commit.template``? Tagging it would
    stop git from aborting the commit."""
    try:
        configured = _git(
            ["config", "--path", "--get", "commit.template"], cwd=context.cwd, clean=context.clean
        ).strip()
        template = (context.top / configured).read_text(encoding="utf-8", errors="replace")
    except (RepositoryError, OSError):
        return False
    return _significant(template, context.comment_char) == _significant(
        layout.body, context.comment_char
    )


def _significant(text: str, comment_char: str) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith(comment_char)
    ]


def _check(phases: Sequence[str], known: Sequence[str]) -> None:
    """A strict message names known phases, or says it has none (``NO_PHASE``, any alias)."""
    if not phases:
        raise GateFailed(
            f"commit message has no {PHASE_TRAILER} trailer: end it with a line such as "
            f"'{PHASE_TRAILER}: {known[0]}' (phases: {', '.join(known)}; "
            f"'{PHASE_TRAILER}: {NO_PHASE}' for none)"
        )
    if all(phase.lower() in NO_PHASE_ALIASES for phase in phases):
        return
    unknown = [phase for phase in phases if phase not in known]
    if unknown:
        raise GateFailed(
            f"{PHASE_TRAILER} trailer names unknown phase(s) {', '.join(unknown)}: "
            f"use one of {', '.join(known)}"
        )


def _would_match(request: HookRequest, body: str, rules: Rules, context: _Context) -> str:
    """``; the rules would add 'MLOps-Phase: …' (rule …)``: what to write, from the staged
    change; empty when no rule matches or the change cannot be read."""
    from miner.classify.classifier import Classifier

    try:
        amending = _is_amend(request, context)
        parent = _rev_parse(context, f"{context.head}^") if amending else context.head
        classification = Classifier(rules).classify(
            body, _staged_changes(context, amending, parent)
        )
    except (MinerError, OSError):
        return ""
    if classification.primary is None:
        return f"; no rule matches this change ('{PHASE_TRAILER}: {NO_PHASE}' if it has none)"
    rules_used = ", ".join(dict.fromkeys(e.rule for e in classification.evidence))
    labels = ", ".join(classification.labels)
    return f"; the rules would add '{PHASE_TRAILER}: {labels}' (rule {rules_used})"


def _trailers_for(
    request: HookRequest, body: str, rules: Rules, context: _Context
) -> tuple[str, ...]:
    from miner.classify.classifier import Classifier

    known = _known_paths(context.paths_file, rules)
    classifier = Classifier(rules, known_paths=known)
    amending = _is_amend(request, context)
    parent = _rev_parse(context, f"{context.head}^") if amending else context.head
    classification = classifier.classify(body, _staged_changes(context, amending, parent))
    classification = _with_staged_content(classification, rules, context, amending, parent)
    if classification.primary is None:
        _remember_paths(context.paths_file, rules, classifier, len(known))
        return ()
    phase_line = f"{PHASE_TRAILER}: {', '.join(classification.labels)}"
    focus, event = _tracker(context, parent, rules, classifier).peek(classification.primary)
    _remember_paths(context.paths_file, rules, classifier, len(known))
    if event != "revisit":
        return (phase_line,)
    return (phase_line, f"{REVISIT_TRAILER}: {focus} -> {classification.primary}")


def _is_amend(request: HookRequest, context: _Context) -> bool:
    """SOURCE ``commit`` naming HEAD: ``--amend`` (``-c``/``-C`` name other commits)."""
    if request.source != "commit" or request.sha is None or context.head is None:
        return False
    return _rev_parse(context, request.sha) == context.head


# -- git, as the hook environment sees it ---------------------------------------------------------


def _git(
    args: Sequence[str], *, cwd: Path | None = None, clean: bool = False, stdin: bytes | None = None
) -> str:
    """Run git; ``clean`` drops the inherited ``GIT_*`` variables (for a repository given by
    path), otherwise git's hook environment (``GIT_INDEX_FILE`` of ``commit -a``) is kept."""
    return _git_bytes(args, cwd=cwd, clean=clean, stdin=stdin).decode("utf-8", "surrogateescape")


def _git_bytes(
    args: Sequence[str], *, cwd: Path | None = None, clean: bool = False, stdin: bytes | None = None
) -> bytes:
    from miner.git import git_environment, run_git

    # In a hook (not clean) git's own environment is kept: GIT_INDEX_FILE is what is committed.
    env = git_environment() if clean else dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    return run_git(
        args, cwd=cwd, env=env, stdin=stdin or b"", options=("-c", "core.quotePath=false")
    )


def _rev_parse(context: _Context, rev: str) -> str | None:
    try:
        out = _git(
            ["rev-parse", "-q", "--verify", f"{rev}^{{commit}}"],
            cwd=context.cwd,
            clean=context.clean,
        )
    except RepositoryError:
        return None
    return out.strip() or None


def _context(cwd: Path | None = None, *, clean: bool = False) -> _Context:
    """Where the repository is. In a hook (``cwd`` None) git's environment says it; otherwise
    ``cwd`` does, with inherited ``GIT_*`` variables ignored."""
    git_dir, top, state = _git(
        ["rev-parse", "--absolute-git-dir", "--show-toplevel", "--git-path", STATE_FILE],
        cwd=cwd,
        clean=clean,
    ).splitlines()[:3]
    try:
        comment = _git(["config", "--get", "core.commentChar"], cwd=cwd, clean=clean).strip()
    except RepositoryError:
        comment = "#"
    base = cwd if cwd is not None else Path.cwd()
    context = _Context(
        git_dir=Path(git_dir),
        top=Path(top),
        state_file=(base / state).resolve(),
        head=None,
        comment_char=comment if len(comment) == 1 else "#",
        cwd=cwd,
        clean=clean,
    )
    return replace(context, head=_rev_parse(context, "HEAD"))


def _staged_changes(
    context: _Context, amending: bool, parent: str | None
) -> tuple[FileChange, ...]:
    """What the commit being made changes: the index (``GIT_INDEX_FILE`` as git set it) against
    HEAD (the empty tree before the first commit), or when amending against HEAD's parent."""
    args = ["diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff", "--no-relative"]
    if amending:
        args.append(parent or _empty_tree(context))
    return tuple(parse_name_status(_git_bytes(args, cwd=context.cwd, clean=context.clean)))


def _with_staged_content(
    classification: Classification,
    rules: Rules,
    context: _Context,
    amending: bool,
    parent: str | None,
) -> Classification:
    """When message and paths do not decide, the staged diff's lines do (miner.content): the
    diff is local, so the hook reads it by default."""
    from miner.classify.content import content_rules, files_from_patch, needs_content, with_content

    if not needs_content(classification):
        return classification
    args = ["diff", "--cached", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv"]
    args += ["--no-renames", "--no-relative"]
    if amending:
        args.append(parent or _empty_tree(context))
    patch = _git_bytes(args, cwd=context.cwd, clean=context.clean)
    return with_content(classification, files_from_patch(patch), rules, content_rules(rules))


def _empty_tree(context: _Context) -> str:
    return _git(
        ["hash-object", "-t", "tree", "--stdin"], cwd=context.cwd, clean=context.clean
    ).strip()


def parse_name_status(raw: bytes) -> Iterator[FileChange]:
    """``git diff --name-status -z`` output: status, path (two paths for renames and copies)."""
    from miner.history.log import FileChange, decode_path

    tokens = iter(raw.split(b"\0"))
    for token in tokens:
        if not token:
            continue
        status = token.decode("ascii")[0]
        first = decode_path(next(tokens))
        if status in "RC":
            yield FileChange(decode_path(next(tokens)), status, first)
        else:
            yield FileChange(first, status)


# -- the cached focus state -----------------------------------------------------------------------


def _tracker(
    context: _Context, tip: str | None, rules: Rules, classifier: Classifier
) -> FocusTracker:
    """The focus state after ``tip``: from the cache when it is at ``tip`` or an ancestor of it
    (then only the new commits are classified), else rebuilt from the whole history."""
    if tip is None:
        return FocusTracker(rules.phases)
    cached = _load_state(context.state_file, rules)
    if cached is not None and cached[0] == tip:
        return cached[1]
    if cached is not None and _is_ancestor(context, cached[0], tip):
        tracker, revision = cached[1], f"{cached[0]}..{tip}"
    else:
        tracker, revision = FocusTracker(rules.phases), tip
    _feed(tracker, _classified(context, revision, classifier))
    _save_state(context.state_file, rules, tip, tracker)
    return tracker


def prime_state(repository: Path) -> int:
    """Build the hook's focus cache for the current HEAD (``hook install`` does it so the first
    commit is fast); returns the number of classified commits it read."""
    from miner.classify.classifier import Classifier

    context = _context(repository, clean=True)
    if context.head is None:
        return 0
    rules = _load_rules(context)
    tracker = FocusTracker(rules.phases)
    classifier = Classifier(rules)
    count = _feed(tracker, _classified(context, context.head, classifier))
    _save_state(context.state_file, rules, context.head, tracker)
    _remember_paths(context.paths_file, rules, classifier, 0)
    return count


def _feed(tracker: FocusTracker, classified: Iterable[Classification]) -> int:
    count = 0
    for classification in classified:
        if classification.primary is not None:
            tracker.push(classification.primary, classification.shares)
            count += 1
    return count


def _classified(
    context: _Context, revision: str, classifier: Classifier
) -> Iterator[Classification]:
    from miner.history.log import HistoryOptions, iter_commits
    from miner.history.repository import PARTIAL_CLONE, Repository, RepositoryInfo, is_partial_clone

    info = RepositoryInfo(str(context.top), str(context.git_dir), None, None, False)
    repo = Repository(info=info, git_dir=context.git_dir, work_tree=context.top, rev=None)
    if is_partial_clone(repo):  # similarity renames would need blobs it never fetches
        repo = repo.with_exact_renames(PARTIAL_CLONE)
    for commit in iter_commits(repo, HistoryOptions(rev=revision)):
        if not commit.is_merge:
            yield classifier.classify(commit.message, commit.files)


def _is_ancestor(context: _Context, ancestor: str, tip: str) -> bool:
    try:
        _git(["merge-base", "--is-ancestor", ancestor, tip], cwd=context.cwd, clean=context.clean)
    except RepositoryError:
        return False
    return True


def _load_state(path: Path, rules: Rules) -> tuple[str, FocusTracker] | None:
    """The cached (tip, tracker), or None when missing, unreadable or made for other rules."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION or data.get("rules") != rules.digest:
            return None
        tracker = FocusTracker.from_json(data["state"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    if tracker.phases != rules.phases or tracker.window != FOCUS_WINDOW:
        return None
    return str(data["tip"]), tracker


def _save_state(path: Path, rules: Rules, tip: str, tracker: FocusTracker) -> None:
    data = {"version": STATE_VERSION, "rules": rules.digest, "tip": tip, "state": tracker.to_json()}
    with contextlib.suppress(OSError):  # a cache: failing to write it only costs time later
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, json.dumps(data).encode(), 0o644)


def _load_rules(context: _Context) -> Rules:
    """The repository's rules, translating only message patterns no earlier commit translated
    (their RE2 forms are kept beside the focus cache; parsing every pattern costs ~20 ms)."""
    from miner.rules import regex as linear_regex
    from miner.rules.resolve import resolve_rules

    forms_file = context.paths_file.with_name(FORMS_FILE)
    held: object = None
    try:
        data = json.loads(forms_file.read_text(encoding="utf-8"))
        if data.get("translator") == linear_regex.TRANSLATOR_VERSION:
            held = data.get("forms")
            linear_regex.learn_forms(held)
    except (OSError, ValueError, AttributeError):
        pass  # a cache: anything odd means translating again
    rules = resolve_rules(None, work_tree=context.top)
    forms = linear_regex.known_forms()
    if forms != held:
        document = {"translator": linear_regex.TRANSLATOR_VERSION, "forms": forms}
        with contextlib.suppress(OSError):
            forms_file.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(forms_file, json.dumps(document).encode(), 0o644)
    return rules


def _known_paths(path: Path, rules: Rules) -> dict[str, list[str] | None]:
    """Path votes learnt by earlier runs with the same rules (a cache: anything odd is empty)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        votes = data["votes"] if data.get("rules") == rules.digest else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    if not isinstance(votes, dict):
        return {}
    return {
        path: ids
        for path, ids in votes.items()
        if ids is None or (isinstance(ids, list) and all(isinstance(i, str) for i in ids))
    }


def _remember_paths(path: Path, rules: Rules, classifier: Classifier, known: int) -> None:
    """Keep the newest ``MAX_KNOWN_PATHS`` path votes for the next commit."""
    votes = classifier.path_votes()
    if len(votes) == known:
        return
    kept = dict(list(votes.items())[-MAX_KNOWN_PATHS:])
    with contextlib.suppress(OSError):  # a cache: failing to write it only costs time later
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, json.dumps({"rules": rules.digest, "votes": kept}).encode(), 0o644)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


# -- entry point of the installed script ----------------------------------------------------------


def build_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of ``hook run`` (shared with ``miner hook run``)."""
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("message_file", metavar="MSGFILE", type=Path)
    parser.add_argument("source", nargs="?", metavar="SOURCE")
    parser.add_argument("sha", nargs="?", metavar="SHA")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="only check that the message names its phases (or 'none', aliases n/a and -)",
    )
    return parser


def request_from(args: argparse.Namespace, environ: Mapping[str, str]) -> HookRequest:
    """The request; the pre-commit framework passes SOURCE and SHA in its environment."""
    return HookRequest(
        stage=args.stage,
        message_file=args.message_file,
        source=args.source or environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE") or None,
        sha=args.sha or environ.get("PRE_COMMIT_COMMIT_OBJECT_NAME") or None,
        strict=args.strict,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m miner.hook STAGE MSGFILE [SOURCE [SHA]] [--strict]`` (the installed hook)."""
    parser = build_parser(argparse.ArgumentParser(prog="miner hook run"))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # bad arguments from a hook manager: warn, never block
        return 0 if exit_.code in (0, None) else _warn_usage()
    return execute(request_from(args, os.environ), sys.stderr)


def _warn_usage() -> int:
    print("miner: warning: hook skipped: bad arguments", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
