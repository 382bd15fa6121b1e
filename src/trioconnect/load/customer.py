"""One virtual customer of a load run: start a chat, connect, exchange messages, leave.

The script follows :class:`~trioconnect.load.plan.LoadPlan` step by step and reports what it
measures to a :class:`~trioconnect.load.metrics.Recorder` as it goes. Every wait has a bound:

* ``start_chat`` and each REST call: the client's own per-attempt timeout and bounded retries;
* ``connect``: the session's bounded connect retries (``ClientConfig.reconnect``);
* the own message coming back and the reply: ``plan.reply_timeout`` from the start of the send;
* the chat-ended event after leaving: ``plan.end_timeout``.

A failure ends the script with :class:`ChatFailed`, which names the phase and the error; the
runner counts it once. Events are read by one task per chat from the session's one
``events()`` iterator; that task only notes what arrived and when (an :class:`Inbox`), and the
script waits on the inbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator

import trio

from trioconnect.config import ClientConfig
from trioconnect.details import ChatDetails
from trioconnect.errors import EventsOverflowError, TrioConnectError
from trioconnect.events import ConnectionBrokenEvent, EndedEvent, Event, ItemEvent
from trioconnect.load.metrics import Recorder
from trioconnect.load.plan import LoadPlan
from trioconnect.session import ChatSession, EventStream, open_chat_session

__all__ = ["ChatFailed", "Inbox", "StartChat", "VirtualCustomer", "read_events"]

#: Obtains the details of a new chat for a customer display name.
StartChat = Callable[[str], Awaitable[ChatDetails]]


class ChatFailed(Exception):
    """A virtual customer's chat failed in ``phase`` with the error ``name``.

    Attributes:
        phase: ``start_chat``, ``connect``, ``send``, ``reply``, ``disconnect`` or ``chat``.
        name: the exception's class name, or one of the load generator's own names
            (``ReplyTimeout``, ``EndTimeout``, ``ChatEnded``, ``ConnectionBroken``).
        detail: a human-readable message (never a token).
    """

    def __init__(self, phase: str, name: str, detail: str) -> None:
        super().__init__(f"{phase}: {name}: {detail}")
        self.phase = phase
        self.name = name
        self.detail = detail

    @classmethod
    def from_error(cls, phase: str, error: BaseException) -> ChatFailed:
        """Name ``error`` by its class."""
        return cls(phase, type(error).__name__, str(error) or type(error).__name__)


class Inbox:
    """What one customer's event reader has seen, with arrival times (``trio.current_time()``).

    Attributes:
        participant_id: the customer's own ParticipantId.
        own: arrival time of each of the customer's own MESSAGE items, by Id.
        send_started: when the current send started (``None`` before the first).
        reply_at: arrival time of the first MESSAGE from another participant since then.
        ended: the chat-ended event arrived.
        broken: why the session went BROKEN, if it did.
        overflow: the reader fell behind its bounded buffer (a message of the error).
    """

    def __init__(self, participant_id: str) -> None:
        self.participant_id = participant_id
        self.own: dict[str, float] = {}
        self.send_started: float | None = None
        self.reply_at: float | None = None
        self.ended = False
        self.broken: str | None = None
        self.overflow: str | None = None
        self._changed = trio.Event()

    def begin_send(self, now: float) -> None:
        """A new send starts now: replies are looked for from here on."""
        self.send_started = now
        self.reply_at = None

    def note(self, event: Event, now: float) -> None:
        """Record one event that arrived at ``now``."""
        if isinstance(event, ItemEvent) and event.item.type == "MESSAGE":
            item = event.item
            if item.participant_id == self.participant_id:
                self.own.setdefault(item.id, now)
            elif self.send_started is not None and self.reply_at is None:
                self.reply_at = now
        elif isinstance(event, EndedEvent):
            self.ended = True
        elif isinstance(event, ConnectionBrokenEvent):
            self.broken = event.reason
        else:
            return
        self._wake()

    def note_overflow(self, error: EventsOverflowError) -> None:
        """The reader's buffer overflowed: events were lost to this customer."""
        self.overflow = str(error)
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def check(self, phase: str) -> None:
        """Raise :class:`ChatFailed` if the chat ended, broke or lost events."""
        if self.ended:
            raise ChatFailed(phase, "ChatEnded", "the chat ended before the customer was done")
        if self.broken is not None:
            raise ChatFailed(phase, "ConnectionBroken", self.broken)
        if self.overflow is not None:
            raise ChatFailed(phase, "EventsOverflowError", self.overflow)

    async def wait_for(self, condition: Callable[[], bool], deadline: float) -> bool:
        """Wait until ``condition()`` holds or something ends the wait; False at ``deadline``.

        A chat that ends, breaks or overflows also ends the wait (check with :meth:`check`).
        """
        with trio.move_on_at(deadline):
            while not (condition() or self.ended or self.broken or self.overflow):
                await self._changed.wait()
            return True
        return False


async def read_events(events: EventStream, inbox: Inbox) -> None:
    """Feed every event of ``events`` to ``inbox`` until the stream ends."""
    try:
        async for event in events:
            inbox.note(event, trio.current_time())
    except EventsOverflowError as error:
        inbox.note_overflow(error)


