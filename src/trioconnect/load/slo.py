"""Service-level objectives: what a load run must achieve to pass.

An SLO is an upper bound written as a short expression::

    reply.p99<2s            99 % of replies arrive within 2 seconds
    connect.p95 <= 500ms    95 % of connections open within 500 milliseconds
    chat.max<60s            no chat takes a minute or more
    failed_chats<=0         no chat fails
    failed_chats<1%         fewer than 1 % of the chats started fail

The grammar is ``<metric>.<statistic><operator><number><unit>`` with a metric from
:data:`~trioconnect.load.metrics.METRICS`, a statistic from :data:`LATENCY_STATISTICS`, the
operator ``<`` or ``<=`` and the unit ``ms`` or ``s``; or ``failed_chats<operator><number>``
(a count of chats) or ``failed_chats<operator><number>%`` (a percentage of the chats started).
Spaces are allowed around the operator. Checking SLOs against a run is
:func:`trioconnect.load.result.evaluate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trioconnect.errors import ValidationError
from trioconnect.load.metrics import METRICS

__all__ = [
    "DEFAULT_SLOS",
    "FAILED_CHATS",
    "LATENCY_STATISTICS",
    "OPERATORS",
    "Slo",
    "SloVerdict",
    "parse_slo",
]

#: The subject of the SLOs on failed chats.
FAILED_CHATS = "failed_chats"
#: The statistics a latency SLO may bound.
LATENCY_STATISTICS: tuple[str, ...] = ("p50", "p90", "p95", "p99", "max", "mean")
#: The comparisons an SLO may use: every SLO is an upper bound.
OPERATORS: tuple[str, ...] = ("<", "<=")
_UNITS = {"ms": 0.001, "s": 1.0}

# Deliberately loose: it accepts any operator-like run and any unit so that the checks below can
# say exactly what is wrong instead of a bare "does not parse".
_PATTERN = re.compile(
    r"""
    \s*(?P<subject>[A-Za-z_][A-Za-z0-9_]*)
    (?:\.(?P<statistic>[A-Za-z0-9_]*))?
    \s*(?P<operator>[<>=!]+)
    \s*(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
    \s*(?P<unit>[A-Za-z%]*)\s*
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Slo:
    """One service-level objective, parsed.

    Attributes:
        text: the expression as written (without surrounding spaces), e.g. ``"reply.p99<2s"``.
        subject: a name of :data:`~trioconnect.load.metrics.METRICS`, or ``"failed_chats"``.
        statistic: for a metric one of :data:`LATENCY_STATISTICS`; for failed chats
            ``"count"`` or ``"percent"``.
        operator: ``"<"`` or ``"<="``.
        threshold: seconds for a latency; a number of chats or a percentage for failed chats.
    """

    text: str
    subject: str
    statistic: str
    operator: str
    threshold: float

    def holds_for(self, measured: float) -> bool:
        """Whether ``measured`` (in the threshold's unit) meets this objective."""
        if self.operator == "<":
            return measured < self.threshold
        return measured <= self.threshold


@dataclass(frozen=True, slots=True)
class SloVerdict:
    """The outcome of one SLO.

    Attributes:
        slo: the objective.
        measured: the value found, in the threshold's unit; None when nothing was measured
            (e.g. an SLO on replies in a run that got none), which fails.
        passed: whether the objective held.
    """

    slo: Slo
    measured: float | None
    passed: bool


def _bad(text: str, problem: str, example: str) -> ValidationError:
    return ValidationError(f"bad SLO {text!r}: {problem}; for example {example!r}")


def parse_slo(text: str) -> Slo:
    """Parse one SLO expression (see the module's docstring for the grammar).

    Args:
        text: e.g. ``"reply.p99<2s"``, ``"connect.p95 <= 500ms"``, ``"failed_chats<1%"``.

    Returns:
        The parsed objective; ``threshold`` is in seconds for latencies.

    Raises:
        ValidationError: naming the part that is wrong and showing a valid example.
    """
    text = text.strip()
    match = _PATTERN.fullmatch(text)
    if match is None:
        expected = "expected <metric>.<statistic><operator><number><unit>"
        raise _bad(text, expected, "reply.p99<2s")
    subject, statistic, operator, number, unit = match.group(
        "subject", "statistic", "operator", "number", "unit"
    )
    if operator not in OPERATORS:
        example = "failed_chats<=0" if subject == FAILED_CHATS else "reply.p99<2s"
        problem = f"operator {operator!r} is not supported: an SLO is an upper bound, use < or <="
        raise _bad(text, problem, example)
    value = float(number)
    if value < 0:
        example = "failed_chats<=0" if subject == FAILED_CHATS else "reply.p99<2s"
        raise _bad(text, "the threshold must not be negative", example)
    if subject == FAILED_CHATS:
        return _parse_failed_chats(text, statistic, operator, value, unit)
    if subject not in METRICS:
        names = ", ".join((*METRICS, FAILED_CHATS))
        raise _bad(text, f"unknown metric {subject!r} (known: {names})", "reply.p99<2s")
    if statistic is None or statistic not in LATENCY_STATISTICS:
        shown = "no statistic" if statistic is None else f"unknown statistic {statistic!r}"
        known = ", ".join(LATENCY_STATISTICS)
        problem = f"{shown} for {subject} (known: {known})"
        raise _bad(text, problem, f"{subject}.p99<2s")
    if unit not in _UNITS:
        shown = "no unit" if not unit else f"unit {unit!r}"
        problem = f"{shown} for a latency: use ms or s"
        raise _bad(text, problem, f"{subject}.{statistic}{operator}500ms")
    return Slo(text, subject, statistic, operator, value * _UNITS[unit])


def _parse_failed_chats(
    text: str, statistic: str | None, operator: str, value: float, unit: str
) -> Slo:
    if statistic is not None:
        problem = "failed_chats takes no statistic: write a count or a percentage"
        raise _bad(text, problem, "failed_chats<1%")
    if unit == "%":
        return Slo(text, FAILED_CHATS, "percent", operator, value)
    if unit:
        problem = f"unit {unit!r} for failed_chats: write a count, or a percentage with %"
        raise _bad(text, problem, "failed_chats<1%")
    return Slo(text, FAILED_CHATS, "count", operator, value)


#: The SLOs a run is held to when the user gives none: no chat may fail.
DEFAULT_SLOS: tuple[Slo, ...] = (parse_slo("failed_chats<=0"),)
