"""The typed events a chat session delivers (see docs/events.md)."""

from __future__ import annotations

from trioconnect.protocol.events import AuthenticationCanceledEvent as AuthenticationCanceledEvent
from trioconnect.protocol.events import AuthenticationExpiredEvent as AuthenticationExpiredEvent
from trioconnect.protocol.events import AuthenticationFailedEvent as AuthenticationFailedEvent
from trioconnect.protocol.events import AuthenticationInitiatedEvent as AuthenticationInitiatedEvent
from trioconnect.protocol.events import (
    AuthenticationSuccessfulEvent as AuthenticationSuccessfulEvent,
)
from trioconnect.protocol.events import AuthenticationTimeoutEvent as AuthenticationTimeoutEvent
from trioconnect.protocol.events import AutoDisconnectionEvent as AutoDisconnectionEvent
from trioconnect.protocol.events import ChatRehydratedEvent as ChatRehydratedEvent
from trioconnect.protocol.events import ConnectionBrokenEvent as ConnectionBrokenEvent
from trioconnect.protocol.events import ConnectionEstablishedEvent as ConnectionEstablishedEvent
from trioconnect.protocol.events import ConnectionLostEvent as ConnectionLostEvent
from trioconnect.protocol.events import DeepHeartbeatFailureEvent as DeepHeartbeatFailureEvent
from trioconnect.protocol.events import DeepHeartbeatSuccessEvent as DeepHeartbeatSuccessEvent
from trioconnect.protocol.events import DeliveredReceiptEvent as DeliveredReceiptEvent
from trioconnect.protocol.events import EndedEvent as EndedEvent
from trioconnect.protocol.events import Event as Event
from trioconnect.protocol.events import ItemEvent as ItemEvent
from trioconnect.protocol.events import MessageEvent as MessageEvent
from trioconnect.protocol.events import MessagesRecoveredEvent as MessagesRecoveredEvent
from trioconnect.protocol.events import (
    ParticipantDisplayNameUpdatedEvent as ParticipantDisplayNameUpdatedEvent,
)
from trioconnect.protocol.events import ParticipantIdleEvent as ParticipantIdleEvent
from trioconnect.protocol.events import ParticipantInvitedEvent as ParticipantInvitedEvent
from trioconnect.protocol.events import ParticipantReturnedEvent as ParticipantReturnedEvent
from trioconnect.protocol.events import ReadReceiptEvent as ReadReceiptEvent
from trioconnect.protocol.events import ReceiptEvent as ReceiptEvent
from trioconnect.protocol.events import TranscriptUpdatedEvent as TranscriptUpdatedEvent
from trioconnect.protocol.events import TypingEvent as TypingEvent
from trioconnect.protocol.items import AttachmentItem as AttachmentItem
from trioconnect.protocol.items import Item as Item
from trioconnect.protocol.items import MessageMetadata as MessageMetadata
from trioconnect.protocol.items import Receipt as Receipt

__all__ = [
    "AttachmentItem",
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
    "Item",
    "ItemEvent",
    "MessageEvent",
    "MessageMetadata",
    "MessagesRecoveredEvent",
    "ParticipantDisplayNameUpdatedEvent",
    "ParticipantIdleEvent",
    "ParticipantInvitedEvent",
    "ParticipantReturnedEvent",
    "ReadReceiptEvent",
    "Receipt",
    "ReceiptEvent",
    "TranscriptUpdatedEvent",
    "TypingEvent",
]
