"""The JSON frames of the chat WebSocket: encoders for what a client sends, a decoder for replies.

Client frames are ``{"topic": ..., "content": ...}`` with ``content`` left out when empty, encoded
as compact JSON exactly as ChatJS sends them. :func:`decode_frame` turns any text into one
:data:`Frame` and never raises: garbage becomes :class:`MalformedFrame`, unknown topics
:class:`UnknownFrame`. The server-side encoders (``encode_*_response``, :func:`encode_chat_item`)
and :func:`decode_client_frame` serve emulators and tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, final

from trioconnect.errors import RemoteProtocolError
from trioconnect.protocol.items import Item

__all__ = [
    "CHAT_TOPIC",
    "HEARTBEAT_TOPIC",
    "PING_TOPIC",
    "SUBSCRIBE_TOPIC",
    "ChatItem",
    "ClientFrame",
    "Frame",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "MalformedFrame",
    "PingRequest",
    "PingResponse",
    "SubscribeRequest",
    "SubscribeResponse",
    "TopicFailure",
    "UnknownFrame",
    "decode_client_frame",
    "decode_frame",
    "encode_chat_item",
    "encode_heartbeat",
    "encode_heartbeat_response",
    "encode_ping",
    "encode_ping_response",
    "encode_subscribe",
    "encode_subscribe_response",
]

SUBSCRIBE_TOPIC = "aws/subscribe"
HEARTBEAT_TOPIC = "aws/heartbeat"
PING_TOPIC = "aws/ping"
CHAT_TOPIC = "aws/chat"


@final
@dataclass(frozen=True, slots=True)
class SubscribeResponse:
    """The answer to a subscribe; ``status == "success"`` confirms ``topics``."""

    status: str
    topics: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the subscription succeeded."""
        return self.status == "success"


@final
@dataclass(frozen=True, slots=True)
class HeartbeatResponse:
    """An ``aws/heartbeat`` answer (its body is not inspected)."""


@final
@dataclass(frozen=True, slots=True)
class PingResponse:
    """An ``aws/ping`` (deep heartbeat) answer; ``status_code == 200`` is success."""

    status_code: int | None
    status_content: str | None

    @property
    def ok(self) -> bool:
        """Whether the deep heartbeat succeeded."""
        return self.status_code == 200


@final
@dataclass(frozen=True, slots=True)
class ChatItem:
    """A chat item pushed on ``aws/chat``."""

    item: Item


@final
@dataclass(frozen=True, slots=True)
class TopicFailure:
    """A frame with no topic but a ``message`` (an API Gateway style error)."""

    message: str


@final
@dataclass(frozen=True, slots=True)
class UnknownFrame:
    """A well-formed frame with a topic this client does not handle."""

    topic: str


@final
@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """Text that is not a usable frame; ``reason`` says why."""

    reason: str


#: Everything :func:`decode_frame` can return.
Frame = (
    SubscribeResponse
    | HeartbeatResponse
    | PingResponse
    | ChatItem
    | TopicFailure
    | UnknownFrame
    | MalformedFrame
)


@final
@dataclass(frozen=True, slots=True)
class SubscribeRequest:
    """A client's ``aws/subscribe`` request."""

    topics: tuple[str, ...]


@final
@dataclass(frozen=True, slots=True)
class HeartbeatRequest:
    """A client's ``aws/heartbeat``."""


@final
@dataclass(frozen=True, slots=True)
class PingRequest:
    """A client's ``aws/ping``."""


#: Everything :func:`decode_client_frame` can return.
ClientFrame = SubscribeRequest | HeartbeatRequest | PingRequest | UnknownFrame | MalformedFrame


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def encode_subscribe(topics: Iterable[str] = (CHAT_TOPIC,)) -> str:
    """Return ``{"topic":"aws/subscribe","content":{"topics":[...]}}``."""
    return _dumps({"topic": SUBSCRIBE_TOPIC, "content": {"topics": list(topics)}})


def encode_heartbeat() -> str:
    """Return ``{"topic":"aws/heartbeat"}``."""
    return _dumps({"topic": HEARTBEAT_TOPIC})


def encode_ping() -> str:
    """Return ``{"topic":"aws/ping"}`` (the deep heartbeat)."""
    return _dumps({"topic": PING_TOPIC})


def encode_subscribe_response(
    status: str = "success", topics: Iterable[str] = (CHAT_TOPIC,)
) -> str:
    """Return the server's answer to a subscribe."""
    return _dumps({"topic": SUBSCRIBE_TOPIC, "content": {"status": status, "topics": list(topics)}})


