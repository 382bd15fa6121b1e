"""run_load with real sessions against the real emulator over loopback (real clock).

Every run is small and bounded with ``trio.fail_after``; the emulator's agent answers at once
(the ``emu`` fixture) or not at all (``quiet_emu``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio

from trioconnect.aws.connect import ConnectConfig
from trioconnect.config import ClientConfig, ReconnectConfig
from trioconnect.emulator import Emulator, EmulatorConfig, serve
from trioconnect.emulator.items import PARTICIPANT_LEFT, Item
from trioconnect.emulator.records import Contact, Role
from trioconnect.errors import ValidationError
from trioconnect.load.metrics import METRICS, Snapshot
from trioconnect.load.plan import LoadPlan
from trioconnect.load.result import LoadResult
from trioconnect.load.runner import LoadTarget, run_load
from trioconnect.load.slo import parse_slo


def target_of(emu: Emulator) -> LoadTarget:
    return LoadTarget(
        endpoint=emu.base_url,
        start_chat_url=f"{emu.base_url}/start-chat",
        description=f"test emulator {emu.base_url}",
    )


def start_times(emu: Emulator) -> list[float]:
    """When the emulator created each contact (trio's clock), in order."""
    times: list[float] = []
    emu.state.hooks.on_contact_created(lambda *_: times.append(trio.current_time()))
    return times


async def run(emu: Emulator, plan: LoadPlan, seconds: float = 8.0, **kwargs: Any) -> LoadResult:
    with trio.fail_after(seconds):
        return await run_load(plan, target_of(emu), **kwargs)


@pytest.fixture
async def ending_emu() -> AsyncIterator[Emulator]:
    """An emulator whose agent answers the first message and then ends the chat."""
    async with serve(scenario="agent-ends", config=EmulatorConfig(chat_end_grace=0.02)) as emu:
        yield emu


async def test_a_small_run_measures_every_metric_with_matching_counts(emu: Emulator) -> None:
    created = start_times(emu)
    snapshots: list[Snapshot] = []
    plan = LoadPlan(chats=6, concurrency=3, messages=2, think_time=0)
    result = await run(emu, plan, progress=snapshots.append, progress_interval=0.02)

    assert (result.chats_started, result.chats_finished, result.chats_failed) == (6, 6, 0)
    assert (result.messages_sent, result.replies) == (12, 12)
    assert dict(result.errors) == {}
    assert not result.interrupted
    assert result.passed
    assert result.target == f"test emulator {emu.base_url}"
    assert list(result.latencies) == list(METRICS)
    expected = {"start_chat": 6, "connect": 6, "send": 12, "round_trip": 12, "reply": 12}
    expected |= {"disconnect": 6, "chat": 6}
    assert {name: s.count for name, s in result.latencies.items()} == expected
    for name, summary in result.latencies.items():
        assert summary.min is not None, name
        assert summary.min > 0, name
    # A reply is published after the message it answers, so it cannot come back sooner.
    reply, round_trip = result.latencies["reply"], result.latencies["round_trip"]
    assert reply.min is not None
    assert round_trip.min is not None
    assert reply.min >= round_trip.min
    assert len(created) == 6
    # Progress was reported, never with more chats open than allowed, and ended on the totals.
    assert max(s.chats_active for s in snapshots) <= 3
    final = snapshots[-1]
    assert (final.chats_finished, final.messages_sent, final.replies) == (6, 12, 12)


async def test_without_an_agent_every_chat_fails_with_a_reply_timeout(quiet_emu: Emulator) -> None:
    plan = LoadPlan(chats=3, concurrency=3, messages=2, think_time=0, reply_timeout=0.3)
    result = await run(quiet_emu, plan)

    assert set(result.errors) == {"reply: ReplyTimeout"}
    assert result.errors["reply: ReplyTimeout"].count == 3
    assert (result.chats_finished, result.chats_failed) == (3, 3)
    # The first message of each chat was sent and came back; there was never a second.
    assert result.messages_sent == 3
    assert result.replies == 0
    assert result.latencies["round_trip"].count == 3
    assert result.latencies["chat"].count == 0
    (verdict,) = result.verdicts
    assert verdict.slo.subject == "failed_chats"
    assert verdict.measured == 3
    assert not verdict.passed
    assert not result.passed


async def test_the_arrival_rate_spaces_the_chat_starts(emu: Emulator) -> None:
    created = start_times(emu)
    plan = LoadPlan(chats=5, concurrency=5, arrival_rate=20, messages=0)
    began = trio.current_time()
    result = await run(emu, plan)

    assert result.chats_finished == 5
    assert result.chats_failed == 0
    assert len(created) == 5
    for i, at in enumerate(sorted(created)):
        # The i-th contact cannot exist before the i-th chat was due.
        assert at >= began + i / 20, i
    assert created[-1] - began < 0.2 + 2.0  # and the run did not stall


async def test_duration_stops_new_chats_and_lets_the_others_finish(emu: Emulator) -> None:
    plan = LoadPlan(chats=1000, concurrency=50, arrival_rate=20, messages=1, duration=0.3)
    result = await run(emu, plan)

    # Due at 0, 0.05, ... 0.25 (and perhaps exactly 0.3): six or seven chats.
    assert 6 <= result.chats_started <= 7
    assert result.chats_finished == result.chats_started
    assert result.chats_failed == 0
    assert result.replies == result.chats_started
    assert not result.interrupted
    assert result.passed


async def test_the_stop_event_cancels_the_chats_in_flight(quiet_emu: Emulator) -> None:
    stop = trio.Event()

    def progress(snapshot: Snapshot) -> None:
        if snapshot.messages_sent >= 4:  # four chats are waiting for replies that never come
            stop.set()

    plan = LoadPlan(chats=10, concurrency=4, messages=1, reply_timeout=30)
    result = await run(quiet_emu, plan, stop=stop, progress=progress, progress_interval=0.02)

    assert result.interrupted
    assert result.chats_started == 4
    assert result.chats_finished == 4
    assert set(result.errors) == {"chat: Cancelled"}
    assert result.errors["chat: Cancelled"].count == 4
    assert "stopped" in result.errors["chat: Cancelled"].example
    assert result.duration < 2
    assert not result.passed


async def test_chats_still_running_after_the_drain_time_are_cancelled(quiet_emu: Emulator) -> None:
    plan = LoadPlan(
        chats=100, concurrency=10, arrival_rate=10, messages=1, reply_timeout=30,
        duration=0.15, drain_timeout=0.2,
    )  # fmt: skip
    result = await run(quiet_emu, plan)

    assert not result.interrupted
    assert result.chats_started == 2  # due at 0 and 0.1 s
    assert (result.chats_finished, result.chats_failed) == (2, 2)
    assert set(result.errors) == {"chat: Cancelled"}
    assert "drain" in result.errors["chat: Cancelled"].example
    assert result.duration < 0.15 + 0.2 + 1.0


async def test_without_a_duration_every_chat_runs_to_its_end(emu: Emulator) -> None:
    # The drain time applies only when ``duration`` stops the starts.
    plan = LoadPlan(chats=1, messages=2, think_time=0.3, drain_timeout=0)
    result = await run(emu, plan)

    assert dict(result.errors) == {}
    assert result.replies == 2
    assert result.passed


async def test_a_chat_ended_by_the_agent_is_named(ending_emu: Emulator) -> None:
    plan = LoadPlan(chats=2, concurrency=2, messages=2, think_time=0.5)
    result = await run(ending_emu, plan)

    # The first message is answered; the chat ends while the customer thinks.
    assert result.replies == 2
    assert set(result.errors) == {"send: ChatEnded"}
    assert result.errors["send: ChatEnded"].count == 2
    assert result.chats_failed == 2


async def test_a_throttled_send_is_retried_and_not_counted_as_an_error(emu: Emulator) -> None:
    emu.faults.add_rest_error("ThrottlingException", 429, count=2, operation="SendMessage")
    plan = LoadPlan(chats=2, concurrency=1, messages=2, think_time=0)
    result = await run(emu, plan)

    assert all(fault.count == 0 for fault in emu.faults.rest)  # both 429s were served
    assert dict(result.errors) == {}
    assert (result.messages_sent, result.replies) == (4, 4)
    assert result.latencies["send"].count == 4
    assert result.passed


async def test_a_send_throttled_past_its_retries_fails_only_its_chat(emu: Emulator) -> None:
    # Three attempts per call: the first chat's first send meets all three 429s.
    emu.faults.add_rest_error("ThrottlingException", 429, count=3, operation="SendMessage")
    plan = LoadPlan(chats=2, concurrency=1, messages=1, think_time=0)
    slos = [parse_slo("failed_chats<=50%")]
    result = await run(emu, plan, slos=slos)

    assert set(result.errors) == {"send: ThrottlingError"}
    assert result.errors["send: ThrottlingError"].count == 1
    assert (result.chats_finished, result.chats_failed) == (2, 1)
    assert (result.messages_sent, result.replies) == (1, 1)
    assert result.passed  # half the chats may fail under this SLO


async def test_without_reply_waits_only_the_own_messages_are_awaited(emu: Emulator) -> None:
    plan = LoadPlan(chats=2, concurrency=2, messages=3, think_time=0, wait_for_reply=False)
    result = await run(emu, plan)

    assert dict(result.errors) == {}
    assert result.messages_sent == 6
    assert result.latencies["round_trip"].count == 6
    assert result.replies == 0
    assert result.latencies["reply"].count == 0
    assert result.latencies["chat"].count == 2


async def test_chats_can_be_started_with_start_chat_contact(emu: Emulator) -> None:
    target = LoadTarget(
        endpoint=emu.base_url,
        connect=ConnectConfig(endpoint=emu.base_url, credentials=("key", "secret", None)),
        instance_id="instance-1",
        contact_flow_id="flow-1",
        attributes={"team": "load"},
    )
    created: list[Contact] = []
    emu.state.hooks.on_contact_created(lambda contact, *_: created.append(contact))
    with trio.fail_after(8):
        result = await run_load(LoadPlan(chats=2, concurrency=2, messages=1, think_time=0), target)

    assert result.passed, result.errors
    assert result.replies == 2
    assert result.target == f"{emu.base_url} via StartChatContact at {emu.base_url}"
    assert len(created) == 2
    for contact in created:
        assert (contact.instance_id, contact.contact_flow_id) == ("instance-1", "flow-1")
        assert contact.attributes["team"] == "load"


async def test_a_target_that_cannot_start_chats_is_refused_before_the_run(emu: Emulator) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        await run_load(LoadPlan(chats=1), LoadTarget(endpoint=emu.base_url))
    with pytest.raises(ValidationError, match="contact_flow_id"):
        await run_load(
            LoadPlan(chats=1),
            LoadTarget(endpoint=emu.base_url, connect=ConnectConfig(), instance_id="i"),
        )


def silence_when_the_customer_leaves(emu: Emulator) -> list[str]:
    """Make a contact's sockets half-open the moment its customer leaves; returns their ids.

    The hook runs after the emulator queued ``participant.left`` and before it publishes
    ``chat.ended``, so the chat ends on the emulator but its end never reaches the customer.
    """
    silenced: list[str] = []

    def on_item(contact: Contact, item: Item) -> None:
        left = item.get("ContentType") == PARTICIPANT_LEFT
        if left and item.get("ParticipantRole") == Role.CUSTOMER:
            emu.faults.half_open(contact.contact_id)
            silenced.append(contact.contact_id)

    emu.state.hooks.on_item(on_item)
    return silenced


async def test_a_chat_ended_event_that_never_arrives_is_an_end_timeout(emu: Emulator) -> None:
    silenced = silence_when_the_customer_leaves(emu)
    plan = LoadPlan(chats=2, concurrency=2, messages=1, think_time=0, end_timeout=0.3)
    result = await run(emu, plan)

    assert set(result.errors) == {"disconnect: EndTimeout"}
    assert result.errors["disconnect: EndTimeout"].count == 2
    assert "within 0.3 s" in result.errors["disconnect: EndTimeout"].example
    assert (result.chats_finished, result.chats_failed) == (2, 2)
    # Everything before leaving went through; the leaving was never timed.
    assert (result.messages_sent, result.replies) == (2, 2)
    assert result.latencies["disconnect"].count == 0
    assert result.latencies["chat"].count == 0
    # DisconnectParticipant did end both chats on the emulator: only the event was lost.
    assert len(silenced) == 2
    assert all(emu.state.contact(contact_id).ended for contact_id in silenced)
    assert not result.passed


async def test_a_session_whose_reconnects_run_out_fails_as_connection_broken(
    emu: Emulator,
) -> None:
    # One retry after the first reconnect attempt, and a socket gets 0.3 s to subscribe.
    reconnect = ReconnectConfig(
        initial_delay=0.05, max_delay=0.05, jitter=0, max_attempts=1, socket_open_timeout=0.3
    )
    config = ClientConfig(fetch_history_on_connect=False, reconnect=reconnect)
    target = dataclasses.replace(target_of(emu), config=config)
    dropped: list[int] = []

    def progress(snapshot: Snapshot) -> None:
        # Both customers got their first reply and are thinking before the second message:
        # cut their sockets, and answer no subscribe from now on, so every reconnect fails.
        if snapshot.replies >= 2 and not dropped:
            emu.faults.half_open()
            dropped.append(emu.faults.drop_sockets(code=1011))

    plan = LoadPlan(chats=2, concurrency=2, messages=2, think_time=30, reply_timeout=5)
    with trio.fail_after(8):
        result = await run_load(plan, target, progress=progress, progress_interval=0.02)

    assert dropped == [2]
    assert set(result.errors) == {"send: ConnectionBroken"}
    assert result.errors["send: ConnectionBroken"].count == 2
    assert "not subscribed within 0.3 s" in result.errors["send: ConnectionBroken"].example
    assert (result.chats_finished, result.chats_failed) == (2, 2)
    # The first exchange completed; the second message was never sent.
    assert (result.messages_sent, result.replies) == (2, 2)
    assert result.latencies["round_trip"].count == 2
    assert result.latencies["chat"].count == 0
    # Each session tried twice (the first attempt and its one retry): one subscribe per try.
    assert emu.faults.half_open_dropped == 4
    # The failure is the broken session, not the 30 s pause running out.
    assert result.duration < 5


async def test_a_refused_token_at_the_first_connect_is_named_by_its_error(emu: Emulator) -> None:
    # A refused participant token breaks the session before it was ever established; that is
    # reported as the connect call's own error, like any other failed connect.
    emu.faults.add_rest_error(
        "AccessDeniedException", 403, count=1, operation="CreateParticipantConnection"
    )
    plan = LoadPlan(chats=2, concurrency=1, messages=1, think_time=0)
    slos = [parse_slo("failed_chats<=50%")]
    result = await run(emu, plan, slos=slos)

    assert set(result.errors) == {"connect: AccessDeniedError"}
    assert result.errors["connect: AccessDeniedError"].count == 1
    assert (result.chats_finished, result.chats_failed) == (2, 1)
    assert result.latencies["connect"].count == 1
    assert (result.messages_sent, result.replies) == (1, 1)
    assert result.passed
