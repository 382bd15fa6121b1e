"""Every exception trioconnect raises, arranged by who is at fault.

::

    TrioConnectError
    ├── LocalProtocolError          you called the API in a way it cannot serve
    │   ├── InvalidStateError       the session's state does not allow this call
    │   └── ValidationError         bad input, refused before any network call
    ├── RemoteProtocolError         the service (or emulator) sent something unusable
    ├── ServiceError                the service answered with a modelled error
    │   ├── AccessDeniedError           403: bad/expired token, wrong token type, chat ended
    │   ├── ServiceValidationError      400: the service refused the request body
    │   ├── ThrottlingError             429: over a quota (retried automatically first)
    │   ├── InternalServerError         5xx (retried automatically first)
    │   ├── ResourceNotFoundError       404
    │   ├── ConflictError               409
    │   └── ServiceQuotaExceededError   402/429 quota errors that retrying cannot fix
    ├── TransportError              the network failed (connect, read, TLS, timeout)
    │   └── RequestTimeoutError     a request did not finish within its timeout
    ├── SessionEndedError           the chat is over; nothing more can be sent
    └── EventsOverflowError         an ``events()`` consumer fell behind its bounded buffer

A :class:`ServiceError` carries the AWS error code, the HTTP status, the request id and the
response metadata, so callers can act on it without parsing messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AccessDeniedError",
    "ConflictError",
    "EventsOverflowError",
    "InternalServerError",
    "InvalidStateError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "RequestTimeoutError",
    "ResourceNotFoundError",
    "ServiceError",
    "ServiceQuotaExceededError",
    "ServiceValidationError",
    "SessionEndedError",
    "ThrottlingError",
    "TransportError",
    "TrioConnectError",
    "ValidationError",
    "service_error_for",
]


class TrioConnectError(Exception):
    """Base class of every trioconnect exception."""


class LocalProtocolError(TrioConnectError):
    """The caller used the API in a way it cannot serve. Nothing was sent."""


class InvalidStateError(LocalProtocolError):
    """The session's current state does not allow this call (e.g. before ``connect()``)."""

    def __init__(self, message: str, *, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state


class ValidationError(LocalProtocolError):
    """Bad input, refused before any network call."""


class RemoteProtocolError(TrioConnectError):
    """The service or emulator sent something that does not follow the protocol."""


class SessionEndedError(TrioConnectError):
    """The chat has ended; the session accepts no further calls."""


class EventsOverflowError(TrioConnectError):
    """An ``events()`` iterator's bounded buffer filled up because its consumer fell behind.

    Events are never dropped silently: the iterator first yields everything it buffered, then raises
    this. ``dropped`` counts the events it could not hold; the session's transcript still has every
    chat item.
    """

    def __init__(self, dropped: int) -> None:
        super().__init__(f"event consumer too slow: {dropped} event(s) did not fit the buffer")
        self.dropped = dropped


class TransportError(TrioConnectError):
    """The network failed: connect, read, write or TLS. ``__cause__`` holds the detail."""


class RequestTimeoutError(TransportError):
    """A request did not complete within its timeout."""


class ServiceError(TrioConnectError):
    """The service answered with a modelled error.

    Attributes:
        code: the AWS error code, e.g. ``"AccessDeniedException"``.
        status_code: the HTTP status.
        message: the service's message.
        request_id: the ``x-amzn-RequestId`` of the failed request, if any.
        metadata: caller-supplied metadata passed through the call, if any.
        response: the parsed error body (extra modelled fields live here).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int,
        request_id: str | None = None,
        metadata: Any = None,
        response: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code} ({status_code}): {message}")
        self.message = message
        self.code = code
        self.status_code = status_code
        self.request_id = request_id
        self.metadata = metadata
        self.response: Mapping[str, Any] = response or {}

    @property
    def retryable(self) -> bool:
        """Whether retrying the same request may succeed (throttling or transient 5xx)."""
        return False


class AccessDeniedError(ServiceError):
    """403: the token is unknown, expired, of the wrong type, or its chat has ended."""


class ServiceValidationError(ServiceError):
    """400: the service refused the request."""


class ThrottlingError(ServiceError):
    """429: over a request-rate quota."""

    @property
    def retryable(self) -> bool:
        return True


class InternalServerError(ServiceError):
    """5xx: a transient failure in the service."""

    @property
    def retryable(self) -> bool:
        return True


class ResourceNotFoundError(ServiceError):
    """404: the named resource does not exist."""


class ConflictError(ServiceError):
    """409: the request conflicts with the resource's current state."""


class ServiceQuotaExceededError(ServiceError):
    """A service quota (e.g. attachments, concurrent chats) is exhausted."""


_BY_CODE: dict[str, type[ServiceError]] = {
    "AccessDeniedException": AccessDeniedError,
    "ValidationException": ServiceValidationError,
    "ThrottlingException": ThrottlingError,
    "InternalServerException": InternalServerError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "ConflictException": ConflictError,
    "ServiceQuotaExceededException": ServiceQuotaExceededError,
    "LimitExceededException": ServiceQuotaExceededError,
    "InvalidRequestException": ServiceValidationError,
    "InvalidParameterException": ServiceValidationError,
}


def service_error_for(code: str, status_code: int) -> type[ServiceError]:
    """Return the exception class for an AWS error ``code`` (falling back on the HTTP status)."""
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    if status_code == 403:
        return AccessDeniedError
    if status_code == 429:
        return ThrottlingError
    if status_code >= 500:
        return InternalServerError
    if status_code == 404:
        return ResourceNotFoundError
    if status_code == 409:
        return ConflictError
    return ServiceError
