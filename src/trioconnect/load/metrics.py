"""What a load run measures: latency histograms, counters, named errors and a time series.

Nothing here does I/O or reads a clock: every method that depends on time takes ``now``, in
seconds on whatever monotonic clock the caller uses (the runner passes ``trio.current_time()``).
That keeps the arithmetic testable with plain numbers.

* :class:`~trioconnect.load.histogram.LatencyHistogram` (re-exported here) keeps a latency
  distribution in fixed memory with a bounded relative error.
* :class:`Recorder` holds one histogram per name of :data:`METRICS`, the chat and message
  counters, the errors by ``"phase: Name"`` key and one :class:`IntervalRow` per interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from trioconnect.errors import ValidationError
from trioconnect.load.histogram import LatencyHistogram, LatencySummary

__all__ = [
    "METRICS",
    "PHASES",
    "ErrorCount",
    "IntervalRow",
    "LatencyHistogram",
    "LatencySummary",
    "Recorder",
    "Snapshot",
]

#: Every latency a run measures, in the order of a chat's life.
METRICS: tuple[str, ...] = (
    "start_chat",
    "connect",
    "send",
    "round_trip",
    "reply",
    "disconnect",
    "chat",
)
#: The phases an error may be counted under (the first half of an error key).
PHASES: tuple[str, ...] = ("start_chat", "connect", "send", "reply", "disconnect", "chat")
#: Longest example message kept per error key, in characters.
_EXAMPLE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class ErrorCount:
    """How often one error key was seen, and the first message seen for it."""

    count: int
    example: str


@dataclass(frozen=True, slots=True)
class IntervalRow:
    """One row of a run's time series.

    Attributes:
        start: seconds from the run's start to the row's start.
        length: the row's length in seconds (a multiple of the recorder's interval).
        chats_active: chats open at the end of the row (the largest, for merged rows).
        chats_started: chats started within the row.
        chats_finished: chats finished within the row, failed ones included.
        chats_failed: chats failed within the row.
        messages_sent: messages sent within the row.
        replies: replies received within the row.
        errors: errors counted within the row.
        reply_p50: median reply latency within the row, in seconds (the larger, when merged).
        reply_p99: 99th-percentile reply latency within the row (the larger, when merged).
    """

    start: float
    length: float
    chats_active: int
    chats_started: int
    chats_finished: int
    chats_failed: int
    messages_sent: int
    replies: int
    errors: int
    reply_p50: float | None
    reply_p99: float | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A run's state at one moment, for live progress.

    ``messages_per_second`` covers the last closed interval; the reply percentiles cover the
    whole run so far. Times are in seconds.
    """

    elapsed: float
    chats_started: int
    chats_active: int
    chats_finished: int
    chats_failed: int
    chats_total: int
    messages_sent: int
    replies: int
    errors: int
    messages_per_second: float
    reply_p50: float | None
    reply_p99: float | None


@dataclass(slots=True)
class _Tally:
    """Counters over some stretch of a run."""

    started: int = 0
    finished: int = 0
    failed: int = 0
    sent: int = 0
    replies: int = 0
    errors: int = 0


