"""Every event type, produced by the emulator's ``every-event`` scenario, reaches the client.

The scenario emits one item of every content type ChatJS maps to a callback of its own (plus a Lex
streaming message, an interactive message, an attachment and the participant comings and goings),
then ends the chat. The client must turn each into the right typed event, in order, once.
"""

from __future__ import annotations

import trio
from conftest import session_config

from trioconnect import events as ev
from trioconnect import open_chat_session, start_chat
from trioconnect.emulator import Emulator
from trioconnect.protocol import content_types as ct

EXPECTED_ITEM_EVENTS = {
    ev.TypingEvent,
    ev.DeliveredReceiptEvent,
    ev.ReadReceiptEvent,
    ev.ParticipantIdleEvent,
    ev.ParticipantReturnedEvent,
    ev.ParticipantInvitedEvent,
    ev.ParticipantDisplayNameUpdatedEvent,
    ev.ChatRehydratedEvent,
    ev.AuthenticationInitiatedEvent,
    ev.AuthenticationSuccessfulEvent,
    ev.AuthenticationFailedEvent,
    ev.AuthenticationTimeoutEvent,
    ev.AuthenticationExpiredEvent,
    ev.AuthenticationCanceledEvent,
    ev.AutoDisconnectionEvent,
    ev.MessageEvent,
}


async def test_every_event_type_arrives_once_and_typed(quiet_emu: Emulator) -> None:
    details = await start_chat(
        start_chat_url=f"{quiet_emu.base_url}/start-chat",
        display_name="Jane",
        attributes={"trioconnect.scenario": "every-event"},
    )
    seen: list[ev.Event] = []
    with trio.fail_after(15):
        async with open_chat_session(details, config=session_config(quiet_emu.base_url)) as s:
            stream = s.events()
            await s.connect()
            sent = await s.send_message("start the show")
            async for event in stream:
                seen.append(event)
            assert s.state.value == "ended"

    kinds = {type(e) for e in seen}
    assert kinds >= EXPECTED_ITEM_EVENTS, EXPECTED_ITEM_EVENTS - kinds
    assert ev.ConnectionEstablishedEvent in kinds
    assert isinstance(seen[-1], ev.EndedEvent)
    assert sum(isinstance(e, ev.EndedEvent) for e in seen) == 1

    messages = [e.item for e in seen if isinstance(e, ev.MessageEvent)]
    content_types = {m.content_type for m in messages}
    for expected in (
        ct.TEXT_MARKDOWN,
        ct.APPLICATION_JSON,
        ct.INTERACTIVE_MESSAGE,
        ct.PARTICIPANT_JOINED,
        ct.PARTICIPANT_LEFT,
        ct.CHAT_ENDED,
    ):
        assert expected in content_types, expected
    attachments = [m for m in messages if m.type == "ATTACHMENT"]
    assert attachments
    assert attachments[0].attachments[0].attachment_name == "notes.txt"

    # The Lex streaming message: one Id, growing text, then the whole text once more at the end.
    stream_texts = [
        m.content for m in messages if m.participant_role == "SYSTEM" and m.type == "MESSAGE"
    ]
    assert stream_texts[-1] == "Hello from the bot."
    assert all("Hello from the bot.".startswith(t or "") for t in stream_texts)

    # Receipts are about the customer's own message; none is this session's own.
    receipts = [e for e in seen if isinstance(e, ev.ReceiptEvent)]
    assert {r.message_id for r in receipts} == {sent.id}
    assert all(r.recipient_participant_id != details.participant_id for r in receipts)

    # Nothing arrived twice.
    item_ids = [
        e.item.id
        for e in seen
        if isinstance(e, ev.ItemEvent)
        and not (e.item.participant_role == "SYSTEM" and e.item.type == "MESSAGE")
    ]
    assert len(item_ids) == len(set(item_ids))


async def test_authentication_flow_succeeds_once_the_url_is_requested(quiet_emu: Emulator) -> None:
    details = await start_chat(
        start_chat_url=f"{quiet_emu.base_url}/start-chat",
        display_name="Jane",
        attributes={"trioconnect.scenario": "authentication"},
    )
    with trio.fail_after(10):
        async with open_chat_session(details, config=session_config(quiet_emu.base_url)) as s:
            stream = s.events()
            await s.connect()
            await s.send_message("hello")
            async for event in stream:
                if isinstance(event, ev.AuthenticationInitiatedEvent):
                    assert event.session_id
                    url = await s.get_authentication_url(
                        session_id=event.session_id, redirect_uri="https://example.com/back"
                    )
                    assert url.startswith("http")
                if isinstance(event, ev.AuthenticationSuccessfulEvent):
                    break


async def test_persistent_chat_rehydrates_the_past_transcript(emu: Emulator) -> None:
    base = emu.base_url
    first = await start_chat(start_chat_url=f"{base}/start-chat", display_name="Jane")
    with trio.fail_after(10):
        async with open_chat_session(first, config=session_config(base)) as s:
            stream = s.events()
            await s.connect()
            await s.send_message("remember me")
            async for event in stream:
                item = event.item if isinstance(event, ev.MessageEvent) else None
                if item is not None and item.participant_role == "AGENT" and item.type == "MESSAGE":
                    await s.disconnect_participant()
            assert s.state.value == "ended"

        second = await start_chat(
            start_chat_url=f"{base}/start-chat",
            display_name="Jane",
            persistent_chat={
                "SourceContactId": first.contact_id,
                "RehydrationType": "ENTIRE_PAST_SESSION",
            },
        )
        assert second.contact_id != first.contact_id
        async with open_chat_session(second, config=session_config(base)) as s:
            stream = s.events()
            await s.connect()
            async for event in stream:
                if isinstance(event, ev.ChatRehydratedEvent):
                    break
            page = await s.get_transcript(max_results=100, scan_direction="FORWARD")
            past = [i.content for i in page.items if i.contact_id == first.contact_id]
            assert "remember me" in past
            only_past = await s.get_transcript(contact_id=first.contact_id, max_results=100)
            assert {i.contact_id for i in only_past.items} == {first.contact_id}
