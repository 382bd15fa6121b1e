"""Running one scenario in one chat: the steps' timing and control flow.

:class:`ChatRun` executes a validated :class:`~.scenario_schema.Scenario` against one contact.
Customer messages reach it through a bounded channel fed by the runner's item hook
(:mod:`.scenario_runner`); everything it does goes through :mod:`.scenario_actions`.

Failure policy: a step that cannot run (its participant has not joined yet or has left, content
too large after placeholders are filled in) is logged and skipped; the scenario goes on. When the
chat ends, the runner cancels the run. No exception escapes a run.

Placeholders in message and event content: ``{message}`` (the latest customer message's text),
``{customer}`` (the customer's display name), ``{contact_id}``.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import trio

from trioconnect.emulator import scenario_actions as act
from trioconnect.emulator import scenario_schema as sc
from trioconnect.emulator.api_error import ApiError
from trioconnect.emulator.auth_sessions import PENDING, URL_ISSUED
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact, Participant, Role
from trioconnect.emulator.state import ChatState
from trioconnect.protocol import content_types as ct

__all__ = ["MAX_STEPS_AT_ONCE", "ChatRun", "RunawayScenario", "SkipStep"]

log = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{(message|customer|contact_id)\}")


#: Steps a run may execute without virtual or real time passing before it is stopped: a guard
#: against scripts that would flood the chat (nested ``repeat`` with large ``times``).
MAX_STEPS_AT_ONCE = 5_000


class RunawayScenario(Exception):
    """A scenario ran :data:`MAX_STEPS_AT_ONCE` steps without time passing; it is stopped."""


class SkipStep(Exception):
    """A step cannot run now (e.g. its participant is not in the chat); it is skipped."""


class ChatRun:
    """One scenario running in one chat.

    Args:
        state: the chat domain.
        contact_id: the chat.
        customer: its customer participant.
        inbox: customer MESSAGE items, in order.

    Attributes:
        acting: true while the run publishes; the runner ignores items produced meanwhile, so a
            scenario never answers its own messages.
        executed: how many steps ran (skipped ones included).
    """

    def __init__(
        self,
        state: ChatState,
        contact_id: str,
        customer: Participant,
        inbox: trio.MemoryReceiveChannel[Item],
    ) -> None:
        self.state = state
        self.contact_id = contact_id
        self.inbox = inbox
        self.acting = False
        self.executed = 0
        self.aliases: dict[str, str] = {"customer": customer.participant_id}
        self.customer_name = customer.display_name
        self.last_customer: Item | None = None
        self.auth_session: str | None = None
        self._bots: dict[str, Participant] = {}
        self._burst = (float("-inf"), 0)

    # ------------------------------------------------------------------ driving

    async def run(self, steps: Sequence[sc.Step]) -> None:
        """Execute ``steps`` in order."""
        for step in steps:
            await trio.lowlevel.checkpoint()
            self.executed += 1
            self._count_burst()
            try:
                await self._dispatch(step)
            except SkipStep as skip:
                log.info("contact %s: skipped %s: %s", self.contact_id, type(step).__name__, skip)
            except ApiError as error:
                if self._contact().ended:
                    raise
                log.info("contact %s: %s refused: %s", self.contact_id, type(step).__name__, error)

    def _count_burst(self) -> None:
        now = trio.current_time()
        at, count = self._burst
        count = count + 1 if now == at else 1
        self._burst = (now, count)
        if count > MAX_STEPS_AT_ONCE:
            raise RunawayScenario(f"{count} steps ran without time passing")

    async def _dispatch(self, step: sc.Step) -> None:
        match step:
            case sc.Wait(seconds=seconds):
                await trio.sleep(seconds)
            case sc.WaitForMessage(match=match, timeout=timeout):
                await self._wait_for_message(match, timeout)
            case sc.Repeat(steps=steps, times=times):
                count = 0
                while times is None or count < times:
                    await self.run(steps)
                    count += 1
            case sc.Choose(cases=cases):
                await self._choose(cases)
            case sc.Stream():
                await self._stream(step)
            case sc.Authenticate():
                await self._authenticate(step)
            case sc.IdleTimeout(idle=idle, disconnect=disconnect):
                await self._idle_timeout(idle, disconnect)
            case _:
                with self._acting():
                    self._act(step)

    def _act(self, step: sc.Step) -> None:
        state, contact = self.state, self._contact()
        match step:
            case sc.Join():
                self._join(step)
            case sc.Leave(by=by):
                state.disconnect_as(self._who(by).participant_id)
            case sc.Message(by=by, content_type=content_type, content=content):
                self._message(self._who(by), content_type, self._fill(content))
            case sc.Event():
                self._event(step)
            case sc.Receipt(by=by, kind=kind):
                self._receipt(self._who(by), kind)
            case sc.Attachment(by=by, name=name, content_type=content_type, data=data):
                act.attachment(state, contact, self._who(by), name, content_type, data)
            case sc.Transfer(source=source, target=target, succeeded=succeeded):
                leaving = self._who(source)
                if not succeeded:
                    act.system_event(state, contact, ct.TRANSFER_FAILED)
                    return
                act.system_event(state, contact, ct.TRANSFER_SUCCEEDED)
                state.disconnect_as(leaving.participant_id)
                self._join(target)
            case sc.End(by=by):
                state.end_chat(self.contact_id, leaving=self._who(by) if by else None)

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _acting(self) -> Iterator[None]:
        self.acting = True
        try:
            yield
        finally:
            self.acting = False

    def _contact(self) -> Contact:
        return self.state.contact(self.contact_id)

    def _who(self, alias: str) -> Participant:
        if alias == "system" and "system" not in self.aliases:
            return self._bot("SYSTEM")
        participant_id = self.aliases.get(alias)
        participant = self.state.store.participant(participant_id) if participant_id else None
        if participant is None:
            raise SkipStep(f"participant {alias!r} has not joined")
        if participant.left:
            raise SkipStep(f"participant {alias!r} has left")
        return participant

    def _bot(self, name: str) -> Participant:
        """An unannounced SYSTEM participant (the contact flow, a Lex bot)."""
        if name not in self._bots:
            self._bots[name] = self.state.add_participant(
                self.contact_id, Role.SYSTEM, name, announce=False
            )
        return self._bots[name]

    def _fill(self, text: str) -> str:
        values: dict[str, Callable[[], str]] = {
            "message": lambda: str((self.last_customer or {}).get("Content", "")),
            "customer": lambda: self.customer_name,
            "contact_id": lambda: self.contact_id,
        }
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)](), text)

    def _join(self, join: sc.Join) -> None:
        participant = self.state.add_participant(self.contact_id, Role(join.role), join.name)
        self.aliases[join.alias] = participant.participant_id

    def _message(self, who: Participant, content_type: str, content: str) -> None:
        if content_type == ct.INTERACTIVE_MESSAGE:
            act.interactive_message(self.state, self._contact(), who, content_type, content)
        else:
            self.state.send_message_as(who.participant_id, content_type, content)

    def _event(self, step: sc.Event) -> None:
        content = self._fill(step.content) if step.content is not None else None
        if step.content_type.startswith(ct.EVENT_PREFIX + "authentication."):
            content = self._auth_content(step.content_type, content)
        contact = self._contact()
        if step.by == "system" and "system" not in self.aliases:
            act.system_event(self.state, contact, step.content_type, content)
        else:
            act.event(self.state, contact, self._who(step.by), step.content_type, content)

    def _auth_content(self, content_type: str, content: str | None) -> str:
        """Authentication events carry the SessionId; initiated starts a new session."""
        contact = self._contact()
        if content_type == ct.AUTHENTICATION_INITIATED:
            session = act.session_of(content) or str(uuid.uuid4())
            self.state.authentication.start(contact, session)
            self.auth_session = session
        else:
            session = act.session_of(content) or self.auth_session or str(uuid.uuid4())
            self.state.authentication.finish(contact, session)
        return content if content and act.session_of(content) else act.session_content(session)

    def _receipt(self, who: Participant, kind: str) -> None:
        target = self.last_customer or _latest_message(self.state.store.items(self.contact_id))
        if target is None:
            raise SkipStep("there is no message to acknowledge yet")
        content_type = ct.MESSAGE_READ if kind == "read" else ct.MESSAGE_DELIVERED
        receipt = json.dumps({"messageId": target["Id"]})
        self.state.send_event_as(who.participant_id, content_type, receipt)

    # ------------------------------------------------------------------ waiting steps

    async def _next_message(self) -> Item:
        item = await self.inbox.receive()
        self.last_customer = item
        return item

    async def _wait_for_message(self, match: sc.Match, limit: float | None) -> None:
        with trio.move_on_after(limit if limit is not None else float("inf")):
            while not match.matches(str((await self._next_message()).get("Content", ""))):
                pass

    async def _choose(self, cases: Sequence[sc.Case]) -> None:
        text = str(self.last_customer.get("Content", "")) if self.last_customer else None
        for case in cases:
            if case.when is None or (text is not None and case.when.matches(text)):
                await self.run(case.steps)
                return

    async def _stream(self, step: sc.Stream) -> None:
        bot, contact = self._bot(step.name), self._contact()
        message_id = str(uuid.uuid4())
        for number, chunk in enumerate(step.chunks, start=1):
            with self._acting():
                act.stream_chunk(self.state, contact, bot, message_id, number, chunk)
            await trio.sleep(step.delay)
        with self._acting():
            act.stream_final(self.state, contact, bot, message_id, "".join(step.chunks))

    async def _authenticate(self, step: sc.Authenticate) -> None:
        contact, auth = self._contact(), self.state.authentication
        session = str(uuid.uuid4())
        with self._acting():
            auth.start(contact, session)
            self.auth_session = session
            act.system_event(
                self.state, contact, ct.AUTHENTICATION_INITIATED, act.session_content(session)
            )
        outcome = step.outcome
        if step.wait_for_url:
            with trio.move_on_after(step.timeout) as timer:
                await auth.url_event(session).wait()
            if timer.cancelled_caught:
                outcome = "timeout"
        if outcome != "timeout":
            await trio.sleep(step.delay)
        contact = self._contact()
        if auth.status(contact, session) not in (PENDING, URL_ISSUED):
            return  # the customer cancelled it meanwhile
        auth.finish(contact, session)
        with self._acting():
            act.system_event(
                self.state,
                contact,
                ct.EVENT_PREFIX + "authentication." + outcome,
                act.session_content(session),
            )

    async def _idle_timeout(self, idle: float, disconnect: float) -> None:
        """Customer silent for ``idle`` → participant.idle; then ``disconnect`` → disconnected."""
        customer = self._who("customer")
        while True:
            with trio.move_on_after(idle) as quiet:
                await self._next_message()
            if not quiet.cancelled_caught:
                continue
            with self._acting():
                act.event(self.state, self._contact(), customer, ct.PARTICIPANT_IDLE)
            with trio.move_on_after(disconnect) as gone:
                await self._next_message()
            if not gone.cancelled_caught:
                with self._acting():
                    act.event(self.state, self._contact(), customer, ct.PARTICIPANT_RETURNED)
                continue
            with self._acting():
                act.event(self.state, self._contact(), customer, ct.PARTICIPANT_AUTODISCONNECTION)
                self.state.disconnect_as(customer.participant_id)
            return


def _latest_message(items: Sequence[Item]) -> Item | None:
    for item in reversed(items):
        if item.get("Type") == "MESSAGE":
            return item
    return None
