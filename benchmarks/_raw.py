"""A minimal chat client with httpx and trio-websocket only: the benchmarks' baseline and load.

It does what a chat client must and nothing more: POST /start-chat, CreateParticipantConnection,
open the WebSocket, subscribe, send ``aws/ping`` + ``aws/heartbeat`` when asked, and note when
chat items arrive (by ``Id``). Heartbeat answers are matched to requests in order, per topic.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field

import httpx
import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, connect_websocket_url

__all__ = [
    "HeartbeatStats",
    "RawChat",
    "RawSocket",
    "connect_chat",
    "send_message",
    "start_chat",
]

SUBSCRIBE = json.dumps({"topic": "aws/subscribe", "content": {"topics": ["aws/chat"]}})
PING = json.dumps({"topic": "aws/ping"})
HEARTBEAT = json.dumps({"topic": "aws/heartbeat"})
CONNECTION_TYPES = {"Type": ["WEBSOCKET", "CONNECTION_CREDENTIALS"], "ConnectParticipant": True}


@dataclass
class RawChat:
    """One customer of one chat, as the REST calls returned it."""

    contact_id: str
    participant_id: str
    participant_token: str = field(repr=False)
    connection_token: str = field(default="", repr=False)
    ws_url: str = field(default="", repr=False)


async def start_chat(http: httpx.AsyncClient, base_url: str, name: str = "bench") -> RawChat:
    """``POST /start-chat`` on the emulator."""
    answer = await http.post(
        f"{base_url}/start-chat", json={"ParticipantDetails": {"DisplayName": name}}
    )
    answer.raise_for_status()
    result = answer.json()["data"]["startChatResult"]
    return RawChat(result["ContactId"], result["ParticipantId"], result["ParticipantToken"])


async def connect_chat(http: httpx.AsyncClient, base_url: str, chat: RawChat) -> None:
    """CreateParticipantConnection: fills in the connection token and the WebSocket URL."""
    answer = await http.post(
        f"{base_url}/participant/connection",
        headers={"X-Amz-Bearer": chat.participant_token},
        json=CONNECTION_TYPES,
    )
    answer.raise_for_status()
    document = answer.json()
    chat.connection_token = document["ConnectionCredentials"]["ConnectionToken"]
    chat.ws_url = document["Websocket"]["Url"]


async def send_message(http: httpx.AsyncClient, base_url: str, chat: RawChat, content: str) -> str:
    """SendMessage; returns the new item's ``Id``."""
    answer = await http.post(
        f"{base_url}/participant/message",
        headers={"X-Amz-Bearer": chat.connection_token},
        json={"ContentType": "text/plain", "Content": content},
    )
    answer.raise_for_status()
    item_id: str = answer.json()["Id"]
    return item_id


@dataclass
class HeartbeatStats:
    """Heartbeat bookkeeping of a group of sockets over one measurement window.

    Attributes:
        sent: ``aws/ping`` and ``aws/heartbeat`` frames sent.
        answered: answers received (at any delay).
        within_1s: answers received within one second of their request.
        latencies: the delay of every answer (s).
    """

    sent: int = 0
    answered: int = 0
    within_1s: int = 0
    latencies: list[float] = field(default_factory=list)

    def record(self, delay: float) -> None:
        """Count one answer that took ``delay`` seconds."""
        self.answered += 1
        self.within_1s += delay <= 1.0
        self.latencies.append(delay)


class RawSocket:
    """One subscribed chat WebSocket with its reader task.

    Args:
        ws: the open connection.
        stats: where heartbeat answers are counted (may be swapped between windows).
        track_items: remember the arrival time of every chat item (for round trips).
    """

    def __init__(self, ws: WebSocketConnection, stats: HeartbeatStats, track_items: bool) -> None:
        self.ws = ws
        self.stats = stats
        self.closed = False
        self.subscribed = trio.Event()
        self._track = track_items
        self._pending: dict[str, deque[tuple[float, HeartbeatStats]]] = {
            "aws/ping": deque(),
            "aws/heartbeat": deque(),
        }
        self._arrivals: dict[str, float] = {}
        self._waiters: dict[str, trio.Event] = {}

    @classmethod
    async def open(
        cls,
        nursery: trio.Nursery,
        url: str,
        stats: HeartbeatStats,
        *,
        track_items: bool = False,
        open_within: float = 30.0,
    ) -> RawSocket:
        """Open ``url`` (its reader runs in ``nursery``), subscribe and wait for the answer."""
        with trio.fail_after(open_within):
            ws = await connect_websocket_url(nursery, url, message_queue_size=64)
            sock = cls(ws, stats, track_items)
            nursery.start_soon(sock._read)
            await ws.send_message(SUBSCRIBE)
            await sock.subscribed.wait()
        return sock

    async def heartbeat(self) -> None:
        """Send ``aws/ping`` and ``aws/heartbeat`` (ChatJS's pair); answers are timed."""
        for topic, frame in (("aws/ping", PING), ("aws/heartbeat", HEARTBEAT)):
            self._pending[topic].append((trio.current_time(), self.stats))
            self.stats.sent += 1
            try:
                await self.ws.send_message(frame)
            except ConnectionClosed:
                self.closed = True
                return

    async def wait_item(self, item_id: str) -> float:
        """Wait until the item ``item_id`` arrived on the socket; returns when (trio time)."""
        if item_id not in self._arrivals:
            event = self._waiters.setdefault(item_id, trio.Event())
            await event.wait()
        return self._arrivals.pop(item_id)

    async def _read(self) -> None:
        try:
            while True:
                self._handle(await self.ws.get_message(), trio.current_time())
        except ConnectionClosed:
            pass
        finally:
            self.closed = True

    def _handle(self, message: str | bytes, now: float) -> None:
        frame = json.loads(message)
        topic = frame.get("topic")
        if topic == "aws/chat":
            if self._track:
                item_id = json.loads(frame["content"]).get("Id", "")
                self._arrivals[item_id] = now
                waiter = self._waiters.pop(item_id, None)
                if waiter is not None:
                    waiter.set()
        elif topic in self._pending:
            if topic == "aws/ping" and frame.get("statusCode") != 200:
                return
            pending = self._pending[topic]
            if pending:
                sent_at, stats = pending.popleft()
                stats.record(now - sent_at)
        elif topic == "aws/subscribe" and frame.get("content", {}).get("status") == "success":
            self.subscribed.set()
