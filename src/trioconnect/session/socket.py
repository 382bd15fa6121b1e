"""Opening a subscribed participant WebSocket (trio-websocket + the sans-I/O envelope).

The network is reached through one narrow seam, :data:`WebSocketOpener`: a function that opens a
WebSocket to a URL and returns the connection once its opening handshake is done. The default,
:func:`open_websocket_over_network`, uses trio-websocket over TCP (or TLS). Tests pass an opener
that wraps an in-memory stream pair instead, so a whole session runs under
``trio.testing.MockClock`` with real WebSocket framing and no socket.
"""

from __future__ import annotations

import contextlib
import ssl
from typing import TYPE_CHECKING, Protocol

import trio

from trioconnect.errors import TransportError
from trioconnect.protocol.envelope import Frame, SubscribeResponse, decode_frame, encode_subscribe

if TYPE_CHECKING:
    from trio_websocket import WebSocketConnection

__all__ = [
    "SocketOpenError",
    "WebSocketOpener",
    "close_quietly",
    "open_subscribed_socket",
    "open_websocket_over_network",
]

#: Frames of one socket queued inside trio-websocket before its reader applies backpressure.
MESSAGE_QUEUE_SIZE = 64
#: Largest frame accepted (a transcript item is at most ~16 KiB of content plus metadata).
MAX_FRAME_BYTES = 256 * 1024
#: Frames that may arrive before the subscribe answer; more is a protocol violation.
MAX_EARLY_FRAMES = 256
#: Seconds allowed for a closing handshake before the socket is abandoned.
CLOSE_TIMEOUT = 2.0


class WebSocketOpener(Protocol):
    """Opens a WebSocket to ``url`` and returns it once the opening handshake is done.

    ``nursery`` is where the connection's background reader task runs (the session's nursery).
    Failures are raised as trio-websocket's ``HandshakeError``/``ConnectionClosed``, ``OSError``
    or ``trio.BrokenResourceError``.
    """

    async def __call__(
        self, nursery: trio.Nursery, url: str, *, verify_tls: bool
    ) -> WebSocketConnection: ...


class SocketOpenError(TransportError):
    """The WebSocket could not be opened and subscribed."""


async def open_websocket_over_network(
    nursery: trio.Nursery, url: str, *, verify_tls: bool = True
) -> WebSocketConnection:
    """The default :data:`WebSocketOpener`: trio-websocket over TCP, or TLS for ``wss://``."""
    from trio_websocket import connect_websocket_url

    context: ssl.SSLContext | None = None
    if url.startswith("wss://"):
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    connection: WebSocketConnection = await connect_websocket_url(
        nursery,
        url,
        context,
        message_queue_size=MESSAGE_QUEUE_SIZE,
        max_message_size=MAX_FRAME_BYTES,
    )
    return connection


async def open_subscribed_socket(
    nursery: trio.Nursery,
    url: str,
    *,
    timeout: float,  # noqa: ASYNC109  (one bound for the whole open + subscribe exchange)
    verify_tls: bool,
    opener: WebSocketOpener = open_websocket_over_network,
) -> tuple[WebSocketConnection, list[Frame]]:
    """Open ``url``, subscribe to ``aws/chat`` and wait for the subscription's answer.

    Args:
        nursery: where trio-websocket runs the connection's background reader (the session's).
        url: the ``Websocket.Url`` from CreateParticipantConnection, used untouched.
        timeout: seconds for the whole open + subscribe exchange.
        verify_tls: verify the server certificate of a ``wss://`` URL.
        opener: how the WebSocket is opened (the network by default).

    Returns:
        The open socket and the frames that arrived before the subscribe answer, in order.

    Raises:
        SocketOpenError: the handshake failed, timed out, or the subscription was refused.
    """
    from trio_websocket import ConnectionClosed, HandshakeError

    ws: WebSocketConnection | None = None
    try:
        with trio.fail_after(timeout):
            ws = await opener(nursery, url, verify_tls=verify_tls)
            await ws.send_message(encode_subscribe())
            early = await _await_subscription(ws)
            return ws, early
    except trio.TooSlowError as exc:
        await close_quietly(ws)
        raise SocketOpenError(f"WebSocket not subscribed within {timeout:g} s") from exc
    except (HandshakeError, ConnectionClosed, OSError, trio.BrokenResourceError) as exc:
        await close_quietly(ws)
        raise SocketOpenError(f"WebSocket open failed: {type(exc).__name__}") from exc
    except BaseException:
        # A refused subscription, or the caller was cancelled: never leave the socket open.
        await close_quietly(ws)
        raise


async def _await_subscription(ws: WebSocketConnection) -> list[Frame]:
    early: list[Frame] = []
    while True:
        message = await ws.get_message()
        frame = decode_frame(message if isinstance(message, str) else "")
        if isinstance(frame, SubscribeResponse):
            if frame.status != "success":
                raise SocketOpenError(f"subscription refused: status {frame.status!r}")
            return early
        if len(early) >= MAX_EARLY_FRAMES:
            raise SocketOpenError("no subscribe answer within the first frames")
        early.append(frame)


async def close_quietly(ws: WebSocketConnection | None, code: int = 1000) -> None:
    """Close ``ws`` with ``code``, bounded in time, ignoring a peer that is already gone."""
    if ws is None:
        return
    from trio_websocket import ConnectionClosed

    with trio.move_on_after(CLOSE_TIMEOUT) as scope:
        scope.shield = True
        with contextlib.suppress(
            ConnectionClosed, OSError, trio.BrokenResourceError, trio.ClosedResourceError
        ):
            await ws.aclose(code)
