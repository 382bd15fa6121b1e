"""Pure parts: the chat domain, transcript paging, frames, hooks, store seam, clock."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import trio

from trioconnect.emulator import ApiError, ChatState, EmulatorConfig, MemoryStore, Role
from trioconnect.emulator.clock import Clock, iso_ms, parse_iso
from trioconnect.emulator.items import CHAT_ENDED, READ, TYPING
from trioconnect.emulator.records import Contact, Participant
from trioconnect.emulator.store import Record
from trioconnect.emulator.transcript import TranscriptQuery, page
from trioconnect.emulator.websocket import answer_frame


def _items(n: int) -> list[dict[str, Any]]:
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return [
        {"Id": f"i{k}", "AbsoluteTime": iso_ms(base + dt.timedelta(seconds=k))} for k in range(n)
    ]


def _ids(result: Any) -> list[str]:
    return [item["Id"] for item in result.items]


def test_iso_format_has_milliseconds_and_z() -> None:
    stamp = iso_ms(dt.datetime(2026, 11, 25, 15, 15, 40, 217_900, tzinfo=dt.UTC))
    assert stamp == "2026-11-25T15:15:40.217Z"
    assert parse_iso(stamp) == dt.datetime(2026, 11, 25, 15, 15, 40, 217_000, tzinfo=dt.UTC)
    assert parse_iso("yesterday") is None


def test_transcript_start_positions() -> None:
    items = _items(10)
    by_id = page(items, "c", TranscriptQuery(3, "FORWARD", start_position={"Id": "i4"}))
    assert _ids(by_id) == ["i4", "i5", "i6"]
    back_id = page(items, "c", TranscriptQuery(3, "BACKWARD", start_position={"Id": "i4"}))
    assert _ids(back_id) == ["i2", "i3", "i4"]
    at = items[5]["AbsoluteTime"]
    assert (
        _ids(page(items, "c", TranscriptQuery(2, "FORWARD", start_position={"AbsoluteTime": at})))[
            0
        ]
        == "i5"
    )
    assert _ids(
        page(items, "c", TranscriptQuery(2, "BACKWARD", start_position={"AbsoluteTime": at}))
    ) == ["i4", "i5"]
    recent = page(items, "c", TranscriptQuery(5, "BACKWARD", "DESCENDING", {"MostRecent": 0}))
    assert _ids(recent) == ["i9", "i8", "i7", "i6", "i5"]
    assert page([], "c", TranscriptQuery()).items == []
    with pytest.raises(ApiError):
        page(items, "c", TranscriptQuery(start_position={"Id": "missing"}))
    with pytest.raises(ApiError):
        page(items, "c", TranscriptQuery(start_position={"Id": "i1", "MostRecent": 1}))


def test_next_token_is_bound_to_contact_and_direction() -> None:
    items = _items(5)
    first = page(items, "c", TranscriptQuery(2, "FORWARD"))
    assert first.next_token is not None
    with pytest.raises(ApiError):
        page(items, "other", TranscriptQuery(2, "FORWARD", next_token=first.next_token))
    with pytest.raises(ApiError):
        page(items, "c", TranscriptQuery(2, "BACKWARD", next_token=first.next_token))
    second = page(items, "c", TranscriptQuery(2, "FORWARD", next_token=first.next_token))
    assert _ids(second) == ["i2", "i3"]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('{"topic":"aws/ping"}', {"topic": "aws/ping", "statusCode": 200, "statusContent": "OK"}),
        ('{"topic":"aws/heartbeat"}', {"topic": "aws/heartbeat"}),
        (
            '{"topic":"aws/unsubscribe"}',
            {"topic": "aws/unsubscribe", "content": {"status": "success"}},
        ),
    ],
)
def test_answer_frame(frame: str, expected: dict[str, Any]) -> None:
    assert answer_frame(frame).frame == expected


def test_answer_frame_without_heartbeat_answer() -> None:
    assert answer_frame('{"topic":"aws/heartbeat"}', answer_heartbeat=False).frame is None
    assert answer_frame('{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}').subscribe


async def test_clock_advance_moves_wall_time_too() -> None:
    clock = Clock()
    before_wall, before_mono = clock.wall(), clock.monotonic()
    clock.advance(60)
    assert clock.monotonic() - before_mono >= 60
    assert (clock.wall() - before_wall).total_seconds() >= 60
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


async def test_hooks_let_a_scripted_participant_react() -> None:
    """Extension point (a): a bot built only on hooks and the *_as methods."""
    state = ChatState()
    created: list[str] = []
    seen: list[tuple[str, str]] = []
    bots: dict[str, Participant] = {}

    def on_created(contact: Contact, customer: Participant) -> None:
        created.append(customer.display_name)
        bots[contact.contact_id] = state.add_participant(contact.contact_id, Role.CUSTOM_BOT, "Bot")

    def on_item(contact: Contact, item: dict[str, Any]) -> None:
        seen.append((item["Type"], item.get("ParticipantRole", "")))
        if item["Type"] == "MESSAGE" and item["ParticipantRole"] == "CUSTOMER":
            bot = bots[contact.contact_id]
            state.send_message_as(bot.participant_id, "text/plain", "noted: " + item["Content"])

    def broken(contact: Contact, item: dict[str, Any]) -> None:
        raise RuntimeError("a failing hook must not break the chat")

    state.hooks.on_contact_created(on_created)
    state.hooks.on_item(on_item)
    unhook = state.hooks.on_item(broken)
    contact, customer = state.start_chat(display_name="Jane")
    grant = state.create_connection(customer.participant_token, ["CONNECTION_CREDENTIALS"])
    assert grant is not None
    caller = state.authenticate(grant.connection.connection_token)
    state.send_message(caller, "text/plain", "hello")
    unhook()
    assert created == ["Jane"]
    assert ("MESSAGE", "CUSTOM_BOT") in seen
    texts = [i.get("Content") for i in state.store.items(contact.contact_id)]
    assert texts[-2:] == ["hello", "noted: hello"]


async def test_custom_store_sees_every_change() -> None:
    """Extension point (c): ChatState only talks to the Store interface."""

    class RecordingStore(MemoryStore):
        def __init__(self) -> None:
            super().__init__()
            self.saved: list[str] = []

        def save(self, record: Record) -> None:
            self.saved.append(type(record).__name__)

    store = RecordingStore()
    state = ChatState(store=store)
    contact, customer = state.start_chat(display_name="Jane")
    state.create_connection(customer.participant_token, ["WEBSOCKET"])
    state.end_chat(contact.contact_id)
    assert {"Contact", "Participant"} <= set(store.saved)
    assert store.active_contacts() == 0


async def test_typing_is_pushed_but_not_kept_and_receipts_are_metadata() -> None:
    state = ChatState()
    pushed: list[dict[str, Any]] = []
    state.hooks.on_item(lambda contact, item: pushed.append(item))
    contact, customer = state.start_chat(display_name="Jane")
    agent = state.add_participant(contact.contact_id, Role.AGENT, "Ann")
    sent = state.send_message_as(customer.participant_id, "text/plain", "hi")
    state.send_event_as(agent.participant_id, TYPING)
    receipt = state.send_event_as(agent.participant_id, READ, json.dumps({"messageId": sent["Id"]}))
    assert (
        receipt["MessageMetadata"]["Receipts"][0]["RecipientParticipantId"] == agent.participant_id
    )
    kept = [i.get("ContentType", i["Type"]) for i in state.store.items(contact.contact_id)]
    assert TYPING not in kept
    assert TYPING in [i.get("ContentType") for i in pushed]
    with pytest.raises(ApiError) as info:
        state.send_event_as(
            agent.participant_id, "application/vnd.amazonaws.connect.event.chat.ended"
        )
    assert info.value.code == "ValidationException"


async def test_agent_leaving_does_not_end_the_chat_but_customer_does() -> None:
    state = ChatState()
    contact, customer = state.start_chat(display_name="Jane")
    agent = state.add_participant(contact.contact_id, Role.AGENT, "Ann")
    state.disconnect_as(agent.participant_id)
    assert not state.contact(contact.contact_id).ended
    state.disconnect_as(customer.participant_id)
    assert state.contact(contact.contact_id).ended
    last_two = [i["ContentType"] for i in state.store.items(contact.contact_id)][-2:]
    assert last_two == ["application/vnd.amazonaws.connect.event.participant.left", CHAT_ENDED]
    with pytest.raises(ApiError) as info:
        state.send_message_as(customer.participant_id, "text/plain", "late")
    assert info.value.status == 403


async def test_url_expiry_and_connect_window(autojump_clock: trio.testing.MockClock) -> None:
    state = ChatState(config=EmulatorConfig(websocket_url_ttl=100, connect_window=300))
    _, customer = state.start_chat(display_name="Jane")
    await trio.sleep(299)
    grant = state.create_connection(customer.participant_token, ["WEBSOCKET"])
    assert grant is not None
    assert grant.url_token is not None
    state.open_socket(grant.url_token)
    await trio.sleep(100)
    with pytest.raises(ApiError):
        state.open_socket(grant.url_token)
    _, late = state.start_chat(display_name="Late")
    await trio.sleep(301)
    with pytest.raises(ApiError) as info:
        state.create_connection(late.participant_token, ["WEBSOCKET"])
    assert info.value.code == "AccessDeniedException"
