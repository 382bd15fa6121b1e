"""Which event a chat item becomes: ChatJS 5's incoming-item mapping, as a pure function.

ChatJS (``chatController._handleIncomingMessage``) sends each item to exactly one callback chosen by
its ``ContentType``; anything unmapped goes to ``onMessage``. Receipts are special: an item of
``Type: "MESSAGEMETADATA"`` (or with a read/delivered content type) is re-classified from its first
receipt, and receipts the session's own participant sent are not shown back to it.

Lex streaming chunks must go through :class:`~trioconnect.protocol.streaming.PartialMessageStitcher`
first; pass only the items it returns to :func:`events_for_item`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from trioconnect.protocol import content_types as ct
from trioconnect.protocol.events import (
    AuthenticationCanceledEvent,
    AuthenticationExpiredEvent,
    AuthenticationFailedEvent,
    AuthenticationInitiatedEvent,
    AuthenticationSuccessfulEvent,
    AuthenticationTimeoutEvent,
    AutoDisconnectionEvent,
    ChatRehydratedEvent,
    DeliveredReceiptEvent,
    EndedEvent,
    Event,
    MessageEvent,
    ParticipantDisplayNameUpdatedEvent,
    ParticipantIdleEvent,
    ParticipantInvitedEvent,
    ParticipantReturnedEvent,
    ReadReceiptEvent,
    TypingEvent,
)
from trioconnect.protocol.items import MESSAGEMETADATA, Item

__all__ = [
    "ITEM_EVENT_TYPES",
    "events_for_item",
    "item_passes_contact_filter",
    "parse_authentication_session_id",
]

_ItemEventFactory = Callable[[Item], Event]


def parse_authentication_session_id(content: str | None) -> str | None:
    """Return ``SessionId`` from an ``authentication.initiated`` item's JSON content, or None."""
    if not content:
        return None
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if isinstance(parsed, dict):
        session_id = parsed.get("SessionId")
        if isinstance(session_id, str):
            return session_id
    return None


def _authentication_initiated(item: Item) -> Event:
    return AuthenticationInitiatedEvent(item, parse_authentication_session_id(item.content))


#: ContentType -> the event built for it. Content types not listed become MessageEvent.
#: Receipt content types are absent: they are rebuilt from MessageMetadata (see events_for_item).
ITEM_EVENT_TYPES: Mapping[str, _ItemEventFactory] = {
    ct.TYPING: TypingEvent,
    ct.PARTICIPANT_IDLE: ParticipantIdleEvent,
    ct.PARTICIPANT_RETURNED: ParticipantReturnedEvent,
    ct.PARTICIPANT_INVITED: ParticipantInvitedEvent,
    ct.PARTICIPANT_AUTODISCONNECTION: AutoDisconnectionEvent,
    ct.PARTICIPANT_DISPLAYNAME_UPDATED: ParticipantDisplayNameUpdatedEvent,
    ct.CHAT_REHYDRATED: ChatRehydratedEvent,
    ct.AUTHENTICATION_INITIATED: _authentication_initiated,
    ct.AUTHENTICATION_SUCCEEDED: AuthenticationSuccessfulEvent,
    ct.AUTHENTICATION_FAILED: AuthenticationFailedEvent,
    ct.AUTHENTICATION_TIMEOUT: AuthenticationTimeoutEvent,
    ct.AUTHENTICATION_EXPIRED: AuthenticationExpiredEvent,
    ct.AUTHENTICATION_CANCELLED: AuthenticationCanceledEvent,
}


def _receipt_events(item: Item, own_participant_id: str | None) -> list[Event]:
    metadata = item.message_metadata
    if metadata is None or not metadata.receipts:
        # ChatJS throws inside its handler here and the item is lost; we drop it on purpose.
        return []
    receipt = metadata.receipts[0]
    if own_participant_id is not None and receipt.recipient_participant_id == own_participant_id:
        return []
    if receipt.read_timestamp:
        return [
            ReadReceiptEvent(
                item, metadata.message_id, receipt.recipient_participant_id, receipt.read_timestamp
            )
        ]
    if receipt.delivered_timestamp:
        return [
            DeliveredReceiptEvent(
                item,
                metadata.message_id,
                receipt.recipient_participant_id,
                receipt.delivered_timestamp,
            )
        ]
    return []


def events_for_item(item: Item, *, own_participant_id: str | None) -> list[Event]:
    """Map one incoming item to the events ChatJS would emit for it.

    Args:
        item: an item that passed :func:`item_passes_contact_filter` (and the stitcher).
        own_participant_id: this session's ParticipantId; receipts whose first
            ``RecipientParticipantId`` equals it are suppressed. ``None`` suppresses nothing.

    Returns:
        ``[]`` for receipts that are suppressed or carry no receipt; ``[MessageEvent(item),
        EndedEvent()]`` for ``chat.ended``; otherwise exactly one event.
    """
    if item.type == MESSAGEMETADATA or item.content_type in ct.RECEIPT_CONTENT_TYPES:
        return _receipt_events(item, own_participant_id)
    factory = ITEM_EVENT_TYPES.get(item.content_type or "")
    if factory is not None:
        return [factory(item)]
    if item.content_type == ct.CHAT_ENDED:
        return [MessageEvent(item), EndedEvent()]
    return [MessageEvent(item)]


def item_passes_contact_filter(
    item: Item, *, contact_id: str | None, initial_contact_id: str | None
) -> bool:
    """Return whether an ``aws/chat`` item belongs to this session (ChatJS's per-contact filter).

    An item passes if its ``InitialContactId`` equals the session's initial contact Id, or its
    ``ContactId`` equals the session's contact Id, or it is a ``MESSAGEMETADATA`` item. As in
    ChatJS, an unknown (``None``) session value matches an item that lacks the key: an item that
    names no contact cannot belong to another chat, so letting it through loses nothing.
    """
    return (
        item.initial_contact_id == initial_contact_id
        or item.contact_id == contact_id
        or item.type == MESSAGEMETADATA
    )