def _larger(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _merge_rows(a: IntervalRow, b: IntervalRow) -> IntervalRow:
    """Two adjacent rows as one (``a`` first)."""
    return IntervalRow(
        start=a.start,
        length=a.length + b.length,
        chats_active=max(a.chats_active, b.chats_active),
        chats_started=a.chats_started + b.chats_started,
        chats_finished=a.chats_finished + b.chats_finished,
        chats_failed=a.chats_failed + b.chats_failed,
        messages_sent=a.messages_sent + b.messages_sent,
        replies=a.replies + b.replies,
        errors=a.errors + b.errors,
        reply_p50=_larger(a.reply_p50, b.reply_p50),
        reply_p99=_larger(a.reply_p99, b.reply_p99),
    )


class Recorder:
    """Everything a run measures. Time is passed in (seconds on any monotonic clock); no I/O.

    The time series has one :class:`IntervalRow` per ``interval`` seconds from ``started_at``.
    Each method that takes ``now`` first closes the intervals that ended at or before ``now``
    (as :meth:`tick` does), so an event always lands in the interval it happened in, and idle
    intervals still get their (empty) row. When there would be more than ``max_rows`` rows,
    adjacent rows are merged pairwise and later rows are built at the doubled length, so the
    series keeps covering the whole run in bounded memory.

    Args:
        chats_total: the chats the run means to start (for progress).
        started_at: the run's start on the caller's clock.
        interval: the length of a time-series row, in seconds (> 0).
        max_rows: the most rows kept (>= 1).

    Raises:
        ValidationError: for an argument that breaks those rules.
    """

    def __init__(
        self, *, chats_total: int, started_at: float, interval: float = 1.0, max_rows: int = 3600
    ) -> None:
        if not (math.isfinite(interval) and interval > 0):
            raise ValidationError(f"interval must be > 0 seconds, got {interval!r}")
        if max_rows < 1:
            raise ValidationError(f"max_rows must be >= 1, got {max_rows!r}")
        if chats_total < 0:
            raise ValidationError(f"chats_total must be >= 0, got {chats_total!r}")
        self._chats_total = chats_total
        self._started_at = started_at
        self._interval = interval
        self._max_rows = max_rows
        self._histograms = {name: LatencyHistogram() for name in METRICS}
        self._errors: dict[str, ErrorCount] = {}
        self._active = 0
        self._total = _Tally()  # the whole run
        # The open interval: its index from the start, its counters and its reply latencies.
        self._open = 0
        self._window = _Tally()
        self._open_replies = LatencyHistogram()
        self._last_sent = 0  # messages sent in the last closed interval
        # The series: full rows, and the closed intervals not yet making a full row.
        self._rows: list[IntervalRow] = []
        self._units_per_row = 1
        self._pending: IntervalRow | None = None
        self._pending_units = 0

    # Counters --------------------------------------------------------------------------------

    @property
    def chats_total(self) -> int:
        """The chats the run means to start."""
        return self._chats_total

    @property
    def chats_started(self) -> int:
        """Chats started so far."""
        return self._total.started

    @property
    def chats_active(self) -> int:
        """Chats started and not finished."""
        return self._active

    @property
    def chats_finished(self) -> int:
        """Chats finished so far, failed ones included."""
        return self._total.finished

    @property
    def chats_failed(self) -> int:
        """Chats that failed so far."""
        return self._total.failed

    @property
    def messages_sent(self) -> int:
        """Messages sent so far."""
        return self._total.sent

    @property
    def replies(self) -> int:
        """Replies received so far."""
        return self._total.replies

    @property
    def errors_total(self) -> int:
        """Errors counted so far, over every key."""
        return self._total.errors

    @property
    def histograms(self) -> Mapping[str, LatencyHistogram]:
        """One histogram per name of :data:`METRICS` (read-only mapping; live histograms)."""
        return MappingProxyType(self._histograms)

    @property
    def errors(self) -> Mapping[str, ErrorCount]:
        """The errors by ``"phase: Name"`` key, in the order first seen (a copy)."""
        return dict(self._errors)

    @property
    def rows(self) -> Sequence[IntervalRow]:
        """The time series of closed intervals; the last row may be shorter than the others."""
        if self._pending is None:
            return tuple(self._rows)
        return (*self._rows, self._pending)

    # Events ----------------------------------------------------------------------------------

    def latency(self, metric: str, seconds: float) -> None:
        """Record one latency of ``metric``.

        Raises:
            ValueError: for a name not in :data:`METRICS`, or a value that is not finite.
        """
        histogram = self._histograms.get(metric)
        if histogram is None:
            raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
        histogram.record(seconds)

    def chat_started(self, now: float) -> None:
        """A chat started."""
        self.tick(now)
        self._active += 1
        self._total.started += 1
        self._window.started += 1

    def chat_finished(self, now: float, *, failed: bool) -> None:
        """A chat finished, well or not.

        Raises:
            ValueError: when no chat is active.
        """
        if self._active == 0:
            raise ValueError("chat_finished() without a chat_started() to match")
        self.tick(now)
        self._active -= 1
        self._total.finished += 1
        self._window.finished += 1
        if failed:
            self._total.failed += 1
            self._window.failed += 1

    def message_sent(self, now: float) -> None:
        """A customer sent a message."""
        self.tick(now)
        self._total.sent += 1
        self._window.sent += 1

    def reply_received(self, now: float, seconds: float) -> None:
        """A reply arrived ``seconds`` after its message was sent; records the reply latency."""
        self.tick(now)
        self.latency("reply", seconds)
        self._open_replies.record(seconds)
        self._total.replies += 1
        self._window.replies += 1

    def error(self, now: float, phase: str, name: str, message: str) -> None:
        """Count an error under ``f"{phase}: {name}"``; the first message is kept as the example.

        Raises:
            ValueError: for a phase not in :data:`PHASES`.
        """
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
        self.tick(now)
        key = f"{phase}: {name}"
        seen = self._errors.get(key)
        if seen is None:
            if len(message) > _EXAMPLE_LIMIT:
                message = message[: _EXAMPLE_LIMIT - 1] + "…"
            self._errors[key] = ErrorCount(count=1, example=message)
        else:
            self._errors[key] = ErrorCount(count=seen.count + 1, example=seen.example)
        self._total.errors += 1
        self._window.errors += 1

    # Time --------------------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Close every interval that ended at or before ``now``, idle ones included."""
        while self._started_at + (self._open + 1) * self._interval <= now:
            self._close_interval()

    def snapshot(self, now: float) -> Snapshot:
        """The run's state at ``now`` (after closing the intervals that ended)."""
        self.tick(now)
        reply = self._histograms["reply"]
        return Snapshot(
            elapsed=max(now - self._started_at, 0.0),
            chats_started=self._total.started,
            chats_active=self._active,
            chats_finished=self._total.finished,
            chats_failed=self._total.failed,
            chats_total=self._chats_total,
            messages_sent=self._total.sent,
            replies=self._total.replies,
            errors=self._total.errors,
            messages_per_second=self._last_sent / self._interval,
            reply_p50=reply.percentile(50),
            reply_p99=reply.percentile(99),
        )

    def _close_interval(self) -> None:
        window = self._window
        row = IntervalRow(
            start=self._open * self._interval,
            length=self._interval,
            chats_active=self._active,
            chats_started=window.started,
            chats_finished=window.finished,
            chats_failed=window.failed,
            messages_sent=window.sent,
            replies=window.replies,
            errors=window.errors,
            reply_p50=self._open_replies.percentile(50),
            reply_p99=self._open_replies.percentile(99),
        )
        self._last_sent = window.sent
        self._open += 1
        self._window = _Tally()
        if self._open_replies.count:
            self._open_replies.reset()
        self._add_row(row)

    def _add_row(self, row: IntervalRow) -> None:
        """Add one closed interval to the series, merging when the series is full."""
        self._pending = row if self._pending is None else _merge_rows(self._pending, row)
        self._pending_units += 1
        if self._pending_units < self._units_per_row:
            return
        self._rows.append(self._pending)
        self._pending = None
        self._pending_units = 0
        if len(self._rows) > self._max_rows:
            rows = self._rows
            self._rows = [_merge_rows(a, b) for a, b in zip(rows[::2], rows[1::2], strict=False)]
            self._units_per_row *= 2
            if len(rows) % 2:
                # The odd row out becomes the start of the next, longer row.
                self._pending = rows[-1]
                self._pending_units = self._units_per_row // 2
