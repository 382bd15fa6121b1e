"""Heartbeat bookkeeping for one chat WebSocket, with no clock of its own.

Theory of operation
-------------------
The caller owns the socket and the clock. It calls :meth:`HeartbeatMonitor.start` when a socket
opens, sleeps until :meth:`~HeartbeatMonitor.next_deadline`, calls
:meth:`~HeartbeatMonitor.tick` and does what the returned :class:`HeartbeatActions` says: send
``aws/ping`` then ``aws/heartbeat`` (that order, as ChatJS), report a deep-heartbeat failure, or
treat the socket as dead. Answers are reported with :meth:`~HeartbeatMonitor.on_heartbeat` and
:meth:`~HeartbeatMonitor.on_ping`. Time is a float of monotonic seconds passed in by the caller.

As in ChatJS, a ping and a heartbeat are sent when the socket opens and then every ``interval``
seconds, and at each send a ping still unanswered from the previous send is a deep-heartbeat
failure (which does not kill the socket).

Dead-socket detection bound
---------------------------
ChatJS declares the socket dead at the first tick where the previous tick's heartbeat is still
unanswered, which happens 10-20 s after the last answer. Here the rule is exact and configurable:
the socket is dead at precisely ``T + dead_after``, where ``T`` is the time of the most recent
heartbeat answer (or of :meth:`~HeartbeatMonitor.start` if none came yet), provided the caller
ticks at every :meth:`~HeartbeatMonitor.next_deadline`. So a link that fails at time ``F`` is
declared dead no later than ``F + dead_after`` (and, in steady state, no earlier than
``F + dead_after - interval``). ``dead_after`` defaults to ``2 * interval`` (ChatJS's worst case)
and must exceed ``interval``, or a healthy socket would be declared dead between two heartbeats.
Any late answer resets the clock, so a slow but live server is tolerated up to ``dead_after``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import final

__all__ = ["HeartbeatActions", "HeartbeatMonitor"]


@final
@dataclass(frozen=True, slots=True)
class HeartbeatActions:
    """What the caller must do after :meth:`HeartbeatMonitor.tick`.

    Attributes:
        send_ping: send ``aws/ping`` now (before the heartbeat).
        send_heartbeat: send ``aws/heartbeat`` now.
        dead: the socket is dead (no heartbeat answer for ``dead_after`` seconds); close it and
            reconnect. Once set it stays set until :meth:`HeartbeatMonitor.start` is called again.
        deep_failure: the previous ping was never answered: report a deep-heartbeat failure.
    """

    send_ping: bool = False
    send_heartbeat: bool = False
    dead: bool = False
    deep_failure: bool = False


_IDLE = HeartbeatActions()
_DEAD = HeartbeatActions(dead=True)


@final
class HeartbeatMonitor:
    """Decides when to send heartbeats and when a socket is dead. See the module docstring.

    Args:
        interval: seconds between ping/heartbeat sends (ChatJS: 10).
        dead_after: seconds without a heartbeat answer after which the socket is dead;
            defaults to ``2 * interval``; must be greater than ``interval``.

    Raises:
        ValueError: ``interval`` is not positive or ``dead_after <= interval``.
    """

    __slots__ = (
        "_dead",
        "_dead_after",
        "_interval",
        "_last_answer",
        "_next_send",
        "_ping_pending",
        "_started_at",
    )

    def __init__(self, interval: float = 10.0, dead_after: float | None = None) -> None:
        if not interval > 0 or math.isinf(interval):
            raise ValueError(f"interval must be a positive finite number, got {interval!r}")
        if dead_after is None:
            dead_after = 2 * interval
        if not dead_after > interval:
            raise ValueError(
                f"dead_after ({dead_after!r}) must be greater than interval ({interval!r})"
            )
        self._interval = float(interval)
        self._dead_after = float(dead_after)
        self._started_at: float | None = None
        self._last_answer: float | None = None
        self._next_send = math.inf
        self._ping_pending = False
        self._dead = False

    @property
    def interval(self) -> float:
        """Seconds between sends."""
        return self._interval

    @property
    def dead_after(self) -> float:
        """Seconds without a heartbeat answer before the socket is dead."""
        return self._dead_after

    @property
    def last_heartbeat_at(self) -> float | None:
        """When the last heartbeat answer arrived on the current socket (None: none yet)."""
        return self._last_answer

    @property
    def running(self) -> bool:
        """Whether a socket is being watched (started and not yet dead)."""
        return self._started_at is not None and not self._dead

    def start(self, now: float) -> None:
        """A socket opened at ``now``: forget the previous one; the first send is due at ``now``."""
        self._started_at = now
        self._last_answer = None
        self._next_send = now
        self._ping_pending = False
        self._dead = False

    def stop(self) -> None:
        """The socket is closed on purpose: stop watching until the next :meth:`start`."""
        self._started_at = None
        self._next_send = math.inf
        self._ping_pending = False

    def _dead_at(self) -> float:
        if self._started_at is None:
            return math.inf
        since = self._last_answer if self._last_answer is not None else self._started_at
        return since + self._dead_after

    def next_deadline(self) -> float:
        """When :meth:`tick` must next be called (``math.inf``: not running)."""
        if not self.running:
            return math.inf
        return min(self._next_send, self._dead_at())

    def tick(self, now: float) -> HeartbeatActions:
        """Advance to ``now`` and return what to do. Calling it early is harmless."""
        if self._dead:
            return _DEAD
        if self._started_at is None:
            return _IDLE
        if now >= self._dead_at():
            self._dead = True
            self._next_send = math.inf
            return _DEAD
        if now < self._next_send:
            return _IDLE
        deep_failure = self._ping_pending
        self._ping_pending = True
        self._next_send += self._interval
        if self._next_send <= now:  # the caller fell behind; do not send a burst to catch up
            self._next_send = now + self._interval
        return HeartbeatActions(send_ping=True, send_heartbeat=True, deep_failure=deep_failure)

    def on_heartbeat(self, now: float) -> None:
        """An ``aws/heartbeat`` answer arrived at ``now``."""
        if self.running:
            last = self._last_answer
            self._last_answer = now if last is None else max(last, now)

    def on_ping(self, now: float, status_code: int | None) -> bool:
        """An ``aws/ping`` answer arrived; return whether it is a success (status 200).

        A non-200 answer is a deep-heartbeat failure the caller reports itself; either way the
        pending ping is answered, so the next :meth:`tick` does not report it again.
        """
        del now  # kept in the signature for symmetry and future use
        self._ping_pending = False
        return status_code == 200
