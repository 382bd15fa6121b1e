"""HeartbeatMonitor: exact send and detection times, driven with explicit ``now`` values."""

from __future__ import annotations

import math

import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.protocol.heartbeat import HeartbeatActions, HeartbeatMonitor

SEND = HeartbeatActions(send_ping=True, send_heartbeat=True)
SEND_DEEP_FAIL = HeartbeatActions(send_ping=True, send_heartbeat=True, deep_failure=True)
IDLE = HeartbeatActions()
DEAD = HeartbeatActions(dead=True)


def test_defaults_and_idle_before_start() -> None:
    hb = HeartbeatMonitor()
    assert (hb.interval, hb.dead_after) == (10.0, 20.0)
    assert hb.next_deadline() == math.inf
    assert hb.tick(1000.0) == IDLE
    assert hb.last_heartbeat_at is None
    assert not hb.running
    hb.on_heartbeat(5.0)  # ignored: nothing is being watched
    assert hb.last_heartbeat_at is None


@pytest.mark.parametrize(
    ("interval", "dead_after"), [(0, None), (-1, None), (math.inf, None), (10, 10), (10, 5)]
)
def test_invalid_configuration(interval: float, dead_after: float | None) -> None:
    with pytest.raises(ValueError, match="interval"):
        HeartbeatMonitor(interval, dead_after)


def test_sends_at_open_and_every_interval_when_answered() -> None:
    hb = HeartbeatMonitor()
    hb.start(100.0)
    assert hb.next_deadline() == 100.0
    for n in range(50):
        now = 100.0 + 10 * n
        assert hb.next_deadline() == now
        assert hb.tick(now) == SEND
        assert hb.tick(now + 5) == IDLE  # early ticks are harmless
        assert hb.on_ping(now + 0.05, 200) is True
        hb.on_heartbeat(now + 0.05)
        assert hb.last_heartbeat_at == now + 0.05
    assert hb.running


def test_dead_exactly_dead_after_since_last_answer() -> None:
    hb = HeartbeatMonitor()
    hb.start(100.0)
    assert hb.tick(100.0) == SEND
    hb.on_heartbeat(100.05)
    hb.on_ping(100.05, 200)
    assert hb.next_deadline() == 110.0
    assert hb.tick(110.0) == SEND  # nothing answered from here on
    assert hb.next_deadline() == 120.0
    assert hb.tick(120.0) == SEND_DEEP_FAIL  # the 110 ping was never answered
    assert hb.next_deadline() == pytest.approx(120.05)
    assert hb.tick(120.049) == IDLE
    assert hb.tick(120.05) == DEAD
    assert hb.next_deadline() == math.inf
    assert hb.tick(200.0) == DEAD  # sticky until the next start()
    assert not hb.running


def test_never_answered_socket_dies_dead_after_since_start() -> None:
    hb = HeartbeatMonitor(interval=10, dead_after=20)
    hb.start(0.0)
    assert hb.tick(0.0) == SEND
    assert hb.tick(10.0) == SEND_DEEP_FAIL
    assert hb.next_deadline() == 20.0
    assert hb.tick(19.999) == IDLE
    assert hb.tick(20.0) == DEAD  # death wins over the send due at the same instant


@pytest.mark.parametrize(
    ("interval", "dead_after", "answers", "dead_at"),
    [
        (10, None, [0.1], 20.1),
        (10, None, [0.1, 10.2], 30.2),
        (10, 35, [0.1], 35.1),
        (10, 35, [0.1, 10.1, 20.1], 55.1),
        (5, 7.5, [0.01, 5.01], 12.51),
        (1, 1.5, [], 1.5),
        (10, 20, [0.1, 10.5, 3.0], 30.5),  # an out-of-order report does not move time back
    ],
)
def test_detection_time_table(
    interval: float, dead_after: float | None, answers: list[float], dead_at: float
) -> None:
    hb = HeartbeatMonitor(interval, dead_after)
    hb.start(0.0)
    now = 0.0
    pending = list(answers)
    while True:
        deadline = hb.next_deadline()
        if pending and pending[0] < deadline:
            hb.on_heartbeat(pending.pop(0))
            continue
        now = deadline
        if hb.tick(now).dead:
            break
    assert now == pytest.approx(dead_at)


