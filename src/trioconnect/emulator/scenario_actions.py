"""What scenario steps do to a chat, built only on the chat domain's extension points.

Each function acts on one contact through :class:`~.state.ChatState` (``add_participant``,
``send_message_as``, ``send_event_as``, ``disconnect_as``, ``end_chat``, ``publish``), the items
builders of :mod:`.items` and the :class:`~.store.Store` (attachments). None of them waits; the
engine (:mod:`.scenario_engine`) does the waiting.
"""

from __future__ import annotations

import json
import secrets
import uuid

from trioconnect.emulator import items as it
from trioconnect.emulator.api_error import validation
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Attachment, AttachmentStatus, Contact, Participant
from trioconnect.emulator.state import ChatState
from trioconnect.protocol import content_types as ct

__all__ = [
    "attachment",
    "event",
    "interactive_message",
    "stream_chunk",
    "stream_final",
    "system_event",
]

#: Events pushed to sockets but not kept in the transcript.
EPHEMERAL = frozenset({ct.TYPING})


def _check_size(state: ChatState, content: str | None) -> None:
    if content is not None and len(content.encode()) > state.config.message_max_bytes:
        raise validation(f"Content exceeds {state.config.message_max_bytes} bytes")


def system_event(
    state: ChatState, contact: Contact, content_type: str, content: str | None = None
) -> Item:
    """Publish a SYSTEM participant's event (transfer.*, chat.rehydrated, authentication.*)."""
    _check_size(state, content)
    item = it.system_event_item(contact, content_type, state.now(), content)
    state.publish(contact, item, persist=content_type not in EPHEMERAL)
    return item


def event(
    state: ChatState,
    contact: Contact,
    who: Participant,
    content_type: str,
    content: str | None = None,
) -> Item:
    """Publish an event attributed to ``who`` (idle, returned, invited, displayname.updated...).

    Event types SendEvent accepts go through ``send_event_as`` (so the usual rules apply); the
    others are built and published directly, as a contact flow would emit them.
    """
    if content_type in it.SEND_EVENT_CONTENT_TYPES:
        return state.send_event_as(who.participant_id, content_type, content)
    _check_size(state, content)
    item = it.event_item(contact, who, content_type, state.now(), content)
    state.publish(contact, item, persist=content_type not in EPHEMERAL)
    return item


def interactive_message(
    state: ChatState, contact: Contact, who: Participant, content_type: str, content: str
) -> Item:
    """Publish a message of a type SendMessage does not take (interactive templates)."""
    _check_size(state, content)
    item = it.message_item(contact, who, content_type, content, state.now())
    state.publish(contact, item)
    return item


def stream_chunk(
    state: ChatState, contact: Contact, bot: Participant, message_id: str, number: int, text: str
) -> Item:
    """Publish one partial chunk of a Lex streaming message (kept out of the transcript).

    Every chunk of one message shares ``message_id``; ``MessageMetadata`` carries
    ``MessageCompleted: false`` and the 1-based ``ChunkNumber``, as ChatJS's stitcher expects.
    """
    item = it.message_item(contact, bot, ct.TEXT_PLAIN, text, state.now())
    item["Id"] = message_id
    item["MessageMetadata"] = {
        "MessageId": message_id,
        "MessageCompleted": False,
        "ChunkNumber": number,
    }
    state.publish(contact, item, persist=False)
    return item


def stream_final(
    state: ChatState, contact: Contact, bot: Participant, message_id: str, text: str
) -> Item:
    """Publish the completed streaming message (full text, ``MessageCompleted: true``)."""
    _check_size(state, text)
    item = it.message_item(contact, bot, ct.TEXT_PLAIN, text, state.now())
    item["Id"] = message_id
    item["MessageMetadata"] = {"MessageId": message_id, "MessageCompleted": True}
    state.publish(contact, item)
    return item


def attachment(
    state: ChatState,
    contact: Contact,
    who: Participant,
    name: str,
    content_type: str,
    data: bytes,
) -> Item:
    """Share a file from ``who``: an approved attachment (GetAttachment serves it) and its item."""
    record = Attachment(
        attachment_id=str(uuid.uuid4()),
        contact_id=contact.contact_id,
        participant_id=who.participant_id,
        name=name,
        content_type=content_type,
        size=len(data),
        upload_secret=secrets.token_hex(32),
        upload_expires_mono=state.clock.monotonic(),
        status=AttachmentStatus.APPROVED,
        data=data,
    )
    state.store.add(record)
    item = it.attachment_item(contact, who, record.attachment_id, name, content_type, state.now())
    state.publish(contact, item)
    return item


def session_content(session_id: str) -> str:
    """The ``Content`` of authentication events: ``{"SessionId": ...}``."""
    return json.dumps({"SessionId": session_id})


def session_of(content: str | None) -> str | None:
    """The SessionId inside an authentication event's content, if any."""
    try:
        data = json.loads(content or "")
    except ValueError:
        return None
    value = data.get("SessionId") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None
