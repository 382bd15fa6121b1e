"""Fan-out of a session's events to callbacks and to bounded async iterators.

Delivery is synchronous and never blocks the publisher (the socket reader must keep reading so
heartbeats are answered), so every iterator has a bounded buffer. When a consumer falls behind,
its iterator first yields everything it holds and then raises :class:`EventsOverflowError` with the
number of events that did not fit: nothing is lost silently, and the session's transcript still
holds every chat item.

The first iterator opened on a session also receives the events published before it was opened
(kept in a backlog of the same bound), so ``connect()`` followed by ``events()`` misses nothing.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import trio

from trioconnect.errors import EventsOverflowError
from trioconnect.protocol.events import Event

__all__ = ["EventFanout", "EventStream"]

E = TypeVar("E", bound=Event)
Callback = Callable[[Any], object]


class EventStream:
    """An async iterator over a session's events (``async for event in session.events()``)."""

    def __init__(self, fanout: EventFanout, capacity: int) -> None:
        self._fanout = fanout
        self._send, self._receive = trio.open_memory_channel[Event](capacity)
        self._dropped = 0

    def _offer(self, event: Event) -> None:
        if self._dropped:
            self._dropped += 1
            return
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            self._dropped = 1
            self._fanout.overflows += 1
        except trio.ClosedResourceError:
            pass

    def _finish(self) -> None:
        self._send.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        try:
            if self._dropped:  # hand out what is buffered, then report the overflow
                return self._receive.receive_nowait()
            return await self._receive.receive()
        except (trio.WouldBlock, trio.EndOfChannel):
            if self._dropped:
                raise EventsOverflowError(self._dropped) from None
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Stop receiving events."""
        self._fanout._streams.discard(self)
        self._receive.close()


class EventFanout:
    """Publishes events, in order, to registered callbacks and open :class:`EventStream` s."""

    def __init__(self, capacity: int, logger: logging.Logger) -> None:
        if capacity < 1:
            raise ValueError("event buffer capacity must be at least 1")
        self._capacity = capacity
        self._logger = logger
        self._callbacks: list[tuple[type[Event], Callback]] = []
        self._streams: set[EventStream] = set()
        self._backlog: collections.deque[Event] | None = collections.deque()
        self._backlog_dropped = 0
        self._closed = False
        self.published = 0
        self.overflows = 0
        self.callback_errors = 0

    def add_callback(self, event_type: type[E], callback: Callable[[E], object]) -> None:
        """Call ``callback(event)`` for every published event that is an ``event_type``."""
        self._callbacks.append((event_type, callback))

    def has_callback_for(self, event_type: type[Event]) -> bool:
        """Whether any callback listens for ``event_type`` (or a base class of it)."""
        return any(issubclass(event_type, t) for t, _ in self._callbacks)

    def open_stream(self) -> EventStream:
        """A new iterator; the first one also receives the backlog of earlier events."""
        stream = EventStream(self, self._capacity)
        if self._backlog is not None:
            for event in self._backlog:
                stream._offer(event)
            if self._backlog_dropped:
                stream._dropped += self._backlog_dropped
            self._backlog = None
        if self._closed:
            stream._finish()
        else:
            self._streams.add(stream)
        return stream

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every callback and stream. Never blocks."""
        self.published += 1
        for event_type, callback in list(self._callbacks):
            if isinstance(event, event_type):
                try:
                    callback(event)
                except Exception:  # a user's handler must not break the session
                    self.callback_errors += 1
                    self._logger.exception("event callback %r failed", callback)
        if self._backlog is not None:
            if len(self._backlog) < self._capacity:
                self._backlog.append(event)
            else:
                self._backlog_dropped += 1
        for stream in list(self._streams):
            stream._offer(event)

    def close(self) -> None:
        """End every stream after the events it already holds."""
        self._closed = True
        for stream in self._streams:
            stream._finish()
        self._streams.clear()
