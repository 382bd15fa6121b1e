"""The chat domain: contacts and participants, and the entry points to every chat rule.

:class:`ChatState` holds the rules of Amazon Connect chat as the Participant Service and the
Connect API enforce them, and raises :class:`~.api_error.ApiError` for modelled errors. Records
live behind :class:`~.store.Store`; time comes from :class:`~.clock.Clock`; every new item is
announced through :class:`~.hooks.Hooks` (the WebSocket hub and simulated participants listen).
Pure Python, no I/O.

This module keeps the lifecycle of contacts and participants (start, join, leave, end, the count
of active chats) and the transcript; the other rules live beside it, as functions that take the
:class:`ChatState`, and are reached through its methods:

* :mod:`.tokens`: ParticipantToken, ConnectionToken and WebSocket URL rules, early expiry
  (``create_connection``, ``authenticate``, ``open_socket``, ``expire_*_now``);
* :mod:`.messaging`: SendMessage and SendEvent content rules and idempotency
  (``send_message``, ``send_event`` and their ``*_as`` forms);
* :mod:`.attachments`: attachment uploads and downloads (called by the REST layer directly).

:class:`~.tokens.Caller` and :class:`~.tokens.ConnectionGrant` are importable from here too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trioconnect.emulator import items as it
from trioconnect.emulator import messaging, persistent, tokens
from trioconnect.emulator.api_error import not_found, validation
from trioconnect.emulator.auth_sessions import AuthSessions
from trioconnect.emulator.clock import Clock, iso_ms
from trioconnect.emulator.config import EmulatorConfig
from trioconnect.emulator.hooks import Hooks
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact, ContactStatus, Participant, Role
from trioconnect.emulator.store import MemoryStore, Store
from trioconnect.emulator.tokens import Caller, ConnectionGrant
from trioconnect.emulator.transcript import TranscriptPage, TranscriptQuery, page

__all__ = ["Caller", "ChatState", "ConnectionGrant"]


class ChatState:
    """The chat domain. See the module docstring for the rules.

    Args:
        store: where records live (default: a new :class:`~.store.MemoryStore`).
        clock: time source (default: a new :class:`~.clock.Clock`).
        config: limits and timings.
        hooks: callbacks notified of new contacts and items.
    """

    def __init__(
        self,
        store: Store | None = None,
        clock: Clock | None = None,
        config: EmulatorConfig | None = None,
        hooks: Hooks | None = None,
    ) -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self.clock = clock if clock is not None else Clock()
        self.config = config if config is not None else EmulatorConfig()
        self.hooks = hooks if hooks is not None else Hooks()
        #: Customer authentication sessions (GetAuthenticationUrl accepts only these).
        self.authentication = AuthSessions(self.store)
        #: Functions called with a new chat's attributes before it starts; they may raise
        #: :class:`~.api_error.ApiError` to refuse it.
        self.start_checks: list[Callable[[Mapping[str, str]], None]] = []
        # Chats not ended, counted once here (a persistent store may hold some) and then kept up
        # to date by start_chat() and end_chat(), the only places a contact starts or ends.
        self._active_chats = self.store.active_contacts()

    # ------------------------------------------------------------------ contacts

    def start_chat(
        self,
        *,
        display_name: str,
        instance_id: str | None = None,
        contact_flow_id: str | None = None,
        attributes: Mapping[str, str] | None = None,
        supported_content_types: Sequence[str] | None = None,
        persistent_chat: Mapping[str, Any] | None = None,
        initial_message: Mapping[str, Any] | None = None,
        related_contact_id: str | None = None,
        chat_duration_minutes: int | None = None,
    ) -> tuple[Contact, Participant]:
        """Start a chat contact with its customer participant (StartChatContact).

        ``chat_duration_minutes`` (default ``config.chat_duration_minutes``) is how long the chat
        may last before it ends by itself (see :mod:`.chat_timer`).

        Raises:
            ApiError: ResourceNotFound/Validation for a bad persistent-chat source; any error
                raised by a :attr:`start_checks` function (e.g. an unknown scenario name).
        """
        for check in list(self.start_checks):
            check(dict(attributes or {}))
        source, rehydration = persistent.rehydration_source(self.store, persistent_chat)
        contact_id = str(uuid.uuid4())
        contact = Contact(
            contact_id=contact_id,
            initial_contact_id=contact_id,
            instance_id=instance_id or self.config.default_instance_id,
            contact_flow_id=contact_flow_id or self.config.default_contact_flow_id,
            created_at=self.clock.wall(),
            attributes=dict(attributes or {}),
            supported_content_types=list(supported_content_types or ["text/plain"]),
            previous_contact_id=source.contact_id if source else related_contact_id,
            rehydration_type=rehydration,
            chat_duration_minutes=chat_duration_minutes or self.config.chat_duration_minutes,
        )
        self.store.add(contact)
        self._active_chats += 1
        customer = self._new_participant(contact, Role.CUSTOMER, display_name)
        self.hooks.contact_created(contact, customer)
        self.publish(contact, it.event_item(contact, customer, it.PARTICIPANT_JOINED, self.now()))
        if source is not None:
            content = json.dumps(
                {"SourceContactId": source.contact_id, "RehydrationType": rehydration}
            )
            self.publish(
                contact, it.system_event_item(contact, it.CHAT_REHYDRATED, self.now(), content)
            )
        if initial_message:
            messaging.message(
                self,
                customer,
                contact,
                str(initial_message.get("ContentType", "text/plain")),
                str(initial_message.get("Content", "")),
                None,
            )
        return contact, customer

    def active_chats(self) -> int:
        """How many chats have not ended (constant time, unlike ``store.active_contacts()``)."""
        return self._active_chats

    def contact(self, contact_id: str) -> Contact:
        """The contact with this id.

        Raises:
            ApiError: ResourceNotFoundException.
        """
        contact = self.store.contact(contact_id)
        if contact is None:
            raise not_found("Contact not found", ResourceId=contact_id, ResourceType="CONTACT")
        return contact

    def add_participant(
        self, contact_id: str, role: Role, display_name: str, *, announce: bool = True
    ) -> Participant:
        """Add a participant (agent, custom bot) to an active chat; announce participant.joined.

        Raises:
            ApiError: ResourceNotFound (unknown contact), Validation (chat ended).
        """
        contact = self.contact(contact_id)
        if contact.ended:
            raise validation("The contact has ended")
        participant = self._new_participant(contact, role, display_name)
        if announce:
            event = it.event_item(contact, participant, it.PARTICIPANT_JOINED, self.now())
            self.publish(contact, event)
        return participant

    def participants(self, contact_id: str) -> list[Participant]:
        """Every participant of a contact, in joining order."""
        contact = self.contact(contact_id)
        found = (self.store.participant(pid) for pid in contact.participant_ids)
        return [p for p in found if p is not None]

    def end_chat(self, contact_id: str, leaving: Participant | None = None) -> None:
        """End a chat: ``leaving`` (if any) leaves, then chat.ended. Idempotent."""
        contact = self.contact(contact_id)
        if contact.ended:
            return
        if leaving is not None and not leaving.left:
            self._leave(contact, leaving)
        contact.status = ContactStatus.ENDED
        self._active_chats -= 1
        contact.ended_at = self.clock.wall()
        self.store.save(contact)
        self.publish(contact, it.system_event_item(contact, it.CHAT_ENDED, self.now()))

    def chain(self, contact: Contact) -> list[Contact]:
        """The contact followed by the contacts it continues (persistent chat), newest first."""
        return persistent.chain(self.store, contact)

    # ------------------------------------------------------------------ tokens (tokens.py)

    def create_connection(
        self, participant_token: str, types: Sequence[str], connect_participant: bool = False
    ) -> ConnectionGrant | None:
        """CreateParticipantConnection: a ConnectionToken and/or a WebSocket URL ticket.

        Returns None when no connection type is requested (an agent's connection acknowledgement).

        Raises:
            ApiError: AccessDeniedException for a bad token, an ended chat, a participant who
                left, or a first connection after the connect window.
        """
        return tokens.create_connection(self, participant_token, types)

    def authenticate(self, connection_token: str) -> Caller:
        """Resolve a ConnectionToken into its caller.

        Raises:
            ApiError: AccessDeniedException (unknown, wrong kind, expired, chat ended, left).
        """
        return tokens.authenticate(self, connection_token)

    def open_socket(self, url_token: str) -> Caller:
        """Check a WebSocket URL's AuthToken; returns the caller the socket belongs to.

        Raises:
            ApiError: AccessDeniedException (unknown/expired URL or connection, ended chat).
        """
        return tokens.open_socket(self, url_token)

    def expire_url_now(self, contact_id: str | None = None) -> int:
        """Expire every WebSocket URL (of one contact, or all); returns how many."""
        return tokens.expire_urls(self, contact_id)

    def expire_token_now(self, contact_id: str | None = None) -> int:
        """Expire every ConnectionToken (of one contact, or all); sockets opened with them close.

        Returns:
            How many tokens were expired.
        """
        return tokens.expire_connections(self, contact_id)

    # ------------------------------------------------------------------ participant actions

    def send_message(
        self, caller: Caller, content_type: str, content: str, client_token: str | None = None
    ) -> Item:
        """SendMessage. Returns the new item (or the first one for a repeated ClientToken).

        Raises:
            ApiError: ValidationException for an unsupported content type, empty or oversized
                content.
        """
        return messaging.message(
            self, caller.participant, caller.contact, content_type, content, client_token
        )

    def send_event(
        self,
        caller: Caller,
        content_type: str,
        content: str | None = None,
        client_token: str | None = None,
    ) -> Item:
        """SendEvent: typing, receipts (MESSAGEMETADATA items), acknowledgements.

        Raises:
            ApiError: ValidationException for an unknown event type or a bad receipt body.
        """
        return messaging.event(
            self, caller.participant, caller.contact, content_type, content, client_token
        )

    def send_message_as(self, participant_id: str, content_type: str, content: str) -> Item:
        """Send a message on behalf of a simulated participant (no token needed)."""
        participant, contact = self._participant(participant_id)
        return messaging.message(self, participant, contact, content_type, content, None)

    def send_event_as(
        self, participant_id: str, content_type: str, content: str | None = None
    ) -> Item:
        """Send an event on behalf of a simulated participant (no token needed)."""
        participant, contact = self._participant(participant_id)
        return messaging.event(self, participant, contact, content_type, content, None)

    def disconnect(self, caller: Caller) -> None:
        """DisconnectParticipant: a customer ends the chat; others only leave it."""
        self.disconnect_as(caller.participant.participant_id)

    def disconnect_as(self, participant_id: str) -> None:
        """Disconnect a participant: a customer ends the chat; others only leave it."""
        participant, contact = self._participant(participant_id)
        if participant.role is Role.CUSTOMER:
            self.end_chat(contact.contact_id, leaving=participant)
        else:
            self._leave(contact, participant)

    def transcript(
        self, caller: Caller, query: TranscriptQuery, contact_id: str | None = None
    ) -> tuple[Contact, TranscriptPage]:
        """GetTranscript of the caller's contact, or of an earlier contact of its chain.

        Raises:
            ApiError: ValidationException for a contact outside the caller's chain.
        """
        target = caller.contact
        if contact_id and contact_id != target.contact_id:
            chain = {c.contact_id: c for c in self.chain(target)}
            if contact_id not in chain:
                raise validation("ContactId is not part of this chat")
            target = chain[contact_id]
        # A continued chat shows the past contacts' items first (see :mod:`.persistent`).
        items = (
            persistent.chain_items(self.store, target)
            if target is caller.contact
            else self.store.items(target.contact_id)
        )
        return target, page(items, target.contact_id, query)

    # ------------------------------------------------------------------ helpers

    def now(self) -> str:
        """The current wall time as an ``AbsoluteTime`` string."""
        return iso_ms(self.clock.wall())

    def publish(self, contact: Contact, item: Item, *, persist: bool = True) -> None:
        """Store an item in the transcript (unless ``persist`` is false) and announce it."""
        if persist:
            self.store.append_item(contact.contact_id, item)
        self.hooks.item(contact, item)

    def _new_participant(self, contact: Contact, role: Role, display_name: str) -> Participant:
        participant = Participant(
            participant_id=str(uuid.uuid4()),
            contact_id=contact.contact_id,
            role=role,
            display_name=display_name,
            participant_token=tokens.new_token(),
            created_mono=self.clock.monotonic(),
        )
        self.store.add(participant)
        contact.participant_ids.append(participant.participant_id)
        self.store.save(contact)
        return participant

    def _participant(self, participant_id: str) -> tuple[Participant, Contact]:
        participant = self.store.participant(participant_id)
        if participant is None:
            raise not_found("Participant not found", ResourceId=participant_id)
        contact = self.contact(participant.contact_id)
        tokens.check_live(contact, participant)
        return participant, contact

    def _leave(self, contact: Contact, participant: Participant) -> None:
        if participant.left:
            return
        participant.left = True
        self.store.save(participant)
        self.publish(contact, it.event_item(contact, participant, it.PARTICIPANT_LEFT, self.now()))
