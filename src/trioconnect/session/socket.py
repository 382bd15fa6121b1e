"""Opening a subscribed participant WebSocket (trio-websocket + the sans-I/O envelope)."""

from __future__ import annotations

import ssl

import trio
from trio_websocket import (
    ConnectionClosed,
    HandshakeError,
    WebSocketConnection,
    connect_websocket_url,
)

from trioconnect.errors import TransportError
from trioconnect.protocol.envelope import Frame, SubscribeResponse, decode_frame, encode_subscribe

__all__ = ["SocketOpenError", "close_quietly", "open_subscribed_socket"]

#: Frames of one socket queued inside trio-websocket before its reader applies backpressure.
MESSAGE_QUEUE_SIZE = 64
#: Largest frame accepted (a transcript item is at most ~16 KiB of content plus metadata).
MAX_FRAME_BYTES = 256 * 1024
#: Frames that may arrive before the subscribe answer; more is a protocol violation.
MAX_EARLY_FRAMES = 256


class SocketOpenError(TransportError):
    """The WebSocket could not be opened and subscribed."""


async def open_subscribed_socket(
    nursery: trio.Nursery,
    url: str,
    *,
    timeout: float,
    verify_tls: bool,
) -> tuple[WebSocketConnection, list[Frame]]:
    """Open ``url``, subscribe to ``aws/chat`` and wait for the subscription's answer.

    Args:
        nursery: where trio-websocket runs the connection's background reader (the session's).
        url: the ``Websocket.Url`` from CreateParticipantConnection, used untouched.
        timeout: seconds for the whole open + subscribe exchange.
        verify_tls: verify the server certificate of a ``wss://`` URL.

    Returns:
        The open socket and the frames that arrived before the subscribe answer, in order.

    Raises:
        SocketOpenError: the handshake failed, timed out, or the subscription was refused.
    """
    context: ssl.SSLContext | None = None
    if url.startswith("wss://"):
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    ws: WebSocketConnection | None = None
    try:
        with trio.fail_after(timeout):
            ws = await connect_websocket_url(
                nursery,
                url,
                context,
                message_queue_size=MESSAGE_QUEUE_SIZE,
                max_message_size=MAX_FRAME_BYTES,
            )
            await ws.send_message(encode_subscribe())
            early: list[Frame] = []
            while True:
                message = await ws.get_message()
                frame = decode_frame(message if isinstance(message, str) else "")
                if isinstance(frame, SubscribeResponse):
                    if frame.status != "success":
                        raise SocketOpenError(f"subscription refused: status {frame.status!r}")
                    return ws, early
                if len(early) >= MAX_EARLY_FRAMES:
                    raise SocketOpenError("no subscribe answer within the first frames")
                early.append(frame)
    except trio.TooSlowError as exc:
        await close_quietly(ws)
        raise SocketOpenError(f"WebSocket not subscribed within {timeout:g} s") from exc
    except (HandshakeError, ConnectionClosed, OSError, trio.BrokenResourceError) as exc:
        await close_quietly(ws)
        raise SocketOpenError(f"WebSocket open failed: {type(exc).__name__}") from exc
    except SocketOpenError:
        await close_quietly(ws)
        raise


async def close_quietly(ws: WebSocketConnection | None, code: int = 1000) -> None:
    """Close ``ws`` with ``code``, bounded in time, ignoring a peer that is already gone."""
    if ws is None:
        return
    with trio.move_on_after(2.0) as scope:
        scope.shield = True
        try:
            await ws.aclose(code)
        except (ConnectionClosed, OSError, trio.BrokenResourceError, trio.ClosedResourceError):
            pass