def test_ping_answers_and_deep_failures() -> None:
    hb = HeartbeatMonitor()
    hb.start(0.0)
    hb.tick(0.0)
    assert hb.on_ping(0.1, 503) is False  # a failure the caller reports itself...
    hb.on_heartbeat(0.1)
    assert hb.tick(10.0) == SEND  # ...so the tick does not report it again
    hb.on_heartbeat(10.1)
    assert hb.tick(20.0) == SEND_DEEP_FAIL  # the 10.0 ping got no answer
    hb.on_heartbeat(20.1)
    assert hb.on_ping(20.2, None) is False
    assert hb.tick(30.0) == SEND
    hb.on_heartbeat(30.1)
    assert hb.on_ping(30.2, 200) is True
    assert hb.tick(40.0) == SEND


def test_late_tick_does_not_burst() -> None:
    hb = HeartbeatMonitor(interval=10, dead_after=100)
    hb.start(0.0)
    hb.tick(0.0)
    hb.on_heartbeat(0.1)
    hb.on_ping(0.1, 200)
    assert hb.tick(45.0) == SEND  # one send although four intervals passed
    assert hb.tick(45.0) == IDLE
    assert hb.next_deadline() == 55.0


def test_start_resets_everything() -> None:
    hb = HeartbeatMonitor()
    hb.start(0.0)
    hb.tick(0.0)
    assert hb.tick(20.0).dead
    hb.start(50.0)
    assert hb.running
    assert hb.last_heartbeat_at is None
    assert hb.tick(50.0) == SEND  # no deep failure carried over from the old socket
    hb.stop()
    assert hb.next_deadline() == math.inf
    assert hb.tick(1000.0) == IDLE


@given(
    interval=st.floats(0.5, 30),
    extra=st.floats(0.01, 30),
    gaps=st.lists(st.floats(0.001, 60), max_size=20),
)
def test_dead_exactly_at_last_answer_plus_dead_after(
    interval: float, extra: float, gaps: list[float]
) -> None:
    dead_after = interval + extra
    hb = HeartbeatMonitor(interval, dead_after)
    hb.start(0.0)
    answers: list[float] = []
    t = 0.0
    for gap in gaps:
        t += gap
        answers.append(t)
    last = 0.0
    while True:
        deadline = hb.next_deadline()
        if answers and answers[0] < deadline:
            last = answers.pop(0)
            hb.on_heartbeat(last)
            continue
        actions = hb.tick(deadline)
        if actions.dead:
            assert deadline == last + dead_after
            break
        assert deadline < last + dead_after


async def test_with_a_trio_clock(autojump_clock: trio.testing.MockClock) -> None:
    """The monitor driven by a trio loop; the server stops answering at t=35."""
    hb = HeartbeatMonitor(interval=10.0, dead_after=20.0)
    send_channel, receive_channel = trio.open_memory_channel[str](10)
    dead_at: list[float] = []

    async def server() -> None:
        async for request in receive_channel:
            await trio.sleep(0.25)
            if trio.current_time() < 35 and request == "heartbeat":
                hb.on_heartbeat(trio.current_time())

    async def client() -> None:
        hb.start(trio.current_time())
        while True:
            await trio.sleep_until(hb.next_deadline())
            actions = hb.tick(trio.current_time())
            if actions.dead:
                dead_at.append(trio.current_time())
                return
            if actions.send_heartbeat:
                await send_channel.send("heartbeat")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(server)
        await client()
        nursery.cancel_scope.cancel()
    # last answer: the heartbeat sent at 30 answered at 30.25 -> dead at 50.25
    assert dead_at == [pytest.approx(50.25)]
