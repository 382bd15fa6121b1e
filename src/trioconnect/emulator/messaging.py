"""SendMessage and SendEvent: content rules, idempotency, and the item each call adds.

:class:`~.state.ChatState` calls these functions from ``send_message``, ``send_event``,
``send_message_as`` and ``send_event_as`` (and from ``start_chat`` for an initial message) once
it knows who is sending; use those methods rather than these functions.

Idempotency: the key is (participant, operation, ClientToken, ContentType, Content). A repeat
returns the first answer and adds nothing. ChatJS sends every receipt with the same literal
ClientToken (``INCOMING_READ_RECEIPT``), so keying on ClientToken alone would wrongly replay an
older receipt; including the content keeps receipts for different messages apart.

Typing indicators are ephemeral: they reach the sockets but not the transcript.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from trioconnect.emulator import items as it
from trioconnect.emulator.api_error import validation
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact, Participant
from trioconnect.emulator.store import Store

if TYPE_CHECKING:
    from trioconnect.emulator.state import ChatState

__all__ = ["event", "message"]

_RECEIPT_SHAPE = 'A receipt\'s Content must be JSON like {"messageId": "..."}'


def message(
    state: ChatState,
    participant: Participant,
    contact: Contact,
    content_type: str,
    content: str,
    client_token: str | None,
) -> Item:
    """Add a message item from ``participant`` (or replay the first one for a repeated key).

    Raises:
        ApiError: ValidationException for an unsupported content type, empty or oversized content.
    """
    if content_type not in it.MESSAGE_CONTENT_TYPES:
        raise validation(f"ContentType {content_type!r} is not supported by SendMessage")
    if not content:
        raise validation("Content must not be empty")
    _check_size(state, content)
    key = None
    if client_token:
        key = (participant.participant_id, "SendMessage", client_token, content_type, content)
    previous = _recall(state.store, key)
    if previous is not None:
        return previous
    item = it.message_item(contact, participant, content_type, content, state.now())
    if key is not None:
        state.store.remember(key, item)
    state.publish(contact, item)
    return item


def event(
    state: ChatState,
    participant: Participant,
    contact: Contact,
    content_type: str,
    content: str | None,
    client_token: str | None,
) -> Item:
    """Add an event or receipt item from ``participant`` (or replay the first one).

    Raises:
        ApiError: ValidationException for an unknown event type, oversized content or a receipt
            whose content does not name a message.
    """
    if content_type not in it.SEND_EVENT_CONTENT_TYPES:
        raise validation(f"ContentType {content_type!r} is not supported by SendEvent")
    _check_size(state, content)
    key = None
    if client_token:
        key = (participant.participant_id, "SendEvent", client_token, content_type, content or "")
    previous = _recall(state.store, key)
    if previous is not None:
        return previous
    now = state.now()
    if content_type in (it.READ, it.DELIVERED):
        item = it.receipt_item(contact, participant, _receipt_target(content), content_type, now)
    else:
        item = it.event_item(contact, participant, content_type, now, content)
    if key is not None:
        state.store.remember(key, item)
    state.publish(contact, item, persist=content_type != it.TYPING)
    return item


def _check_size(state: ChatState, content: str | None) -> None:
    limit = state.config.message_max_bytes
    if content is not None and len(content.encode()) > limit:
        raise validation(f"Content exceeds {limit} bytes")


def _recall(store: Store, key: tuple[str, ...] | None) -> Item | None:
    if key is None:
        return None
    found = store.recall(key)
    return found if isinstance(found, dict) else None


def _receipt_target(content: str | None) -> str:
    try:
        data = json.loads(content or "")
    except ValueError:
        raise validation(_RECEIPT_SHAPE) from None
    message_id = data.get("messageId") if isinstance(data, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise validation(_RECEIPT_SHAPE)
    return message_id
