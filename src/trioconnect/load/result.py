"""A load run's outcome: :class:`LoadResult`, the SLO verdicts and the JSON document.

:func:`build_result` freezes a :class:`~trioconnect.load.metrics.Recorder` into a
:class:`LoadResult` and judges the SLOs; :func:`result_to_json` turns a result into a versioned,
JSON-ready document (format ``"trioconnect-load/1"``) in which every latency is in milliseconds.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from trioconnect.load.metrics import METRICS, ErrorCount, IntervalRow, LatencySummary, Recorder
from trioconnect.load.plan import LoadPlan
from trioconnect.load.slo import FAILED_CHATS, Slo, SloVerdict

__all__ = [
    "JSON_FORMAT",
    "LoadResult",
    "Measurements",
    "build_result",
    "evaluate",
    "failed_percent",
    "result_to_json",
    "slo_unit",
]

#: The ``"format"`` of :func:`result_to_json`'s document; the number changes when a field's
#: meaning does (new fields may appear without a change).
JSON_FORMAT = "trioconnect-load/1"


class Measurements(Protocol):
    """What SLOs are judged on: a :class:`LoadResult` has it, and so may any other record."""

    @property
    def latencies(self) -> Mapping[str, LatencySummary]: ...
    @property
    def chats_started(self) -> int: ...
    @property
    def chats_failed(self) -> int: ...


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Everything a load run found.

    Attributes:
        plan: the plan the run followed.
        target: where the chats went, described without secrets.
        started_at: wall-clock start, ISO 8601 in UTC.
        duration: seconds the run took.
        interrupted: the run was stopped early (Ctrl-C).
        chats_started: chats started.
        chats_finished: chats finished, failed ones included.
        chats_failed: chats that failed.
        messages_sent: messages sent.
        replies: replies received.
        latencies: a summary (seconds) per name of :data:`~trioconnect.load.metrics.METRICS`,
            in that order; a metric never measured has count 0.
        errors: errors by ``"phase: Name"`` key, the most frequent first.
        rows: the time series.
        verdicts: one verdict per SLO, in the order given.
        version: trioconnect's version.
    """

    plan: LoadPlan
    target: str
    started_at: str
    duration: float
    interrupted: bool
    chats_started: int
    chats_finished: int
    chats_failed: int
    messages_sent: int
    replies: int
    latencies: Mapping[str, LatencySummary]
    errors: Mapping[str, ErrorCount]
    rows: tuple[IntervalRow, ...]
    verdicts: tuple[SloVerdict, ...]
    version: str

    @property
    def passed(self) -> bool:
        """Whether every SLO held (true when there were none)."""
        return all(verdict.passed for verdict in self.verdicts)

    @property
    def errors_total(self) -> int:
        """Errors counted, over every key."""
        return sum(error.count for error in self.errors.values())


def failed_percent(chats_failed: int, chats_started: int) -> float:
    """Failed chats as a percentage of the chats started (0 when none started)."""
    return chats_failed / chats_started * 100 if chats_started else 0.0


def _measure(slo: Slo, measurements: Measurements) -> float | None:
    if slo.subject == FAILED_CHATS:
        if slo.statistic == "percent":
            return failed_percent(measurements.chats_failed, measurements.chats_started)
        return float(measurements.chats_failed)
    summary = measurements.latencies.get(slo.subject)
    if summary is None or summary.count == 0:
        return None
    value: float | None = getattr(summary, slo.statistic)
    return value


def evaluate(slos: Sequence[Slo], measurements: Measurements) -> tuple[SloVerdict, ...]:
    """Judge each SLO against a run's measurements.

    A latency SLO on a metric that was never measured fails, with ``measured`` None: an
    objective nobody could check did not hold. ``failed_chats<N%`` compares
    ``failed / started * 100`` (0 % when no chat started).

    Args:
        slos: the objectives.
        measurements: latencies in seconds and chat counts, e.g. a :class:`LoadResult`.

    Returns:
        One verdict per SLO, in order.
    """
    verdicts = []
    for slo in slos:
        measured = _measure(slo, measurements)
        passed = measured is not None and slo.holds_for(measured)
        verdicts.append(SloVerdict(slo=slo, measured=measured, passed=passed))
    return tuple(verdicts)


def _version() -> str:
    try:
        return importlib.metadata.version("trioconnect")
    except importlib.metadata.PackageNotFoundError:
        return "0"


@dataclass(frozen=True, slots=True)
class _Measured:
    latencies: Mapping[str, LatencySummary]
    chats_started: int
    chats_failed: int


