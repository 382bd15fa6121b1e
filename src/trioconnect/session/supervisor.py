"""The session supervisor: the state machine's effects carried out as tasks in one nursery.

Theory of operation
-------------------
The statechart (``statecharts/session.yaml``, loaded by :mod:`trioconnect.machine`) decides every
state change. The supervisor never changes state itself: it fires a trigger, receives the
:class:`~trioconnect.machine.Effects`, and performs them — cancel the named tasks, start the named
tasks, publish the named events. Each task runs in its own cancel scope inside the session's
nursery, so leaving ``async with open_chat_session(...)`` cancels and joins all of them.

Tasks:
    connector: CreateParticipantConnection, open the WebSocket, subscribe (with capped backoff).
    reader:    read frames; heartbeat answers, deep-heartbeat answers, chat items.
    heartbeat: send ``aws/ping`` + ``aws/heartbeat``; declare the socket dead past the bound.
    refresher: get a new connection token before it expires and hand over to a fresh socket.
    receipts:  send delivered/read receipts through the receipt scheduler.
    recovery:  after a re-establishment, fetch the transcript since the last item delivered.

Every chat item, from the socket or from recovery, goes through one gate
(:class:`~.delivery.ItemDelivery`, :attr:`Supervisor.delivery`): it dedupes on the Ids already
delivered as events (not on the transcript, which also holds what ``get_transcript()`` fetched),
so an item is delivered to the application once. While recovery runs, items from the socket are
held back and delivered after the recovered ones, so the application sees one stream in
AbsoluteTime order. The receipts and recovery tasks live in :mod:`.rest_tasks`.

I/O seams: WebSockets are opened through a :class:`~.socket.WebSocketOpener` and REST calls go
through the :class:`~trioconnect.aws.participant.ParticipantClient`'s httpx client, so tests can
run a whole session in memory under ``trio.testing.MockClock``.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal, TypeVar

import trio

from trioconnect import errors
from trioconnect.config import ADVANCED, ClientConfig
from trioconnect.details import ChatDetails
from trioconnect.machine import Effects, SessionMachine, SessionState, Trigger
from trioconnect.protocol.backoff import Backoff
from trioconnect.protocol.dispatch import item_passes_contact_filter
from trioconnect.protocol.envelope import (
    ChatItem,
    Frame,
    HeartbeatResponse,
    MalformedFrame,
    PingResponse,
    decode_frame,
)
from trioconnect.protocol.events import (
    ConnectionBrokenEvent,
    ConnectionEstablishedEvent,
    ConnectionLostEvent,
    DeepHeartbeatFailureEvent,
    DeepHeartbeatSuccessEvent,
    EndedEvent,
    Event,
)
from trioconnect.protocol.heartbeat import HeartbeatMonitor
from trioconnect.protocol.receipts import ReceiptScheduler
from trioconnect.protocol.streaming import PartialMessageStitcher
from trioconnect.protocol.transcript import Transcript
from trioconnect.session.counters import Counters
from trioconnect.session.delivery import ItemDelivery
from trioconnect.session.fanout import EventFanout
from trioconnect.session.keepalive import run_heartbeat, run_refresher
from trioconnect.session.rest_tasks import run_receipts, run_recovery
from trioconnect.session.socket import (
    CLOSE_TIMEOUT,
    WebSocketOpener,
    close_quietly,
    open_subscribed_socket,
    open_websocket_over_network,
)

if TYPE_CHECKING:
    from trio_websocket import WebSocketConnection

    from trioconnect.aws.participant import ParticipantClient
    from trioconnect.aws.results import ConnectionDetails

__all__ = ["Supervisor"]

T = TypeVar("T")

#: How often ``is_network_online`` is polled while offline (ChatJS: 250 ms).
ONLINE_POLL_INTERVAL = 0.25


class Supervisor:
    """Owns the machine, the socket and the session's tasks. Internal to :class:`ChatSession`."""

    def __init__(
        self,
        details: ChatDetails,
        config: ClientConfig,
        client: ParticipantClient,
        nursery: trio.Nursery,
        *,
        rng: random.Random | None = None,
        opener: WebSocketOpener | None = None,
    ) -> None:
        self.details = details
        self.config = config
        self.client = client
        self.logger = config.get_logger()
        self.machine = SessionMachine()
        self.fanout = EventFanout(config.event_buffer, self.logger)
        self.transcript = Transcript()
        self.stitcher = PartialMessageStitcher()
        self.receipts = ReceiptScheduler(
            throttle=config.receipts.throttle,
            delivered_delay=config.receipts.delivered_delay,
            enabled=config.receipts.enabled,
        )
        self.counters = Counters()
        self.connection: ConnectionDetails | None = None
        self.last_error: BaseException | None = None
        self._nursery = nursery
        self.rng = rng or random.Random()
        self._opener: WebSocketOpener = opener or open_websocket_over_network
        self._tasks: dict[str, trio.CancelScope] = {}
        self.ws: WebSocketConnection | None = None
        self.connection_wall = datetime.datetime.now(datetime.UTC)
        self.monitor: HeartbeatMonitor | None = None
        self.early_frames: list[Frame] = []
        self.lost_reason = ""
        self._state_changed = trio.Event()
        self._closing = 0
        self._closing_changed = trio.Event()
        self.receipt_wakeup = trio.Event()
        self.delivery = ItemDelivery(self)
        self._runners: dict[str, Callable[[], Awaitable[None]]] = {
            "connector": self._run_connector,
            "reader": self._run_reader,
            "heartbeat": lambda: run_heartbeat(self),
            "refresher": lambda: run_refresher(self),
            "receipts": lambda: run_receipts(self),
            "recovery": lambda: run_recovery(self),
        }

    # ------------------------------------------------------------------ machine and effects
    @property
    def state(self) -> SessionState:
        return self.machine.state

    def fire(self, trigger: Trigger) -> Effects:
        """Fire ``trigger`` and perform its effects. Raises InvalidStateError on an error pair."""
        effects = self.machine.fire(trigger)
        if effects.ignored:
            return effects
        if effects.source is not effects.target:
            self.logger.log(
                ADVANCED,
                "session %s: %s -> %s on %s",
                self._label(),
                effects.source.value,
                effects.target.value,
                trigger.value,
            )
        for name in effects.cancel:
            self._cancel_task(name)
        if "reader" in effects.cancel or effects.target in _SOCKETLESS:
            self._drop_socket()
        for name in effects.start:
            self.start_task(name)
        for name in effects.emit:
            self._emit(name, effects)
        if effects.target in (SessionState.ENDED, SessionState.CLOSED):
            # The statechart cancels every task on entering them (its loader checks that);
            # what is left is to end the event streams.
            self.fanout.close()
        self._state_changed.set()
        self._state_changed = trio.Event()
        return effects

    def _emit(self, name: str, effects: Effects) -> None:
        event: Event | None
        if name == "connection_established":
            self.counters.establishments += 1
            if effects.reestablished:
                self.counters.reconnects += 1
            event = ConnectionEstablishedEvent(reconnect=effects.reestablished)
        elif name == "connection_lost":
            event = ConnectionLostEvent(reason=self.lost_reason)
        elif name == "connection_broken":
            event = ConnectionBrokenEvent(reason=self.lost_reason, error=self.last_error)
        elif name == "ended":
            event = EndedEvent()
        elif name == "closed":
            event = None
        else:  # the statechart names an event this code does not know: a programming error
            raise errors.LocalProtocolError(f"statechart emits unknown event {name!r}")
        if event is not None:
            self.fanout.publish(event)

    def start_task(self, name: str) -> None:
        """Start the named task unless it is already running."""
        current = self._tasks.get(name)
        if current is not None and not current.cancel_called:
            return
        scope = trio.CancelScope()
        self._tasks[name] = scope
        self._nursery.start_soon(self._task_main, name, scope)

    async def _task_main(self, name: str, scope: trio.CancelScope) -> None:
        try:
            with scope:
                await self._runners[name]()
        finally:
            if self._tasks.get(name) is scope:
                del self._tasks[name]

    def restart_tasks(self, *names: str) -> None:
        """Cancel the named tasks and start them afresh (after a socket handover)."""
        for name in names:
            self._cancel_task(name)
            self.start_task(name)

    def _cancel_task(self, name: str) -> None:
        scope = self._tasks.pop(name, None)
        if scope is not None:
            scope.cancel()

    def running_tasks(self) -> frozenset[str]:
        """Names of the tasks currently running (for tests and ``statistics()``)."""
        return frozenset(n for n, s in self._tasks.items() if not s.cancel_called)

    def _drop_socket(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            self.close_in_background(ws)

    def close_in_background(self, ws: WebSocketConnection) -> None:
        self._closing += 1
        self._nursery.start_soon(self._close_socket, ws)

    async def _close_socket(self, ws: WebSocketConnection) -> None:
        try:
            await close_quietly(ws)
        finally:
            self._closing_done()

    def _closing_done(self) -> None:
        self._closing -= 1
        self._closing_changed.set()
        self._closing_changed = trio.Event()

    async def wait_for_state(self, *states: SessionState) -> SessionState:
        """Wait until the session is in one of ``states``; return it."""
        while self.state not in states:
            await self._state_changed.wait()
        return self.state

    def _label(self) -> str:
        return f"{self.details.participant_role.lower()}:{self.details.contact_id[:8]}"

    # ------------------------------------------------------------------ connector
    def _online(self) -> bool:
        hook = self.config.is_network_online
        return True if hook is None else bool(hook())

    def new_backoff(self) -> Backoff:
        rc = self.config.reconnect
        return Backoff(
            initial=rc.initial_delay,
            maximum=rc.max_delay,
            jitter=rc.jitter,
            max_attempts=rc.max_attempts,
        )

    async def _run_connector(self) -> None:
        backoff = self.new_backoff()
        while True:
            while not self._online():  # noqa: ASYNC110  (a plain callable: nothing to wait on)
                await trio.sleep(ONLINE_POLL_INTERVAL)
            try:
                await self._connect_once()
            except errors.AccessDeniedError as exc:
                self.last_error = exc
                self.lost_reason = f"participant token rejected: {exc.message}"
                self.fire(Trigger.TOKEN_REJECTED)
                return
            except (errors.TransportError, errors.ServiceError) as exc:
                self.last_error = exc
                self.lost_reason = str(exc)
                delay = backoff.next_delay(self.rng)
                self.logger.log(
                    ADVANCED,
                    "session %s: connect failed (%s); retry in %s",
                    self._label(),
                    type(exc).__name__,
                    delay,
                )
                if delay is None:
                    self.fire(Trigger.RETRIES_EXHAUSTED)
                    return
                await trio.sleep(delay)
                continue
            if self.fire(Trigger.SOCKET_ESTABLISHED).ignored:
                # The session moved on (suspended, ended, closed) while this socket opened.
                self._drop_socket()
            return

    async def _connect_once(self) -> None:
        connection = await self.create_connection()
        self.ws, self.early_frames = await self.open_socket(connection)

    async def open_socket(
        self, connection: ConnectionDetails
    ) -> tuple[WebSocketConnection, list[Frame]]:
        # Counted with the closing sockets: an open that is cancelled closes its socket, and
        # that closing handshake needs the socket's reader, a task of this nursery.
        self._closing += 1
        try:
            return await open_subscribed_socket(
                self._nursery,
                connection.websocket_url,
                timeout=self.config.reconnect.socket_open_timeout,
                verify_tls=self.config.verify_tls,
                opener=self._opener,
            )
        finally:
            self._closing_done()

    async def create_connection(self) -> ConnectionDetails:
        connect_participant = True if self.details.participant_role == "AGENT" else None
        connection = await self.call(
            "CreateParticipantConnection",
            self.client.create_participant_connection(
                self.details.participant_token, connect_participant=connect_participant
            ),
        )
        self.connection = connection
        self.connection_wall = datetime.datetime.now(datetime.UTC)
        return connection

    # ------------------------------------------------------------------ reader
    async def _run_reader(self) -> None:
        from trio_websocket import ConnectionClosed

        ws = self.ws
        if ws is None:
            return
        early, self.early_frames = self.early_frames, []
        for frame in early:
            self._handle_frame(frame)
        while True:
            try:
                message = await ws.get_message()
            except ConnectionClosed as exc:
                code = exc.reason.code if exc.reason is not None else None
                self.socket_lost(ws, f"socket closed (code {code})")
                return
            text = message if isinstance(message, str) else ""
            self._handle_frame(decode_frame(text))

    def socket_lost(self, ws: WebSocketConnection, reason: str) -> None:
        if ws is not self.ws:
            return  # an old socket after a handover: nothing was lost
        self.lost_reason = reason
        self.fire(Trigger.SOCKET_LOST)

    def _handle_frame(self, frame: Frame) -> None:
        match frame:
            case ChatItem(item=item):
                if item_passes_contact_filter(
                    item,
                    contact_id=self.details.contact_id,
                    initial_contact_id=self.details.initial_contact_id,
                ):
                    self.delivery.ingest_live(item)
            case HeartbeatResponse():
                if self.monitor is not None:
                    self.monitor.on_heartbeat(trio.current_time())
            case PingResponse(status_code=status_code, status_content=content):
                ok = True
                if self.monitor is not None:
                    ok = self.monitor.on_ping(trio.current_time(), status_code)
                if ok:
                    self.fanout.publish(DeepHeartbeatSuccessEvent())
                else:
                    self.counters.deep_heartbeat_failures += 1
                    self.fanout.publish(
                        DeepHeartbeatFailureEvent(status_code=status_code, reason=content or "")
                    )
            case MalformedFrame():
                self.counters.malformed_frames += 1
            case _:
                pass

    # ------------------------------------------------------------------ receipts
    def submit_receipt(self, kind: Literal["delivered", "read"], message_id: str) -> bool:
        """Queue a delivered/read receipt; False if already sent or superseded."""
        accepted = self.receipts.submit(kind, message_id, trio.current_time())
        if accepted:
            self.start_task("receipts")
            self.receipt_wakeup.set()
        return accepted

    def chat_ended_by_refusal(self, exc: errors.AccessDeniedError) -> None:
        """A 403 on a call made with the connection token after establishment: the chat ended."""
        self.last_error = exc
        self.fire(Trigger.CHAT_ENDED)

    # ------------------------------------------------------------------ API calls
    def connection_token(self) -> str:
        """The current connection token; raises if the session never connected."""
        if self.connection is None:
            raise errors.InvalidStateError(
                "the session has no connection yet: call connect() first", state=self.state.value
            )
        return self.connection.connection_token

    async def call(self, operation: str, awaitable: Awaitable[T]) -> T:
        """Await one Participant Service call, counting it (unless ``config.metrics`` is off)."""
        if not self.config.metrics:
            return await awaitable
        started = trio.current_time()
        try:
            return await awaitable
        except errors.TrioConnectError:
            self.counters.api_error(operation)
            raise
        finally:
            self.counters.api_call(operation, trio.current_time() - started)

    def close(self) -> None:
        """The ``async with`` block is being left."""
        if self.state not in (SessionState.ENDED, SessionState.CLOSED):
            self.fire(Trigger.CLOSE)

    async def wait_sockets_closed(self) -> None:
        """Wait (bounded, shielded) for the closing handshakes and socket opens in progress.

        Called before the nursery is cancelled: trio-websocket reads the peer's close answer in a
        task of that nursery, so cancelling it first would make every close wait for its timeout.
        An open that was cancelled by :meth:`close` closes its half-made socket the same way.
        """
        with trio.move_on_after(CLOSE_TIMEOUT) as scope:
            scope.shield = True
            while self._closing:
                await self._closing_changed.wait()


_SOCKETLESS = frozenset(
    {SessionState.BROKEN, SessionState.SUSPENDED, SessionState.ENDED, SessionState.CLOSED}
)
