"""Small ASGI helpers: typed scope access, bounded body reads, responses, CORS headers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import trio

from trioconnect.emulator.api_error import ApiError, validation

__all__ = [
    "CORS_HEADERS",
    "Receive",
    "Request",
    "Response",
    "Scope",
    "Send",
    "json_response",
    "read_body",
    "send_response",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Added to every HTTP answer so a browser page on another origin can call the emulator.
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET, POST, PUT, DELETE, OPTIONS"),
    (
        "access-control-allow-headers",
        "content-type, authorization, x-amz-bearer, x-amz-date, x-amz-user-agent, "
        "x-amz-content-sha256, x-amz-security-token, x-amz-meta-attachment-id, "
        "amz-sdk-invocation-id, amz-sdk-request",
    ),
    (
        "access-control-expose-headers",
        "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date, etag, content-length",
    ),
    ("access-control-max-age", "600"),
)


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request the emulator looks at (header names lower-cased)."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    scheme: str = "http"
    server: str = "127.0.0.1"

    @classmethod
    def from_scope(cls, scope: Scope) -> Request:
        """Build from an ASGI ``http`` or ``websocket`` scope."""
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        raw_query = scope.get("query_string", b"").decode("latin-1")
        server = scope.get("server") or ("127.0.0.1", None)
        host = str(server[0])
        if ":" in host:
            host = f"[{host}]"
        if server[1] is not None:
            host = f"{host}:{server[1]}"
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        return cls(
            method=str(scope.get("method", "GET")).upper(),
            path=str(scope.get("path", "/")),
            query=parse_qs(raw_query, keep_blank_values=True),
            headers=headers,
            scheme=scheme,
            server=host,
        )

    def query_value(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    """An HTTP response to send."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = "application/json"


def json_response(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    """A JSON response."""
    return Response(status, json.dumps(data).encode(), list(headers or []))


#: A too-large body is still read (and discarded) up to this size before the 413 is sent, so that
#: the client finishes sending and actually receives the answer instead of a connection reset.
DRAIN_LIMIT = 32 * 1024 * 1024


async def read_body(receive: Receive, request: Request, limit: int, seconds: float) -> bytes:
    """Read a request body of at most ``limit`` bytes within ``seconds``.

    Raises:
        ApiError: ValidationException with status 413 when the body is too large, 408 when it
            does not arrive in time, 400 when the client goes away.
    """
    declared = request.headers.get("content-length")
    declared_size = int(declared) if declared is not None and declared.isdigit() else None
    chunks: list[bytes] = []
    size = 0
    with trio.move_on_after(seconds) as scope:
        if declared_size is not None and declared_size > limit:
            await _discard(receive, declared_size)
            raise validation(f"Request body exceeds {limit} bytes", status=413)
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise validation("The client went away")
            chunk = message.get("body", b"")
            more = bool(message.get("more_body", False))
            size += len(chunk)
            if size > limit:
                if more:
                    await _discard(receive, DRAIN_LIMIT)
                raise validation(f"Request body exceeds {limit} bytes", status=413)
            chunks.append(chunk)
    if scope.cancelled_caught:
        raise ApiError("ValidationException", 408, "Timed out reading the request body")
    return b"".join(chunks)


async def _discard(receive: Receive, declared: int) -> None:
    """Read and drop the rest of a body, unless it is larger than :data:`DRAIN_LIMIT`."""
    if declared > DRAIN_LIMIT:
        return
    seen = 0
    while seen <= DRAIN_LIMIT:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return
        seen += len(message.get("body", b""))


async def send_response(send: Send, response: Response) -> None:
    """Send a complete response, adding a request id and the CORS headers."""
    headers = [("x-amzn-requestid", str(uuid.uuid4())), *CORS_HEADERS, *response.headers]
    if response.content_type is not None:
        headers.append(("content-type", response.content_type))
    headers.append(("content-length", str(len(response.body))))
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
