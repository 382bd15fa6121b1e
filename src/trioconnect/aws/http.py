"""HTTP for the AWS layer: the shared connection pool, exception translation and the call pipeline.

Connection pool lifecycle
-------------------------
:func:`shared_http_client` returns one ``httpx.AsyncClient`` per ``trio.run`` (and per TLS setting),
kept in a :class:`trio.lowlevel.RunVar`. Every session of the run shares it, so thousands of chats
reuse a bounded set of keep-alive connections. It is created on first use and closed by a trio
system task when the run's main task returns, so nothing has to be closed by hand; it must not be
closed by its users. Use :func:`open_http_pool` instead when you want the pool's lifetime tied to
a block of code (for example to close connections between test cases).

Logging
-------
Lines go to ``logging.getLogger("trioconnect.aws")`` with credential headers and query values
replaced by ``REDACTED``. Importing this module also adds a filter to the ``httpx`` logger that
redacts the query string of the URLs httpx logs at INFO (presigned URLs carry signatures there).

Exceptions
----------
:func:`translate_errors` is the one place where httpx, trio and OS exceptions become
:mod:`trioconnect.errors` types (with the original as ``__cause__``); callers never see an httpx
or botocore exception.
"""

from __future__ import annotations

import functools
import logging
import platform
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import trio

from trioconnect.aws.pool import KeepAlivePool
from trioconnect.aws.retry import RetryPolicy, RetryQuota, call_with_retries
from trioconnect.errors import (
    RemoteProtocolError,
    RequestTimeoutError,
    ServiceError,
    TransportError,
    ValidationError,
)

if TYPE_CHECKING:
    from trioconnect.aws.codec import ServiceCodec  # botocore: imported when a client is built

__all__ = [
    "HttpAnswer",
    "ServiceEndpoint",
    "open_http_pool",
    "redact_headers",
    "redact_url",
    "send_once",
    "shared_http_client",
    "translate_errors",
    "user_agent",
]

logger = logging.getLogger("trioconnect.aws")

#: Pool sizing for many concurrent chats: requests beyond ``MAX_CONNECTIONS`` wait for a free
#: connection (within their attempt timeout) instead of opening unbounded sockets; up to
#: ``MAX_KEEPALIVE_CONNECTIONS`` idle ones are kept for reuse. :class:`KeepAlivePool` does
#: constant work per request whatever these numbers are.
MAX_CONNECTIONS = 1000
MAX_KEEPALIVE_CONNECTIONS = 100
#: Seconds an idle connection is kept.
KEEPALIVE_EXPIRY = 20.0
#: Largest response body accepted from an API call (real answers are a few kilobytes).
MAX_API_BODY = 4 * 1024 * 1024

_SECRET_HEADERS = frozenset({"x-amz-bearer", "authorization", "x-amz-security-token", "cookie"})
_REDACTED = "REDACTED"

Signer = Callable[[str, str, dict[str, str], bytes], Awaitable[dict[str, str]]]

_pools: trio.lowlevel.RunVar[dict[bool, httpx.AsyncClient]] = trio.lowlevel.RunVar(
    "trioconnect_pools"
)


