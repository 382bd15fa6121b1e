"""A scripted Participant Service and WebSocket server for session tests under a MockClock.

Real sockets and trio's autojump clock do not mix (the clock jumps while a task waits on the
network), so these fakes live below the session's I/O seam:

* :class:`FakeParticipantService` is an ``httpx.MockTransport`` handler speaking the Participant
  Service's REST protocol (CreateParticipantConnection, SendMessage, SendEvent, GetTranscript with
  pagination, DisconnectParticipant). It counts calls, records their virtual times and bodies, and
  answers any status (403/429/500) on demand.
* :class:`FakeWebSocketServer` is a :data:`~trioconnect.session.socket.WebSocketOpener` that serves
  every socket over ``trio.testing.memory_stream_pair()`` with real WebSocket framing
  (trio-websocket on both ends). It answers subscribe, heartbeat and ping (each switchable), pushes
  items, drops sockets and can go half-open (a socket that stays open but says nothing).

:func:`open_harness` wires both to a session: ``async with open_harness() as h, h.session() as s``.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import trio
import trio.testing
from trio_websocket import (
    ConnectionClosed,
    WebSocketConnection,
    wrap_client_stream,
    wrap_server_stream,
)

from trioconnect import ChatDetails, ChatSession, ClientConfig, open_chat_session
from trioconnect.events import Event, MessageEvent
from trioconnect.protocol.envelope import (
    HeartbeatRequest,
    PingRequest,
    SubscribeRequest,
    decode_client_frame,
    encode_chat_item,
    encode_heartbeat_response,
    encode_ping_response,
    encode_subscribe_response,
)

E = TypeVar("E", bound=Event)

PARTICIPANT_TOKEN = "ptok-SECRET-participant-0123456789"
CONNECTION_TOKEN_PREFIX = "ctok-SECRET-connection-"
CONTACT_ID = "c0ffee00-0000-4000-8000-000000000001"
PARTICIPANT_ID = "9a000000-0000-4000-8000-00000000000c"
AGENT_ID = "9a000000-0000-4000-8000-00000000000a"
BASE_TIME = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

_PATHS = {
    "/participant/connection": "CreateParticipantConnection",
    "/participant/message": "SendMessage",
    "/participant/event": "SendEvent",
    "/participant/transcript": "GetTranscript",
    "/participant/disconnect": "DisconnectParticipant",
}


def details(role: str = "CUSTOMER") -> ChatDetails:
    """Chat details for the fake chat."""
    return ChatDetails.from_mapping(
        {
            "ContactId": CONTACT_ID,
            "ParticipantId": PARTICIPANT_ID,
            "ParticipantToken": PARTICIPANT_TOKEN,
            "ParticipantRole": role,
        }
    )


def fast_config(**changes: Any) -> ClientConfig:
    """A config with no jitter; callers override what they test."""
    base = ClientConfig(endpoint="https://participant.test")
    base = base.replace(reconnect=base.reconnect.__class__(jitter=0.0))
    return base.replace(**changes) if changes else base


@dataclass
class Call:
    """One request the fake service received."""

    operation: str
    at: float
    body: dict[str, Any]
    status: int


@dataclass
class Failure:
    """A scripted error answer."""

    status: int
    code: str
    count: int


@dataclass
class FakeParticipantService:
    """The Participant Service, scripted (see module docstring)."""

    ws: FakeWebSocketServer
    token_ttl: float = 24 * 3600.0
    url_ttl: float = 100.0
    page_size: int | None = None
    calls: list[Call] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    echo_to_socket: bool = True
    issued_tokens: list[str] = field(default_factory=list)
    _seq: int = 0

    # ---- scripting
    def fail(self, operation: str, status: int, code: str = "", count: int = 1) -> None:
        """Answer the next ``count`` calls of ``operation`` with ``status``."""
        code = code or {403: "AccessDeniedException", 429: "ThrottlingException"}.get(
            status, "InternalServerException"
        )
        self.failures.setdefault(operation, []).append(Failure(status, code, count))

    def count(self, operation: str) -> int:
        """How many requests of ``operation`` arrived (failed ones included)."""
        return sum(1 for c in self.calls if c.operation == operation)

    def times(self, operation: str) -> list[float]:
        """The virtual times of the requests of ``operation``."""
        return [c.at for c in self.calls if c.operation == operation]

    def of(self, operation: str) -> list[Call]:
        """The requests of ``operation``."""
        return [c for c in self.calls if c.operation == operation]

    def new_item(
        self,
        content: str = "hi",
        *,
        role: str = "AGENT",
        participant_id: str = AGENT_ID,
        content_type: str = "text/plain",
        kind: str = "MESSAGE",
    ) -> dict[str, Any]:
        """Add an item to the server transcript (not pushed); return it."""
        self._seq += 1
        item = {
            "Id": f"item-{self._seq:04d}",
            "Type": kind,
            "ContentType": content_type,
            "Content": content,
            "ParticipantId": participant_id,
            "ParticipantRole": role,
            "DisplayName": role.title(),
            "AbsoluteTime": _iso(BASE_TIME + datetime.timedelta(milliseconds=self._seq)),
            "ContactId": CONTACT_ID,
            "InitialContactId": CONTACT_ID,
        }
        self.items.append(item)
        return item

    # ---- the transport
    def transport(self) -> httpx.MockTransport:
        """The ``httpx`` transport serving this fake."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        operation = _PATHS.get(request.url.path, "Unknown")
        body = json.loads(request.content or b"{}")
        queue = self.failures.get(operation)
        if queue:
            failure = queue[0]
            failure.count -= 1
            if failure.count <= 0:
                queue.pop(0)
            self.calls.append(Call(operation, trio.current_time(), body, failure.status))
            return httpx.Response(
                failure.status,
                headers={"x-amzn-ErrorType": failure.code},
                json={"message": f"scripted {failure.code}"},
            )
        self.calls.append(Call(operation, trio.current_time(), body, 200))
        answer = getattr(self, "_" + operation, None)
        if answer is None:
            return httpx.Response(404, json={"message": "unknown operation"})
        result: dict[str, Any] = answer(body)
        return httpx.Response(200, json=result)

    def _CreateParticipantConnection(self, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.datetime.now(datetime.UTC)
        token = f"{CONNECTION_TOKEN_PREFIX}{len(self.issued_tokens)}"
        self.issued_tokens.append(token)
        return {
            "Websocket": {
                "Url": f"wss://ws.test/connect?AuthToken=SECRET-url-{len(self.issued_tokens)}",
                "ConnectionExpiry": _iso(now + datetime.timedelta(seconds=self.url_ttl)),
            },
            "ConnectionCredentials": {
                "ConnectionToken": token,
                "Expiry": _iso(now + datetime.timedelta(seconds=self.token_ttl)),
            },
        }

    def _SendMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        for item in self.items:  # ClientToken idempotency, as the service does
            if item.get("_client_token") == body.get("ClientToken"):
                return {"Id": item["Id"], "AbsoluteTime": item["AbsoluteTime"]}
        item = self.new_item(
            body["Content"],
            role="CUSTOMER",
            participant_id=PARTICIPANT_ID,
            content_type=body["ContentType"],
        )
        item["_client_token"] = body.get("ClientToken")
        if self.echo_to_socket:
            self.ws.push(_public(item))
        return {"Id": item["Id"], "AbsoluteTime": item["AbsoluteTime"]}

    def _SendEvent(self, body: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        return {"Id": f"event-{self._seq:04d}", "AbsoluteTime": _iso(BASE_TIME)}

    def _GetTranscript(self, body: dict[str, Any]) -> dict[str, Any]:
        items = [_public(i) for i in self.items]
        start_id = (body.get("StartPosition") or {}).get("Id")
        if start_id:
            ids = [i["Id"] for i in items]
            items = items[ids.index(start_id) :] if start_id in ids else items
        if body.get("ScanDirection", "BACKWARD") == "BACKWARD":
            items = items[::-1]
        offset = int(body.get("NextToken") or 0)
        size = min(body.get("MaxResults") or 15, self.page_size or 100)
        page = items[offset : offset + size]
        if body.get("SortOrder", "ASCENDING") == "ASCENDING":
            page.sort(key=lambda i: i["AbsoluteTime"])
        result: dict[str, Any] = {"InitialContactId": CONTACT_ID, "Transcript": page}
        if offset + size < len(items):
            result["NextToken"] = str(offset + size)
        return result

    def _DisconnectParticipant(self, body: dict[str, Any]) -> dict[str, Any]:
        ended = self.new_item(
            "",
            role="SYSTEM",
            participant_id="",
            kind="EVENT",
            content_type="application/vnd.amazonaws.connect.event.chat.ended",
        )
        self.ws.push(_public(ended))
        return {}


class ServerSocket:
    """The server's end of one fake WebSocket."""

    def __init__(self, server: FakeWebSocketServer, url: str) -> None:
        self.server = server
        self.url = url
        self.ws: WebSocketConnection | None = None
        self.subscribed = False
        self.closed = False
        self.half_open = False
        self.received: list[tuple[float, str]] = []
        self.outbox_send, self.outbox = trio.open_memory_channel[str](1000)

    def send(self, text: str) -> None:
        """Queue ``text`` for this socket (dropped if half-open or closed)."""
        if not self.closed and not self.half_open:
            self.outbox_send.send_nowait(text)

    async def drop(self, code: int = 1011) -> None:
        """Close this socket from the server side."""
        self.closed = True
        if self.ws is not None:
            await self.ws.aclose(code)


@dataclass
class FakeWebSocketServer:
    """In-memory WebSocket server, used as the session's opener (see module docstring)."""

    nursery: trio.Nursery
    answer_subscribe: bool = True
    subscribe_status: str = "success"
    answer_heartbeat: bool = True
    answer_ping: bool = True
    refuse: bool = False
    sockets: list[ServerSocket] = field(default_factory=list)
    opened: list[float] = field(default_factory=list)

    @property
    def live(self) -> list[ServerSocket]:
        """Sockets that are subscribed and not closed."""
        return [s for s in self.sockets if s.subscribed and not s.closed]

    def push(self, item: dict[str, Any], *, copies: int = 1) -> None:
        """Deliver ``item`` on every live socket (``copies`` times each)."""
        for sock in self.live:
            for _ in range(copies):
                sock.send(encode_chat_item(item))

    async def drop_all(self, code: int = 1011) -> None:
        """Close every open socket from the server side."""
        for sock in list(self.sockets):
            if not sock.closed:
                await sock.drop(code)

    def go_half_open(self) -> None:
        """Every open socket stays open but stops answering and delivering anything."""
        for sock in self.sockets:
            sock.half_open = True

    async def __call__(
        self, nursery: trio.Nursery, url: str, *, verify_tls: bool
    ) -> WebSocketConnection:
        self.opened.append(trio.current_time())
        if self.refuse:
            raise OSError("connection refused (scripted)")
        client_stream, server_stream = trio.testing.memory_stream_pair()
        sock = ServerSocket(self, url)
        self.sockets.append(sock)
        self.nursery.start_soon(self._serve, sock, server_stream)
        conn: WebSocketConnection = await wrap_client_stream(
            nursery, client_stream, "ws.test", "/connect"
        )
        return conn

    async def _serve(self, sock: ServerSocket, stream: trio.abc.Stream) -> None:
        request = await wrap_server_stream(self.nursery, stream)
        sock.ws = ws = await request.accept()
        async with trio.open_nursery() as inner:
            inner.start_soon(self._write, sock, ws)
            try:
                while True:
                    text = await ws.get_message()
                    sock.received.append((trio.current_time(), str(text)))
                    self._answer(sock, str(text))
            except ConnectionClosed:
                sock.closed = True
            inner.cancel_scope.cancel()

    async def _write(self, sock: ServerSocket, ws: WebSocketConnection) -> None:
        async for text in sock.outbox:
            try:
                await ws.send_message(text)
            except ConnectionClosed:
                return

    def _answer(self, sock: ServerSocket, text: str) -> None:
        if sock.half_open:
            return
        match decode_client_frame(text):
            case SubscribeRequest() if self.answer_subscribe:
                sock.send(encode_subscribe_response(self.subscribe_status))
                sock.subscribed = self.subscribe_status == "success"
            case HeartbeatRequest() if self.answer_heartbeat:
                sock.send(encode_heartbeat_response())
            case PingRequest() if self.answer_ping:
                sock.send(encode_ping_response(200))
            case _:
                pass


@dataclass
class Harness:
    """A fake service and socket server, and a way to open sessions against them."""

    nursery: trio.Nursery
    ws: FakeWebSocketServer
    service: FakeParticipantService

    @asynccontextmanager
    async def session(
        self, config: ClientConfig | None = None, *, role: str = "CUSTOMER"
    ) -> AsyncIterator[ChatSession]:
        """Open a session wired to the fakes."""
        async with (
            httpx.AsyncClient(transport=self.service.transport()) as http,
            open_chat_session(
                details(role), config=config or fast_config(), http=http, websocket_opener=self.ws
            ) as session,
        ):
            yield session


@asynccontextmanager
async def open_harness(**service_options: Any) -> AsyncIterator[Harness]:
    """Run the fakes for the duration of the block."""
    async with trio.open_nursery() as nursery:
        ws = FakeWebSocketServer(nursery)
        service = FakeParticipantService(ws, **service_options)
        yield Harness(nursery, ws, service)
        nursery.cancel_scope.cancel()


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_uuid() -> str:
    """A random id."""
    return str(uuid.uuid4())


class Recorder:
    """Every event of a session with the virtual time it was published at."""

    def __init__(self, session: ChatSession) -> None:
        self.events: list[tuple[float, Event]] = []
        session.on(Event, lambda event: self.events.append((trio.current_time(), event)))

    def of(self, kind: type[E]) -> list[E]:
        """The events of ``kind``, in order."""
        return [e for _, e in self.events if isinstance(e, kind)]

    def times(self, kind: type[Event]) -> list[float]:
        """When the events of ``kind`` were published."""
        return [t for t, e in self.events if isinstance(e, kind)]

    def message_ids(self) -> list[str]:
        """Ids of the delivered message items, in delivery order."""
        return [e.item.id for e in self.of(MessageEvent) if e.item.type == "MESSAGE"]


async def wait_until(predicate: Callable[[], bool], seconds: float = 600.0) -> None:
    """Let virtual time pass until ``predicate()`` holds (bounded)."""
    with trio.fail_after(seconds):
        while not predicate():
            await trio.sleep(0.01)
