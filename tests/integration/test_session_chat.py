"""Whole chats through ChatSession against the real emulator over loopback."""

from __future__ import annotations

import json

import httpx
import pytest
import trio
from conftest import Collector, RequestLog, add_agent, customer_chat, session_config

from trioconnect import SessionState, errors, open_chat_session
from trioconnect.emulator import Emulator
from trioconnect.events import (
    ConnectionEstablishedEvent,
    DeliveredReceiptEvent,
    EndedEvent,
    Event,
    MessageEvent,
    ReadReceiptEvent,
    TypingEvent,
)

READ = "application/vnd.amazonaws.connect.event.message.read"


def agent_messages(collector: Collector) -> list[str]:
    return [
        e.item.content
        for e in collector.of(MessageEvent)
        if e.item.type == "MESSAGE" and e.item.participant_role == "AGENT"
    ]


async def test_a_whole_customer_chat(emu: Emulator) -> None:
    details = await customer_chat(emu)
    with trio.fail_after(15):
        async with open_chat_session(details, config=session_config(emu.base_url)) as session:
            seen = Collector()
            session.on(Event, seen)
            await session.connect()
            assert session.state is SessionState.ESTABLISHED
            text = await session.send_message("Hello")
            await session.send_message("**bold**", "text/markdown")
            await session.send_message(json.dumps({"a": 1}), "application/json")
            await session.send_typing()
            await seen.wait_for(lambda: "Echo: **bold**" in agent_messages(seen))
            assert agent_messages(seen) == ["Echo: Hello", "Echo: **bold**"]
            # The agent acknowledged the customer's message both ways.
            await seen.wait_for(
                lambda: any(
                    e.item.message_metadata and e.item.message_metadata.message_id == text.id
                    for e in seen.of(ReadReceiptEvent)
                )
            )
            assert seen.of(DeliveredReceiptEvent)
            assert any(e.item.participant_role == "AGENT" for e in seen.of(TypingEvent))
            # The customer reads the agent's reply.
            reply = next(e.item for e in seen.of(MessageEvent) if e.item.content == "Echo: Hello")
            assert session.send_read_receipt(reply.id)
            with trio.fail_after(5):
                while not _receipt_stored(emu, details.contact_id, reply.id):
                    await trio.sleep(0.01)
            # Transcript, two items a page.
            first = await session.get_transcript(max_results=2, scan_direction="FORWARD")
            second = await session.get_transcript(
                max_results=2, scan_direction="FORWARD", next_token=first.next_token
            )
            assert len(first.items) == len(second.items) == 2
            assert first.next_token
            assert {i.id for i in first.items}.isdisjoint(i.id for i in second.items)
            # Attachment round trip.
            data = bytes(range(256)) * 40
            uploaded = await session.send_attachment(data, name="notes.txt")
            assert await session.download_attachment(uploaded.attachment_id) == data
            # Leave: the chat ends when chat.ended arrives.
            await session.disconnect_participant()
            await session.wait_ended()
            assert session.state is SessionState.ENDED
            assert len(seen.of(EndedEvent)) == 1
            assert len(seen.of(ConnectionEstablishedEvent)) == 1
            ids = [e.item.id for e in seen.of(MessageEvent)]
            assert len(ids) == len(set(ids))


def _receipt_stored(emu: Emulator, contact_id: str, message_id: str) -> bool:
    for item in emu.state.store.items(contact_id):
        if item.get("ContentType") == READ or item.get("Type") == "MESSAGEMETADATA":
            meta = item.get("MessageMetadata") or {}
            if meta.get("MessageId") == message_id:
                return True
    return False


async def test_an_agent_session_talks_to_a_customer_session(quiet_emu: Emulator) -> None:
    customer = await customer_chat(quiet_emu)
    agent = add_agent(quiet_emu, customer)
    config = session_config(quiet_emu.base_url)
    with trio.fail_after(15):
        async with (
            open_chat_session(customer, config=config) as c_session,
            open_chat_session(agent, config=config) as a_session,
        ):
            c_seen, a_seen = Collector(), Collector()
            c_session.on(Event, c_seen)
            a_session.on(Event, a_seen)
            await c_session.connect()
            await a_session.connect()
            sent = await a_session.send_message("How can I help?")
            await c_seen.wait_for(lambda: agent_messages(c_seen) == ["How can I help?"])
            c_session.send_read_receipt(sent.id)
            await a_seen.wait_for(lambda: bool(a_seen.of(ReadReceiptEvent)))
            await c_session.send_message("My order")
            await a_seen.wait_for(
                lambda: any(e.item.content == "My order" for e in a_seen.of(MessageEvent))
            )
            await a_session.send_typing()
            await c_seen.wait_for(lambda: bool(c_seen.of(TypingEvent)))
            await c_session.disconnect_participant()
            await a_session.wait_ended()
            await c_session.wait_ended()


async def test_bad_input_is_refused_before_any_request(
    emu: Emulator, request_log: tuple[httpx.AsyncClient, RequestLog]
) -> None:
    http, log = request_log
    details = await customer_chat(emu)
    config = session_config(emu.base_url)
    with trio.fail_after(10):
        async with open_chat_session(details, config=config, http=http) as session:
            with pytest.raises(errors.InvalidStateError):
                await session.send_message("too early")
            with pytest.raises(errors.InvalidStateError):
                await session.get_transcript()
            with pytest.raises(errors.InvalidStateError):
                session.send_read_receipt("some-id")
            assert log.requests == []
            await session.connect()
            before = list(log.requests)
            with pytest.raises(errors.ValidationError):
                await session.send_message("")
            with pytest.raises(errors.ValidationError):
                await session.send_message("x" * 16_385)
            with pytest.raises(errors.ValidationError):
                await session.send_message("hi", "text/html")
            with pytest.raises(errors.ValidationError):
                await session.send_event("application/vnd.example.unknown")
            with pytest.raises(errors.ValidationError):
                await session.send_attachment(b"MZ", name="tool.exe")
            with pytest.raises(errors.ValidationError):
                await session.send_attachment(b"x" * (20 * 1024 * 1024 + 1), name="big.txt")
            with pytest.raises(errors.ValidationError):
                await session.send_attachment(b"", name="empty.txt")
            assert log.requests == before
            await session.send_message("bye")  # the default agent ends the chat
            await session.wait_ended()
            after = list(log.requests)
            with pytest.raises(errors.SessionEndedError):
                await session.send_message("after the end")
            with pytest.raises(errors.SessionEndedError):
                await session.get_transcript()
            with pytest.raises(errors.SessionEndedError):
                await session.connect()
            assert log.requests == after


async def test_leaving_the_block_closes_the_socket_promptly(emu: Emulator) -> None:
    details = await customer_chat(emu)
    with trio.fail_after(5):
        async with open_chat_session(details, config=session_config(emu.base_url)) as session:
            await session.connect()
            started = trio.current_time()
        # The closing handshake completes before the session's tasks are cancelled, so leaving
        # does not wait for the close timeout.
        assert trio.current_time() - started < 0.5
        assert session.state is SessionState.CLOSED
        with trio.fail_after(2):
            while emu.hub.subscribers(details.contact_id):
                await trio.sleep(0.01)
