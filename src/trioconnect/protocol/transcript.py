"""The SDK-owned transcript of one chat: deduplicated, ordered, with per-message status.

Theory of operation
-------------------
Every item the session sees (socket pushes, ``GetTranscript`` pages, recovered items) goes through
:meth:`Transcript.merge`. Items are keyed by ``Id``: an Id seen before replaces its item in place
(stitched streaming content, final versions), a new Id is inserted in ``AbsoluteTime`` order (the
times are parsed, so ``...40.2Z`` sorts before ``...40.217Z``), ties and unparseable or empty times
falling back to arrival order (an item with no usable time goes after everything seen so far).
``MESSAGEMETADATA`` items are not messages: they are kept apart and raise the status of the message
they reference (``DELIVERED``, then ``READ``; a status never goes down).

Messages this participant sends are tracked from before the service knows them:
:meth:`~Transcript.add_local` (``SENDING``), then :meth:`~Transcript.mark_sent` (``SENT``, with the
service's Id) or :meth:`~Transcript.mark_failed` (``FAILED``). A local message is shown in
:attr:`~Transcript.entries` until the service's own item with its Id is merged.

Memory: the transcript holds every item of the chat; it is bounded by the chat itself (a chat
lasts at most 7 days and every item is at most 16 KB of content), and :meth:`~Transcript.clear`
empties it.
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import final

from trioconnect.protocol.items import MESSAGEMETADATA, Item

__all__ = ["LocalMessage", "MessageStatus", "Transcript"]


class MessageStatus(enum.Enum):
    """Where a message stands."""

    #: Created locally; the SendMessage request has not succeeded yet.
    SENDING = "SENDING"
    #: The service accepted it (it has an Id).
    SENT = "SENT"
    #: The SendMessage request failed.
    FAILED = "FAILED"
    #: A participant received it.
    DELIVERED = "DELIVERED"
    #: A participant read it.
    READ = "READ"


# Statuses only move up this ladder (FAILED is outside it: set explicitly).
_RANK = {
    MessageStatus.SENDING: 0,
    MessageStatus.FAILED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}


@final
@dataclass(frozen=True, slots=True)
class LocalMessage:
    """A message this participant sent (or is sending).

    Attributes:
        local_id: the caller's Id for it (e.g. the ClientToken).
        content_type: its content type.
        content: its content.
        role: the sender's ParticipantRole.
        created_at: ISO-8601 time it was created locally.
        status: SENDING, SENT or FAILED (receipts are tracked by :meth:`Transcript.status`).
        item_id: the service's Id, once sent.
        absolute_time: the service's AbsoluteTime, once sent.
        error: why sending failed, if it did.
    """

    local_id: str
    content_type: str
    content: str
    role: str
    created_at: str
    status: MessageStatus = MessageStatus.SENDING
    item_id: str | None = None
    absolute_time: str | None = None
    error: BaseException | str | None = None


_SortKey = tuple[float, int]


def _parse_time(value: str) -> float | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    except (ValueError, OverflowError):
        return None


@final
class Transcript:
    """The chat's items, deduplicated by Id and ordered by time. See the module docstring."""

    __slots__ = (
        "_by_id",
        "_entries",
        "_item_keys",
        "_keys",
        "_local",
        "_local_by_item",
        "_local_keys",
        "_metadata",
        "_seq",
        "_statuses",
    )

    def __init__(self) -> None:
        self._entries: list[Item | LocalMessage] = []
        self._keys: list[_SortKey] = []  # parallel to _entries, ascending, unique
        # The sort key of each entry, so that it is found by bisection rather than by a scan.
        self._item_keys: dict[str, _SortKey] = {}  # service Id -> key
        self._local_keys: dict[str, _SortKey] = {}  # local Id -> key, while in _entries
        self._by_id: dict[str, Item] = {}
        self._metadata: dict[str, Item] = {}
        self._local: dict[str, LocalMessage] = {}
        self._local_by_item: dict[str, str] = {}  # service Id -> local Id
        self._statuses: dict[str, MessageStatus] = {}
        self._seq = 0

    # --- reading ---------------------------------------------------------------------------------

    @property
    def items(self) -> tuple[Item, ...]:
        """The service's items (no MESSAGEMETADATA, no local messages), in order."""
        return tuple(e for e in self._entries if isinstance(e, Item))

    @property
    def entries(self) -> tuple[Item | LocalMessage, ...]:
        """Items plus local messages the service has not echoed yet, in order."""
        return tuple(self._entries)

    @property
    def metadata_items(self) -> tuple[Item, ...]:
        """The ``MESSAGEMETADATA`` items seen, in arrival order (latest version per Id)."""
        return tuple(self._metadata.values())

    def __len__(self) -> int:
        """Number of service items (as :attr:`items`)."""
        return len(self._by_id)

    def seen(self, item_id: str) -> bool:
        """Whether an item (message, event or MESSAGEMETADATA) with this Id was merged."""
        return item_id in self._by_id or item_id in self._metadata

    def get(self, item_id: str) -> Item | None:
        """The current version of the item with this Id, if any."""
        return self._by_id.get(item_id)

    def status(self, item_id: str) -> MessageStatus | None:
        """The status of a message by its service Id (None: nothing known)."""
        return self._statuses.get(item_id)

    def local(self, local_id: str) -> LocalMessage:
        """The local message with this local Id. Raises KeyError if unknown."""
        return self._local[local_id]

    def failed_messages(self) -> list[LocalMessage]:
        """Local messages whose sending failed, oldest first."""
        return [m for m in self._local.values() if m.status is MessageStatus.FAILED]

    def position(self, item_id: str) -> tuple[float, int] | None:
        """Where the service item with this Id stands in :attr:`items`, as a sortable key.

        Keys compare in transcript order (a greater key is later); an item keeps its key when
        a newer version replaces it. None for an unknown Id and for ``MESSAGEMETADATA`` items.
        """
        return self._item_keys.get(item_id)

    def _last_timed(self) -> Item | None:
        for entry in reversed(self._entries):
            if isinstance(entry, Item) and entry.absolute_time:
                return entry
        return None

    @property
    def last_item_id(self) -> str | None:
        """Id of the newest service item with a time (the start point for recovery)."""
        last = self._last_timed()
        return None if last is None else last.id

    @property
    def last_absolute_time(self) -> str | None:
        """AbsoluteTime of that item, as sent."""
        last = self._last_timed()
        return None if last is None else last.absolute_time

    # --- merging ---------------------------------------------------------------------------------

    def _key_for(self, absolute_time: str) -> _SortKey:
        self._seq += 1
        when = _parse_time(absolute_time)
        if when is None:
            when = self._keys[-1][0] if self._keys else float("-inf")
        return (when, self._seq)

    def _insert(self, entry: Item | LocalMessage, absolute_time: str) -> None:
        # O(log n) to find the place; appending in time order (the usual case) is O(1).
        key = self._key_for(absolute_time)
        index = bisect.bisect_right(self._keys, key)
        self._keys.insert(index, key)
        self._entries.insert(index, entry)
        if isinstance(entry, Item):
            self._item_keys[entry.id] = key
        else:
            self._local_keys[entry.local_id] = key

    def _index_of(self, entry: Item | LocalMessage) -> int | None:
        if isinstance(entry, Item):
            key = self._item_keys.get(entry.id)
        else:
            key = self._local_keys.get(entry.local_id)
        if key is None:
            return None
        index = bisect.bisect_left(self._keys, key)
        if index < len(self._keys) and self._entries[index] is entry:
            return index
        return None

    def _replace_entry(self, old: Item | LocalMessage, new: Item | LocalMessage) -> None:
        index = self._index_of(old)
        if index is not None:
            self._entries[index] = new

    def _remove_entry(self, old: LocalMessage) -> None:
        index = self._index_of(old)
        if index is not None:
            del self._entries[index]
            del self._keys[index]
            del self._local_keys[old.local_id]

    def _raise_status(self, item_id: str, status: MessageStatus) -> None:
        current = self._statuses.get(item_id)
        if current is None or _RANK[status] > _RANK[current]:
            self._statuses[item_id] = status

    def _apply_metadata(self, item: Item) -> None:
        metadata = item.message_metadata
        if metadata is None or not metadata.message_id:
            return
        for receipt in metadata.receipts:
            if receipt.read_timestamp:
                self._raise_status(metadata.message_id, MessageStatus.READ)
            elif receipt.delivered_timestamp:
                self._raise_status(metadata.message_id, MessageStatus.DELIVERED)

    def _settle_local(self, item: Item) -> None:
        # The service's own item for a message we sent replaces its local placeholder.
        local_id = self._local_by_item.get(item.id)
        if local_id is not None:
            self._remove_entry(self._local[local_id])

    def _merge_one(self, item: Item) -> bool:
        if item.type == MESSAGEMETADATA:
            is_new = not self.seen(item.id)
            self._metadata[item.id] = item
            self._apply_metadata(item)
            return is_new
        old = self._by_id.get(item.id)
        self._by_id[item.id] = item
        if old is not None:
            self._replace_entry(old, item)
            return False
        self._insert(item, item.absolute_time)
        self._settle_local(item)
        return True

    def merge(self, items: Iterable[Item]) -> list[Item]:
        """Add items; return those whose Id was not seen before, in the order given.

        A known Id is replaced in place and not returned. New ``MESSAGEMETADATA`` items are
        returned (they may carry receipts the caller has not reported) but are not put in
        :attr:`items`. Merging the same items again returns ``[]`` and changes nothing.
        """
        return [item for item in items if self._merge_one(item)]

    # --- local messages --------------------------------------------------------------------------

    def add_local(
        self, local_id: str, content_type: str, content: str, role: str, now_iso: str
    ) -> LocalMessage:
        """Record a message about to be sent, with status SENDING, placed at ``now_iso``.

        Raises:
            ValueError: ``local_id`` is already in use.
        """
        if local_id in self._local:
            raise ValueError(f"local message {local_id!r} already exists")
        message = LocalMessage(local_id, content_type, content, role, now_iso)
        self._local[local_id] = message
        self._insert(message, now_iso)
        return message

    def _store_local(self, old: LocalMessage, new: LocalMessage) -> LocalMessage:
        self._local[new.local_id] = new
        self._replace_entry(old, new)
        return new

    def mark_sent(self, local_id: str, item_id: str, absolute_time: str) -> LocalMessage:
        """The service accepted the message: status SENT, with its Id and time.

        If the service's item with that Id was already merged, the local placeholder leaves
        :attr:`entries` (the real item is there). Raises KeyError if ``local_id`` is unknown.
        """
        old = self._local[local_id]
        message = self._store_local(
            old,
            dataclasses.replace(
                old,
                status=MessageStatus.SENT,
                item_id=item_id,
                absolute_time=absolute_time,
                error=None,
            ),
        )
        self._raise_status(item_id, MessageStatus.SENT)
        self._local_by_item[item_id] = local_id
        if item_id in self._by_id:
            self._remove_entry(message)
        return message

    def mark_failed(self, local_id: str, error: BaseException | str) -> LocalMessage:
        """Sending failed: status FAILED, with the error. Raises KeyError if unknown."""
        old = self._local[local_id]
        return self._store_local(
            old, dataclasses.replace(old, status=MessageStatus.FAILED, error=error)
        )

    def mark_sending(self, local_id: str) -> LocalMessage:
        """A failed message is being sent again: status SENDING. Raises KeyError if unknown."""
        old = self._local[local_id]
        return self._store_local(
            old, dataclasses.replace(old, status=MessageStatus.SENDING, error=None)
        )

    def clear(self) -> None:
        """Forget everything (the session was reset)."""
        self._entries.clear()
        self._keys.clear()
        self._item_keys.clear()
        self._local_keys.clear()
        self._by_id.clear()
        self._metadata.clear()
        self._local.clear()
        self._local_by_item.clear()
        self._statuses.clear()
        self._seq = 0
