"""Content types and builders for transcript items in the service's ``Item`` shape.

An item is a plain ``dict`` with the keys GetTranscript returns and the WebSocket carries
(``Id``, ``Type``, ``ContentType``, ``Content``, ``AbsoluteTime``, ``ParticipantId``,
``DisplayName``, ``ParticipantRole``, ``ContactId``, ``InitialContactId``, ``Attachments``,
``MessageMetadata``).
"""

from __future__ import annotations

import uuid
from typing import Any

from trioconnect.emulator.records import Contact, Participant, Role

__all__ = [
    "CHAT_ENDED",
    "CHAT_REHYDRATED",
    "CONNECTION_ACK",
    "DELIVERED",
    "EVENT_PREFIX",
    "MESSAGE_CONTENT_TYPES",
    "PARTICIPANT_JOINED",
    "PARTICIPANT_LEFT",
    "READ",
    "SEND_EVENT_CONTENT_TYPES",
    "TYPING",
    "Item",
    "attachment_item",
    "event_item",
    "message_item",
    "receipt_item",
    "system_event_item",
]

Item = dict[str, Any]

EVENT_PREFIX = "application/vnd.amazonaws.connect.event."
TYPING = EVENT_PREFIX + "typing"
READ = EVENT_PREFIX + "message.read"
DELIVERED = EVENT_PREFIX + "message.delivered"
CONNECTION_ACK = EVENT_PREFIX + "connection.acknowledged"
PARTICIPANT_JOINED = EVENT_PREFIX + "participant.joined"
PARTICIPANT_LEFT = EVENT_PREFIX + "participant.left"
PARTICIPANT_ACTIVE = EVENT_PREFIX + "participant.active"
PARTICIPANT_INACTIVE = EVENT_PREFIX + "participant.inactive"
CHAT_ENDED = EVENT_PREFIX + "chat.ended"
CHAT_REHYDRATED = EVENT_PREFIX + "chat.rehydrated"

#: Content types SendMessage accepts.
MESSAGE_CONTENT_TYPES = frozenset(
    {
        "text/plain",
        "text/markdown",
        "application/json",
        "application/vnd.amazonaws.connect.message.interactive.response",
    }
)

#: Content types SendEvent accepts.
SEND_EVENT_CONTENT_TYPES = frozenset(
    {TYPING, READ, DELIVERED, CONNECTION_ACK, PARTICIPANT_ACTIVE, PARTICIPANT_INACTIVE}
)

SYSTEM_ID = "SYSTEM"


def _new_id() -> str:
    return str(uuid.uuid4())


def _base(contact: Contact, item_type: str, absolute_time: str) -> Item:
    return {
        "Id": _new_id(),
        "Type": item_type,
        "AbsoluteTime": absolute_time,
        "ContactId": contact.contact_id,
        "InitialContactId": contact.initial_contact_id,
    }


def _by(item: Item, who: Participant) -> Item:
    item["ParticipantId"] = who.participant_id
    item["DisplayName"] = who.display_name
    item["ParticipantRole"] = str(who.role)
    return item


def message_item(
    contact: Contact, who: Participant, content_type: str, content: str, absolute_time: str
) -> Item:
    """A ``MESSAGE`` item sent by ``who``."""
    item = _by(_base(contact, "MESSAGE", absolute_time), who)
    item["ContentType"] = content_type
    item["Content"] = content
    return item


def event_item(
    contact: Contact,
    who: Participant,
    content_type: str,
    absolute_time: str,
    content: str | None = None,
) -> Item:
    """An ``EVENT`` item (typing, participant.joined/left, ...) attributed to ``who``."""
    item = _by(_base(contact, "EVENT", absolute_time), who)
    item["ContentType"] = content_type
    if content is not None:
        item["Content"] = content
    return item


def system_event_item(
    contact: Contact, content_type: str, absolute_time: str, content: str | None = None
) -> Item:
    """An ``EVENT`` item from the SYSTEM participant (chat.ended, chat.rehydrated)."""
    item = _base(contact, "EVENT", absolute_time)
    item["ContentType"] = content_type
    item["ParticipantId"] = SYSTEM_ID
    item["DisplayName"] = SYSTEM_ID
    item["ParticipantRole"] = str(Role.SYSTEM)
    if content is not None:
        item["Content"] = content
    return item


def receipt_item(
    contact: Contact, reader: Participant, message_id: str, kind: str, absolute_time: str
) -> Item:
    """A ``MESSAGEMETADATA`` item: ``reader`` has read (or received) ``message_id``.

    ``kind`` is :data:`READ` or :data:`DELIVERED`. ``RecipientParticipantId`` names the participant
    who received the message (the receipt's sender), as ChatJS expects.
    """
    stamp = "ReadTimestamp" if kind == READ else "DeliveredTimestamp"
    item = _base(contact, "MESSAGEMETADATA", absolute_time)
    item["MessageMetadata"] = {
        "MessageId": message_id,
        "Receipts": [{stamp: absolute_time, "RecipientParticipantId": reader.participant_id}],
    }
    return item


def attachment_item(
    contact: Contact,
    who: Participant,
    attachment_id: str,
    name: str,
    content_type: str,
    absolute_time: str,
) -> Item:
    """An ``ATTACHMENT`` item for an approved attachment."""
    item = _by(_base(contact, "ATTACHMENT", absolute_time), who)
    item["ContentType"] = content_type
    item["Attachments"] = [
        {
            "AttachmentId": attachment_id,
            "AttachmentName": name,
            "ContentType": content_type,
            "Status": "APPROVED",
        }
    ]
    return item
