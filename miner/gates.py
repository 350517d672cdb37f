"""``--fail-on EXPR`` gates over a period report: parse, check, evaluate.

An expression is ``METRIC OP NUMBER`` or ``METRIC[ARG] OP NUMBER`` with OP one of
``<  <=  >  >=  ==  !=`` (spaces allowed), e.g. ``revisit_rate>0.35``,
``backward_revisit_events >= 10``, ``phase_share[monitoring]<0.02``. Every metric is about the
*current* period; ``*_change`` metrics are current minus previous. A gate *trips* when its
comparison is true. A metric that is undefined for the period (a rate or share with no
classified commit) trips nothing and is reported as undefined. An invalid expression, an unknown
metric, or an argument that is not a phase (or reason) of the rules is a usage error.

Metric names (this table is the reference; the README reuses it):

======================================  ========================================================
metric                                  value (current period)
======================================  ========================================================
``commits``                             commits analysed
``classified_commits``                  commits with a phase
``unclassified_commits``                commits matching no rule
``revisit_events``                      revisit events that started in the period
``backward_revisit_events``             … of them going back in the canonical phase order
``forward_revisit_events``              … of them going forward
``revisit_rate``                        revisit events / classified commits
``revisit_events_change``               revisit events, current - previous period
``revisit_rate_change``                 revisit rate, current - previous period
``phase_commits[PHASE]``                commits whose primary phase is PHASE
``phase_share[PHASE]``                  phase_commits[PHASE] / classified commits
``phase_share_change[PHASE]``           phase_share[PHASE], current - previous period
``revisits_to[PHASE]``                  revisit events going to PHASE
``revisits_from[PHASE]``                revisit events leaving a focus on PHASE
``reason_events[REASON]``               revisit events with reason REASON (or ``unspecified``)
======================================  ========================================================
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from miner.errors import UsageError
from miner.numbers import parse_decimal
from miner.periods import difference

if TYPE_CHECKING:
    from miner.periods import PeriodReport, PeriodSummary

Value = float | int | None
_SCALAR: dict[str, Callable[[PeriodReport], Value]] = {
    "commits": lambda r: r.current.commits,
    "classified_commits": lambda r: r.current.classified,
    "unclassified_commits": lambda r: r.current.commits - r.current.classified,
    "revisit_events": lambda r: len(r.current.revisit_events),
    "backward_revisit_events": lambda r: r.current.backward_revisit_events,
    "forward_revisit_events": lambda r: r.current.forward_revisit_events,
    "revisit_rate": lambda r: r.current.revisit_rate,
    "revisit_events_change": lambda r: r.revisit_events_change,
    "revisit_rate_change": lambda r: r.revisit_rate_change,
}
_PHASE: dict[str, Callable[[PeriodReport, str], Value]] = {
    "phase_commits": lambda r, p: r.current.phase_commits[p],
    "phase_share": lambda r, p: r.current.phase_share(p),
    "phase_share_change": lambda r, p: difference(
        r.current.phase_share(p), r.previous.phase_share(p)
    ),
    "revisits_to": lambda r, p: r.current.revisits_to(p),
    "revisits_from": lambda r, p: r.current.revisits_from(p),
}
_REASON: dict[str, Callable[[PeriodSummary, str], Value]] = {
    "reason_events": lambda s, reason: s.reason_events(reason),
}
METRICS: tuple[str, ...] = (*_SCALAR, *_PHASE, *_REASON)

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_EXPRESSION = re.compile(
    r"\s*(?P<metric>[a-z_]+)\s*(?:\[\s*(?P<arg>[^\]\s]+)\s*\])?\s*"
    r"(?P<op><=|>=|==|!=|<|>)\s*(?P<number>\S+)\s*"
)


@dataclass(frozen=True, slots=True)
class Gate:
    """One parsed ``--fail-on`` expression."""

    text: str
    metric: str
    arg: str | None
    op: str
    threshold: float

    @property
    def name(self) -> str:
        return self.metric if self.arg is None else f"{self.metric}[{self.arg}]"


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    value: Value
    tripped: bool

    def describe(self, period: str) -> str:
        """One line, e.g. ``revisit_rate > 0.35 (revisit_rate = 0.412 in 2024-03)``."""
        shown = "undefined" if self.value is None else _number(self.value)
        gate = self.gate
        return (
            f"{gate.name} {gate.op} {_number(gate.threshold)} ({gate.name} = {shown} in {period})"
        )


def parse_gate(text: str) -> Gate:
    """Parse one expression; UsageError (exit 2) when it is not a valid gate."""
    match = _EXPRESSION.fullmatch(text)
    if match is None:
        raise UsageError(
            f"--fail-on {text!r}: expected METRIC OP NUMBER, e.g. revisit_rate>0.35 "
            "(OP: < <= > >= == !=)"
        )
    metric, arg, op = match.group("metric"), match.group("arg"), match.group("op")
    if metric not in METRICS:
        raise UsageError(
            f"--fail-on {text!r}: unknown metric {metric!r} (known: {', '.join(METRICS)})"
        )
    if metric in _SCALAR and arg is not None:
        raise UsageError(f"--fail-on {text!r}: {metric} takes no [argument]")
    if metric not in _SCALAR and arg is None:
        what = "REASON" if metric in _REASON else "PHASE"
        raise UsageError(f"--fail-on {text!r}: {metric} needs an argument: {metric}[{what}]")
    return Gate(text, metric, arg, op, _threshold(text, match.group("number")))


def _threshold(text: str, number: str) -> float:
    return parse_decimal(number.removesuffix("%"), f"--fail-on {text!r}: the threshold") / (
        100 if number.endswith("%") else 1
    )


def parse_gates(texts: Iterable[str]) -> tuple[Gate, ...]:
    return tuple(parse_gate(text) for text in texts)


def metric_value(gate: Gate, report: PeriodReport) -> Value:
    """The gate's metric on ``report``; UsageError for an argument the rules do not know."""
    if gate.arg is None:
        return _SCALAR[gate.metric](report)
    if gate.metric in _PHASE:
        if gate.arg not in report.analysis.phases:
            known = ", ".join(report.analysis.phases)
            raise UsageError(
                f"--fail-on {gate.text!r}: unknown phase {gate.arg!r} (phases: {known})"
            )
        return _PHASE[gate.metric](report, gate.arg)
    reasons = (*report.analysis.rules.reason_ids, "unspecified")
    if gate.arg not in reasons:
        raise UsageError(
            f"--fail-on {gate.text!r}: unknown reason {gate.arg!r} (reasons: {', '.join(reasons)})"
        )
    return _REASON[gate.metric](report.current, gate.arg)


def evaluate(gates: Iterable[Gate], report: PeriodReport) -> tuple[GateResult, ...]:
    """Every gate's value and verdict, in the order given. Undefined values never trip."""
    results = []
    for gate in gates:
        value = metric_value(gate, report)
        tripped = value is not None and _OPERATORS[gate.op](float(value), gate.threshold)
        results.append(GateResult(gate, value, tripped))
    return tuple(results)


def _number(value: float | int) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