class _RedactHttpxUrls(logging.Filter):
    """httpx logs every request URL at INFO; presigned URLs carry signatures in the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                redact_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


def _install_httpx_filter() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactHttpxUrls) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactHttpxUrls())


_install_httpx_filter()


def _new_client(verify_tls: bool) -> httpx.AsyncClient:
    if _environment_has_proxy():
        # httpx applies HTTP(S)_PROXY / ALL_PROXY / NO_PROXY only with its own transports.
        limits = httpx.Limits(
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_KEEPALIVE_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_EXPIRY,
        )
        return httpx.AsyncClient(verify=verify_tls, limits=limits, follow_redirects=False)
    transport = KeepAlivePool(
        ssl_context=httpx.create_ssl_context(verify=verify_tls),
        max_connections=MAX_CONNECTIONS,
        max_keepalive=MAX_KEEPALIVE_CONNECTIONS,
        keepalive_expiry=KEEPALIVE_EXPIRY,
    )
    return httpx.AsyncClient(verify=verify_tls, transport=transport, follow_redirects=False)


def _environment_has_proxy() -> bool:
    proxies = urllib.request.getproxies()
    return any(scheme in proxies for scheme in ("http", "https", "all"))


async def _close_at_run_end(client: httpx.AsyncClient) -> None:
    try:
        await trio.sleep_forever()
    finally:
        with trio.CancelScope(shield=True):
            try:
                await client.aclose()
            except Exception:  # a system task must not crash the run over a closing socket
                logger.debug("error while closing the shared HTTP pool", exc_info=True)


def shared_http_client(*, verify_tls: bool = True) -> httpx.AsyncClient:
    """Return this trio run's shared ``httpx.AsyncClient`` (created on first use).

    Must be called from inside ``trio.run``. The client is closed automatically when the run's
    main task finishes; do not close it yourself.

    Args:
        verify_tls: verify server certificates (one pool per setting).
    """
    try:
        pools = _pools.get()
    except LookupError:
        pools = {}
        _pools.set(pools)
    client = pools.get(verify_tls)
    if client is None or client.is_closed:
        client = pools[verify_tls] = _new_client(verify_tls)
        trio.lowlevel.spawn_system_task(_close_at_run_end, client, name="trioconnect-http-pool")
    return client


@asynccontextmanager
async def open_http_pool(*, verify_tls: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """Open a private connection pool, closed when the block exits.

    Pass the yielded client as ``http=`` to :class:`~trioconnect.aws.participant.ParticipantClient`,
    :class:`~trioconnect.aws.connect.ConnectClient` or :func:`~trioconnect.start.start_chat`.
    """
    client = _new_client(verify_tls)
    try:
        yield client
    finally:
        with trio.CancelScope(shield=True):
            await client.aclose()


def user_agent(suffix: str | None = None) -> str:
    """``trioconnect/<version> python/<version>``, followed by ``suffix`` when given."""
    try:
        version = metadata.version("trioconnect")
    except metadata.PackageNotFoundError:
        version = "0"
    agent = f"trioconnect/{version} python/{platform.python_version()}"
    return f"{agent} {suffix}" if suffix else agent


def redact_url(url: str) -> str:
    """Replace every query value (AuthToken, X-Amz-Signature, ...) with ``REDACTED``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    keys = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
    query = urlencode([(k, _REDACTED) for k in keys], safe="")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy ``headers`` with every credential-bearing value replaced by ``REDACTED``."""
    return {k: (_REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn httpx/trio/OS failures inside the block into :mod:`trioconnect.errors` types.

    Args:
        what: a description without secrets (operation name, redacted URL) for the message.
    """
    try:
        yield
    except _TRANSLATED as exc:
        raise _translated(exc, what) from exc


#: What :func:`translate_errors` turns into trioconnect errors.
_TRANSLATED = (trio.TooSlowError, httpx.HTTPError, httpx.InvalidURL, OSError)


def _translated(exc: BaseException, what: str) -> Exception:
    if isinstance(exc, trio.TooSlowError | httpx.TimeoutException):
        return RequestTimeoutError(f"{what}: timed out")
    if isinstance(exc, httpx.InvalidURL):
        return ValidationError(f"{what}: invalid URL")
    if isinstance(exc, httpx.TransportError | OSError):
        return TransportError(f"{what}: {type(exc).__name__}")
    return RemoteProtocolError(f"{what}: {type(exc).__name__}")


@functools.lru_cache(maxsize=16)
def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds)


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A fully read HTTP response."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)


