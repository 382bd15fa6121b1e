"""Item -> event mapping (events-and-content-types.md §2) and the per-contact filter."""

from __future__ import annotations

import pytest

from trioconnect.protocol import content_types as ct
from trioconnect.protocol import events as ev
from trioconnect.protocol.dispatch import (
    events_for_item,
    item_passes_contact_filter,
    parse_authentication_session_id,
)
from trioconnect.protocol.items import Item, MessageMetadata, Receipt

OWN = "customer-1"

# Every row of ChatJS's mapping: content type -> the one event it becomes.
OWN_EVENT = {
    ct.TYPING: ev.TypingEvent,
    ct.PARTICIPANT_IDLE: ev.ParticipantIdleEvent,
    ct.PARTICIPANT_RETURNED: ev.ParticipantReturnedEvent,
    ct.PARTICIPANT_INVITED: ev.ParticipantInvitedEvent,
    ct.PARTICIPANT_AUTODISCONNECTION: ev.AutoDisconnectionEvent,
    ct.PARTICIPANT_DISPLAYNAME_UPDATED: ev.ParticipantDisplayNameUpdatedEvent,
    ct.CHAT_REHYDRATED: ev.ChatRehydratedEvent,
    ct.AUTHENTICATION_INITIATED: ev.AuthenticationInitiatedEvent,
    ct.AUTHENTICATION_SUCCEEDED: ev.AuthenticationSuccessfulEvent,
    ct.AUTHENTICATION_FAILED: ev.AuthenticationFailedEvent,
    ct.AUTHENTICATION_TIMEOUT: ev.AuthenticationTimeoutEvent,
    ct.AUTHENTICATION_EXPIRED: ev.AuthenticationExpiredEvent,
    ct.AUTHENTICATION_CANCELLED: ev.AuthenticationCanceledEvent,
}
RECEIPT_TYPES = {ct.MESSAGE_READ, ct.MESSAGE_DELIVERED}
TO_ON_MESSAGE = sorted(
    (ct.KNOWN_CONTENT_TYPES - set(OWN_EVENT) - RECEIPT_TYPES - {ct.CHAT_ENDED})
    | {"application/x-unknown", "text/html", ""}
)


def item(content_type: str | None, **kw: object) -> Item:
    fields: dict[str, object] = {"id": "i1", "type": "EVENT", "content_type": content_type}
    fields.update(kw)
    return Item(**fields)  # type: ignore[arg-type]


def metadata_item(
    *receipts: Receipt, message_id: str = "m1", content_type: str | None = None
) -> Item:
    return item(
        content_type,
        type="MESSAGEMETADATA",
        message_metadata=MessageMetadata(message_id=message_id, receipts=receipts),
    )


@pytest.mark.parametrize("content_type", sorted(OWN_EVENT))
def test_mapped_content_types(content_type: str) -> None:
    it = item(content_type)
    assert events_for_item(it, own_participant_id=OWN) == [OWN_EVENT[content_type](it)]


@pytest.mark.parametrize("content_type", TO_ON_MESSAGE)
def test_everything_else_goes_to_on_message(content_type: str) -> None:
    it = item(content_type, type="MESSAGE")
    assert events_for_item(it, own_participant_id=OWN) == [ev.MessageEvent(it)]


def test_unmapped_coverage() -> None:
    for name in [
        "TEXT_PLAIN",
        "TEXT_MARKDOWN",
        "APPLICATION_JSON",
        "INTERACTIVE_MESSAGE",
        "INTERACTIVE_RESPONSE",
        "ATTACHMENT_MESSAGE",
        "PARTICIPANT_JOINED",
        "PARTICIPANT_LEFT",
        "PARTICIPANT_ACTIVE",
        "PARTICIPANT_INACTIVE",
        "TRANSFER_SUCCEEDED",
        "TRANSFER_FAILED",
        "CONNECTION_ACKNOWLEDGED",
        "WORKFLOW_CANCELLED",
    ]:
        assert getattr(ct, name) in TO_ON_MESSAGE
    assert events_for_item(item(None), own_participant_id=OWN) == [ev.MessageEvent(item(None))]


def test_chat_ended_is_a_message_then_ended() -> None:
    it = item(ct.CHAT_ENDED)
    assert events_for_item(it, own_participant_id=OWN) == [ev.MessageEvent(it), ev.EndedEvent()]


R_READ = Receipt("2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", "agent-1")
R_DELIVERED = Receipt("2026-01-01T00:00:01Z", None, "agent-1")
R_EMPTY = Receipt(None, None, "agent-1")
R_OWN_READ = Receipt(None, "2026-01-01T00:00:02Z", OWN)


