"""Extension hooks: code that reacts to what happens in a chat.

The chat domain calls these synchronously, right after the change is stored, from inside the
trio run. A hook must not block: to do asynchronous work (wait, then answer), hand the event to a
task of your own (e.g. through a memory channel, or ``nursery.start_soon``) — the default agent
(:mod:`trioconnect.emulator.agent`) and the WebSocket fan-out hub work this way. An exception raised
by a hook is logged and swallowed; it never breaks the request that caused the event.

Events:
    * ``contact_created(contact, participant)``: a chat started (StartChatContact, /start-chat);
      ``participant`` is its first (customer) participant.
    * ``item(contact, item)``: a new item for the contact: message, event, receipt, attachment,
      typing, chat.ended. Every item goes through here, in order, including items not kept in the
      transcript (typing).
    * ``connections_revoked(contact_id, connection_ids)``: connection tokens were expired early
      (fault injection); sockets opened with them should close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from trioconnect.emulator.items import Item
from trioconnect.emulator.records import Contact, Participant

__all__ = ["ContactCreatedHook", "Hooks", "ItemHook", "RevokedHook"]

log = logging.getLogger(__name__)

ContactCreatedHook = Callable[[Contact, Participant], None]
ItemHook = Callable[[Contact, Item], None]
RevokedHook = Callable[[str, frozenset[str]], None]


class Hooks:
    """Registries of callbacks for chat events (see the module docstring)."""

    def __init__(self) -> None:
        self._created: list[ContactCreatedHook] = []
        self._item: list[ItemHook] = []
        self._revoked: list[RevokedHook] = []

    def on_contact_created(self, hook: ContactCreatedHook) -> Callable[[], None]:
        """Register ``hook(contact, participant)``; returns a function that unregisters it."""
        return _register(self._created, hook)

    def on_item(self, hook: ItemHook) -> Callable[[], None]:
        """Register ``hook(contact, item)``; returns a function that unregisters it."""
        return _register(self._item, hook)

    def on_connections_revoked(self, hook: RevokedHook) -> Callable[[], None]:
        """Register ``hook(contact_id, connection_ids)``; returns an unregister function."""
        return _register(self._revoked, hook)

    def contact_created(self, contact: Contact, participant: Participant) -> None:
        """Call every contact-created hook."""
        for hook in list(self._created):
            _call(hook, contact, participant)

    def item(self, contact: Contact, item: Item) -> None:
        """Call every item hook."""
        for hook in list(self._item):
            _call(hook, contact, item)

    def connections_revoked(self, contact_id: str, connection_ids: frozenset[str]) -> None:
        """Call every connections-revoked hook."""
        for hook in list(self._revoked):
            _call(hook, contact_id, connection_ids)


def _register(registry: list[Any], hook: Any) -> Callable[[], None]:
    registry.append(hook)

    def unregister() -> None:
        if hook in registry:
            registry.remove(hook)

    return unregister


def _call(hook: Callable[..., None], *args: Any) -> None:
    try:
        hook(*args)
    except Exception:
        log.exception("emulator hook %r failed", hook)
