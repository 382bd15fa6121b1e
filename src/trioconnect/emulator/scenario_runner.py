"""Choosing and running a scenario for each chat, in the emulator's nursery.

Which scenario a chat runs:

1. the chat attribute ``trioconnect.scenario`` (StartChatContact ``Attributes`` or the
   ``/start-chat`` body's ``Attributes``) naming a scenario of the library; an unknown name makes
   the start fail with 400 ValidationException (nothing fails later, at chat time);
2. otherwise the runner's default scenario (``serve(scenario=...)``,
   ``trioconnect emulator --scenario``), if any;
3. otherwise none: the default agent (if enabled) handles the chat.

The runner learns about chats and items only through :class:`~.hooks.Hooks`. Each chat with a
scenario gets one task, which ends with the scenario or, at the latest, when the chat ends. Hook
callbacks never block: customer messages are handed to the task through a bounded channel
(``backlog``; beyond it messages are counted in :attr:`ScenarioRunner.dropped` and ignored).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import trio

from trioconnect.emulator import items as it
from trioconnect.emulator.api_error import ApiError, validation
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact, Participant
from trioconnect.emulator.scenario_engine import ChatRun, RunawayScenario
from trioconnect.emulator.scenario_library import ScenarioLibrary
from trioconnect.emulator.scenario_schema import Scenario
from trioconnect.emulator.state import ChatState

__all__ = ["SCENARIO_ATTRIBUTE", "ScenarioRunner"]

log = logging.getLogger(__name__)

#: The chat attribute that names a chat's scenario.
SCENARIO_ATTRIBUTE = "trioconnect.scenario"


class ScenarioRunner:
    """Runs scenarios in chats (see the module docstring).

    Args:
        state: the chat domain.
        nursery: where per-chat tasks run.
        library: the scenarios chat attributes may name.
        default: the scenario of chats that name none (None: such chats run no scenario).
        backlog: customer messages a run may have pending.
    """

    def __init__(
        self,
        state: ChatState,
        nursery: trio.Nursery,
        library: ScenarioLibrary,
        default: Scenario | None = None,
        backlog: int = 100,
    ) -> None:
        self.state = state
        self.nursery = nursery
        self.library = library
        self.default = default
        self.backlog = backlog
        self.dropped = 0
        #: Runs in progress, by contact id.
        self.runs: dict[str, ChatRun] = {}
        self._inboxes: dict[str, trio.MemorySendChannel[Item]] = {}
        self._scopes: dict[str, trio.CancelScope] = {}
        self._done: dict[str, trio.Event] = {}
        state.start_checks.append(self.check_attributes)
        self._unhook = [
            state.hooks.on_contact_created(self._on_contact_created),
            state.hooks.on_item(self._on_item),
        ]

    def close(self) -> None:
        """Stop starting scenarios for new chats."""
        for unhook in self._unhook:
            unhook()
        if self.check_attributes in self.state.start_checks:
            self.state.start_checks.remove(self.check_attributes)

    def check_attributes(self, attributes: Mapping[str, str]) -> None:
        """Refuse a chat whose attributes name an unknown scenario.

        Raises:
            ApiError: ValidationException.
        """
        name = attributes.get(SCENARIO_ATTRIBUTE)
        if name is not None and self.library.get(name) is None:
            raise validation(
                f"Unknown scenario {name!r} in attribute {SCENARIO_ATTRIBUTE}; "
                f"known: {', '.join(self.library.names())}"
            )

    def select(self, contact: Contact) -> Scenario | None:
        """The scenario ``contact`` runs (None: none)."""
        name = contact.attributes.get(SCENARIO_ATTRIBUTE)
        if name is not None:
            return self.library.get(name)
        return self.default

    def claims(self, contact: Contact) -> bool:
        """Whether a scenario handles ``contact`` (the default agent then stays away)."""
        return self.select(contact) is not None

    def finished(self, contact_id: str) -> trio.Event:
        """An event set when the chat's scenario run is over (or at once if none runs)."""
        event = self._done.get(contact_id)
        if event is None:
            event = trio.Event()
            event.set()
        return event

    def _on_contact_created(self, contact: Contact, customer: Participant) -> None:
        scenario = self.select(contact)
        if scenario is None:
            return
        send, receive = trio.open_memory_channel[Item](self.backlog)
        run = ChatRun(self.state, contact.contact_id, customer, receive)
        self.runs[contact.contact_id] = run
        self._inboxes[contact.contact_id] = send
        self._scopes[contact.contact_id] = trio.CancelScope()
        self._done[contact.contact_id] = trio.Event()
        self.nursery.start_soon(self._run, scenario, run)

    def _on_item(self, contact: Contact, item: Item) -> None:
        contact_id = contact.contact_id
        run = self.runs.get(contact_id)
        if run is None:
            return
        if item.get("ContentType") == it.CHAT_ENDED:
            self._scopes[contact_id].cancel()
            return
        if run.acting or item.get("Type") != "MESSAGE":
            return
        if item.get("ParticipantRole") != "CUSTOMER":
            return
        try:
            self._inboxes[contact_id].send_nowait(item)
        except trio.WouldBlock:
            self.dropped += 1
        except trio.ClosedResourceError:
            pass

    async def _run(self, scenario: Scenario, run: ChatRun) -> None:
        contact_id = run.contact_id
        log.info("contact %s: scenario %s starts", contact_id, scenario.name)
        try:
            with self._scopes[contact_id]:
                await run.run(scenario.steps)
        except ApiError as error:
            log.info("contact %s: scenario %s stops: %s", contact_id, scenario.name, error.code)
        except RunawayScenario as error:
            log.warning("contact %s: scenario %s stopped: %s", contact_id, scenario.name, error)
        except Exception:
            log.exception("contact %s: scenario %s failed", contact_id, scenario.name)
        finally:
            self.runs.pop(contact_id, None)
            self._scopes.pop(contact_id, None)
            inbox = self._inboxes.pop(contact_id, None)
            if inbox is not None:
                inbox.close()
            self._done.pop(contact_id).set()
