"""``--fail-on EXPR`` gates over a period report: parse, check, evaluate.

An expression is one condition or several joined by ``and``; a condition is ``METRIC OP NUMBER``
or ``METRIC[ARG] OP NUMBER`` with OP one of ``<  <=  >  >=  ==  !=`` (spaces allowed; a number
may end in ``%``), e.g. ``revisit_rate>0.35``, ``backward_revisit_events >= 10``,
``phase_share[monitoring]<2% and classified_commits >= 50``. Every metric is about the *current*
period; ``*_change`` metrics are current minus previous. A gate *trips* when all its conditions
are true.

A condition is only judged on enough data: each metric has a minimum sample (the table's last
column: classified commits in the current period, or in both periods for a ``*_change``), below
which its verdict is "not enough data" and the gate does not trip (a revisit rate of 0.5 over 6
commits is noise, not a regression). ``--gate-min-sample METRIC=N`` (or ``gate_min_samples`` in
the settings file) changes a minimum; 0 judges every sample. A metric that is undefined for the
period (a rate or share with no classified commit) trips nothing and is reported as undefined.
An invalid expression, an unknown metric, or an argument that is not a phase (or reason) of the
rules is a usage error.

Metric names (this table is the reference; the README reuses it):

=================================  ===================================================  ======
metric                             value (current period)                               min
=================================  ===================================================  ======
``commits``                        commits analysed                                     0
``classified_commits``             commits with a phase                                 0
``unclassified_commits``           commits matching no rule                             0
``revisit_events``                 revisit events that started in the period            10
``backward_revisit_events``        … of them going back in the canonical phase order    10
``forward_revisit_events``         … of them going forward                              10
``revisit_rate``                   revisit events / classified commits                  20
``revisit_events_change``          revisit events, current - previous period            10
``revisit_rate_change``            revisit rate, current - previous period              20
``phase_commits[PHASE]``           commits whose primary phase is PHASE                 10
``phase_share[PHASE]``             phase_commits[PHASE] / classified commits            20
``phase_share_change[PHASE]``      phase_share[PHASE], current - previous period        20
``revisits_to[PHASE]``             revisit events going to PHASE                        10
``revisits_from[PHASE]``           revisit events leaving a focus on PHASE              10
``reason_events[REASON]``          revisit events with reason REASON (or ``unspecified``) 10
=================================  ===================================================  ======
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from miner.errors import UsageError
from miner.numbers import parse_decimal
from miner.trend.periods import difference

if TYPE_CHECKING:
    from miner.trend.periods import PeriodReport, PeriodSummary

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


# The minimum sample of each metric (see the module's table) and what the sample is.
MIN_SAMPLES: dict[str, int] = {
    "commits": 0,
    "classified_commits": 0,
    "unclassified_commits": 0,
    "revisit_events": 10,
    "backward_revisit_events": 10,
    "forward_revisit_events": 10,
    "revisit_rate": 20,
    "revisit_events_change": 10,
    "revisit_rate_change": 20,
    "phase_commits": 10,
    "phase_share": 20,
    "phase_share_change": 20,
    "revisits_to": 10,
    "revisits_from": 10,
    "reason_events": 10,
}
_COMPARES_PERIODS = frozenset(name for name in METRICS if name.endswith("_change"))
_AND = re.compile(r"\s+and\s+")
NOT_ENOUGH_DATA = "not enough data"


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``METRIC[ARG] OP NUMBER`` of a gate."""

    metric: str
    arg: str | None
    op: str
    threshold: float

    @property
    def name(self) -> str:
        return self.metric if self.arg is None else f"{self.metric}[{self.arg}]"

    def __str__(self) -> str:
        return f"{self.name} {self.op} {_number(self.threshold)}"


@dataclass(frozen=True, slots=True)
class Gate:
    """One parsed ``--fail-on`` expression: conditions that must all hold to trip."""

    text: str
    conditions: tuple[Condition, ...]

    def __str__(self) -> str:
        return " and ".join(map(str, self.conditions))


