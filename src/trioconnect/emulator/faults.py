"""Fault injection: the seam through which tests and scenarios make the emulator misbehave.

The REST layer awaits :meth:`Faults.before_request` before serving each operation; the WebSocket
layer asks :meth:`Faults.answer_heartbeat` and :meth:`Faults.copies` and receives socket drops
through :meth:`Faults.drop_sockets`. Every fault can be scoped to one contact (``contact_id``)
or apply to all.

Kinds:
    * ``rest_error``: the next ``count`` requests (of one operation, or any; of one contact's
      tokens, or any) fail with a code and status (e.g. 3 × ``ThrottlingException``/429, or
      ``InternalServerException``/500).
    * ``latency``: the next ``count`` requests (or all, if ``count`` is None) wait ``seconds``.
    * ``ignore_heartbeats``: sockets stop answering ``aws/heartbeat`` (ChatJS then reconnects).
    * ``duplicate``: every chat item is delivered twice.
    * ``reorder``: deliveries are swapped in pairs: an item is held back until the next one has
      been delivered (chat.ended is never held: a held item follows it).
    * ``half_open``: sockets stop answering anything (no heartbeat or ping answers, no chat
      items, not even the close at chat end) but the TCP connection stays open, as with a
      silently dead network path. Frames arriving meanwhile are read and dropped.
    * ``drop_sockets``: open sockets close now with a close code (any code, e.g. 1001, 1011,
      4000; 1006 is sent as 1011).

A REST request belongs to a contact when its ``X-Amz-Bearer`` token does; requests without one
(StartChatContact, the control API) only meet faults that are not scoped to a contact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import trio

from trioconnect.emulator.api_error import ApiError

__all__ = ["Faults", "RestFault", "SocketCloser"]

SocketCloser = Callable[[str | None, int, str], int]


@dataclass
class RestFault:
    """A pending REST fault."""

    operation: str | None
    count: int | None
    error: ApiError | None = None
    latency: float = 0.0
    contact_id: str | None = None

    def applies(self, operation: str, contact_id: str | None = None) -> bool:
        """Whether this fault applies to ``operation`` (of ``contact_id``) and has uses left."""
        return (
            self.operation in (None, operation)
            and self.contact_id in (None, contact_id)
            and (self.count is None or self.count > 0)
        )


class Faults:
    """Active faults (see module docstring). Empty by default: nothing misbehaves."""

    def __init__(self) -> None:
        self.rest: list[RestFault] = []
        self.ignore_heartbeats_for: set[str | None] = set()
        self.duplicate_for: set[str | None] = set()
        self.reorder_for: set[str | None] = set()
        self.half_open_for: set[str | None] = set()
        #: Client frames dropped by half-open sockets.
        self.half_open_dropped = 0
        self._closer: SocketCloser | None = None

    def attach_socket_closer(self, closer: SocketCloser) -> None:
        """Called by the emulator so :meth:`drop_sockets` can reach the open sockets."""
        self._closer = closer

    def clear(self) -> None:
        """Remove every fault."""
        self.rest.clear()
        self.ignore_heartbeats_for.clear()
        self.duplicate_for.clear()
        self.reorder_for.clear()
        self.half_open_for.clear()

    def add_rest_error(
        self,
        code: str = "ThrottlingException",
        status: int = 429,
        count: int = 1,
        operation: str | None = None,
        message: str = "Injected fault",
        contact_id: str | None = None,
    ) -> None:
        """Fail the next ``count`` requests (of ``operation``, or any) with ``code``/``status``."""
        error = ApiError(code, status, message)
        self.rest.append(RestFault(operation, count, error, contact_id=contact_id))

    def add_latency(
        self,
        seconds: float,
        count: int | None = None,
        operation: str | None = None,
        contact_id: str | None = None,
    ) -> None:
        """Delay the next ``count`` requests (None: all) by ``seconds``."""
        self.rest.append(RestFault(operation, count, latency=seconds, contact_id=contact_id))

    def ignore_heartbeats(self, contact_id: str | None = None, enabled: bool = True) -> None:
        """Stop (or resume) answering ``aws/heartbeat`` for a contact, or for all."""
        (self.ignore_heartbeats_for.add if enabled else self.ignore_heartbeats_for.discard)(
            contact_id
        )

    def duplicate_deliveries(self, contact_id: str | None = None, enabled: bool = True) -> None:
        """Deliver every chat item twice (or stop doing so) for a contact, or for all."""
        (self.duplicate_for.add if enabled else self.duplicate_for.discard)(contact_id)

    def reorder_deliveries(self, contact_id: str | None = None, enabled: bool = True) -> None:
        """Swap deliveries in pairs (or stop doing so) for a contact, or for all."""
        (self.reorder_for.add if enabled else self.reorder_for.discard)(contact_id)

    def half_open(self, contact_id: str | None = None, enabled: bool = True) -> None:
        """Make sockets silent but open (or answer again) for a contact, or for all."""
        (self.half_open_for.add if enabled else self.half_open_for.discard)(contact_id)

    def drop_sockets(
        self, contact_id: str | None = None, code: int = 1006, reason: str = "Injected drop"
    ) -> int:
        """Close open sockets (of one contact, or all) now; returns how many were closed.

        Code 1006 cannot be sent on the wire; it is sent as 1011 (the client sees a server error).
        """
        if self._closer is None:
            return 0
        return self._closer(contact_id, code, reason)

    async def before_request(self, operation: str, contact_id: str | None = None) -> None:
        """Apply REST faults to a request of ``operation`` (by ``contact_id``): wait and/or raise.

        Raises:
            ApiError: the injected error.
        """
        for fault in list(self.rest):
            if not fault.applies(operation, contact_id):
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.rest.remove(fault)
            if fault.latency > 0:
                await trio.sleep(fault.latency)
            if fault.error is not None:
                raise fault.error

    def answer_heartbeat(self, contact_id: str) -> bool:
        """Whether a socket of ``contact_id`` should answer ``aws/heartbeat``."""
        ignored = self.ignore_heartbeats_for
        return not ignored or (None not in ignored and contact_id not in ignored)

    def copies(self, contact_id: str) -> int:
        """How many times to deliver each item to sockets of ``contact_id``."""
        return 2 if {None, contact_id} & self.duplicate_for else 1

    def reorders(self, contact_id: str) -> bool:
        """Whether deliveries to sockets of ``contact_id`` are swapped in pairs."""
        return bool({None, contact_id} & self.reorder_for)

    def is_half_open(self, contact_id: str) -> bool:
        """Whether sockets of ``contact_id`` are silent."""
        silent = self.half_open_for
        return bool(silent) and (None in silent or contact_id in silent)
