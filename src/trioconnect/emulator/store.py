"""Where the chat domain keeps its records: a small storage interface and its in-memory default.

:class:`Store` is the seam for another backend (e.g. SQLite): :class:`~.state.ChatState` only
talks to this interface. Records are mutated in place by the domain, which then calls
:meth:`Store.save` so a persistent backend can write the change; the in-memory store ignores it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from trioconnect.emulator.items import Item
from trioconnect.emulator.records import (
    Attachment,
    Connection,
    Contact,
    Participant,
    UrlTicket,
)

__all__ = ["MemoryStore", "Record", "Store"]

Record = Contact | Participant | Connection | UrlTicket | Attachment


class Store(Protocol):
    """Storage for contacts, participants, tokens, transcripts, attachments and idempotency keys."""

    def add(self, record: Record) -> None:
        """Insert a new record."""

    def save(self, record: Record) -> None:
        """Persist changes made in place to a record already added."""

    def contact(self, contact_id: str) -> Contact | None:
        """Look a contact up by id."""

    def contacts(self) -> Iterable[Contact]:
        """Every contact, oldest first."""

    def participant(self, participant_id: str) -> Participant | None:
        """Look a participant up by id."""

    def participant_by_token(self, token: str) -> Participant | None:
        """Look a participant up by its ParticipantToken."""

    def connection_by_token(self, token: str) -> Connection | None:
        """Look a connection up by its ConnectionToken."""

    def connection(self, connection_id: str) -> Connection | None:
        """Look a connection up by its (non-secret) id."""

    def connections(self, contact_id: str | None = None) -> Iterable[Connection]:
        """Connections of one contact, or all."""

    def ticket(self, token: str) -> UrlTicket | None:
        """Look a WebSocket URL ticket up by its token."""

    def tickets(self, contact_id: str | None = None) -> Iterable[UrlTicket]:
        """Tickets of one contact, or all."""

    def attachment(self, attachment_id: str) -> Attachment | None:
        """Look an attachment up by id."""

    def attachments(self, contact_id: str) -> Iterable[Attachment]:
        """Attachments of one contact."""

    def append_item(self, contact_id: str, item: Item) -> None:
        """Append an item to a contact's transcript."""

    def items(self, contact_id: str) -> Sequence[Item]:
        """A contact's transcript in the order items were appended (append-only)."""

    def recall(self, key: tuple[str, ...]) -> Any:
        """The value remembered under an idempotency key, or None."""

    def remember(self, key: tuple[str, ...], value: Any) -> None:
        """Remember a value under an idempotency key."""

    def active_contacts(self) -> int:
        """How many contacts have not ended."""


class MemoryStore:
    """The default :class:`Store`: dictionaries in memory, lost when the emulator stops.

    Args:
        max_idempotency_keys: how many idempotency keys to keep (oldest forgotten first).
    """

    def __init__(self, max_idempotency_keys: int = 100_000) -> None:
        self._contacts: dict[str, Contact] = {}
        self._participants: dict[str, Participant] = {}
        self._participant_tokens: dict[str, Participant] = {}
        self._connections: dict[str, Connection] = {}
        self._connection_tokens: dict[str, Connection] = {}
        self._tickets: dict[str, UrlTicket] = {}
        self._attachments: dict[str, Attachment] = {}
        self._items: dict[str, list[Item]] = {}
        self._idempotency: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._max_keys = max_idempotency_keys

    def add(self, record: Record) -> None:
        match record:
            case Contact():
                self._contacts[record.contact_id] = record
                self._items.setdefault(record.contact_id, [])
            case Participant():
                self._participants[record.participant_id] = record
                self._participant_tokens[record.participant_token] = record
            case Connection():
                self._connections[record.connection_id] = record
                self._connection_tokens[record.connection_token] = record
            case UrlTicket():
                self._tickets[record.token] = record
            case Attachment():
                self._attachments[record.attachment_id] = record

    def save(self, record: Record) -> None:
        # Records are the stored objects themselves: nothing to write.
        return None

    def contact(self, contact_id: str) -> Contact | None:
        return self._contacts.get(contact_id)

    def contacts(self) -> Iterable[Contact]:
        return list(self._contacts.values())

    def participant(self, participant_id: str) -> Participant | None:
        return self._participants.get(participant_id)

    def participant_by_token(self, token: str) -> Participant | None:
        return self._participant_tokens.get(token)

    def connection_by_token(self, token: str) -> Connection | None:
        return self._connection_tokens.get(token)

    def connection(self, connection_id: str) -> Connection | None:
        return self._connections.get(connection_id)

    def connections(self, contact_id: str | None = None) -> Iterable[Connection]:
        return [c for c in self._connections.values() if contact_id in (None, c.contact_id)]

    def ticket(self, token: str) -> UrlTicket | None:
        return self._tickets.get(token)

    def tickets(self, contact_id: str | None = None) -> Iterable[UrlTicket]:
        return [t for t in self._tickets.values() if contact_id in (None, t.contact_id)]

    def attachment(self, attachment_id: str) -> Attachment | None:
        return self._attachments.get(attachment_id)

    def attachments(self, contact_id: str) -> Iterable[Attachment]:
        return [a for a in self._attachments.values() if a.contact_id == contact_id]

    def append_item(self, contact_id: str, item: Item) -> None:
        self._items.setdefault(contact_id, []).append(item)

    def items(self, contact_id: str) -> Sequence[Item]:
        return self._items.get(contact_id, [])

    def recall(self, key: tuple[str, ...]) -> Any:
        return self._idempotency.get(key)

    def remember(self, key: tuple[str, ...], value: Any) -> None:
        self._idempotency[key] = value
        while len(self._idempotency) > self._max_keys:
            self._idempotency.popitem(last=False)

    def active_contacts(self) -> int:
        return sum(1 for c in self._contacts.values() if not c.ended)