@dataclass(frozen=True, slots=True)
class ConditionResult:
    condition: Condition
    value: Value
    sample: int  # classified commits the metric was computed on (fewest of both periods)
    min_sample: int

    @property
    def verdict(self) -> str:
        """``true``, ``false``, ``undefined`` or ``not enough data``."""
        if self.sample < self.min_sample:
            return NOT_ENOUGH_DATA
        if self.value is None:
            return "undefined"
        holds = _OPERATORS[self.condition.op](float(self.value), self.condition.threshold)
        return "true" if holds else "false"

    def shown(self) -> str:
        value = "undefined" if self.value is None else _number(self.value)
        return f"{self.condition.name} = {value}"


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    conditions: tuple[ConditionResult, ...]

    @property
    def verdict(self) -> str:
        """``TRIPPED`` (every condition true), ``passed`` (one is false), else why it could not
        be judged: ``not enough data (…)`` or ``undefined``. Only ``TRIPPED`` fails a run."""
        verdicts = [c.verdict for c in self.conditions]
        if "false" in verdicts:
            return "passed"
        short = [c for c in self.conditions if c.verdict == NOT_ENOUGH_DATA]
        if short:
            needs = ", ".join(
                f"{c.condition.name}: {c.sample} of {c.min_sample} classified commits"
                for c in short
            )
            return f"{NOT_ENOUGH_DATA} ({needs})"
        if "undefined" in verdicts:
            return "undefined"
        return "TRIPPED"

    @property
    def tripped(self) -> bool:
        return self.verdict == "TRIPPED"

    @property
    def value(self) -> Value:
        """The first condition's value (the only one for a one-condition gate)."""
        return self.conditions[0].value

    def values(self) -> str:
        return ", ".join(c.shown() for c in self.conditions)

    def describe(self, period: str) -> str:
        """One line, e.g. ``revisit_rate > 0.35 (revisit_rate = 0.412 in 2024-03)``."""
        return f"{self.gate} ({self.values()} in {period})"


def parse_gate(text: str) -> Gate:
    """Parse one expression; UsageError (exit 2) when it is not a valid gate."""
    parts = _AND.split(text.strip())
    return Gate(text, tuple(_condition(text, part) for part in parts))


def _condition(text: str, part: str) -> Condition:
    match = _EXPRESSION.fullmatch(part)
    if match is None:
        raise UsageError(
            f"--fail-on {text!r}: expected METRIC OP NUMBER, e.g. revisit_rate>0.35 "
            "(OP: < <= > >= == !=; join conditions with 'and')"
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
    return Condition(metric, arg, op, _threshold(text, match.group("number")))


def _threshold(text: str, number: str) -> float:
    return parse_decimal(number.removesuffix("%"), f"--fail-on {text!r}: the threshold") / (
        100 if number.endswith("%") else 1
    )


def parse_gates(texts: Iterable[str]) -> tuple[Gate, ...]:
    return tuple(parse_gate(text) for text in texts)


def parse_min_samples(texts: Iterable[str]) -> dict[str, int]:
    """``--gate-min-sample METRIC=N`` values: the minimums they change."""
    from miner.numbers import parse_integer

    chosen: dict[str, int] = {}
    for text in texts:
        metric, equals, count = text.partition("=")
        option = f"--gate-min-sample {text}"
        if not equals or metric.strip() not in MIN_SAMPLES:
            raise UsageError(f"{option}: expected METRIC=N with METRIC one of {', '.join(METRICS)}")
        chosen[metric.strip()] = parse_integer(count.strip(), option, low=0, high=10**9)
    return chosen


def metric_value(gate: Gate | Condition, report: PeriodReport) -> Value:
    """The condition's metric on ``report`` (a gate's first condition); UsageError for an
    argument the rules do not know."""
    condition = gate.conditions[0] if isinstance(gate, Gate) else gate
    text = gate.text if isinstance(gate, Gate) else str(condition)
    if condition.arg is None:
        return _SCALAR[condition.metric](report)
    if condition.metric in _PHASE:
        if condition.arg not in report.analysis.phases:
            known = ", ".join(report.analysis.phases)
            raise UsageError(
                f"--fail-on {text!r}: unknown phase {condition.arg!r} (phases: {known})"
            )
        return _PHASE[condition.metric](report, condition.arg)
    reasons = (*report.analysis.rules.reason_ids, "unspecified")
    if condition.arg not in reasons:
        raise UsageError(
            f"--fail-on {text!r}: unknown reason {condition.arg!r} (reasons: {', '.join(reasons)})"
        )
    return _REASON[condition.metric](report.current, condition.arg)


def sample_size(condition: Condition, report: PeriodReport) -> int:
    """What a condition's minimum is compared with: classified commits in the current period
    (in the smaller of both periods for a change), or all commits for the commit counts."""
    if MIN_SAMPLES[condition.metric] == 0:
        return report.current.commits
    if condition.metric in _COMPARES_PERIODS:
        return min(report.current.classified, report.previous.classified)
    return report.current.classified


def evaluate(
    gates: Iterable[Gate], report: PeriodReport, *, min_samples: dict[str, int] | None = None
) -> tuple[GateResult, ...]:
    """Every gate's values and verdict, in the order given. Undefined values and samples below
    their metric's minimum (``MIN_SAMPLES``, updated by ``min_samples``) never trip."""
    minimums = {**MIN_SAMPLES, **(min_samples or {})}
    results = []
    for gate in gates:
        conditions = tuple(
            ConditionResult(
                condition,
                metric_value(Gate(gate.text, (condition,)), report),
                sample_size(condition, report),
                minimums[condition.metric],
            )
            for condition in gate.conditions
        )
        results.append(GateResult(gate, conditions))
    return tuple(results)


def _number(value: float | int) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
