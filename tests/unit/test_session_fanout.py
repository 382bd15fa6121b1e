"""The bounded event fan-out: order, backlog for the first iterator, overflow is reported."""

from __future__ import annotations

import logging

import pytest

from trioconnect.errors import EventsOverflowError
from trioconnect.events import ConnectionLostEvent, EndedEvent, Event
from trioconnect.session.fanout import EventFanout


def lost(n: int) -> ConnectionLostEvent:
    return ConnectionLostEvent(reason=str(n))


def fanout(capacity: int = 3) -> EventFanout:
    return EventFanout(capacity, logging.getLogger("test"))


async def test_first_stream_gets_the_backlog_later_streams_do_not() -> None:
    f = fanout()
    f.publish(lost(1))
    first = f.open_stream()
    second = f.open_stream()
    f.publish(lost(2))
    f.close()
    assert [e async for e in first] == [lost(1), lost(2)]
    assert [e async for e in second] == [lost(2)]


async def test_a_slow_consumer_gets_what_fit_then_the_overflow_count() -> None:
    f = fanout(capacity=2)
    stream = f.open_stream()
    for n in range(5):
        f.publish(lost(n))
    assert await stream.__anext__() == lost(0)
    assert await stream.__anext__() == lost(1)
    with pytest.raises(EventsOverflowError) as info:
        await stream.__anext__()
    assert info.value.dropped == 3
    assert f.overflows == 1


async def test_overflow_is_reported_even_after_close() -> None:
    f = fanout(capacity=1)
    stream = f.open_stream()
    f.publish(lost(0))
    f.publish(lost(1))
    f.close()
    assert await stream.__anext__() == lost(0)
    with pytest.raises(EventsOverflowError):
        await stream.__anext__()


async def test_callbacks_in_order_and_a_failing_one_is_counted() -> None:
    f = fanout()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("handler bug")

    f.add_callback(Event, broken)
    f.add_callback(EndedEvent, seen.append)
    f.publish(lost(1))
    f.publish(EndedEvent())
    assert seen == [EndedEvent()]
    assert f.callback_errors == 2
    assert f.published == 2