@pytest.mark.parametrize(
    ("receipts", "expected"),
    [
        ((R_READ,), ev.ReadReceiptEvent),
        ((R_DELIVERED,), ev.DeliveredReceiptEvent),
        ((R_EMPTY,), None),
        ((), None),
        ((R_OWN_READ,), None),
        ((R_DELIVERED, R_READ), ev.DeliveredReceiptEvent),  # only Receipts[0] counts
        ((R_EMPTY, R_READ), None),
        ((R_OWN_READ, R_READ), None),
    ],
)
def test_metadata_receipts(receipts: tuple[Receipt, ...], expected: type | None) -> None:
    it = metadata_item(*receipts)
    out = events_for_item(it, own_participant_id=OWN)
    if expected is None:
        assert out == []
    else:
        r = receipts[0]
        ts = r.read_timestamp or r.delivered_timestamp
        assert out == [expected(it, "m1", r.recipient_participant_id, ts)]


@pytest.mark.parametrize("content_type", sorted(RECEIPT_TYPES))
def test_receipt_content_types_are_recomputed_from_metadata(content_type: str) -> None:
    no_metadata = item(content_type)
    assert events_for_item(no_metadata, own_participant_id=OWN) == []
    # The receipt, not the content type, decides: delivered-only is a delivered receipt.
    it = item(content_type, message_metadata=MessageMetadata("m7", (R_DELIVERED,)))
    assert events_for_item(it, own_participant_id=OWN) == [
        ev.DeliveredReceiptEvent(it, "m7", "agent-1", R_DELIVERED.delivered_timestamp)
    ]


def test_own_receipts_suppressed_only_when_own_id_known() -> None:
    no_recipient = metadata_item(Receipt(None, "t", None))
    assert len(events_for_item(no_recipient, own_participant_id=None)) == 1
    assert len(events_for_item(no_recipient, own_participant_id=OWN)) == 1
    own = metadata_item(R_OWN_READ)
    assert events_for_item(own, own_participant_id=None) == [
        ev.ReadReceiptEvent(own, "m1", OWN, R_OWN_READ.read_timestamp)
    ]


def test_metadata_type_wins_over_content_type() -> None:
    it = metadata_item(R_READ, content_type=ct.TYPING)
    assert [type(e) for e in events_for_item(it, own_participant_id=OWN)] == [ev.ReadReceiptEvent]


@pytest.mark.parametrize(
    ("content", "session_id"),
    [
        ('{"SessionId":"s-123"}', "s-123"),
        ('{"SessionId":"s-123","Other":1}', "s-123"),
        (None, None),
        ("", None),
        ("not json", None),
        ('["s-123"]', None),
        ('{"SessionId":42}', None),
        ('{"sessionId":"lower"}', None),
    ],
)
def test_authentication_initiated_session_id(content: str | None, session_id: str | None) -> None:
    it = item(ct.AUTHENTICATION_INITIATED, content=content)
    assert parse_authentication_session_id(content) == session_id
    assert events_for_item(it, own_participant_id=OWN) == [
        ev.AuthenticationInitiatedEvent(it, session_id)
    ]


@pytest.mark.parametrize(
    ("item_contact", "item_initial", "item_type", "contact", "initial", "passes"),
    [
        ("c1", "i1", "MESSAGE", "c1", "i1", True),
        ("c1", "other", "MESSAGE", "c1", "i1", True),  # ContactId matches
        ("other", "i1", "MESSAGE", "c2", "i1", True),  # InitialContactId matches
        ("other", "other", "MESSAGE", "c1", "i1", False),
        ("other", "other", "MESSAGEMETADATA", "c1", "i1", True),
        ("other", "other", "EVENT", "c1", "i1", False),
        (None, None, "MESSAGE", "c1", "i1", False),
        ("other", None, "MESSAGE", "c1", None, True),  # ChatJS: undefined == undefined
        ("other", "i9", "MESSAGE", "c1", None, False),
        (None, "i9", "MESSAGE", None, "i1", True),  # no ContactId on either side
    ],
)
def test_contact_filter(
    item_contact: str | None,
    item_initial: str | None,
    item_type: str,
    contact: str | None,
    initial: str | None,
    passes: bool,
) -> None:
    it = item(
        "text/plain", type=item_type, contact_id=item_contact, initial_contact_id=item_initial
    )
    assert item_passes_contact_filter(it, contact_id=contact, initial_contact_id=initial) is passes
