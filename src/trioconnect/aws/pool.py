"""An HTTP/1.1 keep-alive pool for httpx whose work per request does not grow with its size.

httpx's default transport hands every request to httpcore's ``AsyncConnectionPool``, which walks
all of its connections (and polls every idle socket) each time a request starts or ends, and
closes an idle connection whenever the pool holds more connections in total than its keep-alive
limit. With hundreds of concurrent chats that bookkeeping, and the reconnecting it causes, cost
more client CPU than the rest of an API call (benchmarks/README.md, "Client findings").

:class:`KeepAlivePool` is a transport built from httpcore's public per-connection class: it keeps,
per origin, a stack of idle connections; a request takes the most recently used one (checking
only that one for a server-side close or keep-alive expiry) or opens a new one, and gives it back
when its response is closed. Requests in flight are bounded by a semaphore; waiting for one of
its slots honours httpx's ``pool`` timeout. Only HTTP/1.1 is spoken (the AWS APIs and the
emulator need nothing else) and no proxy is applied: :mod:`trioconnect.aws.http` uses httpx's own
transport instead when the environment names a proxy.
"""

from __future__ import annotations

import ssl
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager, suppress

import httpcore
import httpx
import trio

__all__ = ["KeepAlivePool"]

_OriginKey = tuple[bytes, bytes, int]

#: httpcore's exceptions and what httpx raises for each, most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Re-raise httpcore's exceptions as the httpx ones callers of httpx expect."""
    try:
        yield
    except httpcore.ConnectionNotAvailable as exc:  # only a handed-out idle connection can race
        raise httpx.RemoteProtocolError(str(exc) or "connection not available") from exc
    except Exception as exc:
        for core_type, httpx_type in _ERRORS:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc)) from exc
        raise


class KeepAlivePool(httpx.AsyncBaseTransport):
    """An ``httpx`` transport: HTTP/1.1 connections kept alive per origin, O(1) per request.

    Args:
        ssl_context: used for ``https`` origins.
        max_connections: requests in flight at once; further requests wait for a slot within
            their ``pool`` timeout, then fail with ``httpx.PoolTimeout``.
        max_keepalive: idle connections kept over all origins; a connection given back when
            this many are idle is closed.
        keepalive_expiry: seconds an idle connection is kept before it is closed.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int,
        max_keepalive: int,
        keepalive_expiry: float,
    ) -> None:
        if max_connections < 1 or max_keepalive < 0 or keepalive_expiry < 0:
            raise ValueError("pool limits must be positive")
        self._ssl_context = ssl_context
        self._max_keepalive = max_keepalive
        self._keepalive_expiry = keepalive_expiry
        self._slots = trio.Semaphore(max_connections)
        #: Per origin: (connection, when it became idle), the most recently used on the right.
        self._idle: dict[_OriginKey, deque[tuple[httpcore.AsyncHTTPConnection, float]]] = {}
        self._idle_count = 0
        self._active: set[httpcore.AsyncHTTPConnection] = set()
        self._closed = False

    @property
    def idle_connections(self) -> int:
        """Connections kept open for reuse now."""
        return self._idle_count

    @property
    def active_connections(self) -> int:
        """Connections carrying a request or a response not yet closed."""
        return len(self._active)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a kept-alive or new connection; the body streams from it."""
        if self._closed:
            raise RuntimeError("the connection pool is closed")
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("an async request body is required")
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        origin = core_request.url.origin
        key = (origin.scheme, origin.host, origin.port)
        await self._take_slot(request)
        try:
            connection = await self._checkout(key, origin)
        except BaseException:
            self._slots.release()
            raise
        self._active.add(connection)
        try:
            with _as_httpx_errors():
                response = await connection.handle_async_request(core_request)
            if not isinstance(response.stream, AsyncIterable):
                raise httpx.RemoteProtocolError("the connection returned a synchronous body")
        except BaseException:
            # A failed or cancelled request leaves its connection in no state to reuse.
            await self._give_back(connection, key, reusable=False)
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_PooledBody(self, connection, key, response, response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every connection, idle or in use."""
        self._closed = True
        connections = [c for stack in self._idle.values() for c, _ in stack] + list(self._active)
        self._idle.clear()
        self._idle_count = 0
        self._active.clear()
        for connection in connections:
            await _close_quietly(connection)

    async def _take_slot(self, request: httpx.Request) -> None:
        try:
            self._slots.acquire_nowait()  # the common case: no scope, no deadline
            return
        except trio.WouldBlock:
            pass
        timeout = request.extensions.get("timeout", {}).get("pool")
        with trio.move_on_after(float("inf") if timeout is None else timeout) as scope:
            await self._slots.acquire()
        if scope.cancelled_caught:
            raise httpx.PoolTimeout("no free connection slot within the pool timeout")

    async def _checkout(
        self, key: _OriginKey, origin: httpcore.Origin
    ) -> httpcore.AsyncHTTPConnection:
        stack = self._idle.get(key)
        while stack:
            connection, _ = stack.pop()  # the most recently used: the least likely to be stale
            self._idle_count -= 1
            # has_expired() also notices a connection the server has closed (its socket reads).
            if connection.is_idle() and not connection.has_expired():
                return connection
            await _close_quietly(connection)
        return httpcore.AsyncHTTPConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            http1=True,
            http2=False,
        )

    async def _give_back(
        self, connection: httpcore.AsyncHTTPConnection, key: _OriginKey, *, reusable: bool = True
    ) -> None:
        """Called once per request, when its response is closed or it failed."""
        self._active.discard(connection)
        self._slots.release()
        keep = reusable and not self._closed and self._idle_count < self._max_keepalive
        if not (keep and connection.is_idle()):
            await _close_quietly(connection)
            return
        now = trio.current_time()
        stack = self._idle.setdefault(key, deque())
        stack.append((connection, now))
        self._idle_count += 1
        # One look at the oldest idle connection per request keeps connections past their
        # keep-alive from piling up under a stack whose top is always busy.
        oldest, since = stack[0]
        if now - since > self._keepalive_expiry:
            stack.popleft()
            self._idle_count -= 1
            await _close_quietly(oldest)


async def _close_quietly(connection: httpcore.AsyncHTTPConnection) -> None:
    # Closing a dead socket may fail; it is gone either way.
    with trio.CancelScope(shield=True), suppress(Exception):
        await connection.aclose()


class _PooledBody(httpx.AsyncByteStream):
    """A response body that gives its connection back to the pool when closed."""

    def __init__(
        self,
        pool: KeepAlivePool,
        connection: httpcore.AsyncHTTPConnection,
        key: _OriginKey,
        response: httpcore.Response,
        stream: AsyncIterable[bytes],
    ) -> None:
        self._pool = pool
        self._connection = connection
        self._key = key
        self._response = response
        self._stream = stream
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with trio.CancelScope(shield=True):
            try:
                with _as_httpx_errors():
                    await self._response.aclose()
            finally:
                await self._pool._give_back(self._connection, self._key)
