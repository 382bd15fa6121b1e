"""Running the emulator: :func:`serve` starts it in the caller's trio run.

Example::

    async with trioconnect.emulator.serve(port=0) as emu:
        print(emu.base_url)            # http://127.0.0.1:PORT
        ...                            # point boto3 / ChatJS / trioconnect at it
    # leaving the block stops the server and every task it started
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve

from trioconnect.emulator.agent import AgentConfig, DefaultAgent
from trioconnect.emulator.app import EmulatorApp
from trioconnect.emulator.chat_timer import ChatTimer
from trioconnect.emulator.clock import Clock
from trioconnect.emulator.config import EmulatorConfig
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.faults import Faults
from trioconnect.emulator.hooks import Hooks
from trioconnect.emulator.hub import Hub
from trioconnect.emulator.model import Codec
from trioconnect.emulator.quotas import QuotaMode, Quotas
from trioconnect.emulator.scenario_library import ScenarioLibrary, ScenarioSpec
from trioconnect.emulator.scenario_runner import ScenarioRunner
from trioconnect.emulator.scenario_schema import Scenario
from trioconnect.emulator.sqlite_store import SqliteStore
from trioconnect.emulator.state import ChatState
from trioconnect.emulator.store import MemoryStore, Store

__all__ = ["Emulator", "build_context", "serve"]

log = logging.getLogger("trioconnect.emulator")


@dataclass
class Emulator:
    """A running emulator.

    Attributes:
        base_url: ``http://HOST:PORT`` (or ``public_url``): the endpoint for boto3 / ChatJS.
        state: the chat domain (contacts, tokens, transcripts; ``expire_*_now``).
        faults: fault injection.
        hub: the WebSocket fan-out (open sockets).
        quotas: quota enforcement.
        agent: the default agent, if enabled.
        nursery: the emulator's nursery, for simulated participants and scenarios.
        scenarios: the scenario runner (its ``library`` and ``default``).
        timer: ends chats after their ChatDurationInMinutes.
    """

    base_url: str
    state: ChatState
    faults: Faults
    hub: Hub
    quotas: Quotas
    context: EmulatorContext
    agent: DefaultAgent | None
    nursery: trio.Nursery
    scenarios: ScenarioRunner
    timer: ChatTimer

    @property
    def clock(self) -> Clock:
        """The emulator clock (``advance()`` it to expire tokens without waiting)."""
        return self.state.clock


def _hypercorn_config(host: str, port: int, config: EmulatorConfig) -> HypercornConfig:
    hconfig = HypercornConfig()
    bind_host = f"[{host}]" if ":" in host else host
    hconfig.bind = [f"{bind_host}:{port}"]
    hconfig.accesslog = None
    hconfig.errorlog = logging.getLogger("trioconnect.emulator.http")
    hconfig.websocket_max_message_size = config.ws_max_message
    hconfig.graceful_timeout = 1.0
    # Room for bursts of new connections (hypercorn's default queue is 100), e.g. a load test
    # opening hundreds of chats at once.
    hconfig.backlog = 1024
    return hconfig


def build_context(
    config: EmulatorConfig | None = None,
    *,
    quotas: QuotaMode = "off",
    public_url: str | None = None,
    store: Store | None = None,
    state_path: str | Path | None = None,
) -> EmulatorContext:
    """Assemble the emulator's parts (state, hub, faults, quotas, codec), wired together.

    :func:`serve` uses this; it is also handy to drive :class:`~.app.EmulatorApp` in-process.
    With ``state_path`` (and no ``store``) state lives in a :class:`~.sqlite_store.SqliteStore`
    (call this inside a trio run then).
    """
    config = config or EmulatorConfig()
    clock, hooks, faults = Clock(), Hooks(), Faults()
    if store is None:
        store = SqliteStore(state_path, clock) if state_path is not None else MemoryStore()
    state = ChatState(store, clock, config, hooks)
    hub = Hub(faults, config.ws_queue_size, config.chat_end_grace)
    hooks.on_item(hub.on_item)
    hooks.on_connections_revoked(hub.on_connections_revoked)
    faults.attach_socket_closer(hub.close_sockets)
    limits = Quotas(quotas, clock.monotonic, max_active_chats=config.max_active_chats)
    return EmulatorContext(state, Codec(), hub, faults, limits, config, public_url)


@asynccontextmanager
async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    quotas: QuotaMode = "off",
    public_url: str | None = None,
    agent: AgentConfig | bool = True,
    config: EmulatorConfig | None = None,
    store: Store | None = None,
    scenario: ScenarioSpec | None = None,
    scenarios: Iterable[ScenarioSpec] = (),
    state_path: str | Path | None = None,
) -> AsyncIterator[Emulator]:
    """Run the emulator for the duration of the ``async with`` block.

    Args:
        host: address to bind (loopback by default; binding elsewhere exposes the emulator).
        port: TCP port; 0 picks a free one (read :attr:`Emulator.base_url`).
        quotas: ``"aws"`` enforces the published rate and concurrency quotas, ``"off"`` none.
        public_url: base of the URLs handed out, when clients reach the emulator through a
            proxy; by default URLs follow the request's Host header.
        agent: True for the default echo agent, an :class:`AgentConfig` to tune it, False for none.
        config: limits and timings.
        store: where state lives (default: in memory, or ``state_path``).
        scenario: the scenario of chats that name none in their ``trioconnect.scenario``
            attribute: a built-in name, a YAML file or a :class:`~.scenario_schema.Scenario`.
            With a default scenario the default agent is not started.
        scenarios: more scenarios (files or objects) that chat attributes may name, besides
            the built-in ones.
        state_path: a SQLite file that keeps contacts, tokens, transcripts and attachments
            across restarts (see :mod:`.sqlite_store`).

    Raises:
        ScenarioError: an invalid or unknown scenario (before anything starts).

    Yields:
        The running :class:`Emulator`.
    """
    library = ScenarioLibrary.builtin()
    for spec in scenarios:
        library.resolve(spec)
    default = library.resolve(scenario) if scenario is not None else None
    ctx = build_context(
        config, quotas=quotas, public_url=public_url, store=store, state_path=state_path
    )
    try:
        async with trio.open_nursery() as nursery:
            emulator = await _start(ctx, nursery, host, port, agent, library, default)
            try:
                yield emulator
            finally:
                nursery.cancel_scope.cancel()
    finally:
        if store is None and isinstance(ctx.state.store, SqliteStore):
            ctx.state.store.close()


async def _start(
    ctx: EmulatorContext,
    nursery: trio.Nursery,
    host: str,
    port: int,
    agent: AgentConfig | bool,
    library: ScenarioLibrary,
    default: Scenario | None,
) -> Emulator:
    state = ctx.state
    runner = ScenarioRunner(state, nursery, library, default)
    timer = ChatTimer(state)
    timer.arm_existing()
    nursery.start_soon(timer.run)
    default_agent = None
    if agent is not False and default is None:
        agent_config = agent if isinstance(agent, AgentConfig) else AgentConfig()
        default_agent = DefaultAgent(state, nursery, agent_config, skip=runner.claims)
    app = cast("Any", EmulatorApp(ctx))  # hypercorn's ASGI typing is stricter than ASGI
    hconfig = _hypercorn_config(host, port, ctx.config)
    binds: list[str] = await nursery.start(partial(hypercorn_serve, app, hconfig))
    ctx.ipv4_loopback_ports = _ipv4_loopback_ports(binds)
    base_url = ctx.public_url.rstrip("/") if ctx.public_url else binds[0]
    log.info("emulator listening on %s", binds[0])
    return Emulator(
        base_url,
        state,
        ctx.faults,
        ctx.hub,
        ctx.quotas,
        ctx,
        default_agent,
        nursery,
        runner,
        timer,
    )


def _ipv4_loopback_ports(binds: Iterable[str]) -> frozenset[int]:
    """Ports on which 127.0.0.1 answers, from hypercorn's bound URLs."""
    ports = set()
    for bind in binds:
        parts = urlsplit(bind)
        if parts.hostname in ("127.0.0.1", "0.0.0.0") and parts.port is not None:
            ports.add(parts.port)
    return frozenset(ports)
