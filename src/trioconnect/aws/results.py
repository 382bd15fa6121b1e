"""Typed results of the Participant Service operations.

Every result is a frozen, slotted dataclass with two common fields: ``request_id`` (the service's
``x-amzn-RequestId``, when it sent one) and ``raw`` (the whole parsed response, kept for fields this
module does not surface). ``raw`` and every field holding a token or a presigned URL are left out of
``repr()``, so logging a result never leaks a credential.

Builders (``from_response``) take the dict produced by :mod:`trioconnect.aws.codec` and raise
:class:`~trioconnect.errors.RemoteProtocolError` when a member the caller relies on is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import trio

from trioconnect.errors import RemoteProtocolError

__all__ = [
    "AttachmentUpload",
    "AttachmentUrl",
    "AuthenticationUrl",
    "CancelAuthenticationResult",
    "CompleteResult",
    "ConnectionDetails",
    "DisconnectResult",
    "SendResult",
    "TranscriptPage",
    "View",
    "parse_timestamp",
]

logger = logging.getLogger("trioconnect.aws")


def _raw() -> Any:
    # ``raw`` takes no part in equality or hashing: it is a (mutable) dict.
    return field(default_factory=dict, repr=False, compare=False)


def parse_timestamp(value: object) -> datetime | None:
    """Parse an ISO-8601 timestamp such as ``"2026-11-26T15:15:40.157Z"``.

    Returns ``None`` for a missing value and, with a warning, for one that does not parse: an
    unknown expiry is something the caller can live with, a crash is not.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    logger.warning("ignoring unparsable timestamp %r", value)
    return None


def _require(mapping: Mapping[str, Any], *path: str) -> Any:
    node: Any = mapping
    for key in path:
        if not isinstance(node, Mapping) or node.get(key) is None:
            raise RemoteProtocolError(f"response lacks {'.'.join(path)}")
        node = node[key]
    return node


def _optional(mapping: Mapping[str, Any], *path: str) -> Any:
    node: Any = mapping
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _request_id(response: Mapping[str, Any]) -> str | None:
    rid = _optional(response, "ResponseMetadata", "RequestId")
    return rid if isinstance(rid, str) else None


