"""Every event has an ``on_x`` registration, and each registration receives its event."""

from __future__ import annotations

import inspect
import re

import trio
from session_harness import AGENT_ID, open_harness, wait_until

import trioconnect
from trioconnect import events
from trioconnect.protocol import content_types as ct

CONCRETE = sorted(
    name
    for name in events.__all__
    if name.endswith("Event") and name not in ("Event", "ItemEvent", "ReceiptEvent")
)


def _method_name(event_name: str) -> str:
    return "on_" + re.sub(r"(?<!^)(?=[A-Z])", "_", event_name[: -len("Event")]).lower()


def test_every_event_has_a_callback_method() -> None:
    missing = [n for n in CONCRETE if not hasattr(trioconnect.ChatSession, _method_name(n))]
    assert missing == []


def test_callback_methods_are_typed_for_their_event() -> None:
    for name in CONCRETE:
        method = getattr(trioconnect.ChatSession, _method_name(name))
        assert name in str(inspect.signature(method)), name


ITEM_EVENTS = {
    ct.TYPING: "TypingEvent",
    ct.PARTICIPANT_IDLE: "ParticipantIdleEvent",
    ct.PARTICIPANT_RETURNED: "ParticipantReturnedEvent",
    ct.PARTICIPANT_INVITED: "ParticipantInvitedEvent",
    ct.PARTICIPANT_AUTODISCONNECTION: "AutoDisconnectionEvent",
    ct.PARTICIPANT_DISPLAYNAME_UPDATED: "ParticipantDisplayNameUpdatedEvent",
    ct.CHAT_REHYDRATED: "ChatRehydratedEvent",
    ct.AUTHENTICATION_INITIATED: "AuthenticationInitiatedEvent",
    ct.AUTHENTICATION_SUCCEEDED: "AuthenticationSuccessfulEvent",
    ct.AUTHENTICATION_FAILED: "AuthenticationFailedEvent",
    ct.AUTHENTICATION_TIMEOUT: "AuthenticationTimeoutEvent",
    ct.AUTHENTICATION_EXPIRED: "AuthenticationExpiredEvent",
    ct.AUTHENTICATION_CANCELLED: "AuthenticationCanceledEvent",
    ct.TEXT_PLAIN: "MessageEvent",
}


async def test_each_on_method_receives_its_item_event(
    autojump_clock: trio.testing.MockClock,
) -> None:
    seen: dict[str, int] = {}
    async with open_harness() as h, h.session() as session:
        for name in [*ITEM_EVENTS.values(), "ConnectionEstablishedEvent"]:
            getattr(session, _method_name(name))(
                lambda event, name=name: seen.__setitem__(name, seen.get(name, 0) + 1)
            )
        await session.connect()
        for content_type in ITEM_EVENTS:
            kind = "MESSAGE" if content_type == ct.TEXT_PLAIN else "EVENT"
            content = "{}" if kind == "EVENT" else "hello"
            item = h.service.new_item(
                content, content_type=content_type, kind=kind, participant_id=AGENT_ID
            )
            h.ws.push(item)
        await wait_until(lambda: len(seen) == len(ITEM_EVENTS) + 1, seconds=30)
    assert seen == {name: 1 for name in [*ITEM_EVENTS.values(), "ConnectionEstablishedEvent"]}


async def test_metrics_off_counts_no_calls(autojump_clock: trio.testing.MockClock) -> None:
    from session_harness import fast_config

    async with open_harness() as h:
        async with h.session(fast_config(metrics=False)) as session:
            await session.connect()
            await session.send_message("hi")
            assert session.statistics().api_calls == {}
        async with h.session(fast_config()) as session:
            await session.connect()
            await session.send_message("hi")
            assert session.statistics().api_calls["SendMessage"] == 1