def build_result(
    recorder: Recorder,
    *,
    plan: LoadPlan,
    target: str,
    started_at: str,
    duration: float,
    interrupted: bool,
    slos: Sequence[Slo],
) -> LoadResult:
    """Freeze what ``recorder`` measured into a :class:`LoadResult`, judging ``slos``.

    Close the recorder's last interval first (``recorder.tick(now)``) so the time series
    covers the whole run.

    Args:
        recorder: the run's measurements.
        plan: the plan the run followed.
        target: where the chats went, without secrets.
        started_at: wall-clock start, ISO 8601 in UTC.
        duration: seconds the run took.
        interrupted: whether the run was stopped early.
        slos: the objectives to judge.
    """
    latencies = {name: recorder.histograms[name].summary() for name in METRICS}
    errors = dict(sorted(recorder.errors.items(), key=lambda item: (-item[1].count, item[0])))
    measured = _Measured(latencies, recorder.chats_started, recorder.chats_failed)
    return LoadResult(
        plan=plan,
        target=target,
        started_at=started_at,
        duration=duration,
        interrupted=interrupted,
        chats_started=recorder.chats_started,
        chats_finished=recorder.chats_finished,
        chats_failed=recorder.chats_failed,
        messages_sent=recorder.messages_sent,
        replies=recorder.replies,
        latencies=latencies,
        errors=errors,
        rows=tuple(recorder.rows),
        verdicts=evaluate(slos, measured),
        version=_version(),
    )


def slo_unit(slo: Slo) -> str:
    """The unit an SLO is shown in: ``"ms"``, ``"%"`` or ``"chats"``."""
    if slo.subject != FAILED_CHATS:
        return "ms"
    return "%" if slo.statistic == "percent" else "chats"


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _shown(slo: Slo, value: float | None) -> float | None:
    """A threshold or measurement in the unit of :func:`slo_unit`."""
    if value is None:
        return None
    return _ms(value) if slo_unit(slo) == "ms" else round(value, 3)


def _summary_json(summary: LatencySummary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "min": _ms(summary.min),
        "mean": _ms(summary.mean),
        "p50": _ms(summary.p50),
        "p90": _ms(summary.p90),
        "p95": _ms(summary.p95),
        "p99": _ms(summary.p99),
        "max": _ms(summary.max),
    }


def _row_json(row: IntervalRow) -> dict[str, Any]:
    return {
        "start": round(row.start, 3),
        "length": round(row.length, 3),
        "chats_active": row.chats_active,
        "chats_started": row.chats_started,
        "chats_finished": row.chats_finished,
        "chats_failed": row.chats_failed,
        "messages_sent": row.messages_sent,
        "replies": row.replies,
        "errors": row.errors,
        "reply_p50_ms": _ms(row.reply_p50),
        "reply_p99_ms": _ms(row.reply_p99),
    }


def _verdict_json(verdict: SloVerdict) -> dict[str, Any]:
    slo = verdict.slo
    return {
        "slo": slo.text,
        "subject": slo.subject,
        "statistic": slo.statistic,
        "operator": slo.operator,
        "unit": slo_unit(slo),
        "threshold": _shown(slo, slo.threshold),
        "measured": _shown(slo, verdict.measured),
        "passed": verdict.passed,
    }


def result_to_json(result: LoadResult) -> dict[str, Any]:
    """A JSON-ready document of ``result``.

    The document has ``"format": "trioconnect-load/1"``. Latencies (``latencies_ms`` and the
    rows' ``reply_p50_ms``/``reply_p99_ms``) are in milliseconds rounded to 3 decimals; times
    (``duration``, a row's ``start`` and ``length``) in seconds; a missing value is null. An
    SLO's ``threshold`` and ``measured`` are in its ``unit`` (``"ms"``, ``"%"`` or
    ``"chats"``). ``errors`` is a list, the most frequent first.
    """
    return {
        "format": JSON_FORMAT,
        "version": result.version,
        "passed": result.passed,
        "target": result.target,
        "started_at": result.started_at,
        "duration": round(result.duration, 3),
        "interrupted": result.interrupted,
        "plan": result.plan.describe(),
        "totals": {
            "chats_started": result.chats_started,
            "chats_finished": result.chats_finished,
            "chats_failed": result.chats_failed,
            "failed_percent": round(failed_percent(result.chats_failed, result.chats_started), 3),
            "messages_sent": result.messages_sent,
            "replies": result.replies,
            "errors": result.errors_total,
        },
        "latencies_ms": {name: _summary_json(s) for name, s in result.latencies.items()},
        "slos": [_verdict_json(verdict) for verdict in result.verdicts],
        "errors": [
            {"key": key, "count": error.count, "example": error.example}
            for key, error in result.errors.items()
        ],
        "rows": [_row_json(row) for row in result.rows],
    }
