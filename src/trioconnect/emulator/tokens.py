"""Tokens: who may call, and with which secret. Pure Python, no I/O.

The functions here hold the token rules of :class:`~.state.ChatState`, which calls them from its
methods of the same purpose (``create_connection``, ``authenticate``, ``open_socket``,
``expire_url_now``, ``expire_token_now``); use those methods rather than these functions.

Token rules:
    * A ParticipantToken only opens connections (CreateParticipantConnection), and only within
      ``connect_window`` of the chat's start for the first connection.
    * Every other participant call needs a ConnectionToken; the wrong kind, an unknown or expired
      token, or a token of an ended chat or of a participant who left is ``AccessDeniedException``.
    * A WebSocket URL (its ``AuthToken``) opens a socket until the URL or its ConnectionToken
      expires, whichever comes first.

Tokens are secrets: nothing here logs them, and :class:`ConnectionGrant` must not be logged.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trioconnect.emulator.api_error import access_denied
from trioconnect.emulator.records import Connection, Contact, Participant, UrlTicket
from trioconnect.emulator.store import Store

if TYPE_CHECKING:
    from trioconnect.emulator.state import ChatState

__all__ = [
    "Caller",
    "ConnectionGrant",
    "authenticate",
    "check_live",
    "create_connection",
    "expire_connections",
    "expire_urls",
    "new_token",
    "open_socket",
]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the records behind a valid ConnectionToken or WebSocket URL."""

    contact: Contact
    participant: Participant
    connection: Connection


@dataclass(frozen=True)
class ConnectionGrant:
    """What CreateParticipantConnection hands out (tokens are secrets: never log them)."""

    connection: Connection
    url_token: str | None
    url_expires_mono: float | None
    include_credentials: bool


def new_token() -> str:
    """A fresh unguessable token (ParticipantToken, ConnectionToken or WebSocket URL AuthToken)."""
    return secrets.token_urlsafe(48)


def check_live(contact: Contact, participant: Participant) -> None:
    """Refuse a participant who left, or any participant of a chat that ended.

    Raises:
        ApiError: AccessDeniedException.
    """
    if contact.ended:
        raise access_denied("The chat has ended")
    if participant.left:
        raise access_denied("The participant has left the chat")


def create_connection(
    state: ChatState, participant_token: str, types: Sequence[str]
) -> ConnectionGrant | None:
    """CreateParticipantConnection; see :meth:`.ChatState.create_connection`."""
    store = state.store
    participant = store.participant_by_token(participant_token)
    if participant is None:
        if store.connection_by_token(participant_token) is not None:
            raise access_denied(
                "CreateParticipantConnection needs a ParticipantToken, not a ConnectionToken"
            )
        raise access_denied("Invalid ParticipantToken")
    contact = state.contact(participant.contact_id)
    check_live(contact, participant)
    now = state.clock.monotonic()
    config = state.config
    if not participant.connected:
        if now > participant.created_mono + config.connect_window:
            raise access_denied("The participant did not connect in time after the chat started")
        participant.connected = True
        store.save(participant)
    if not types:
        return None
    connection = Connection(
        connection_id=str(uuid.uuid4()),
        connection_token=new_token(),
        participant_id=participant.participant_id,
        contact_id=contact.contact_id,
        expires_mono=now + config.connection_token_ttl,
    )
    store.add(connection)
    url_token = url_expiry = None
    if "WEBSOCKET" in types:
        url_token, url_expiry = new_token(), now + config.websocket_url_ttl
        store.add(
            UrlTicket(
                url_token,
                connection.connection_id,
                participant.participant_id,
                contact.contact_id,
                url_expiry,
            )
        )
    return ConnectionGrant(connection, url_token, url_expiry, "CONNECTION_CREDENTIALS" in types)


def authenticate(state: ChatState, connection_token: str) -> Caller:
    """Resolve a ConnectionToken; see :meth:`.ChatState.authenticate`."""
    store = state.store
    connection = store.connection_by_token(connection_token)
    if connection is None:
        if store.participant_by_token(connection_token) is not None:
            raise access_denied("This operation needs a ConnectionToken, not a ParticipantToken")
        raise access_denied("Invalid ConnectionToken")
    if state.clock.monotonic() >= connection.expires_mono:
        raise access_denied("The ConnectionToken has expired")
    return _caller(store, connection)


def open_socket(state: ChatState, url_token: str) -> Caller:
    """Check a WebSocket URL's AuthToken; see :meth:`.ChatState.open_socket`."""
    store = state.store
    ticket = store.ticket(url_token)
    if ticket is None:
        raise access_denied("Invalid WebSocket URL")
    now = state.clock.monotonic()
    connection = store.connection(ticket.connection_id)
    if now >= ticket.expires_mono or connection is None or now >= connection.expires_mono:
        raise access_denied("The WebSocket URL has expired")
    return _caller(store, connection)


def expire_urls(state: ChatState, contact_id: str | None) -> int:
    """Expire every WebSocket URL still valid (of one contact, or all); returns how many."""
    count = 0
    now = state.clock.monotonic()
    for ticket in state.store.tickets(contact_id):
        if ticket.expires_mono > now:
            ticket.expires_mono = now
            state.store.save(ticket)
            count += 1
    return count


def expire_connections(state: ChatState, contact_id: str | None) -> int:
    """Expire every ConnectionToken still valid (of one contact, or all); returns how many.

    ``hooks.connections_revoked`` is told, once per contact, which connections were expired (the
    WebSocket hub closes the sockets opened with them).
    """
    now = state.clock.monotonic()
    revoked: dict[str, set[str]] = {}
    for connection in state.store.connections(contact_id):
        if connection.expires_mono > now:
            connection.expires_mono = now
            state.store.save(connection)
            revoked.setdefault(connection.contact_id, set()).add(connection.connection_id)
    for cid, ids in revoked.items():
        state.hooks.connections_revoked(cid, frozenset(ids))
    return sum(len(ids) for ids in revoked.values())


def _caller(store: Store, connection: Connection) -> Caller:
    participant = store.participant(connection.participant_id)
    contact = store.contact(connection.contact_id)
    if participant is None or contact is None:
        raise access_denied("Invalid ConnectionToken")
    check_live(contact, participant)
    return Caller(contact, participant, connection)
