"""Time for the emulator: one monotonic clock (trio's) and a wall clock derived from it.

Every expiry (ParticipantToken connect window, WebSocket URL, ConnectionToken, attachment URLs,
quota buckets) is computed on :meth:`Clock.monotonic`, which reads ``trio.current_time()`` plus a
settable offset. Under ``trio.testing.MockClock`` the whole emulator therefore runs on virtual time,
and tests (or fault injection) can jump forward with :meth:`Clock.advance` without sleeping.

Wall-clock timestamps (``AbsoluteTime``, ``Expiry``) come from :meth:`Clock.wall`: the real UTC time
when the clock was first read, plus the monotonic time elapsed since. Wall time and expiries thus
move together, also under a mock clock.
"""

from __future__ import annotations

import datetime as dt

import trio

__all__ = ["Clock", "iso_ms", "parse_iso"]


class Clock:
    """The emulator's clock. Must be read from inside a trio run."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._anchor: tuple[float, dt.datetime] | None = None

    def monotonic(self) -> float:
        """Seconds on trio's clock, plus the offset added by :meth:`advance`."""
        return trio.current_time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move emulator time forward (expiries fire early); the event loop is not affected."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def to_trio(self, monotonic: float) -> float:
        """Convert an emulator monotonic instant into a trio deadline."""
        return monotonic - self.offset

    def wall(self) -> dt.datetime:
        """Current UTC time, consistent with :meth:`monotonic`."""
        now = self.monotonic()
        if self._anchor is None:
            self._anchor = (now, dt.datetime.now(dt.UTC))
        start, wall = self._anchor
        return wall + dt.timedelta(seconds=now - start)

    def wall_at(self, monotonic: float) -> dt.datetime:
        """The UTC time that corresponds to an emulator monotonic instant."""
        return self.wall() + dt.timedelta(seconds=monotonic - self.monotonic())


def iso_ms(value: dt.datetime) -> str:
    """Format as ISO-8601 UTC with milliseconds and ``Z``, e.g. ``2026-11-25T15:15:40.217Z``."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> dt.datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` accepted); naive values count as UTC. None if invalid."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
