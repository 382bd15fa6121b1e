"""Fixtures for sessions against the real emulator over loopback (real clock, short intervals).

The emulator runs in-process on 127.0.0.1, port 0. Every wait is bounded with ``trio.fail_after``;
timings are shortened through :func:`session_config` so each test takes well under a second or two.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import trio

from trioconnect import ChatDetails, ClientConfig, ReceiptConfig, ReconnectConfig, start_chat
from trioconnect.emulator import AgentConfig, Emulator, EmulatorConfig, serve
from trioconnect.emulator.records import Role
from trioconnect.events import Event

ALL_TEXT_TYPES = ["text/plain", "text/markdown", "application/json"]


def session_config(endpoint: str, **changes: Any) -> ClientConfig:
    """Short heartbeats, quick reconnects and receipts, for the real clock."""
    base = ClientConfig(
        endpoint=endpoint,
        heartbeat_interval=0.2,
        dead_after=0.5,
        receipts=ReceiptConfig(throttle=0.05, delivered_delay=0.01),
        reconnect=ReconnectConfig(initial_delay=0.05, max_delay=0.2, jitter=0.1),
        request_timeout=5.0,
    )
    return base.replace(**changes) if changes else base


@dataclass
class RequestLog:
    """Every HTTP request a session's client sent (operation path and method)."""

    requests: list[str] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator whose default agent answers at once."""
    async with serve(
        agent=AgentConfig(join_delay=0, step_delay=0), config=EmulatorConfig(chat_end_grace=0.02)
    ) as emulator:
        yield emulator


@pytest.fixture
async def quiet_emu() -> AsyncIterator[Emulator]:
    """An emulator without the default agent (tests act as the agent)."""
    async with serve(agent=False, config=EmulatorConfig(chat_end_grace=0.02)) as emulator:
        yield emulator


@pytest.fixture
async def request_log() -> AsyncIterator[tuple[httpx.AsyncClient, RequestLog]]:
    """An HTTP client for a session, and the log of what it sent."""
    log = RequestLog()
    async with httpx.AsyncClient(event_hooks={"request": [log]}) as client:
        yield client, log


async def customer_chat(emu: Emulator) -> ChatDetails:
    """Start a chat through the emulator's start-chat endpoint."""
    return await start_chat(
        start_chat_url=f"{emu.base_url}/start-chat",
        display_name="Jane",
        supported_messaging_content_types=ALL_TEXT_TYPES,
    )


def add_agent(emu: Emulator, details: ChatDetails) -> ChatDetails:
    """Add an AGENT participant to the chat and return its details (with its token)."""
    agent = emu.state.add_participant(details.contact_id, Role.AGENT, "Agent Smith")
    return ChatDetails(
        contact_id=details.contact_id,
        participant_id=agent.participant_id,
        participant_token=agent.participant_token,
        participant_role="AGENT",
    )


class Collector:
    """Collects a session's events; :meth:`wait_for` waits (bounded) for a condition."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = trio.Event()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()
        self._changed = trio.Event()

    def of(self, kind: type[Any]) -> list[Any]:
        """The collected events of ``kind``."""
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(self, predicate: Any, seconds: float = 5.0) -> None:
        """Wait until ``predicate()`` holds."""
        with trio.fail_after(seconds):
            while not predicate():
                await self._changed.wait()