@dataclass(frozen=True, slots=True)
class ConnectionDetails:
    """CreateParticipantConnection's answer: where to open the WebSocket and the ConnectionToken.

    Attributes:
        websocket_url: the WebSocket URL, to be used verbatim (it carries its own auth token).
        websocket_expiry: when the URL stops accepting new sockets (about 100 s after issue).
        connection_token: the token for every later Participant Service call.
        connection_token_expiry: when the ConnectionToken expires; refresh before it.
        received_at: ``trio.current_time()`` when the answer arrived.
    """

    websocket_url: str = field(repr=False)
    websocket_expiry: datetime | None
    connection_token: str = field(repr=False)
    connection_token_expiry: datetime | None
    received_at: float
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> ConnectionDetails:
        """Build from a parsed CreateParticipantConnection response."""
        return cls(
            websocket_url=_require(response, "Websocket", "Url"),
            websocket_expiry=parse_timestamp(_optional(response, "Websocket", "ConnectionExpiry")),
            connection_token=_require(response, "ConnectionCredentials", "ConnectionToken"),
            connection_token_expiry=parse_timestamp(
                _optional(response, "ConnectionCredentials", "Expiry")
            ),
            received_at=trio.current_time(),
            request_id=_request_id(response),
            raw=response,
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    """SendMessage/SendEvent's answer: the new item's ``Id`` and ``AbsoluteTime``."""

    id: str
    absolute_time: str
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> SendResult:
        """Build from a parsed SendMessage or SendEvent response."""
        return cls(
            id=_require(response, "Id"),
            absolute_time=_optional(response, "AbsoluteTime") or "",
            request_id=_request_id(response),
            raw=response,
        )


@dataclass(frozen=True, slots=True)
class TranscriptPage:
    """One GetTranscript page. ``items`` are the service's Item mappings, unchanged."""

    initial_contact_id: str | None
    items: tuple[Mapping[str, Any], ...]
    next_token: str | None
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> TranscriptPage:
        """Build from a parsed GetTranscript response."""
        items = response.get("Transcript") or []
        if not isinstance(items, list):
            raise RemoteProtocolError("Transcript is not a list")
        return cls(
            initial_contact_id=response.get("InitialContactId"),
            items=tuple(items),
            next_token=response.get("NextToken"),
            request_id=_request_id(response),
            raw=response,
        )


@dataclass(frozen=True, slots=True)
class AttachmentUpload:
    """StartAttachmentUpload's answer: where and how to PUT the bytes.

    Attributes:
        attachment_id: the new attachment's id.
        url: the presigned upload URL (hidden from ``repr``).
        url_expiry: when the URL expires, as the service sent it.
        headers_to_include: the exact headers the PUT must carry.
        content_type: the ContentType given to StartAttachmentUpload; sent on the PUT when
            ``headers_to_include`` has no Content-Type (as a browser's fetch does with a File).
    """

    attachment_id: str
    url: str = field(repr=False)
    url_expiry: str | None
    headers_to_include: Mapping[str, str]
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()
    content_type: str | None = None

    @classmethod
    def from_response(
        cls, response: Mapping[str, Any], *, content_type: str | None = None
    ) -> AttachmentUpload:
        """Build from a parsed StartAttachmentUpload response."""
        headers = _optional(response, "UploadMetadata", "HeadersToInclude") or {}
        return cls(
            attachment_id=_require(response, "AttachmentId"),
            url=_require(response, "UploadMetadata", "Url"),
            url_expiry=_optional(response, "UploadMetadata", "UrlExpiry"),
            headers_to_include=dict(headers),
            request_id=_request_id(response),
            raw=response,
            content_type=content_type,
        )


@dataclass(frozen=True, slots=True)
class AttachmentUrl:
    """GetAttachment's answer: a presigned download URL."""

    url: str = field(repr=False)
    url_expiry: str | None
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> AttachmentUrl:
        """Build from a parsed GetAttachment response."""
        return cls(
            url=_require(response, "Url"),
            url_expiry=response.get("UrlExpiry"),
            request_id=_request_id(response),
            raw=response,
        )


@dataclass(frozen=True, slots=True)
class AuthenticationUrl:
    """GetAuthenticationUrl's answer: the URL the customer opens to authenticate."""

    url: str = field(repr=False)
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> AuthenticationUrl:
        """Build from a parsed GetAuthenticationUrl response."""
        return cls(
            url=_require(response, "AuthenticationUrl"),
            request_id=_request_id(response),
            raw=response,
        )


@dataclass(frozen=True, slots=True)
class View:
    """DescribeView's answer (a step-by-step guide view). ``content`` is the view's Content."""

    id: str | None
    arn: str | None
    name: str | None
    version: int | None
    content: Mapping[str, Any]
    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> View:
        """Build from a parsed DescribeView response."""
        view = _require(response, "View")
        return cls(
            id=view.get("Id"),
            arn=view.get("Arn"),
            name=view.get("Name"),
            version=view.get("Version"),
            content=view.get("Content") or {},
            request_id=_request_id(response),
            raw=response,
        )


@dataclass(frozen=True, slots=True)
class CompleteResult:
    """CompleteAttachmentUpload's (empty) answer."""

    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> CompleteResult:
        """Build from a parsed CompleteAttachmentUpload response."""
        return cls(request_id=_request_id(response), raw=response)


@dataclass(frozen=True, slots=True)
class DisconnectResult:
    """DisconnectParticipant's (empty) answer. The chat ends when chat.ended arrives."""

    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> DisconnectResult:
        """Build from a parsed DisconnectParticipant response."""
        return cls(request_id=_request_id(response), raw=response)


@dataclass(frozen=True, slots=True)
class CancelAuthenticationResult:
    """CancelParticipantAuthentication's (empty) answer."""

    request_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> CancelAuthenticationResult:
        """Build from a parsed CancelParticipantAuthentication response."""
        return cls(request_id=_request_id(response), raw=response)
