"""The sans-I/O core of the chat client: pure data and decisions, no sockets, no clock, no trio.

Layers, in the style of h11/wsproto: this package turns wire data into typed values and decides
what to send when; the trio layer around it does the I/O. Rule: nothing here imports trio, httpx,
asyncio, socket, botocore or time. Time is passed in as ``now`` (monotonic seconds) and randomness
as a ``random.Random``; ``tests/unit/test_protocol_no_io.py`` enforces the rule.

Modules: :mod:`.content_types` (names and validation), :mod:`.items` (the Item model),
:mod:`.events` (public typed events), :mod:`.dispatch` (item -> events), :mod:`.envelope`
(WebSocket frames), :mod:`.heartbeat`, :mod:`.receipts`, :mod:`.streaming`, :mod:`.transcript`,
:mod:`.backoff`.
"""

from __future__ import annotations

from trioconnect.protocol import content_types as content_types
from trioconnect.protocol.backoff import Backoff as Backoff
from trioconnect.protocol.content_types import (
    ATTACHMENT_CONTENT_TYPES as ATTACHMENT_CONTENT_TYPES,
)
from trioconnect.protocol.content_types import EVENT_CONTENT_TYPES as EVENT_CONTENT_TYPES
from trioconnect.protocol.content_types import EVENT_PREFIX as EVENT_PREFIX
from trioconnect.protocol.content_types import MAX_ATTACHMENT_BYTES as MAX_ATTACHMENT_BYTES
from trioconnect.protocol.content_types import MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES
from trioconnect.protocol.content_types import MESSAGE_CONTENT_TYPES as MESSAGE_CONTENT_TYPES
from trioconnect.protocol.content_types import validate_attachment as validate_attachment
from trioconnect.protocol.content_types import validate_event as validate_event
from trioconnect.protocol.content_types import validate_message as validate_message
from trioconnect.protocol.dispatch import events_for_item as events_for_item
from trioconnect.protocol.dispatch import item_passes_contact_filter as item_passes_contact_filter
from trioconnect.protocol.envelope import ChatItem as ChatItem
from trioconnect.protocol.envelope import Frame as Frame
from trioconnect.protocol.envelope import HeartbeatResponse as HeartbeatResponse
from trioconnect.protocol.envelope import MalformedFrame as MalformedFrame
from trioconnect.protocol.envelope import PingResponse as PingResponse
from trioconnect.protocol.envelope import SubscribeResponse as SubscribeResponse
from trioconnect.protocol.envelope import TopicFailure as TopicFailure
from trioconnect.protocol.envelope import UnknownFrame as UnknownFrame
from trioconnect.protocol.envelope import decode_frame as decode_frame
from trioconnect.protocol.envelope import encode_heartbeat as encode_heartbeat
from trioconnect.protocol.envelope import encode_ping as encode_ping
from trioconnect.protocol.envelope import encode_subscribe as encode_subscribe
from trioconnect.protocol.events import (
    AuthenticationCanceledEvent as AuthenticationCanceledEvent,
)
from trioconnect.protocol.events import (
    AuthenticationExpiredEvent as AuthenticationExpiredEvent,
)
from trioconnect.protocol.events import AuthenticationFailedEvent as AuthenticationFailedEvent
from trioconnect.protocol.events import (
    AuthenticationInitiatedEvent as AuthenticationInitiatedEvent,
)
from trioconnect.protocol.events import (
    AuthenticationSuccessfulEvent as AuthenticationSuccessfulEvent,
)
from trioconnect.protocol.events import (
    AuthenticationTimeoutEvent as AuthenticationTimeoutEvent,
)
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
from trioconnect.protocol.heartbeat import HeartbeatActions as HeartbeatActions
from trioconnect.protocol.heartbeat import HeartbeatMonitor as HeartbeatMonitor
from trioconnect.protocol.items import AttachmentItem as AttachmentItem
from trioconnect.protocol.items import Item as Item
from trioconnect.protocol.items import MessageMetadata as MessageMetadata
from trioconnect.protocol.items import Receipt as Receipt
from trioconnect.protocol.receipts import PendingReceipt as PendingReceipt
from trioconnect.protocol.receipts import ReceiptKind as ReceiptKind
from trioconnect.protocol.receipts import ReceiptScheduler as ReceiptScheduler
from trioconnect.protocol.streaming import PartialMessageStitcher as PartialMessageStitcher
from trioconnect.protocol.transcript import LocalMessage as LocalMessage
from trioconnect.protocol.transcript import MessageStatus as MessageStatus
from trioconnect.protocol.transcript import Transcript as Transcript

__all__ = [
    "ATTACHMENT_CONTENT_TYPES",
    "EVENT_CONTENT_TYPES",
    "EVENT_PREFIX",
    "MAX_ATTACHMENT_BYTES",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_CONTENT_TYPES",
    "AttachmentItem",
    "AuthenticationCanceledEvent",
    "AuthenticationExpiredEvent",
    "AuthenticationFailedEvent",
    "AuthenticationInitiatedEvent",
    "AuthenticationSuccessfulEvent",
    "AuthenticationTimeoutEvent",
    "AutoDisconnectionEvent",
    "Backoff",
    "ChatItem",
    "ChatRehydratedEvent",
    "ConnectionBrokenEvent",
    "ConnectionEstablishedEvent",
    "ConnectionLostEvent",
    "DeepHeartbeatFailureEvent",
    "DeepHeartbeatSuccessEvent",
    "DeliveredReceiptEvent",
    "EndedEvent",
    "Event",
    "Frame",
    "HeartbeatActions",
    "HeartbeatMonitor",
    "HeartbeatResponse",
    "Item",
    "ItemEvent",
    "LocalMessage",
    "MalformedFrame",
    "MessageEvent",
    "MessageMetadata",
    "MessageStatus",
    "MessagesRecoveredEvent",
    "PartialMessageStitcher",
    "ParticipantDisplayNameUpdatedEvent",
    "ParticipantIdleEvent",
    "ParticipantInvitedEvent",
    "ParticipantReturnedEvent",
    "PendingReceipt",
    "PingResponse",
    "ReadReceiptEvent",
    "Receipt",
    "ReceiptEvent",
    "ReceiptKind",
    "ReceiptScheduler",
    "SubscribeResponse",
    "TopicFailure",
    "Transcript",
    "TranscriptUpdatedEvent",
    "TypingEvent",
    "UnknownFrame",
    "content_types",
    "decode_frame",
    "encode_heartbeat",
    "encode_ping",
    "encode_subscribe",
    "events_for_item",
    "item_passes_contact_filter",
    "validate_attachment",
    "validate_event",
    "validate_message",
]
