"""When to send message receipts: dedupe, read supersedes delivered, throttling. No clock.

Theory of operation
-------------------
The application (or the session on its behalf) :meth:`~ReceiptScheduler.submit`\\ s a receipt. The
caller sleeps until :meth:`~ReceiptScheduler.next_deadline`, takes the receipts that are
:meth:`~ReceiptScheduler.due`, sends one ``SendEvent`` for each, and reports the outcome with
:meth:`~ReceiptScheduler.sent` or :meth:`~ReceiptScheduler.failed`. Time is a float of monotonic
seconds passed in by the caller.

Rules
-----
* Each ``(kind, message Id)`` is sent at most once; a read for an Id also stands for its delivered.
* A delivered receipt waits ``delivered_delay`` seconds (ChatJS: 300 ms) before it may go out. A
  read submitted meanwhile, or at any time before the delivered is handed out, supersedes it: the
  delivered is never sent.
* At most one request per kind (delivered, read) starts per ``throttle`` window (ChatJS: 5 s). The
  first request of a kind goes out as soon as it is ready; later ones queue, oldest first.
* Receipts already sent in an earlier connection are learnt from the transcript with
  :meth:`~ReceiptScheduler.prefill_from_items`.

Deliberate difference from ChatJS
---------------------------------
ChatJS keeps one shared timer and, when a window closes, sends only the *latest* receipt submitted
in it (plus possibly one read); the receipts for every other message in that window are never sent.
Here nothing is lost: every distinct Id's receipt is eventually sent, unless a read for the same Id
supersedes a delivered. The price is that a burst of N receipts of one kind takes about
``N * throttle`` seconds to drain. Also unlike ChatJS, the first receipt of a kind is sent when it
is ready instead of at the end of a first window.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, final, get_args

from trioconnect.errors import ValidationError
from trioconnect.protocol.items import MESSAGEMETADATA, Item

__all__ = ["PendingReceipt", "ReceiptKind", "ReceiptScheduler"]

ReceiptKind = Literal["delivered", "read"]
_KINDS: tuple[ReceiptKind, ...] = get_args(ReceiptKind)


@final
@dataclass(frozen=True, slots=True)
class PendingReceipt:
    """A receipt the caller must send now: ``SendEvent`` of ``kind`` for ``message_id``."""

    kind: ReceiptKind
    message_id: str


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"receipt kind must be 'delivered' or 'read', got {kind!r}")


@final
class ReceiptScheduler:
    """Schedules outgoing delivered/read receipts. See the module docstring.

    Args:
        throttle: minimum seconds between the starts of two requests of the same kind.
        delivered_delay: seconds a delivered receipt waits for a superseding read.
        enabled: when False, :meth:`submit` accepts nothing.
    """

    __slots__ = ("_delivered_delay", "_done", "_enabled", "_last_start", "_pending", "_throttle")

    def __init__(
        self, throttle: float = 5.0, delivered_delay: float = 0.3, enabled: bool = True
    ) -> None:
        if throttle < 0 or delivered_delay < 0:
            raise ValueError("throttle and delivered_delay must not be negative")
        self._throttle = float(throttle)
        self._delivered_delay = float(delivered_delay)
        self._enabled = enabled
        # kind -> message Id -> time it becomes ready (insertion order = submission order)
        self._pending: dict[ReceiptKind, dict[str, float]] = {k: {} for k in _KINDS}
        # kind -> Ids handed out, sent, or known sent earlier
        self._done: dict[ReceiptKind, set[str]] = {k: set() for k in _KINDS}
        self._last_start: dict[ReceiptKind, float | None] = dict.fromkeys(_KINDS)

    @property
    def enabled(self) -> bool:
        """Whether receipts are sent at all."""
        return self._enabled

    def pending(self) -> list[PendingReceipt]:
        """The receipts waiting to be sent, per kind in submission order."""
        return [PendingReceipt(k, mid) for k in _KINDS for mid in self._pending[k]]

    def _is_covered(self, kind: ReceiptKind, message_id: str) -> bool:
        # A read (pending or done) covers both kinds; a delivered covers only itself.
        read = message_id in self._done["read"] or message_id in self._pending["read"]
        if kind == "read":
            return read
        return (
            read
            or message_id in self._done["delivered"]
            or (message_id in self._pending["delivered"])
        )

    def submit(self, kind: ReceiptKind, message_id: str, now: float) -> bool:
        """Ask for a receipt to be sent.

        Args:
            kind: ``"delivered"`` or ``"read"``.
            message_id: the Id of the message being acknowledged.
            now: the current time.

        Returns:
            True if it was queued; False if there is nothing to do (disabled, already sent or
            queued, or covered by a read for the same Id).

        Raises:
            ValidationError: ``message_id`` is empty.
            ValueError: ``kind`` is neither ``"delivered"`` nor ``"read"``.
        """
        _check_kind(kind)
        if not message_id:
            raise ValidationError("a receipt needs a non-empty message Id")
        if not self._enabled or self._is_covered(kind, message_id):
            return False
        if kind == "read":
            self._pending["delivered"].pop(message_id, None)
            self._pending["read"][message_id] = now
        else:
            self._pending["delivered"][message_id] = now + self._delivered_delay
        return True

    def _window_opens(self, kind: ReceiptKind) -> float:
        last = self._last_start[kind]
        return -float("inf") if last is None else last + self._throttle

    def _earliest(self, kind: ReceiptKind) -> tuple[str, float] | None:
        queue = self._pending[kind]
        if not queue:
            return None
        message_id = min(queue, key=queue.__getitem__)  # first inserted wins ties
        return message_id, queue[message_id]

    def next_deadline(self) -> float | None:
        """When :meth:`due` next has something to hand out (None: nothing is pending)."""
        deadlines = []
        for kind in _KINDS:
            earliest = self._earliest(kind)
            if earliest is not None:
                deadlines.append(max(earliest[1], self._window_opens(kind)))
        return min(deadlines, default=None)

    def due(self, now: float) -> list[PendingReceipt]:
        """Hand out the receipts to send now: at most one per kind, delivered before read.

        Each one handed out starts its kind's throttle window at ``now`` and counts as sent
        (it will not be handed out again) until :meth:`failed` says otherwise.
        """
        out: list[PendingReceipt] = []
        for kind in _KINDS:
            earliest = self._earliest(kind)
            if earliest is None or earliest[1] > now or self._window_opens(kind) > now:
                continue
            message_id = earliest[0]
            del self._pending[kind][message_id]
            self._done[kind].add(message_id)
            self._last_start[kind] = now
            out.append(PendingReceipt(kind, message_id))
        return out

    def sent(self, kind: ReceiptKind, message_id: str) -> None:
        """Record that a receipt was sent (by :meth:`due`'s caller or by other means).

        Any queued duplicate is dropped; a read also drops a queued delivered for the Id.
        """
        _check_kind(kind)
        self._done[kind].add(message_id)
        self._pending[kind].pop(message_id, None)
        if kind == "read":
            self._pending["delivered"].pop(message_id, None)

    def failed(self, kind: ReceiptKind, message_id: str, now: float) -> bool:
        """A receipt handed out by :meth:`due` could not be sent: queue it again, ready at ``now``.

        Returns:
            True if it was queued again; False if meanwhile it became unnecessary (a delivered
            whose read was submitted or sent) or receipts are disabled.
        """
        _check_kind(kind)
        self._done[kind].discard(message_id)
        if not self._enabled or self._is_covered(kind, message_id):
            return False
        self._pending[kind][message_id] = now
        return True

    def prefill_from_items(self, items: Iterable[Item], own_participant_id: str | None) -> None:
        """Learn which receipts this participant already sent, from transcript items.

        ``MESSAGEMETADATA`` items whose receipt names ``own_participant_id`` as the recipient mark
        that message's read (``ReadTimestamp``) or delivered (``DeliveredTimestamp``) receipt as
        sent. With ``own_participant_id=None`` the first receipt of each item is used, as ChatJS
        does. Queued receipts that turn out to be sent already are dropped.
        """
        for item in items:
            metadata = item.message_metadata
            if item.type != MESSAGEMETADATA or metadata is None or not metadata.message_id:
                continue
            receipts = metadata.receipts[:1] if own_participant_id is None else metadata.receipts
            for receipt in receipts:
                if own_participant_id is not None and (
                    receipt.recipient_participant_id != own_participant_id
                ):
                    continue
                if receipt.read_timestamp:
                    self.sent("read", metadata.message_id)
                if receipt.delivered_timestamp:
                    self.sent("delivered", metadata.message_id)

    def clear(self) -> None:
        """Drop every queued receipt (e.g. once the chat has ended). What was sent stays known."""
        for queue in self._pending.values():
            queue.clear()
