"""The records the chat domain keeps: contacts, participants, connections, URL tickets, attachments.

Plain mutable dataclasses. Secrets (ParticipantToken, ConnectionToken, WebSocket URL tokens,
attachment URL signatures) are excluded from ``repr`` so that logging a record never leaks one.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Attachment",
    "AttachmentStatus",
    "Connection",
    "Contact",
    "ContactStatus",
    "Participant",
    "Role",
    "UrlTicket",
]


class Role(enum.StrEnum):
    """A participant's role, as in the service's ``ParticipantRole``."""

    CUSTOMER = "CUSTOMER"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"
    CUSTOM_BOT = "CUSTOM_BOT"


class ContactStatus(enum.StrEnum):
    """Lifecycle of a chat contact."""

    #: The chat is running; participants may connect and send.
    ACTIVE = "ACTIVE"
    #: The chat is over; every token of the contact answers 403.
    ENDED = "ENDED"


class AttachmentStatus(enum.StrEnum):
    """Lifecycle of an attachment."""

    #: StartAttachmentUpload was called; the bytes have not arrived.
    PENDING_UPLOAD = "PENDING_UPLOAD"
    #: The bytes were PUT to the upload URL.
    UPLOADED = "UPLOADED"
    #: CompleteAttachmentUpload was called; the ATTACHMENT item exists.
    APPROVED = "APPROVED"


@dataclass
class Contact:
    """A chat contact."""

    contact_id: str
    initial_contact_id: str
    instance_id: str
    contact_flow_id: str
    created_at: dt.datetime
    attributes: dict[str, str] = field(default_factory=dict)
    supported_content_types: list[str] = field(default_factory=list)
    previous_contact_id: str | None = None
    rehydration_type: str | None = None
    chat_duration_minutes: int = 1500
    status: ContactStatus = ContactStatus.ACTIVE
    ended_at: dt.datetime | None = None
    participant_ids: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        """Whether the chat has ended."""
        return self.status is ContactStatus.ENDED


@dataclass
class Participant:
    """A participant of a contact."""

    participant_id: str
    contact_id: str
    role: Role
    display_name: str
    participant_token: str = field(repr=False)
    created_mono: float
    connected: bool = False
    left: bool = False


@dataclass
class Connection:
    """A ConnectionToken issued by CreateParticipantConnection.

    ``connection_id`` is a non-secret handle used to refer to the connection (e.g. by sockets).
    """

    connection_id: str
    connection_token: str = field(repr=False)
    participant_id: str
    contact_id: str
    expires_mono: float


@dataclass
class UrlTicket:
    """The opaque ``AuthToken`` inside a WebSocket URL, valid for opening a socket until expiry."""

    token: str = field(repr=False)
    connection_id: str
    participant_id: str
    contact_id: str
    expires_mono: float


@dataclass
class Attachment:
    """An attachment and, once uploaded, its bytes."""

    attachment_id: str
    contact_id: str
    participant_id: str
    name: str
    content_type: str
    size: int
    upload_secret: str = field(repr=False)
    upload_expires_mono: float
    status: AttachmentStatus = AttachmentStatus.PENDING_UPLOAD
    data: bytes | None = field(default=None, repr=False)
    download_secrets: dict[str, float] = field(default_factory=dict, repr=False)
