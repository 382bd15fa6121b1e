"""RSS per idle established session, measured inside a fresh interpreter.

``bench_session.py --rss-worker engine|raw`` calls :func:`rss_worker`: it starts the chats first,
opens a few warm-up sessions (so pools, caches and lazily imported modules are already paid for),
reads its RSS, opens the measured sessions, waits until every one is established and idle, and
reads its RSS again. Connections are opened at most ``CONNECT_CONCURRENCY`` at a time in both modes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import httpx
import trio

from _common import rss_kib
from _raw import HeartbeatStats, RawChat, RawSocket, connect_chat, start_chat

__all__ = ["rss_worker"]

WARM_UP = 10
CONNECT_CONCURRENCY = 32
HEARTBEAT_INTERVAL = 10.0


async def _engine(
    base_url: str,
    chat: RawChat,
    limiter: trio.CapacityLimiter,
    ready: trio.Semaphore,
    checks: list[Callable[[], bool]],
) -> None:
    from trioconnect import ChatDetails, SessionState, open_chat_session

    details = ChatDetails(chat.contact_id, chat.participant_id, chat.participant_token)
    async with open_chat_session(details, endpoint=base_url) as session:
        async with limiter:
            await session.connect()
        checks.append(lambda: session.state is SessionState.ESTABLISHED)
        ready.release()
        await trio.sleep_forever()


async def _raw(
    base_url: str,
    chat: RawChat,
    limiter: trio.CapacityLimiter,
    ready: trio.Semaphore,
    checks: list[Callable[[], bool]],
    http: httpx.AsyncClient,
) -> None:
    async with trio.open_nursery() as nursery:
        async with limiter:
            await connect_chat(http, base_url, chat)
            sock = await RawSocket.open(nursery, chat.ws_url, HeartbeatStats())
        checks.append(lambda: not sock.closed)
        ready.release()
        while not sock.closed:  # ChatJS's heartbeat cadence, as the engine keeps it
            await trio.sleep(HEARTBEAT_INTERVAL)
            await sock.heartbeat()


async def _start_chats(http: httpx.AsyncClient, base_url: str, count: int) -> list[RawChat]:
    chats: list[RawChat] = []
    limiter = trio.CapacityLimiter(CONNECT_CONCURRENCY)

    async def one() -> None:
        async with limiter:
            chats.append(await start_chat(http, base_url))

    async with trio.open_nursery() as nursery:
        for _ in range(count):
            nursery.start_soon(one)
    return chats


async def rss_worker(kind: str, base_url: str, sessions: int, idle: float) -> dict[str, Any]:
    """Open ``sessions`` idle sessions of ``kind`` (engine or raw); RSS before/after, per session.

    ``idle`` is how long the sessions sit established before each RSS reading (s).
    """
    limits = httpx.Limits(max_connections=CONNECT_CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        chats = await _start_chats(http, base_url, WARM_UP + sessions)
        limiter = trio.CapacityLimiter(CONNECT_CONCURRENCY)
        ready = trio.Semaphore(0)
        checks: list[Callable[[], bool]] = []

        async def open_batch(nursery: trio.Nursery, batch: list[RawChat]) -> None:
            for chat in batch:
                if kind == "engine":
                    nursery.start_soon(_engine, base_url, chat, limiter, ready, checks)
                else:
                    nursery.start_soon(_raw, base_url, chat, limiter, ready, checks, http)
            for _ in batch:
                await ready.acquire()

        async with trio.open_nursery() as nursery:
            await open_batch(nursery, chats[:WARM_UP])
            await trio.sleep(idle)
            gc.collect()
            before = rss_kib()
            started = trio.current_time()
            await open_batch(nursery, chats[WARM_UP:])
            connect_seconds = trio.current_time() - started
            await trio.sleep(idle)
            gc.collect()
            after = rss_kib()
            established = sum(check() for check in checks)
            nursery.cancel_scope.cancel()
    return {
        "kind": kind,
        "sessions": sessions,
        "established": established - WARM_UP,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_session": round((after - before) / sessions, 2),
        "connect_seconds": round(connect_seconds, 2),
        "idle_seconds": idle,
    }
