"""Per-contact fan-out of chat items to WebSocket subscribers.

Every item of a contact (messages, events, receipts, attachments, chat.ended) is delivered to
every open socket of every participant of that contact, in order, as
``{"topic":"aws/chat","content":"<the item as a JSON string>"}``.

Bounded queues: each socket has an outbound queue of ``queue_size`` frames. Publishing never
waits: when a socket's queue is full (its client reads too slowly), the socket is closed with code
1008 and its queue dropped; the client reconnects and recovers the missed items with
GetTranscript, as it must after any drop. Memory per socket is therefore bounded and a slow
client never delays the others.

Replay before subscribe: a socket is registered when it opens, so items produced between the open
and the client's ``aws/subscribe`` wait in its queue and are delivered once it subscribes.

Faults applied here (see :mod:`.faults`): ``duplicate`` (each frame queued twice), ``reorder``
(each item held back until the next one of its contact has been queued; chat.ended is never held)
and ``half_open`` (nothing is queued for the contact's sockets, and they are not closed at chat
end).
"""

from __future__ import annotations

import json
import logging

import trio

from trioconnect.emulator.faults import Faults
from trioconnect.emulator.items import CHAT_ENDED, Item
from trioconnect.emulator.records import Contact
from trioconnect.emulator.state import Caller

__all__ = ["CLOSE_NORMAL", "CLOSE_OVERFLOW", "Hub", "Subscriber", "chat_frame"]

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_OVERFLOW = CLOSE_POLICY


def chat_frame(item: Item) -> str:
    """The WebSocket frame carrying ``item``: ``content`` is a string holding JSON."""
    return json.dumps({"topic": "aws/chat", "content": json.dumps(item)})


class Subscriber:
    """One open socket's subscription: its bounded queue and how it should close.

    Attributes:
        scope: the socket's lifetime scope; cancelling it (or its deadline) closes the socket.
        close_code: the code the socket closes with.
        flush: whether queued frames are sent before closing.
    """

    def __init__(self, caller: Caller, scope: trio.CancelScope, queue_size: int) -> None:
        self.contact_id = caller.contact.contact_id
        self.participant_id = caller.participant.participant_id
        self.connection_id = caller.connection.connection_id
        self.scope = scope
        self.subscribed = trio.Event()
        self.close_code = CLOSE_NORMAL
        self.close_reason = "Connection expired"
        self.flush = True
        self.ending = False
        self._closing = False
        self.send_channel, self.receive_channel = trio.open_memory_channel[str](queue_size)

    def offer(self, frame: str) -> None:
        """Queue a frame without waiting; close the socket (1008) if the queue is full."""
        if self._closing:
            return
        try:
            self.send_channel.send_nowait(frame)
        except trio.WouldBlock:
            log.warning("socket outbound queue full; closing it (contact %s)", self.contact_id)
            self.close(CLOSE_OVERFLOW, "Outbound queue full; fetch the transcript", flush=False)
        except trio.ClosedResourceError:
            pass

    def close(self, code: int, reason: str, *, flush: bool = True) -> None:
        """Close the socket now with ``code`` (first call wins)."""
        if self._closing:
            return
        self._closing = True
        self.close_code, self.close_reason, self.flush = code, reason, flush
        self.scope.cancel()

    def end_after(self, grace: float) -> None:
        """The chat ended: close normally (after flushing) ``grace`` seconds from now."""
        self.ending = True
        self.close_reason = "Chat ended"
        self.scope.deadline = min(self.scope.deadline, trio.current_time() + grace)


class Hub:
    """Routes items to subscribers.

    Args:
        faults: consulted for duplicate deliveries.
        queue_size: bound of each socket's outbound queue.
        end_grace: delay between chat.ended and closing the sockets (s).
    """

    def __init__(self, faults: Faults, queue_size: int = 256, end_grace: float = 0.5) -> None:
        self.faults = faults
        self.queue_size = queue_size
        self.end_grace = end_grace
        self._subs: dict[str, list[Subscriber]] = {}
        self._held: dict[str, Item] = {}
        #: Sockets open now.
        self.open_count = 0
        #: Sockets closed since the hub was made (a measure of churn).
        self.closed_count = 0

    def register(self, caller: Caller, scope: trio.CancelScope) -> Subscriber:
        """Start queueing the contact's items for a newly opened socket."""
        sub = Subscriber(caller, scope, self.queue_size)
        self._subs.setdefault(sub.contact_id, []).append(sub)
        self.open_count += 1
        return sub

    def unregister(self, sub: Subscriber) -> None:
        """Stop delivering to a socket that closed."""
        subs = self._subs.get(sub.contact_id, [])
        if sub in subs:
            subs.remove(sub)
            self.open_count -= 1
            self.closed_count += 1
        if not subs:
            self._subs.pop(sub.contact_id, None)
        sub.send_channel.close()

    def subscribers(self, contact_id: str | None = None) -> list[Subscriber]:
        """Open sockets of one contact, or all."""
        if contact_id is not None:
            return list(self._subs.get(contact_id, []))
        return [s for subs in self._subs.values() for s in subs]

    def on_item(self, contact: Contact, item: Item) -> None:
        """Item hook: deliver ``item`` to every socket of its contact."""
        contact_id = contact.contact_id
        ended = item.get("ContentType") == CHAT_ENDED
        held = self._held.pop(contact_id, None)
        if self.faults.reorders(contact_id) and held is None and not ended:
            self._held[contact_id] = item
            return
        # Reordering: the newer item goes first, then the one held back.
        batch = [item, held] if held is not None else [item]
        subs = self._subs.get(contact_id)
        if not subs or self.faults.is_half_open(contact_id):
            return
        frames = [chat_frame(i) for i in batch]
        copies = self.faults.copies(contact_id)
        for sub in list(subs):
            for frame in frames:
                for _ in range(copies):
                    sub.offer(frame)
            if ended:
                sub.end_after(self.end_grace)

    def on_connections_revoked(self, contact_id: str, connection_ids: frozenset[str]) -> None:
        """Close sockets opened with connection tokens that were expired early."""
        for sub in self.subscribers(contact_id):
            if sub.connection_id in connection_ids:
                sub.close(CLOSE_NORMAL, "Connection expired")

    def close_sockets(self, contact_id: str | None, code: int, reason: str) -> int:
        """Close sockets (of one contact, or all) with ``code``; returns how many."""
        subs = self.subscribers(contact_id)
        for sub in subs:
            sub.close(code, reason, flush=False)
        return len(subs)
