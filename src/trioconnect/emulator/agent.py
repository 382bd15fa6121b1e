"""The default simulated agent: joins each customer chat and echoes.

For every chat started by a customer: after ``join_delay`` an AGENT participant joins
(participant.joined). For each customer text message it sends a delivered receipt, a read
receipt, a typing event and then ``"Echo: <text>"``, with ``step_delay`` between steps. If the
customer writes ``bye`` (any case) the agent ends the chat (participant.left, then chat.ended).

Built on the public extension points only: :class:`~.hooks.Hooks` to learn about chats and items,
and ``ChatState.add_participant`` / ``send_*_as`` / ``end_chat`` to act. One task per chat runs in
the emulator's nursery and ends with the chat; hook callbacks never block (items are handed over
through a bounded channel; if an agent falls ``backlog`` items behind, extra items are ignored and
counted in :attr:`DefaultAgent.dropped`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import trio

from trioconnect.emulator import items as it
from trioconnect.emulator.api_error import ApiError
from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact, Participant, Role
from trioconnect.emulator.state import ChatState

__all__ = ["AgentConfig", "DefaultAgent"]

log = logging.getLogger(__name__)

_TEXT_TYPES = frozenset({"text/plain", "text/markdown"})


@dataclass
class AgentConfig:
    """Timings and identity of the default agent."""

    display_name: str = "Agent"
    join_delay: float = 0.2
    step_delay: float = 0.05
    backlog: int = 100


class DefaultAgent:
    """The echo agent (see module docstring).

    Args:
        state: the chat domain to act on.
        nursery: where the per-chat tasks run (the emulator's nursery).
        config: timings.
        skip: chats the agent stays out of (e.g. those a scenario handles).
    """

    def __init__(
        self,
        state: ChatState,
        nursery: trio.Nursery,
        config: AgentConfig | None = None,
        skip: Callable[[Contact], bool] | None = None,
    ) -> None:
        self.state = state
        self.skip = skip
        self.nursery = nursery
        self.config = config or AgentConfig()
        self.dropped = 0
        self._inboxes: dict[str, trio.MemorySendChannel[Item]] = {}
        self._unhook = [
            state.hooks.on_contact_created(self._on_contact_created),
            state.hooks.on_item(self._on_item),
        ]

    def close(self) -> None:
        """Stop reacting to new chats and items."""
        for unhook in self._unhook:
            unhook()

    def _on_contact_created(self, contact: Contact, customer: Participant) -> None:
        if customer.role is not Role.CUSTOMER or (self.skip is not None and self.skip(contact)):
            return
        send, receive = trio.open_memory_channel[Item](self.config.backlog)
        self._inboxes[contact.contact_id] = send
        self.nursery.start_soon(self._run_chat, contact.contact_id, receive)

    def _on_item(self, contact: Contact, item: Item) -> None:
        inbox = self._inboxes.get(contact.contact_id)
        if inbox is None:
            return
        try:
            inbox.send_nowait(item)
        except trio.WouldBlock:
            self.dropped += 1
        except trio.ClosedResourceError:
            pass
        if item.get("ContentType") == it.CHAT_ENDED:
            inbox.close()
            self._inboxes.pop(contact.contact_id, None)

    async def _run_chat(self, contact_id: str, inbox: trio.MemoryReceiveChannel[Item]) -> None:
        async with inbox:
            try:
                await trio.sleep(self.config.join_delay)
                agent = self.state.add_participant(contact_id, Role.AGENT, self.config.display_name)
                async for item in inbox:
                    if item.get("ContentType") == it.CHAT_ENDED:
                        return
                    if _is_customer_text(item):
                        await self._answer(agent, item)
            except ApiError as error:
                # The chat ended under our feet (customer left, StopContact): nothing to do.
                log.debug("agent for contact %s stops: %s", contact_id, error.code)
            finally:
                self._inboxes.pop(contact_id, None)

    async def _answer(self, agent: Participant, item: Item) -> None:
        delay = self.config.step_delay
        receipt = json.dumps({"messageId": item["Id"]})
        for content_type, content in (
            (it.DELIVERED, receipt),
            (it.READ, receipt),
            (it.TYPING, None),
        ):
            await trio.sleep(delay)
            self.state.send_event_as(agent.participant_id, content_type, content)
        await trio.sleep(delay)
        text = str(item.get("Content", ""))
        if text.strip().lower() == "bye":
            self.state.end_chat(agent.contact_id, leaving=agent)
            return
        self.state.send_message_as(agent.participant_id, "text/plain", f"Echo: {text}")


def _is_customer_text(item: Item) -> bool:
    return (
        item.get("Type") == "MESSAGE"
        and item.get("ParticipantRole") == "CUSTOMER"
        and item.get("ContentType") in _TEXT_TYPES
    )
