"""The public event classes: shapes, immutability, pattern matching, docstrings."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from trioconnect.protocol import events as ev
from trioconnect.protocol.items import Item

ITEM = Item(id="i1", type="MESSAGE", content_type="text/plain", content="hi")

# event class -> ChatJS callback named in its docstring (None: no ChatJS equivalent)
CALLBACKS: dict[type[ev.Event], str | None] = {
    ev.MessageEvent: "onMessage",
    ev.TypingEvent: "onTyping",
    ev.ReadReceiptEvent: "onReadReceipt",
    ev.DeliveredReceiptEvent: "onDeliveredReceipt",
    ev.ParticipantIdleEvent: "onParticipantIdle",
    ev.ParticipantReturnedEvent: "onParticipantReturned",
    ev.ParticipantInvitedEvent: "onParticipantInvited",
    ev.AutoDisconnectionEvent: "onAutoDisconnection",
    ev.ParticipantDisplayNameUpdatedEvent: "onParticipantDisplayNameUpdated",
    ev.ChatRehydratedEvent: "onChatRehydrated",
    ev.AuthenticationInitiatedEvent: "onAuthenticationInitiated",
    ev.AuthenticationSuccessfulEvent: "onAuthenticationSuccessful",
    ev.AuthenticationFailedEvent: "onAuthenticationFailed",
    ev.AuthenticationTimeoutEvent: "onAuthenticationTimeout",
    ev.AuthenticationExpiredEvent: "onAuthenticationExpired",
    ev.AuthenticationCanceledEvent: "onAuthenticationCanceled",
    ev.ConnectionEstablishedEvent: "onConnectionEstablished",
    ev.ConnectionLostEvent: "onConnectionLost",
    ev.ConnectionBrokenEvent: "onConnectionBroken",
    ev.EndedEvent: "onEnded",
    ev.DeepHeartbeatSuccessEvent: "onDeepHeartbeatSuccess",
    ev.DeepHeartbeatFailureEvent: "onDeepHeartbeatFailure",
    ev.TranscriptUpdatedEvent: "onTranscriptUpdated",
    ev.MessagesRecoveredEvent: None,
}

FIELDS: dict[type[ev.Event], list[str]] = {
    ev.ReadReceiptEvent: ["item", "message_id", "recipient_participant_id", "timestamp"],
    ev.DeliveredReceiptEvent: ["item", "message_id", "recipient_participant_id", "timestamp"],
    ev.AuthenticationInitiatedEvent: ["item", "session_id"],
    ev.ConnectionEstablishedEvent: ["reconnect"],
    ev.ConnectionLostEvent: ["reason"],
    ev.ConnectionBrokenEvent: ["reason", "error"],
    ev.EndedEvent: [],
    ev.DeepHeartbeatSuccessEvent: [],
    ev.DeepHeartbeatFailureEvent: ["status_code", "reason"],
    ev.TranscriptUpdatedEvent: ["transcript"],
    ev.MessagesRecoveredEvent: ["count"],
}


def test_every_public_event_class_is_covered() -> None:
    public = {
        obj
        for name, obj in vars(ev).items()
        if inspect.isclass(obj) and issubclass(obj, ev.Event) and name in ev.__all__
    }
    assert public - {ev.Event, ev.ItemEvent, ev.ReceiptEvent} == set(CALLBACKS)


@pytest.mark.parametrize("cls", list(CALLBACKS), ids=lambda c: c.__name__)
def test_docstring_names_the_chatjs_callback(cls: type[ev.Event]) -> None:
    first_line = (cls.__doc__ or "").strip().splitlines()[0]
    callback = CALLBACKS[cls]
    if callback is None:
        assert "no ChatJS equivalent" in first_line
    else:
        assert f"``{callback}``" in first_line


@pytest.mark.parametrize("cls", list(CALLBACKS), ids=lambda c: c.__name__)
def test_fields_frozen_and_slotted(cls: type[ev.Event]) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    if issubclass(cls, ev.ItemEvent):
        assert names[0] == "item"
    expected = FIELDS.get(cls, ["item"])
    assert names == expected
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen
    assert "__slots__" in vars(cls)


def test_construction_equality_and_immutability() -> None:
    a = ev.ReadReceiptEvent(ITEM, "m1", "p2")
    assert a == ev.ReadReceiptEvent(ITEM, "m1", "p2", None)
    other: ev.Event = ev.DeliveredReceiptEvent(ITEM, "m1", "p2")
    assert a != other
    assert hash(a) == hash(ev.ReadReceiptEvent(ITEM, "m1", "p2"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.message_id = "x"  # type: ignore[misc]
    assert ev.ConnectionBrokenEvent("gone").error is None
    assert ev.AuthenticationInitiatedEvent(ITEM).session_id is None
    assert ev.EndedEvent() == ev.EndedEvent()


def describe(event: ev.Event) -> str:
    match event:
        case ev.MessageEvent(item=Item(content=content)):
            return f"message {content}"
        case ev.ReceiptEvent(message_id=mid):
            return f"{type(event).__name__} {mid}"
        case ev.ConnectionEstablishedEvent(reconnect=True):
            return "re-established"
        case ev.EndedEvent():
            return "ended"
        case _:
            return "other"


def test_pattern_matching() -> None:
    assert describe(ev.MessageEvent(ITEM)) == "message hi"
    assert describe(ev.DeliveredReceiptEvent(ITEM, "m9", None)) == "DeliveredReceiptEvent m9"
    assert describe(ev.ConnectionEstablishedEvent(reconnect=True)) == "re-established"
    assert describe(ev.ConnectionEstablishedEvent(reconnect=False)) == "other"
    assert describe(ev.EndedEvent()) == "ended"
    assert isinstance(ev.TypingEvent(ITEM), ev.ItemEvent)
    assert not isinstance(ev.EndedEvent(), ev.ItemEvent)
