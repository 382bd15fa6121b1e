"""Stitching of Lex streaming responses ("partial messages") into growing messages.

A streamed bot answer arrives as several items with the same ``Id``: ``ParticipantRole`` SYSTEM,
``Type`` MESSAGE and a boolean ``MessageMetadata.MessageCompleted`` (False on chunks, True on the
final item), chunks numbered by ``MessageMetadata.ChunkNumber`` from 1. The stitcher follows
ChatJS 5:

* no entry yet: chunk 1 or a final item starts one and is emitted; anything else is ignored;
* a final item replaces the chunks and is emitted with its own content (it is taken to be
  complete), unless a final item was already emitted for that Id;
* the next chunk in sequence (``ChunkNumber == last + 1``) is appended and the stitched item
  emitted; gaps, duplicates and out-of-order chunks are ignored: the final item fixes them.

A stitched item is the last chunk with ``Content`` = all stored chunks' content concatenated and
``AbsoluteTime`` = the first chunk's. So the user sees several messages with the same Id and growing
content, and a consumer keyed by Id (like :class:`~trioconnect.protocol.transcript.Transcript`)
keeps only the newest.

Two deliberate differences from ChatJS: a chunk arriving after its message completed is ignored
(ChatJS would append it if its number followed the final item's), and memory is bounded: at most
``max_entries`` messages in progress and ``max_entries`` completed Ids are remembered, oldest
forgotten first (ChatJS never forgets). Forgetting a completed Id means a duplicate of its final
item arriving much later would be emitted once more; consumers dedupe by Id anyway.
"""

from __future__ import annotations

from typing import final

from trioconnect.protocol.items import MESSAGE, Item

__all__ = ["DEFAULT_MAX_ENTRIES", "PartialMessageStitcher", "is_partial"]

#: Default for :class:`PartialMessageStitcher`'s ``max_entries``.
DEFAULT_MAX_ENTRIES = 1000


def is_partial(item: Item) -> bool:
    """Return whether ``item`` is part of a Lex streaming response (a chunk or the final item)."""
    metadata = item.message_metadata
    return (
        item.participant_role == "SYSTEM"
        and item.type == MESSAGE
        and metadata is not None
        and metadata.message_completed is not None
    )


def _chunk_number(item: Item) -> int | None:
    return None if item.message_metadata is None else item.message_metadata.chunk_number


def _completed(item: Item) -> bool:
    return item.message_metadata is not None and item.message_metadata.message_completed is True


def _stitch(chunks: list[Item]) -> Item:
    last = chunks[-1]
    if len(chunks) == 1:
        return last
    return last.replace(
        content="".join(c.content or "" for c in chunks),
        absolute_time=chunks[0].absolute_time,
    )


@final
class PartialMessageStitcher:
    """Turns streamed chunks into the items to emit. See the module docstring.

    Args:
        max_entries: how many in-progress messages, and separately how many completed Ids, are
            remembered (oldest forgotten first).
    """

    __slots__ = ("_completed", "_in_progress", "_max_entries")

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._in_progress: dict[str, list[Item]] = {}
        self._completed: dict[str, None] = {}  # an insertion-ordered set

    def is_partial(self, item: Item) -> bool:
        """Return whether ``item`` is a streaming chunk or final item (see :func:`is_partial`)."""
        return is_partial(item)

    def __len__(self) -> int:
        """How many Ids are remembered (in progress plus completed)."""
        return len(self._in_progress) + len(self._completed)

    def _remember_completed(self, item_id: str) -> None:
        self._in_progress.pop(item_id, None)
        self._completed.pop(item_id, None)
        self._completed[item_id] = None
        if len(self._completed) > self._max_entries:
            del self._completed[next(iter(self._completed))]

    def _start(self, item: Item) -> None:
        self._in_progress[item.id] = [item]
        if len(self._in_progress) > self._max_entries:
            del self._in_progress[next(iter(self._in_progress))]

    def feed(self, item: Item) -> Item | None:
        """Take one incoming item; return the item to emit, or None to emit nothing.

        Items that are not streaming parts are returned unchanged.
        """
        if not is_partial(item):
            return item
        if item.id in self._completed:
            return None  # duplicate final, or a straggling chunk after the final
        if _completed(item):
            self._remember_completed(item.id)
            return item
        chunks = self._in_progress.get(item.id)
        number = _chunk_number(item)
        if chunks is None:
            if number != 1:
                return None
            self._start(item)
            return item
        last = _chunk_number(chunks[-1])
        if number is None or last is None or number != last + 1:
            return None
        chunks.append(item)
        return _stitch(chunks)

    def on_transcript_item(self, item: Item) -> None:
        """A transcript (``GetTranscript``) returned ``item``: it replaces a streamed entry.

        Only messages still in progress are affected. A completed (or non-streamed) transcript
        version marks the message completed; a partial one restarts the entry from it.
        """
        if item.id not in self._in_progress:
            return
        if is_partial(item) and not _completed(item):
            self._in_progress[item.id] = [item]
        else:
            self._remember_completed(item.id)

    def clear(self) -> None:
        """Forget everything."""
        self._in_progress.clear()
        self._completed.clear()
