"""The chat WebSocket: ``/ws?AuthToken=<opaque>`` as handed out by CreateParticipantConnection.

Protocol (what ChatJS 5 sends and expects):
    * ``{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}`` →
      ``{"topic":"aws/subscribe","content":{"status":"success","topics":["aws/chat"]}}``; chat
      items flow only after this (those produced since the socket opened are replayed first).
    * ``{"topic":"aws/heartbeat"}`` → ``{"topic":"aws/heartbeat"}``.
    * ``{"topic":"aws/ping"}`` → ``{"topic":"aws/ping","statusCode":200,"statusContent":"OK"}``.
    * Anything else (not JSON, binary, unknown topic) gets an error frame with no ``topic``
      (ChatJS ignores those); the socket stays open.

Lifetime: the handshake is refused (HTTP 403) for an unknown or expired URL. The socket closes
with 1000 at the ConnectionToken's expiry and ``chat_end_grace`` seconds after chat.ended (queued
items are flushed first), with 1008 when its outbound queue overflows (see :mod:`.hub`), and after
``ws_idle_timeout`` without any client frame. A write that takes longer than ``ws_send_timeout``
drops the socket.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import trio

from trioconnect.emulator.api_error import ApiError
from trioconnect.emulator.asgi import Receive, Request, Scope, Send
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.hub import Subscriber

__all__ = ["Reply", "answer_frame", "serve_websocket"]

log = logging.getLogger(__name__)

SUBSCRIBE_OK = {"topic": "aws/subscribe", "content": {"status": "success", "topics": ["aws/chat"]}}
HEARTBEAT = {"topic": "aws/heartbeat"}
PING_OK = {"topic": "aws/ping", "statusCode": 200, "statusContent": "OK"}

# The frames every client sends every 10 s on every socket, as JavaScript (ChatJS) and Python
# serialise them, with their answers already serialised: at thousands of sockets they are most
# of the traffic, and this lookup spares them the JSON round trip. Other spellings take the
# general path (same answers).
_HEARTBEAT_TEXTS = frozenset(json.dumps(HEARTBEAT, separators=sep) for sep in ((",", ":"), None))
_PING_TEXTS = frozenset(
    json.dumps({"topic": "aws/ping"}, separators=sep) for sep in ((",", ":"), None)
)
_HEARTBEAT_ANSWER = json.dumps(HEARTBEAT)
_PING_ANSWER = json.dumps(PING_OK)


@dataclass(frozen=True)
class Reply:
    """The answer to one client frame (or None) and whether the frame subscribed."""

    frame: dict[str, Any] | None
    subscribe: bool = False


def _error(message: str) -> Reply:
    return Reply({"message": message, "statusCode": 400})


def answer_frame(text: str | None, answer_heartbeat: bool = True) -> Reply:
    """Decide the answer to a client frame (``None`` for a binary frame). Pure."""
    if text is None:
        return _error("Binary frames are not supported")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return _error("Frames must be JSON")
    if not isinstance(frame, dict):
        return _error("Frames must be JSON objects")
    topic = frame.get("topic")
    if topic == "aws/subscribe":
        content = frame.get("content")
        topics = content.get("topics") if isinstance(content, dict) else None
        if isinstance(topics, list) and "aws/chat" in topics:
            return Reply(SUBSCRIBE_OK, subscribe=True)
        return Reply({"topic": "aws/subscribe", "content": {"status": "failure", "topics": []}})
    if topic == "aws/heartbeat":
        return Reply(HEARTBEAT if answer_heartbeat else None)
    if topic == "aws/ping":
        return Reply(PING_OK)
    if topic == "aws/unsubscribe":
        return Reply({"topic": "aws/unsubscribe", "content": {"status": "success"}})
    return _error("Unknown topic")


class _Socket:
    """Serialised, time-bounded writes to one ASGI WebSocket."""

    def __init__(self, send: Send, timeout: float) -> None:
        self._send = send
        self._lock = trio.Lock()
        self._timeout = timeout
        self.broken = False

    async def text(self, text: str) -> None:
        await self._write({"type": "websocket.send", "text": text})

    async def close(self, code: int, reason: str) -> None:
        if code == 1006:  # reserved: cannot be sent on the wire
            code = 1011
        await self._write({"type": "websocket.close", "code": code, "reason": reason})

    async def _write(self, message: dict[str, Any]) -> None:
        if self.broken:
            return
        # Uncontended (the usual case), the lock is taken without a trip through the scheduler;
        # the send below is a checkpoint anyway.
        try:
            self._lock.acquire_nowait()
        except trio.WouldBlock:
            await self._lock.acquire()
        try:
            with trio.move_on_after(self._timeout) as timer:
                try:
                    await self._send(message)
                except Exception:  # the client vanished mid-write
                    self.broken = True
            if timer.cancelled_caught:
                self.broken = True
        finally:
            self._lock.release()


async def serve_websocket(scope: Scope, receive: Receive, send: Send, ctx: EmulatorContext) -> None:
    """Handle one ASGI ``websocket`` connection from handshake to close."""
    first = await receive()
    if first.get("type") != "websocket.connect":
        return
    request = Request.from_scope(scope)
    try:
        caller = ctx.state.open_socket(request.query_value("AuthToken") or "")
    except ApiError:
        await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        return
    await send({"type": "websocket.accept"})
    socket = _Socket(send, ctx.config.ws_send_timeout)
    deadline = ctx.state.clock.to_trio(caller.connection.expires_mono)
    gone = False
    with trio.CancelScope(deadline=deadline) as life:
        sub = ctx.hub.register(caller, life)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_write_items, sub, socket)
                gone = await _read_frames(receive, socket, sub, ctx)
                nursery.cancel_scope.cancel()
        finally:
            ctx.hub.unregister(sub)
    if gone or socket.broken:
        return
    if sub.flush and sub.subscribed.is_set():
        await _flush(sub, socket)
    await socket.close(sub.close_code, sub.close_reason)


async def _read_frames(
    receive: Receive, socket: _Socket, sub: Subscriber, ctx: EmulatorContext
) -> bool:
    """Answer client frames until the client goes away (returns True) or stops talking."""
    idle_timeout = ctx.config.ws_idle_timeout
    last_heard = trio.current_time()
    # The idle deadline is re-armed only when it passes, not at every frame: a deadline change
    # leaves an entry in trio's deadline heap until it is pruned, and at thousands of sockets
    # those entries are most of what the young garbage collections have to look at.
    while not socket.broken:
        deadline = last_heard + idle_timeout
        if trio.current_time() >= deadline:
            sub.close(1000, "Idle timeout")
            return False
        with trio.CancelScope(deadline=deadline):
            while not socket.broken:
                message = await receive()
                last_heard = trio.current_time()
                kind = message.get("type")
                if kind == "websocket.disconnect":
                    return True
                if kind == "websocket.receive":
                    # An answer is never cut by the idle deadline (armed at an older frame);
                    # the write has its own timeout.
                    with trio.CancelScope(shield=True):
                        await _answer(message.get("text"), socket, sub, ctx)
    return False


async def _answer(text: str | None, socket: _Socket, sub: Subscriber, ctx: EmulatorContext) -> None:
    """Answer one client frame (``None`` for a binary one)."""
    faults = ctx.faults
    if faults.is_half_open(sub.contact_id):
        faults.half_open_dropped += 1
        return
    if text in _PING_TEXTS:
        await socket.text(_PING_ANSWER)
        return
    if text in _HEARTBEAT_TEXTS and faults.answer_heartbeat(sub.contact_id):
        await socket.text(_HEARTBEAT_ANSWER)
        return
    reply = answer_frame(text, faults.answer_heartbeat(sub.contact_id))
    if reply.frame is not None:
        await socket.text(json.dumps(reply.frame))
    if reply.subscribe:
        sub.subscribed.set()


async def _write_items(sub: Subscriber, socket: _Socket) -> None:
    await sub.subscribed.wait()
    async for frame in sub.receive_channel:
        await socket.text(frame)
        if socket.broken:
            sub.scope.cancel()
            return


async def _flush(sub: Subscriber, socket: _Socket) -> None:
    while not socket.broken:
        try:
            frame = sub.receive_channel.receive_nowait()
        except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
            return
        await socket.text(frame)
