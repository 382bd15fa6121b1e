"""Typed results of a session's public calls.

Each result carries ``metadata``: whatever the caller passed as ``metadata=`` to the call, handed
back unchanged (ChatJS does the same with its ``{data, metadata}`` results).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trioconnect.machine import SessionState
from trioconnect.protocol.items import Item

__all__ = [
    "AttachmentResult",
    "ConnectResult",
    "MessageResult",
    "SessionStatistics",
    "TranscriptResult",
]


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """What :meth:`ChatSession.connect` returns (ChatJS: ``connectCalled`` / ``connectSuccess``).

    Attributes:
        connect_called: always True (the call was made).
        connect_success: True once the session is established.
        state: the session state when the call returned.
        already_connected: the session was already connecting or connected; nothing new was started.
        metadata: the caller's metadata, passed through.
    """

    connect_called: bool
    connect_success: bool
    state: SessionState
    already_connected: bool = False
    metadata: Any = None


@dataclass(frozen=True, slots=True)
class MessageResult:
    """A message or event accepted by the service.

    Attributes:
        id: the transcript item Id the service gave it.
        absolute_time: the service's timestamp (ISO-8601).
        client_token: the idempotency token used (reused by retries and ``resend_failed_message``).
        request_id: the service request id, if any.
        metadata: the caller's metadata, passed through.
    """

    id: str
    absolute_time: str
    client_token: str
    request_id: str | None = None
    metadata: Any = None


@dataclass(frozen=True, slots=True)
class TranscriptResult:
    """One page of GetTranscript.

    Attributes:
        initial_contact_id: the chat's first contact.
        items: the page's items, parsed.
        next_token: pass back as ``next_token`` for the next page; ``None`` at the end.
        metadata: the caller's metadata, passed through.
    """

    initial_contact_id: str | None
    items: tuple[Item, ...]
    next_token: str | None
    request_id: str | None = None
    metadata: Any = None


@dataclass(frozen=True, slots=True)
class AttachmentResult:
    """An uploaded attachment.

    Attributes:
        attachment_id: the service's id of the attachment.
        name: the file name sent.
        content_type: its MIME type.
        size: bytes uploaded.
        metadata: the caller's metadata, passed through.
    """

    attachment_id: str
    name: str
    content_type: str
    size: int
    metadata: Any = None


@dataclass(frozen=True, slots=True)
class SessionStatistics:
    """A snapshot of a session's counters (trio-style ``statistics()``)."""

    state: SessionState
    establishments: int
    reconnects: int
    messages_sent: int
    items_received: int
    duplicates_dropped: int
    items_recovered: int
    malformed_frames: int
    heartbeat_deaths: int
    deep_heartbeat_failures: int
    events_published: int
    event_overflows: int
    callback_errors: int
    receipts_sent: int
    api_calls: dict[str, int] = field(default_factory=dict)
    api_errors: dict[str, int] = field(default_factory=dict)
    api_latency_total: dict[str, float] = field(default_factory=dict)
    receipts_failed: int = 0
    recovery_failures: int = 0