async def send_once(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None,
    attempt_timeout: float,
    what: str,
    max_bytes: int = MAX_API_BODY,
) -> HttpAnswer:
    """Send one request and read the whole answer, within ``attempt_timeout`` seconds.

    Raises:
        RequestTimeoutError: the attempt took longer than ``attempt_timeout``.
        TransportError: the network failed.
        RemoteProtocolError: the body is larger than ``max_bytes``.
    """
    # Redacting the URL and headers costs more than the request's own bookkeeping: it is done
    # only for a DEBUG line that will be written, or for an error message.
    debug = logger.isEnabledFor(logging.DEBUG)
    if debug:
        logger.debug("%s: %s %s headers=%s", what, method, redact_url(url), redact_headers(headers))
    start = trio.current_time()
    size = 0
    try:
        with trio.fail_after(attempt_timeout):
            request = client.build_request(
                method, url, headers=headers, content=body, timeout=_timeout(attempt_timeout)
            )
            response = await client.send(request, stream=True)
            try:
                chunks: list[bytes] = []
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise RemoteProtocolError(f"{what}: response larger than {max_bytes} bytes")
                    chunks.append(chunk)
            finally:
                await response.aclose()
    except _TRANSLATED as exc:
        raise _translated(exc, f"{what} {method} {redact_url(url)}") from exc
    if debug:
        logger.debug(
            "%s: HTTP %d, %d bytes in %.3f s, request id %s",
            what,
            response.status_code,
            size,
            trio.current_time() - start,
            response.headers.get("x-amzn-requestid"),
        )
    return HttpAnswer(response.status_code, tuple(response.headers.multi_items()), b"".join(chunks))


@dataclass(slots=True)
class ServiceEndpoint:
    """Runs model-driven calls against one service endpoint: encode, sign, send, retry, decode.

    Attributes:
        codec: the service's codec.
        base_url: scheme and host (and optional path prefix), e.g. ``https://participant...``.
        http: a caller-owned client, or ``None`` for this run's shared pool.
        verify_tls: TLS verification for the shared pool.
        timeout: seconds allowed for each attempt.
        policy: the retry policy.
        user_agent: the value sent as ``User-Agent`` and ``x-amz-user-agent``.
        signer: adds SigV4 headers to each attempt, or ``None`` for unsigned requests.
    """

    codec: ServiceCodec
    base_url: str
    http: httpx.AsyncClient | None
    verify_tls: bool
    timeout: float
    policy: RetryPolicy
    user_agent: str
    signer: Signer | None = None
    quota: RetryQuota = field(default_factory=RetryQuota)

    def client(self) -> httpx.AsyncClient:
        """The HTTP client to use now."""
        return (
            self.http if self.http is not None else shared_http_client(verify_tls=self.verify_tls)
        )

    async def call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call ``operation`` with ``params`` and return the parsed output.

        The request is validated and serialised once, before any network activity, and the same
        bytes are sent on every attempt.

        Raises:
            ValidationError: ``params`` do not fit the model (nothing was sent).
            ServiceError: the service answered with an error (after retries where allowed).
            TransportError: the network failed on the last attempt.
            RemoteProtocolError: the answer could not be understood.
        """
        encoded = self.codec.encode(operation, params)
        url = self.base_url.rstrip("/") + encoded.path
        if encoded.query:
            url += "?" + urlencode(encoded.query, doseq=True)
        headers = dict(encoded.headers)
        headers["User-Agent"] = self.user_agent
        headers["x-amz-user-agent"] = self.user_agent
        body = encoded.body or None

        async def attempt() -> dict[str, Any]:
            sent = headers
            if self.signer is not None:
                sent = await self.signer(encoded.method, url, dict(headers), encoded.body)
            answer = await send_once(
                self.client(),
                encoded.method,
                url,
                headers=sent,
                body=body,
                attempt_timeout=self.timeout,
                what=operation,
            )
            decoded = self.codec.decode(operation, answer.status, answer.headers, answer.body)
            if isinstance(decoded, ServiceError):
                raise decoded
            return decoded

        return await call_with_retries(
            attempt, policy=self.policy, quota=self.quota, what=operation
        )