def encode_heartbeat_response() -> str:
    """Return the server's answer to a heartbeat."""
    return _dumps({"topic": HEARTBEAT_TOPIC})


def encode_ping_response(status_code: int = 200, status_content: str | None = "OK") -> str:
    """Return the server's answer to a deep heartbeat."""
    frame: dict[str, Any] = {"topic": PING_TOPIC, "statusCode": status_code}
    if status_content is not None:
        frame["statusContent"] = status_content
    return _dumps(frame)


def encode_chat_item(item: Item | Mapping[str, Any]) -> str:
    """Return an ``aws/chat`` frame: the item JSON-encoded inside a string, as the service does."""
    body = item.to_json() if isinstance(item, Item) else dict(item)
    return _dumps({"topic": CHAT_TOPIC, "content": _dumps(body)})


def _load_object(text: Any) -> dict[str, Any] | MalformedFrame:
    if not isinstance(text, str):
        return MalformedFrame(f"frame is not text: {type(text).__name__}")
    if not text.strip():
        return MalformedFrame("empty frame")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return MalformedFrame(f"frame is not valid JSON: {exc}")
    if not isinstance(obj, dict):
        return MalformedFrame(f"frame is not a JSON object: {type(obj).__name__}")
    return obj


def _decode_chat(content: Any) -> ChatItem | MalformedFrame:
    if not isinstance(content, str):
        return MalformedFrame(
            f"Wrong message format: aws/chat content must be a JSON string, "
            f"got {type(content).__name__}"
        )
    try:
        return ChatItem(Item.from_json(json.loads(content)))
    except (ValueError, RecursionError, RemoteProtocolError) as exc:
        return MalformedFrame(f"Wrong message format: {exc}")


def _decode_subscribe(content: Any) -> SubscribeResponse | MalformedFrame:
    if not isinstance(content, dict):
        return MalformedFrame("aws/subscribe answer has no content object")
    status = content.get("status")
    topics = content.get("topics")
    return SubscribeResponse(
        status=status if isinstance(status, str) else "",
        topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
    )


def _decode_ping(frame: dict[str, Any]) -> PingResponse:
    code = frame.get("statusCode")
    content = frame.get("statusContent")
    return PingResponse(
        status_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        status_content=content if isinstance(content, str) else None,
    )


def decode_frame(text: str) -> Frame:
    """Decode one text frame from the server. Never raises.

    Args:
        text: the frame's text.

    Returns:
        The decoded frame. ``aws/chat`` content must be a string holding a JSON item; an object
        there, or an unusable item, is a :class:`MalformedFrame` (ChatJS: "Wrong message format").
        A frame with no topic but a ``message`` is a :class:`TopicFailure`.
    """
    try:
        frame = _load_object(text)
        if isinstance(frame, MalformedFrame):
            return frame
        topic = frame.get("topic")
        if topic is None:
            if "message" in frame:
                return TopicFailure(str(frame["message"]))
            return MalformedFrame("frame has no topic")
        if not isinstance(topic, str):
            return MalformedFrame(f"frame topic is not a string: {type(topic).__name__}")
        if topic == CHAT_TOPIC:
            return _decode_chat(frame.get("content"))
        if topic == HEARTBEAT_TOPIC:
            return HeartbeatResponse()
        if topic == PING_TOPIC:
            return _decode_ping(frame)
        if topic == SUBSCRIBE_TOPIC:
            return _decode_subscribe(frame.get("content"))
        return UnknownFrame(topic)
    except Exception as exc:  # a decoder bug must not take the reader down
        return MalformedFrame(f"undecodable frame: {type(exc).__name__}: {exc}")


def decode_client_frame(text: str) -> ClientFrame:
    """Decode one text frame sent by a client (the server's side). Never raises."""
    frame = _load_object(text)
    if isinstance(frame, MalformedFrame):
        return frame
    topic = frame.get("topic")
    if not isinstance(topic, str):
        return MalformedFrame("frame has no string topic")
    if topic == HEARTBEAT_TOPIC:
        return HeartbeatRequest()
    if topic == PING_TOPIC:
        return PingRequest()
    if topic == SUBSCRIBE_TOPIC:
        content = frame.get("content")
        topics = content.get("topics") if isinstance(content, dict) else None
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            return MalformedFrame("aws/subscribe needs content.topics, a list of strings")
        return SubscribeRequest(tuple(topics))
    return UnknownFrame(topic)
