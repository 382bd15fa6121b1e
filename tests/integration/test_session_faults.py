"""Sessions against the real emulator while it misbehaves: drops, silence, duplicates, ends."""

from __future__ import annotations

import trio
from conftest import Collector, add_agent, customer_chat, session_config

from trioconnect import SessionState, open_chat_session
from trioconnect.emulator import Emulator
from trioconnect.events import (
    ConnectionBrokenEvent,
    ConnectionLostEvent,
    EndedEvent,
    Event,
    MessageEvent,
    MessagesRecoveredEvent,
)


def agent_texts(seen: Collector) -> list[str]:
    return [
        e.item.content
        for e in seen.of(MessageEvent)
        if e.item.type == "MESSAGE" and e.item.participant_role == "AGENT"
    ]


async def test_items_posted_while_the_socket_is_down_arrive_once_in_order(
    quiet_emu: Emulator,
) -> None:
    emu = quiet_emu
    details = await customer_chat(emu)
    agent = add_agent(emu, details)
    online = True
    config = session_config(emu.base_url, is_network_online=lambda: online)
    with trio.fail_after(10):
        async with open_chat_session(details, config=config) as session:
            seen = Collector()
            session.on(Event, seen)
            await session.connect()
            emu.state.send_message_as(agent.participant_id, "text/plain", "before")
            await seen.wait_for(lambda: agent_texts(seen) == ["before"])
            recovered_before = len(seen.of(MessagesRecoveredEvent))  # history fetched on connect
            online = False
            assert emu.faults.drop_sockets(details.contact_id) == 1
            await session.wait_for_state(SessionState.LOST)
            for n in range(5):
                emu.state.send_message_as(agent.participant_id, "text/plain", f"missed {n}")
            online = True
            await seen.wait_for(lambda: len(seen.of(MessagesRecoveredEvent)) > recovered_before)
            emu.state.send_message_as(agent.participant_id, "text/plain", "after")
            await seen.wait_for(lambda: "after" in agent_texts(seen))
            assert agent_texts(seen) == ["before", *(f"missed {n}" for n in range(5)), "after"]
            assert seen.of(MessagesRecoveredEvent)[-1].count == 5
            assert len(seen.of(ConnectionLostEvent)) == 1


async def test_unanswered_heartbeats_reconnect_and_recover(quiet_emu: Emulator) -> None:
    emu = quiet_emu
    details = await customer_chat(emu)
    agent = add_agent(emu, details)
    with trio.fail_after(10):
        async with open_chat_session(details, config=session_config(emu.base_url)) as session:
            seen = Collector()
            session.on(Event, seen)
            await session.connect()
            emu.faults.ignore_heartbeats(details.contact_id)
            await session.wait_for_state(SessionState.LOST)
            emu.state.send_message_as(agent.participant_id, "text/plain", "while lost")
            emu.faults.ignore_heartbeats(details.contact_id, enabled=False)
            await session.wait_for_state(SessionState.ESTABLISHED)
            await seen.wait_for(lambda: agent_texts(seen) == ["while lost"])
            assert session.statistics().heartbeat_deaths >= 1
            await trio.sleep(0.3)
            assert agent_texts(seen) == ["while lost"]


async def test_duplicate_deliveries_are_delivered_once(quiet_emu: Emulator) -> None:
    emu = quiet_emu
    details = await customer_chat(emu)
    agent = add_agent(emu, details)
    with trio.fail_after(10):
        async with open_chat_session(details, config=session_config(emu.base_url)) as session:
            seen = Collector()
            session.on(Event, seen)
            await session.connect()
            emu.faults.duplicate_deliveries(details.contact_id)
            for n in range(5):
                emu.state.send_message_as(agent.participant_id, "text/plain", f"m{n}")
            await seen.wait_for(lambda: session.statistics().duplicates_dropped >= 5)
            await trio.sleep(0.1)
            assert agent_texts(seen) == [f"m{n}" for n in range(5)]


async def test_chat_ended_while_the_socket_is_down_ends_the_session(quiet_emu: Emulator) -> None:
    emu = quiet_emu
    details = await customer_chat(emu)
    online = True
    config = session_config(emu.base_url, is_network_online=lambda: online)
    with trio.fail_after(10):
        async with open_chat_session(details, config=config) as session:
            seen = Collector()
            session.on(Event, seen)
            await session.connect()
            online = False
            emu.faults.drop_sockets(details.contact_id)
            await session.wait_for_state(SessionState.LOST)
            emu.state.end_chat(details.contact_id)  # what StopContact does
            online = True
            await session.wait_ended()
            assert session.state is SessionState.ENDED
            assert len(seen.of(EndedEvent)) == 1
            assert seen.of(ConnectionBrokenEvent) == []
            assert session.statistics().api_errors == {"CreateParticipantConnection": 1}
            await trio.sleep(0.3)  # no retry loop follows the 403
            assert session.statistics().api_calls["CreateParticipantConnection"] == 2
