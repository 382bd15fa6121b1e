"""The one exception the emulator's domain raises: a modelled AWS error.

The REST codec (:mod:`trioconnect.emulator.model`) renders it the way botocore's rest-json parser
reads errors: the status code, an ``x-amzn-ErrorType: <code>`` header and a JSON body
``{"message": ...}``. Codes are written in Participant Service terms; for Connect API operations
the codec maps them onto that operation's modelled equivalents (e.g. ``ValidationException`` →
``InvalidRequestException``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "access_denied",
    "conflict",
    "internal",
    "not_found",
    "quota_exceeded",
    "throttled",
    "validation",
]


class ApiError(Exception):
    """A modelled error answer.

    Attributes:
        code: the AWS error code, e.g. ``"AccessDeniedException"``.
        status: the HTTP status.
        message: a human-readable message (never contains a token).
        extra: further modelled members of the error shape (e.g. ``ResourceId``).
    """

    def __init__(self, code: str, status: int, message: str, **extra: Any) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.status = status
        self.message = message
        self.extra: dict[str, Any] = extra


def access_denied(message: str) -> ApiError:
    """403 ``AccessDeniedException``."""
    return ApiError("AccessDeniedException", 403, message)


def validation(message: str, status: int = 400) -> ApiError:
    """400 ``ValidationException`` (413 when a body is too large)."""
    return ApiError("ValidationException", status, message)


def throttled(message: str = "Rate exceeded") -> ApiError:
    """429 ``ThrottlingException``."""
    return ApiError("ThrottlingException", 429, message)


def conflict(message: str) -> ApiError:
    """409 ``ConflictException``."""
    return ApiError("ConflictException", 409, message)


def quota_exceeded(message: str) -> ApiError:
    """402 ``ServiceQuotaExceededException`` (the status the service model gives it)."""
    return ApiError("ServiceQuotaExceededException", 402, message)


def not_found(message: str, **extra: Any) -> ApiError:
    """404 ``ResourceNotFoundException``."""
    return ApiError("ResourceNotFoundException", 404, message, **extra)


def internal(message: str = "Internal server error") -> ApiError:
    """500 ``InternalServerException``."""
    return ApiError("InternalServerException", 500, message)
