"""The session's connection lifecycle under a MockClock: heartbeat, reconnect, refresh, suspend.

Every session here talks to the scripted fakes of ``session_harness`` (no real socket), so virtual
time can be asserted exactly.
"""

from __future__ import annotations

import contextlib
import itertools

import pytest
import trio
import trio.testing
from session_harness import Recorder, fast_config, open_harness, wait_until

from trioconnect import ReconnectConfig, SessionState, errors
from trioconnect.events import (
    ConnectionBrokenEvent,
    ConnectionEstablishedEvent,
    ConnectionLostEvent,
    EndedEvent,
    MessageEvent,
)
from trioconnect.session.socket import SocketOpenError

CPC = "CreateParticipantConnection"


async def test_dead_heartbeat_is_detected_exactly_dead_after_the_last_answer(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = fast_config(heartbeat_interval=10.0, dead_after=25.0)
    async with open_harness() as h, h.session(config) as s:
        rec = Recorder(s)
        await s.connect()
        await trio.sleep(20.5)  # heartbeats at 0, 10 and 20 were answered
        h.ws.answer_heartbeat = False
        await s.wait_for_state(SessionState.LOST)
        assert rec.times(ConnectionLostEvent) == [45.0]  # last answer at 20 + dead_after
        assert "heartbeat" in rec.of(ConnectionLostEvent)[0].reason
        assert s.statistics().heartbeat_deaths == 1
        # The reconnect starts at once (a fresh CreateParticipantConnection, as ChatJS does).
        await wait_until(lambda: h.service.count(CPC) == 2)
        assert h.service.times(CPC) == [0.0, 45.0]


async def test_half_open_socket_is_detected_within_the_bound(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = fast_config(heartbeat_interval=5.0, dead_after=12.0)
    async with open_harness() as h, h.session(config) as s:
        rec = Recorder(s)
        await s.connect()
        await trio.sleep(7.0)  # answers at 0 and 5
        h.ws.go_half_open()
        await s.wait_for_state(SessionState.LOST)
        assert rec.times(ConnectionLostEvent) == [17.0]
        await s.wait_for_state(SessionState.ESTABLISHED)
        assert [e.reconnect for e in rec.of(ConnectionEstablishedEvent)] == [False, True]


async def test_reconnect_backoff_stays_within_bounds_then_breaks_with_the_cause(
    autojump_clock: trio.testing.MockClock,
) -> None:
    reconnect = ReconnectConfig(initial_delay=1.0, max_delay=8.0, jitter=0.3, max_attempts=5)
    async with open_harness() as h, h.session(fast_config(reconnect=reconnect)) as s:
        rec = Recorder(s)
        await s.connect()
        await trio.sleep(3.0)
        h.ws.refuse = True
        lost_at = trio.current_time()
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.BROKEN)
        attempts = h.ws.opened[1:]
        assert attempts[0] == pytest.approx(lost_at, abs=0.01)  # first retry at once
        gaps = [b - a for a, b in itertools.pairwise(attempts)]
        bounds = [(0.7, 1.3), (1.4, 2.6), (2.8, 5.2), (5.6, 8.0), (5.6, 8.0)]
        assert len(gaps) == 5
        for gap, (low, high) in zip(gaps, bounds, strict=True):
            assert low - 1e-9 <= gap <= high + 1e-9
        broken = rec.of(ConnectionBrokenEvent)
        assert len(broken) == 1
        assert isinstance(broken[0].error, SocketOpenError)
        assert len(rec.of(ConnectionLostEvent)) == 1
        # Exhausted means exhausted: nothing more is attempted.
        await trio.sleep(300)
        assert len(h.ws.opened) == 7


async def test_first_connect_failing_with_5xx_breaks_with_the_service_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    reconnect = ReconnectConfig(initial_delay=1.0, jitter=0.0, max_attempts=2)
    async with open_harness() as h, h.session(fast_config(reconnect=reconnect)) as s:
        rec = Recorder(s)
        h.service.fail(CPC, 500, count=100)
        with pytest.raises(errors.InternalServerError):
            await s.connect()
        assert s.state is SessionState.BROKEN
        assert isinstance(rec.of(ConnectionBrokenEvent)[0].error, errors.InternalServerError)
        # 3 connector attempts, each made of the HTTP client's 3 attempts.
        assert h.service.count(CPC) == 9


async def test_403_on_first_connect_is_broken_and_never_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        h.service.fail(CPC, 403, count=100)
        with pytest.raises(errors.AccessDeniedError):
            await s.connect()
        assert s.state is SessionState.BROKEN
        await trio.sleep(600)
        assert h.service.count(CPC) == 1
        assert isinstance(rec.of(ConnectionBrokenEvent)[0].error, errors.AccessDeniedError)
        assert rec.of(EndedEvent) == []


async def test_403_on_reconnect_after_establishment_means_ended(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        h.service.fail(CPC, 403, count=100)
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.ENDED)
        await trio.sleep(600)
        assert h.service.count(CPC) == 2
        assert len(rec.of(EndedEvent)) == 1
        assert rec.of(ConnectionBrokenEvent) == []
        with pytest.raises(errors.SessionEndedError):
            await s.send_message("too late")


async def test_connect_twice_makes_one_connection_and_no_doubled_delivery(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        results = []

        async def connect() -> None:
            results.append(await s.connect())

        async with trio.open_nursery() as nursery:
            nursery.start_soon(connect)
            nursery.start_soon(connect)
        again = await s.connect()
        assert again.already_connected
        assert sorted(r.already_connected for r in results) == [False, True]
        assert h.service.count(CPC) == 1
        assert len(h.ws.sockets) == 1
        h.ws.push(h.service.new_item("once"))
        await trio.sleep(1)
        assert [e.item.content for e in rec.of(MessageEvent)] == ["once"]
        assert len(rec.of(ConnectionEstablishedEvent)) == 1


async def test_leaving_the_block_while_subscribing_closes_the_socket_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, trio.open_nursery() as outside:
        h.ws.answer_subscribe = False  # the open is stuck waiting for the subscribe answer
        async with h.session() as s:

            async def connect() -> None:
                with contextlib.suppress(errors.TrioConnectError):
                    await s.connect()

            outside.start_soon(connect)
            await wait_until(lambda: bool(h.ws.sockets and h.ws.sockets[0].received))
            left_at = trio.current_time()
        # The closing handshake ran while the socket's reader was still alive: no waiting for
        # the close timeout (2 s), and the server saw a proper close.
        assert trio.current_time() - left_at < 0.1
        await wait_until(lambda: h.ws.sockets[0].closed, seconds=0.1)
        assert s.state is SessionState.CLOSED


async def test_established_fires_once_per_establishment(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        for _ in range(2):
            await h.ws.drop_all()
            await s.wait_for_state(SessionState.LOST)
            await s.wait_for_state(SessionState.ESTABLISHED)
        await trio.sleep(60)
        assert [e.reconnect for e in rec.of(ConnectionEstablishedEvent)] == [False, True, True]
        assert len(rec.of(ConnectionLostEvent)) == 2
        stats = s.statistics()
        assert (stats.establishments, stats.reconnects) == (3, 2)


async def test_suspend_makes_no_attempts_and_resume_recovers(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        await s.suspend()
        assert s.state is SessionState.SUSPENDED
        missed = [h.service.new_item(f"missed {n}") for n in range(3)]
        await trio.sleep(600)
        assert h.service.count(CPC) == 1
        assert len(h.ws.opened) == 1
        assert not h.ws.live
        await s.resume()
        await s.wait_for_state(SessionState.ESTABLISHED)
        await trio.sleep(5)
        assert h.service.count(CPC) == 2
        assert rec.message_ids() == [i["Id"] for i in missed]
        assert rec.of(ConnectionLostEvent) == []  # the user knows; nothing was lost


async def test_offline_means_no_attempts_until_online(
    autojump_clock: trio.testing.MockClock,
) -> None:
    online = True
    config = fast_config(is_network_online=lambda: online)
    async with open_harness() as h, h.session(config) as s:
        await s.connect()
        online = False
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.LOST)
        await trio.sleep(300)
        assert h.service.count(CPC) == 1
        online = True
        back_at = trio.current_time()
        await s.wait_for_state(SessionState.ESTABLISHED)
        assert h.service.times(CPC)[1] - back_at <= 0.25


async def test_token_refresh_hands_over_without_loss_or_duplicates(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = fast_config(token_refresh_margin=60.0, heartbeat_interval=10.0)
    async with open_harness(token_ttl=300.0) as h, h.session(config) as s:
        rec = Recorder(s)
        await s.connect()
        first = h.ws.sockets[0]
        await wait_until(lambda: h.service.count(CPC) == 2)
        assert h.service.times(CPC)[1] == pytest.approx(240.0, abs=0.01)
        await wait_until(lambda: first.closed)
        item = h.service.new_item("after handover")
        first.send("ignored: closed")
        h.ws.push(item, copies=2)
        await trio.sleep(1)
        assert s.state is SessionState.ESTABLISHED
        assert rec.message_ids() == [item["Id"]]
        assert rec.of(ConnectionLostEvent) == []
        assert len(rec.of(ConnectionEstablishedEvent)) == 1
        assert s.statistics().duplicates_dropped == 1
        # The next refresh is timed from the new token.
        await wait_until(lambda: h.service.count(CPC) == 3)
        assert h.service.times(CPC)[2] == pytest.approx(480.0, abs=0.02)
        # Heartbeats run on the new socket only.
        assert len(h.ws.live) == 1


async def test_items_on_both_sockets_during_a_handover_arrive_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = fast_config(token_refresh_margin=30.0)
    async with open_harness(token_ttl=100.0) as h, h.session(config) as s:
        rec = Recorder(s)
        await s.connect()
        items = []
        for n in range(40):  # across the handover at t=70, pushed to every live socket
            items.append(h.service.new_item(f"m{n}"))
            h.ws.push(items[-1])
            await trio.sleep(0.0 if n % 2 else 3.4)
        await trio.sleep(5)
        assert h.service.count(CPC) == 2
        assert rec.message_ids() == [i["Id"] for i in items]
        assert rec.of(ConnectionLostEvent) == []


async def test_refresh_refused_with_403_ends_the_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness(token_ttl=120.0) as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        h.service.fail(CPC, 403)
        await s.wait_for_state(SessionState.ENDED)
        assert trio.current_time() == pytest.approx(60.0, abs=0.01)
        assert len(rec.of(EndedEvent)) == 1
