"""The typed events a chat session delivers to its user.

Every event is a frozen, slotted dataclass deriving from :class:`Event`; match on the class::

    match event:
        case MessageEvent(item=item):
            ...
        case EndedEvent():
            ...

Events that carry a chat item derive from :class:`ItemEvent` and have an ``item`` field. Each
docstring names the ChatJS 5 callback the event corresponds to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from trioconnect.protocol.items import Item

__all__ = [
    "AuthenticationCanceledEvent",
    "AuthenticationExpiredEvent",
    "AuthenticationFailedEvent",
    "AuthenticationInitiatedEvent",
    "AuthenticationSuccessfulEvent",
    "AuthenticationTimeoutEvent",
    "AutoDisconnectionEvent",
    "ChatRehydratedEvent",
    "ConnectionBrokenEvent",
    "ConnectionEstablishedEvent",
    "ConnectionLostEvent",
    "DeepHeartbeatFailureEvent",
    "DeepHeartbeatSuccessEvent",
    "DeliveredReceiptEvent",
    "EndedEvent",
    "Event",
    "ItemEvent",
    "MessageEvent",
    "MessagesRecoveredEvent",
    "ParticipantDisplayNameUpdatedEvent",
    "ParticipantIdleEvent",
    "ParticipantInvitedEvent",
    "ParticipantReturnedEvent",
    "ReadReceiptEvent",
    "ReceiptEvent",
    "TranscriptUpdatedEvent",
    "TypingEvent",
]


@dataclass(frozen=True, slots=True)
class Event:
    """Base class of every session event."""


@dataclass(frozen=True, slots=True)
class ItemEvent(Event):
    """Base class of the events that carry a chat item."""

    item: Item


# --- item events ---------------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class MessageEvent(ItemEvent):
    """A message, attachment or other item with no event of its own (ChatJS ``onMessage``).

    Covers text, markdown, JSON, interactive messages, attachments, participant joined/left/
    active/inactive, transfers, ``chat.ended`` and any content type not mapped elsewhere.
    """


@final
@dataclass(frozen=True, slots=True)
class TypingEvent(ItemEvent):
    """Another participant is typing (ChatJS ``onTyping``)."""


@dataclass(frozen=True, slots=True)
class ReceiptEvent(ItemEvent):
    """Base class of the two receipt events.

    Attributes:
        message_id: Id of the message the receipt is about.
        recipient_participant_id: the participant who received/read it.
        timestamp: the receipt's ``ReadTimestamp`` or ``DeliveredTimestamp``.
    """

    message_id: str
    recipient_participant_id: str | None
    timestamp: str | None = None


@final
@dataclass(frozen=True, slots=True)
class ReadReceiptEvent(ReceiptEvent):
    """A message was read by another participant (ChatJS ``onReadReceipt``)."""


@final
@dataclass(frozen=True, slots=True)
class DeliveredReceiptEvent(ReceiptEvent):
    """A message was delivered to another participant (ChatJS ``onDeliveredReceipt``)."""


@final
@dataclass(frozen=True, slots=True)
class ParticipantIdleEvent(ItemEvent):
    """A participant went idle (ChatJS ``onParticipantIdle``)."""


@final
@dataclass(frozen=True, slots=True)
class ParticipantReturnedEvent(ItemEvent):
    """An idle participant returned (ChatJS ``onParticipantReturned``)."""


@final
@dataclass(frozen=True, slots=True)
class ParticipantInvitedEvent(ItemEvent):
    """A participant was invited to the chat (ChatJS ``onParticipantInvited``)."""


@final
@dataclass(frozen=True, slots=True)
class AutoDisconnectionEvent(ItemEvent):
    """A participant was disconnected for being idle (ChatJS ``onAutoDisconnection``)."""


@final
@dataclass(frozen=True, slots=True)
class ParticipantDisplayNameUpdatedEvent(ItemEvent):
    """A participant's display name changed (ChatJS ``onParticipantDisplayNameUpdated``)."""


@final
@dataclass(frozen=True, slots=True)
class ChatRehydratedEvent(ItemEvent):
    """A persistent chat was rehydrated from an earlier one (ChatJS ``onChatRehydrated``)."""


@final
@dataclass(frozen=True, slots=True)
class AuthenticationInitiatedEvent(ItemEvent):
    """The flow asked the customer to authenticate (ChatJS ``onAuthenticationInitiated``).

    Attributes:
        session_id: ``SessionId`` from the item's JSON content, for ``GetAuthenticationUrl``;
            ``None`` if the content is missing or not a JSON object with a string ``SessionId``.
    """

    session_id: str | None = None


@final
@dataclass(frozen=True, slots=True)
class AuthenticationSuccessfulEvent(ItemEvent):
    """Customer authentication succeeded (ChatJS ``onAuthenticationSuccessful``)."""


@final
@dataclass(frozen=True, slots=True)
class AuthenticationFailedEvent(ItemEvent):
    """Customer authentication failed (ChatJS ``onAuthenticationFailed``)."""


@final
@dataclass(frozen=True, slots=True)
class AuthenticationTimeoutEvent(ItemEvent):
    """Customer authentication timed out (ChatJS ``onAuthenticationTimeout``)."""


@final
@dataclass(frozen=True, slots=True)
class AuthenticationExpiredEvent(ItemEvent):
    """The customer's authentication expired (ChatJS ``onAuthenticationExpired``)."""


@final
@dataclass(frozen=True, slots=True)
class AuthenticationCanceledEvent(ItemEvent):
    """Customer authentication was cancelled (ChatJS ``onAuthenticationCanceled``)."""


# --- connection and session events ---------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class ConnectionEstablishedEvent(Event):
    """The socket is open and subscribed (ChatJS ``onConnectionEstablished``).

    Attributes:
        reconnect: ``False`` for the first connection, ``True`` after recovering from a loss.
    """

    reconnect: bool


@final
@dataclass(frozen=True, slots=True)
class ConnectionLostEvent(Event):
    """The socket was lost; the session is recovering (ChatJS ``onConnectionLost``)."""

    reason: str


@final
@dataclass(frozen=True, slots=True)
class ConnectionBrokenEvent(Event):
    """The connection cannot be recovered (ChatJS ``onConnectionBroken``).

    Attributes:
        reason: what happened, in words.
        error: the exception that caused it, if any.
    """

    reason: str
    error: BaseException | None = None


@final
@dataclass(frozen=True, slots=True)
class EndedEvent(Event):
    """The chat has ended; nothing more will arrive (ChatJS ``onEnded``)."""


@final
@dataclass(frozen=True, slots=True)
class DeepHeartbeatSuccessEvent(Event):
    """An ``aws/ping`` was answered with status 200 (ChatJS ``onDeepHeartbeatSuccess``)."""


@final
@dataclass(frozen=True, slots=True)
class DeepHeartbeatFailureEvent(Event):
    """An ``aws/ping`` failed or went unanswered (ChatJS ``onDeepHeartbeatFailure``).

    Attributes:
        status_code: the answer's ``statusCode``; ``None`` when there was no answer.
        reason: what happened, in words.
    """

    status_code: int | None
    reason: str


@final
@dataclass(frozen=True, slots=True)
class TranscriptUpdatedEvent(Event):
    """The session's transcript changed (ChatJS ``onTranscriptUpdated``)."""

    transcript: tuple[Item, ...]


@final
@dataclass(frozen=True, slots=True)
class MessagesRecoveredEvent(Event):
    """Items missed while disconnected were delivered after reconnecting (no ChatJS equivalent).

    Attributes:
        count: how many missed items were delivered, each as its own event, before this one.
    """

    count: int
