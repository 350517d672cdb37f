"""What the hook does with a commit message, and its entry point.

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
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from miner.classify.trailers import (
    PHASE_TRAILER,
    REVISIT_TRAILER,
    parse_trailers,
    trailer_values,
)
from miner.errors import GateFailed, MinerError, UsageError
from miner.hook import context as git_context
from miner.hook import state
from miner.hook.context import HookContext
from miner.hook.install import STAGES, build_parser
from miner.hook.message import (
    MessageLayout,
    add_trailers,
    rewrite_message,
    significant_lines,
    split_layout,
    uncommented,
)
from miner.hook.rules_cache import load_rules

if TYPE_CHECKING:  # imported when used: a broken module must not block a commit (fail open)
    import argparse

    from miner.classify.records import Classification
    from miner.rules.model import Rules

# ``MLOps-Phase: none`` says "this commit belongs to no phase" (a typo fix, a version bump);
# --strict accepts it and its aliases (any case).
NO_PHASE = "none"
NO_PHASE_ALIASES = ("none", "n/a", "-")
SKIPPED_SOURCES = frozenset({"merge", "template"})
AUTOSQUASH_PREFIXES = ("fixup! ", "squash! ", "amend! ")


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
    context = git_context.locate()
    text = original.decode("utf-8", "surrogateescape")
    layout = split_layout(text, context.comment_char)
    skipped = _skip_reason(request, layout, context)
    if skipped is not None:
        return HookResult(skipped=skipped)
    phases = trailer_values(
        parse_trailers(uncommented(layout.body, context.comment_char)), PHASE_TRAILER
    )
    if phases and not request.strict:  # decided before loading rules: the cheap common case
        return HookResult(skipped=f"the message already has an {PHASE_TRAILER} trailer")
    rules = load_rules(context)
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
    rewrite_message(request.message_file, original, add_trailers(text, added, context.comment_char))
    return HookResult(added=added)


def _skip_reason(request: HookRequest, layout: MessageLayout, context: HookContext) -> str | None:
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


def _is_untouched_template(layout: MessageLayout, context: HookContext) -> bool:
    """At commit-msg (no SOURCE): is the message still ``commit.template``? Tagging it would
    stop git from aborting the commit."""
    template = git_context.commit_template(context)
    if template is None:
        return False
    return significant_lines(template, context.comment_char) == significant_lines(
        layout.body, context.comment_char
    )


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


def _would_match(request: HookRequest, body: str, rules: Rules, context: HookContext) -> str:
    """``; the rules would add 'MLOps-Phase: …' (rule …)``: what to write, from the staged
    change; empty when no rule matches or the change cannot be read."""
    from miner.classify.classifier import Classifier

    try:
        base = git_context.amend_base(context) if _is_amend(request, context) else None
        classification = Classifier(rules).classify(body, git_context.staged_changes(context, base))
    except (MinerError, OSError):
        return ""
    if classification.primary is None:
        return f"; no rule matches this change ('{PHASE_TRAILER}: {NO_PHASE}' if it has none)"
    rules_used = ", ".join(dict.fromkeys(e.rule for e in classification.evidence))
    labels = ", ".join(classification.labels)
    return f"; the rules would add '{PHASE_TRAILER}: {labels}' (rule {rules_used})"


def _trailers_for(
    request: HookRequest, body: str, rules: Rules, context: HookContext
) -> tuple[str, ...]:
    from miner.classify.classifier import Classifier

    known = state.known_paths(context, rules)
    classifier = Classifier(rules, known_paths=known)
    amending = _is_amend(request, context)
    base = git_context.amend_base(context) if amending else None
    classification = classifier.classify(body, git_context.staged_changes(context, base))
    classification = _with_staged_content(classification, rules, context, base)
    if classification.primary is None:
        state.remember_paths(context, rules, classifier, len(known))
        return ()
    phase_line = f"{PHASE_TRAILER}: {', '.join(classification.labels)}"
    # the commit comes after HEAD, or when amending after HEAD's parent (none: a root commit)
    tip = (context.parents[:1] or (None,))[0] if amending else context.head
    focus, event = state.focus_at(context, tip, rules, classifier).peek(classification.primary)
    state.remember_paths(context, rules, classifier, len(known))
    if event != "revisit":
        return (phase_line,)
    return (phase_line, f"{REVISIT_TRAILER}: {focus} -> {classification.primary}")


def _is_amend(request: HookRequest, context: HookContext) -> bool:
    """SOURCE ``commit`` naming HEAD: ``--amend`` (git passes ``HEAD``; ``-c``/``-C`` name
    other commits)."""
    if request.source != "commit" or request.sha is None or context.head is None:
        return False
    return request.sha == "HEAD" or git_context.rev_parse(context, request.sha) == context.head


def _with_staged_content(
    classification: Classification, rules: Rules, context: HookContext, base: str | None
) -> Classification:
    """When message and paths do not decide, the staged diff's lines do (miner.content): the
    diff is local, so the hook reads it by default."""
    from miner.classify.content import content_rules, files_from_patch, needs_content, with_content

    if not needs_content(classification):
        return classification
    patch = git_context.staged_patch(context, base)
    return with_content(classification, files_from_patch(patch), rules, content_rules(rules))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


# -- entry point of the installed script ----------------------------------------------------------


def request_from(args: argparse.Namespace, environ: Mapping[str, str]) -> HookRequest:
    """The request; the pre-commit framework passes SOURCE and SHA in its environment."""
    request = HookRequest(args.stage, args.message_file, args.source, args.sha, args.strict)
    return _completed(request, environ)


def _completed(request: HookRequest, environ: Mapping[str, str]) -> HookRequest:
    return replace(
        request,
        source=request.source or environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE") or None,
        sha=request.sha or environ.get("PRE_COMMIT_COMMIT_OBJECT_NAME") or None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m miner.hook STAGE MSGFILE [SOURCE [SHA]] [--strict]`` (the installed hook)."""
    args = list(sys.argv[1:] if argv is None else argv)
    request = _plain_request(args, os.environ)
    if request is None:  # anything unusual: argparse reads it (and words the error)
        import argparse

        parser = build_parser(argparse.ArgumentParser(prog="miner hook run"))
        try:
            parsed = parser.parse_args(args)
        except SystemExit as exit_:  # bad arguments from a hook manager: warn, never block
            return 0 if exit_.code in (0, None) else _warn_usage()
        request = request_from(parsed, os.environ)
    return execute(request, sys.stderr)


def _plain_request(args: list[str], environ: Mapping[str, str]) -> HookRequest | None:
    """The request when ``args`` are what git passes (``STAGE MSGFILE [SOURCE [SHA]]``, maybe
    ``--strict``), read as :func:`build_parser` would read them; None for anything else. Saves
    a commit importing argparse."""
    positional = [arg for arg in args if arg != "--strict"]
    if len(args) - len(positional) > 1 or not 2 <= len(positional) <= 4:
        return None
    if positional[0] not in STAGES or any(arg.startswith("-") for arg in positional):
        return None
    stage, message_file, *extra = positional
    source, sha = (*extra, None, None)[:2]
    strict = len(positional) < len(args)
    return _completed(HookRequest(stage, Path(message_file), source, sha, strict), environ)


def _warn_usage() -> int:
    print("miner: warning: hook skipped: bad arguments", file=sys.stderr)
    return 0