class VirtualCustomer:
    """One virtual customer: :meth:`run` plays its script, :meth:`cancel` stops it.

    Cancelling stops the script where it is but lets the session close its WebSocket cleanly
    (closing is bounded by the session itself), so a cancelled chat leaves promptly.

    Args:
        index: the chat's index (0-based), used in its display name and messages.
        plan: the run's plan.
        recorder: where latencies, sends and replies go.
        start: obtains the chat's details for a display name (start-chat backend or
            StartChatContact).
        config: the session's configuration, including the target's endpoint.

    Attributes:
        completed: every step succeeded (set before the session is closed).
        cancelled: :meth:`cancel` was called.
    """

    def __init__(
        self,
        index: int,
        *,
        plan: LoadPlan,
        recorder: Recorder,
        start: StartChat,
        config: ClientConfig,
    ) -> None:
        self.index = index
        self.plan = plan
        self.recorder = recorder
        self.start = start
        self.config = config
        self.completed = False
        self.cancelled = False
        self._scope: trio.CancelScope | None = None

    def cancel(self) -> None:
        """Stop the script now (or, if it has not started yet, as soon as it starts)."""
        self.cancelled = True
        if self._scope is not None:
            self._scope.cancel()

    @contextlib.contextmanager
    def _cancellable(self) -> Iterator[None]:
        with trio.CancelScope() as scope:
            self._scope = scope
            if self.cancelled:
                scope.cancel()
            try:
                yield
            finally:
                self._scope = None

    async def run(self) -> None:
        """Run the chat from start to end, recording what it measures.

        Returns normally when the chat completed (:attr:`completed`) or was cancelled.

        Raises:
            ChatFailed: the first step that failed, with its phase and a name for the error.
        """
        began = trio.current_time()
        details: ChatDetails | None = None
        with self._cancellable():
            details = await _start(self.index, self.plan, self.recorder, self.start)
        if details is None or self.cancelled:
            return
        failure: ChatFailed | None = None
        async with open_chat_session(details, config=self.config) as session:
            inbox = Inbox(details.participant_id)
            async with trio.open_nursery() as nursery:
                # Opened before connect(): the first iterator also gets earlier events.
                nursery.start_soon(read_events, session.events(), inbox)
                with self._cancellable():
                    try:
                        await _converse(self.index, session, inbox, self.plan, self.recorder)
                    except ChatFailed as error:
                        failure = error
                    else:
                        self.recorder.latency("chat", trio.current_time() - began)
                        self.completed = True
                nursery.cancel_scope.cancel()
        # Raised outside the session's and the reader's nurseries, so it is not wrapped in a group.
        if failure is not None:
            raise failure


async def _start(index: int, plan: LoadPlan, recorder: Recorder, start: StartChat) -> ChatDetails:
    began = trio.current_time()
    try:
        details = await start(plan.display_name_for(index))
    except TrioConnectError as error:
        raise ChatFailed.from_error("start_chat", error) from None
    recorder.latency("start_chat", trio.current_time() - began)
    return details


async def _converse(
    index: int, session: ChatSession, inbox: Inbox, plan: LoadPlan, recorder: Recorder
) -> None:
    began = trio.current_time()
    try:
        await session.connect()
    except TrioConnectError as error:
        raise _failure("connect", error, inbox) from None
    recorder.latency("connect", trio.current_time() - began)
    for n in range(1, plan.messages + 1):
        if n > 1 and plan.think_time > 0:
            await inbox.wait_for(lambda: False, trio.current_time() + plan.think_time)
        await _exchange(session, inbox, plan, recorder, plan.message_for(index, n))
    if plan.disconnect:
        await _leave(session, inbox, plan, recorder)


async def _exchange(
    session: ChatSession, inbox: Inbox, plan: LoadPlan, recorder: Recorder, text: str
) -> None:
    """Send one message; wait for it to come back and (if asked) for a reply."""
    inbox.check("send")
    began = trio.current_time()
    inbox.begin_send(began)
    try:
        sent = await session.send_message(text)
    except TrioConnectError as error:
        raise _failure("send", error, inbox) from None
    now = trio.current_time()
    recorder.latency("send", now - began)
    recorder.message_sent(now)
    deadline = began + plan.reply_timeout
    await inbox.wait_for(lambda: sent.id in inbox.own, deadline)
    arrived = inbox.own.pop(sent.id, None)
    if arrived is not None:
        recorder.latency("round_trip", arrived - began)
    if plan.wait_for_reply:
        await inbox.wait_for(lambda: inbox.reply_at is not None, deadline)
        if inbox.reply_at is None:
            inbox.check("reply")
            raise ChatFailed("reply", "ReplyTimeout", f"no reply within {plan.reply_timeout:g} s")
        recorder.reply_received(trio.current_time(), inbox.reply_at - began)
    if arrived is None:
        inbox.check("send")
        raise ChatFailed(
            "send",
            "ReplyTimeout",
            f"the message did not come back on the socket within {plan.reply_timeout:g} s",
        )


async def _leave(session: ChatSession, inbox: Inbox, plan: LoadPlan, recorder: Recorder) -> None:
    """DisconnectParticipant, then wait (bounded) for the chat-ended event."""
    inbox.check("disconnect")
    began = trio.current_time()
    try:
        await session.disconnect_participant()
    except TrioConnectError as error:
        raise ChatFailed.from_error("disconnect", error) from None
    await inbox.wait_for(lambda: inbox.ended, began + plan.end_timeout)
    if not inbox.ended:
        if inbox.broken is not None:
            raise ChatFailed("disconnect", "ConnectionBroken", inbox.broken)
        raise ChatFailed(
            "disconnect", "EndTimeout", f"no chat-ended event within {plan.end_timeout:g} s"
        )
    recorder.latency("disconnect", trio.current_time() - began)


def _failure(phase: str, error: TrioConnectError, inbox: Inbox) -> ChatFailed:
    """Name a failed call: by what happened to the chat if it ended or broke, else by class."""
    if inbox.ended:
        return ChatFailed(phase, "ChatEnded", f"the chat ended ({type(error).__name__})")
    if inbox.broken is not None and phase != "connect":
        return ChatFailed(phase, "ConnectionBroken", inbox.broken)
    return ChatFailed.from_error(phase, error)
