"""The one gate every chat item passes on its way to the application: once each, in order.

Theory of operation
-------------------
Two things are kept apart here: what is *in the transcript* and what was *delivered as events*.
The transcript (:class:`~trioconnect.protocol.transcript.Transcript`) holds every item the
session has seen, including the pages an application fetched itself with ``get_transcript()``.
Only the socket and recovery deliver items as events, and they dedupe on what was delivered,
never on what the transcript holds: an item an application fetched before its frame arrived, or
while the socket was lost, is still delivered once.

:meth:`ItemDelivery.ingest` merges every item into the transcript (a known Id is updated in
place, as before) and publishes its events unless its Id was delivered already. Lex streaming
parts go through the :class:`~trioconnect.protocol.streaming.PartialMessageStitcher` first, which
does its own deduplication (each stitched version is published, with growing content); their Id
then counts as delivered, so the transcript's ordinary version of the same message, found by
recovery later, is not delivered once more.

Recovery asks the service for the items after :attr:`ItemDelivery.last_delivered_id`: the
delivered item latest in transcript order (by the transcript's own sort key, so this costs one
dict lookup per item). Items the application fetched past it are therefore fetched again and
delivered.

While recovery runs, live items wait in :attr:`ItemDelivery.held` and are delivered after the
recovered ones, so the application sees one stream in AbsoluteTime order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, final

from trioconnect.machine import SessionState, Trigger
from trioconnect.protocol import content_types as ct
from trioconnect.protocol.dispatch import events_for_item
from trioconnect.protocol.events import EndedEvent, TranscriptUpdatedEvent

if TYPE_CHECKING:
    from trioconnect.protocol.items import Item
    from trioconnect.session.supervisor import Supervisor

__all__ = ["HELD_ITEMS_LIMIT", "ItemDelivery"]

#: Live items held back while recovery runs; beyond this they are delivered as they come.
HELD_ITEMS_LIMIT = 10_000

_OVER = (SessionState.ENDED, SessionState.CLOSED)


@final
class ItemDelivery:
    """Delivers a session's chat items as events, once each. See the module docstring."""

    __slots__ = ("_delivered", "_last_key", "_sup", "held", "last_delivered_id")

    def __init__(self, sup: Supervisor) -> None:
        self._sup = sup
        # The Ids delivered as events. Like the transcript it grows with the chat and no
        # further (one short string per item, next to the item the transcript keeps), and
        # forget() empties it with the transcript. A bounded window would let an old item
        # that recovery or a duplicated frame brings back be delivered again.
        self._delivered: set[str] = set()
        self._last_key: tuple[float, int] | None = None
        #: Id of the delivered item latest in transcript order: where recovery starts.
        self.last_delivered_id: str | None = None
        #: While recovery runs, live items wait here so that everything is delivered in order.
        self.held: list[Item] | None = None

    def forget(self) -> None:
        """Forget what was delivered (the session's local state was reset)."""
        self._delivered.clear()
        self._last_key = None
        self.last_delivered_id = None

    def ingest_live(self, item: Item) -> None:
        """An item from the socket: held back while recovery runs, so delivery stays in order."""
        if self.held is not None and len(self.held) < HELD_ITEMS_LIMIT:
            self.held.append(item)
        else:
            self.ingest(item)

    def release_held(self) -> None:
        """Deliver the items held during recovery, in AbsoluteTime order; stop holding."""
        held, self.held = self.held, None
        for item in sorted(held or (), key=lambda i: i.absolute_time or ""):
            if self._sup.state in _OVER:
                return
            self.ingest(item)

    def ingest(self, item: Item) -> bool:
        """Merge ``item`` into the transcript and publish its events unless already delivered.

        Returns:
            True if events were published for it.
        """
        sup = self._sup
        if sup.stitcher.is_partial(item):
            stitched = sup.stitcher.feed(item)
            if stitched is None:
                return False
            sup.transcript.merge([stitched])
            self._publish(stitched)
            return True
        sup.transcript.merge([item])
        if item.id in self._delivered:
            sup.counters.duplicates_dropped += 1
            return False
        sup.counters.items_received += 1
        self._publish(item)
        return True

    def _mark_delivered(self, item: Item) -> None:
        self._delivered.add(item.id)
        if not item.absolute_time:
            return  # the service could not start a transcript page from it
        key = self._sup.transcript.position(item.id)
        if key is not None and (self._last_key is None or key > self._last_key):
            self._last_key = key
            self.last_delivered_id = item.id

    def _publish(self, item: Item) -> None:
        sup = self._sup
        self._mark_delivered(item)
        for event in events_for_item(item, own_participant_id=sup.details.participant_id):
            if not isinstance(event, EndedEvent):
                sup.fanout.publish(event)
        if sup.fanout.has_callback_for(TranscriptUpdatedEvent):
            sup.fanout.publish(TranscriptUpdatedEvent(transcript=sup.transcript.items))
        if (
            sup.config.receipts.auto_delivered
            and item.type == "MESSAGE"
            and item.participant_id != sup.details.participant_id
            and item.participant_role not in ("SYSTEM", None)
        ):
            sup.submit_receipt("delivered", item.id)
        if item.content_type == ct.CHAT_ENDED and item.contact_id in (
            None,
            sup.details.contact_id,
        ):
            # Only this contact's end ends the session; a past contact's (persistent chat) does not.
            sup.fire(Trigger.CHAT_ENDED)
