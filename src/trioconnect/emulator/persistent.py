"""Persistent chat: chains of contacts and what a continued chat's transcript shows.

StartChatContact with ``PersistentChat {SourceContactId, RehydrationType}`` continues an ended
chat. The service documents the two types as:

* ``ENTIRE_PAST_SESSION``: ``SourceContactId`` names a past chat session (its initial contact);
  the service finds the most recently ended contact of that session and continues from it.
* ``FROM_SEGMENT``: the new chat continues from exactly the contact named (which must have ended).

In both cases the new contact's ``PreviousContactId``/``ContinuedFromContactId`` is the contact
it continues, and the customer sees the past conversation: GetTranscript of the new contact
(without ``ContactId``) returns the items of every earlier contact of the chain, oldest first,
followed by the new contact's own items — each item keeps its own ``ContactId``. The emulator
computes that view when reading, without copying items. GetTranscript with ``ContactId`` of an
earlier contact of the chain returns only that contact's items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trioconnect.emulator.api_error import not_found, validation
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact
from trioconnect.emulator.store import Store

__all__ = ["REHYDRATION_TYPES", "chain", "chain_items", "rehydration_source"]

REHYDRATION_TYPES = ("ENTIRE_PAST_SESSION", "FROM_SEGMENT")


def chain(store: Store, contact: Contact) -> list[Contact]:
    """The contact followed by the contacts it continues, newest first."""
    found = [contact]
    seen = {contact.contact_id}
    while found[-1].previous_contact_id and found[-1].previous_contact_id not in seen:
        previous = store.contact(found[-1].previous_contact_id)
        if previous is None:
            break
        seen.add(previous.contact_id)
        found.append(previous)
    return found


def chain_items(store: Store, contact: Contact) -> Sequence[Item]:
    """A continued contact's transcript: past contacts' items (oldest first), then its own."""
    if contact.rehydration_type is None:
        return store.items(contact.contact_id)
    items: list[Item] = []
    for member in reversed(chain(store, contact)):
        items.extend(store.items(member.contact_id))
    return items


def rehydration_source(
    store: Store, persistent_chat: Mapping[str, Any] | None
) -> tuple[Contact | None, str | None]:
    """The ended contact a new chat continues, and the rehydration type (or None, None).

    Raises:
        ApiError: ValidationException (no source, bad type, source still active),
            ResourceNotFoundException (unknown source).
    """
    if not persistent_chat:
        return None, None
    source_id = persistent_chat.get("SourceContactId")
    rehydration = str(persistent_chat.get("RehydrationType") or "ENTIRE_PAST_SESSION")
    if not source_id:
        raise validation("PersistentChat.SourceContactId is required")
    if rehydration not in REHYDRATION_TYPES:
        raise validation(f"PersistentChat.RehydrationType must be one of {REHYDRATION_TYPES}")
    source = store.contact(str(source_id))
    if source is None:
        raise not_found("Contact not found", ResourceId=str(source_id), ResourceType="CONTACT")
    if rehydration == "ENTIRE_PAST_SESSION":
        # The source names a past chat session: continue from its most recent ended contact.
        root = chain(store, source)[-1].contact_id
        ended = [c for c in store.contacts() if c.ended and chain(store, c)[-1].contact_id == root]
        if ended:
            source = max(ended, key=lambda c: c.ended_at or c.created_at)
    if not source.ended:
        raise validation("Only an ended chat can be continued (PersistentChat)")
    return source, rehydration
