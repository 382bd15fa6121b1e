"""Fixtures for the emulator tests.

Rules: the emulator runs in-process on 127.0.0.1, port 0. boto3 is synchronous, so its calls run
in a worker thread (``trio.to_thread.run_sync``), which is allowed in tests only. Waiting for an
event is always bounded (``trio.fail_after``) and never done by sleeping.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import boto3
import httpx
import pytest
import trio
from botocore.config import Config
from trio_websocket import ConnectionClosed, WebSocketConnection

from trioconnect.emulator import AgentConfig, Emulator, EmulatorConfig, serve

CHAT_ENDED = "application/vnd.amazonaws.connect.event.chat.ended"

BOTO_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10
)


def fast_config(**overrides: Any) -> EmulatorConfig:
    """Default limits, but sockets close right after chat.ended."""
    return EmulatorConfig(**{"chat_end_grace": 0.02, **overrides})


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with an instant default agent and quotas off."""
    async with serve(
        agent=AgentConfig(join_delay=0, step_delay=0), config=fast_config()
    ) as emulator:
        yield emulator


@pytest.fixture
async def quiet_emu() -> AsyncIterator[Emulator]:
    """An emulator without the default agent."""
    async with serve(agent=False, config=fast_config()) as emulator:
        yield emulator


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """An async HTTP client for the ``emu`` fixture."""
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=10) as client:
        yield client


def boto_client(base_url: str, service: str) -> Any:
    """A boto3 client pointed at the emulator (no retries)."""
    return boto3.client(
        service,
        endpoint_url=base_url,
        region_name="us-west-2",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=BOTO_CONFIG,
    )


async def call(client: Any, operation: str, **kwargs: Any) -> Any:
    """Call a boto3 operation in a worker thread."""
    method: Callable[..., Any] = getattr(client, operation)
    return await trio.to_thread.run_sync(lambda: method(**kwargs))


async def start_chat(http: httpx.AsyncClient, name: str = "Jane") -> dict[str, str]:
    """POST /start-chat and return startChatResult."""
    response = await http.post("/start-chat", json={"ParticipantDetails": {"DisplayName": name}})
    assert response.status_code == 200, response.text
    result: dict[str, str] = response.json()["data"]["startChatResult"]
    return result


async def connect(http: httpx.AsyncClient, participant_token: str) -> dict[str, Any]:
    """CreateParticipantConnection over raw HTTP (as ChatJS sends it)."""
    response = await http.post(
        "/participant/connection",
        headers={"X-Amz-Bearer": participant_token},
        json={"Type": ["WEBSOCKET", "CONNECTION_CREDENTIALS"]},
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def rest(
    http: httpx.AsyncClient, path: str, token: str, body: dict[str, Any]
) -> httpx.Response:
    """POST a Participant Service call with a bearer token."""
    return await http.post(path, headers={"X-Amz-Bearer": token}, json=body)


async def subscribe(ws: WebSocketConnection) -> None:
    """Send aws/subscribe and wait for its success answer."""
    await ws.send_message(
        json.dumps({"topic": "aws/subscribe", "content": {"topics": ["aws/chat"]}})
    )
    with trio.fail_after(5):
        while True:
            frame = json.loads(await ws.get_message())
            if frame.get("topic") == "aws/subscribe":
                assert frame["content"]["status"] == "success"
                return


async def next_item(ws: WebSocketConnection, seconds: float = 5) -> dict[str, Any]:
    """The next aws/chat item on a socket (its content parsed from the JSON string)."""
    with trio.fail_after(seconds):
        while True:
            frame = json.loads(await ws.get_message())
            if frame.get("topic") == "aws/chat":
                assert isinstance(frame["content"], str)
                item: dict[str, Any] = json.loads(frame["content"])
                return item


async def items_until(
    ws: WebSocketConnection, predicate: Callable[[dict[str, Any]], bool], seconds: float = 5
) -> list[dict[str, Any]]:
    """Collect aws/chat items until one satisfies ``predicate`` (included)."""
    found: list[dict[str, Any]] = []
    with trio.fail_after(seconds):
        while True:
            item = await next_item(ws, seconds)
            found.append(item)
            if predicate(item):
                return found


async def close_code(ws: WebSocketConnection, seconds: float = 5) -> int:
    """Read a socket until the server closes it; returns the close code."""

    async def drain() -> None:
        while True:
            await ws.get_message()

    with trio.fail_after(seconds), pytest.raises(ConnectionClosed) as info:
        await drain()
    return int(info.value.reason.code)


class Kit:
    """The helpers above, handed to tests through the ``kit`` fixture."""

    CHAT_ENDED = CHAT_ENDED
    fast_config = staticmethod(fast_config)
    boto_client = staticmethod(boto_client)
    call = staticmethod(call)
    start_chat = staticmethod(start_chat)
    connect = staticmethod(connect)
    rest = staticmethod(rest)
    subscribe = staticmethod(subscribe)
    next_item = staticmethod(next_item)
    items_until = staticmethod(items_until)
    close_code = staticmethod(close_code)


@pytest.fixture
def kit() -> Kit:
    """Test helpers (start a chat, connect, subscribe, read items, call boto3)."""
    return Kit()
