"""Running a load plan against a target: :func:`run_load` and :class:`LoadTarget`.

One nursery holds every task of a run:

* the **pacer** starts the chats: at most ``plan.concurrency`` open at once (a
  :class:`trio.CapacityLimiter`), at ``plan.arrival_rate`` chats per second if given (the i-th
  chat is due ``i / rate`` seconds after the start; a chat held back by the limit starts as soon
  as a slot frees up), until ``plan.chats`` have started or ``plan.duration`` has passed;
* one task per **virtual customer** (:mod:`trioconnect.load.customer`), each cancellable on
  its own;
* the **ticker**, which closes time-series intervals and reports progress;
* the **stop watcher**, which ends the run early when the caller sets ``stop``.

When every chat has started, the run waits for them to finish (each step of a chat has its own
bound). When ``plan.duration`` ended the starts early, the chats in flight get
``plan.drain_timeout`` seconds; what is left then is cancelled and counted as ``chat: Cancelled``.
``stop`` cancels them at once. Every chat is counted exactly once, as finished or failed, and a
failure never stops the run.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import trio

from trioconnect.aws.connect import ConnectClient, ConnectConfig
from trioconnect.config import ClientConfig
from trioconnect.details import ChatDetails
from trioconnect.errors import ValidationError
from trioconnect.load.customer import ChatFailed, StartChat, VirtualCustomer
from trioconnect.load.metrics import Recorder, Snapshot
from trioconnect.load.plan import LoadPlan
from trioconnect.load.result import LoadResult, build_result
from trioconnect.load.slo import DEFAULT_SLOS, Slo
from trioconnect.start import start_chat

__all__ = ["LoadTarget", "run_load"]


@dataclass(frozen=True, slots=True)
class LoadTarget:
    """Where a load run sends its chats.

    Give ``start_chat_url`` (a start-chat backend) or ``connect`` with ``instance_id`` and
    ``contact_flow_id`` (StartChatContact).

    Attributes:
        endpoint: the Participant Service base URL (the emulator's ``base_url`` for an emulator).
        start_chat_url: a start-chat backend.
        connect: the Connect API to call StartChatContact on.
        instance_id: the Amazon Connect instance (StartChatContact, or passed to the backend).
        contact_flow_id: the contact flow (likewise).
        attributes: contact attributes for every chat.
        description: what the report calls the target; must not contain secrets.
        config: the sessions' client configuration; by default ``ClientConfig`` with
            ``fetch_history_on_connect=False`` (no GetTranscript quota spent on connect). Its
            ``endpoint`` is replaced by :attr:`endpoint`.
    """

    endpoint: str
    start_chat_url: str | None = None
    connect: ConnectConfig | None = None
    instance_id: str | None = None
    contact_flow_id: str | None = None
    attributes: Mapping[str, str] | None = None
    description: str = ""
    config: ClientConfig | None = None

    def session_config(self) -> ClientConfig:
        """The configuration every session of the run uses."""
        base = self.config or ClientConfig(fetch_history_on_connect=False)
        return base.replace(endpoint=self.endpoint)

    def describe(self) -> str:
        """:attr:`description`, or one built from the URLs (no credentials)."""
        if self.description:
            return self.description
        if self.start_chat_url is not None:
            return f"{self.endpoint} via {self.start_chat_url}"
        base = self.connect.base_url if self.connect is not None else "?"
        return f"{self.endpoint} via StartChatContact at {base}"

    def chat_starter(self) -> StartChat:
        """A function that starts one customer chat on this target, for a display name.

        For StartChatContact one Connect client serves the whole run, so AWS credentials are
        resolved once, not once per chat. Call it inside the trio run.

        Raises:
            ValidationError: neither or both of ``start_chat_url`` and ``connect``, or
                ``connect`` without ``instance_id`` and ``contact_flow_id``.
        """
        if (self.start_chat_url is None) == (self.connect is None):
            raise ValidationError("a LoadTarget needs exactly one of start_chat_url and connect")
        if self.connect is not None:
            if not self.instance_id or not self.contact_flow_id:
                raise ValidationError("StartChatContact needs instance_id and contact_flow_id")
            client = ConnectClient(self.connect)
            instance_id, contact_flow_id = self.instance_id, self.contact_flow_id

            async def start_contact(display_name: str) -> ChatDetails:
                return await client.start_chat_contact(
                    instance_id=instance_id,
                    contact_flow_id=contact_flow_id,
                    display_name=display_name,
                    attributes=self.attributes,
                )

            return start_contact

        async def start_backend(display_name: str) -> ChatDetails:
            return await start_chat(
                start_chat_url=self.start_chat_url,
                display_name=display_name,
                instance_id=self.instance_id,
                contact_flow_id=self.contact_flow_id,
                attributes=self.attributes,
            )

        return start_backend


async def run_load(
    plan: LoadPlan,
    target: LoadTarget,
    *,
    slos: Sequence[Slo] = DEFAULT_SLOS,
    progress: Callable[[Snapshot], None] | None = None,
    progress_interval: float = 1.0,
    stop: trio.Event | None = None,
) -> LoadResult:
    """Run ``plan`` against ``target`` and return what was measured.

    Args:
        plan: how many chats, how fast, what each customer does.
        target: where the chats go.
        slos: the objectives the result is judged by.
        progress: called with a snapshot every ``progress_interval`` seconds and once at the end.
        progress_interval: seconds between progress calls (> 0).
        stop: setting this event ends the run early: no new chat starts, chats in flight are
            cancelled, and the result says ``interrupted``.

    Returns:
        The :class:`LoadResult`, with the SLO verdicts.

    Raises:
        ValueError: ``progress_interval`` is not positive.
        ValidationError: the target cannot start chats (see :meth:`LoadTarget.chat_starter`).
    """
    if not progress_interval > 0:
        raise ValueError(f"progress_interval must be > 0, got {progress_interval!r}")
    wall_start = datetime.datetime.now(datetime.UTC)
    run = _Run(plan, target)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(run.tick, progress, progress_interval)
        if stop is not None:
            nursery.start_soon(run.watch, stop)
        nursery.start_soon(run.pace, nursery)
        await run.paced.wait()
        if run.recorder.chats_started < plan.chats:
            # ``duration`` (or ``stop``) ended the starts: the rest get the drain time.
            with trio.move_on_after(plan.drain_timeout):
                await run.wait_idle()
            run.cancel_chats()
        await run.wait_idle()  # every chat's own waits are bounded; cancelled ones leave at once
        nursery.cancel_scope.cancel()
    now = trio.current_time()
    recorder = run.recorder
    if progress is not None:
        progress(recorder.snapshot(now))
    return build_result(
        recorder,
        plan=plan,
        target=target.describe(),
        started_at=wall_start.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        duration=now - run.started_at,
        interrupted=run.interrupted,
        slos=slos,
    )


class _Run:
    """The state one run's tasks share."""

    def __init__(self, plan: LoadPlan, target: LoadTarget) -> None:
        self.plan = plan
        self.target = target
        self.started_at = trio.current_time()
        self.recorder = Recorder(chats_total=plan.chats, started_at=self.started_at)
        self.config = target.session_config()
        self.start_chat = target.chat_starter()
        self.interrupted = False
        self.paced = trio.Event()
        self._limiter = trio.CapacityLimiter(plan.concurrency)
        self._pacer_scope = trio.CancelScope()
        self._chats: dict[int, VirtualCustomer] = {}
        self._idle = trio.Event()
        self._idle.set()

    # ------------------------------------------------------------------ tasks
    async def pace(self, nursery: trio.Nursery) -> None:
        """Start the chats (rate, concurrency, count, duration); set :attr:`paced` when done."""
        plan = self.plan
        if plan.duration is not None:
            self._pacer_scope.deadline = self.started_at + plan.duration
        try:
            with self._pacer_scope:
                for index in range(plan.chats):
                    if plan.arrival_rate is not None:
                        await trio.sleep_until(self.started_at + index / plan.arrival_rate)
                    token = object()
                    await self._limiter.acquire_on_behalf_of(token)
                    if not self._chats:
                        self._idle = trio.Event()  # the old one is set: nobody waits on it
                    self._chats[index] = VirtualCustomer(
                        index,
                        plan=plan,
                        recorder=self.recorder,
                        start=self.start_chat,
                        config=self.config,
                    )
                    self.recorder.chat_started(trio.current_time())
                    nursery.start_soon(self._customer, index, token)
        finally:
            self.paced.set()

    async def tick(self, progress: Callable[[Snapshot], None] | None, interval: float) -> None:
        """Close intervals and report progress every ``interval`` seconds, until cancelled."""
        next_at = self.started_at
        while True:
            next_at += interval
            await trio.sleep_until(next_at)
            now = trio.current_time()
            self.recorder.tick(now)
            if progress is not None:
                progress(self.recorder.snapshot(now))

    async def watch(self, stop: trio.Event) -> None:
        """End the run early once ``stop`` is set."""
        await stop.wait()
        self.interrupted = True
        self._pacer_scope.cancel()
        self.cancel_chats()

    # ------------------------------------------------------------------ chats
    async def _customer(self, index: int, token: object) -> None:
        customer = self._chats[index]
        failure: ChatFailed | None = None
        try:
            try:
                await customer.run()
            except* Exception as group:
                failure = _first_failure(group)
            if failure is None and not customer.completed:
                why = "the run was stopped" if self.interrupted else "the drain time ran out"
                failure = ChatFailed("chat", "Cancelled", f"cancelled: {why}")
            self._finish(failure)
        finally:
            self._limiter.release_on_behalf_of(token)
            del self._chats[index]
            if not self._chats:
                self._idle.set()

    def _finish(self, failure: ChatFailed | None) -> None:
        now = trio.current_time()
        if failure is not None:
            self.recorder.error(now, failure.phase, failure.name, failure.detail)
        self.recorder.chat_finished(now, failed=failure is not None)

    def cancel_chats(self) -> None:
        """Cancel every chat in flight (each counts as ``chat: Cancelled``)."""
        for customer in self._chats.values():
            customer.cancel()

    async def wait_idle(self) -> None:
        """Wait until no chat is in flight."""
        while self._chats:
            await self._idle.wait()


def _first_failure(group: BaseExceptionGroup[Exception]) -> ChatFailed:
    """The failure a chat ended with: its :class:`ChatFailed`, or an unexpected error named."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    if isinstance(error, ChatFailed):
        return error
    return ChatFailed.from_error("chat", error)
