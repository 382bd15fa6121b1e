"""Chat duration: a contact ends by itself ``ChatDurationInMinutes`` after it started.

StartChatContact's ``ChatDurationInMinutes`` (60 to 10,080; default 1,500, i.e. 25 h, or
``EmulatorConfig.chat_duration_minutes``) is stored on the contact. One task keeps a heap of
deadlines and ends each chat still active at its deadline with ``chat.ended`` (as StopContact
does). Deadlines are computed from the contact's wall-clock start, so chats loaded from a
persistent store keep their original deadline. Waiting happens on trio's clock: under
``trio.testing.MockClock`` a 25-hour chat ends in no real time. ``Clock.advance`` is taken into
account the next time the timer wakes (call :meth:`ChatTimer.poke` to wake it at once).
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging

import trio

from trioconnect.emulator.records import Contact, Participant
from trioconnect.emulator.state import ChatState

__all__ = ["ChatTimer"]

log = logging.getLogger(__name__)


class ChatTimer:
    """Ends chats when their duration is over. Run :meth:`run` in a nursery.

    Args:
        state: the chat domain; every new contact is armed through its hooks.
    """

    def __init__(self, state: ChatState) -> None:
        self.state = state
        self._heap: list[tuple[float, str]] = []
        self._wake = trio.Event()
        self._unhook = state.hooks.on_contact_created(self._on_created)

    def close(self) -> None:
        """Stop arming new contacts."""
        self._unhook()

    def deadline(self, contact: Contact) -> float:
        """The emulator-monotonic instant at which ``contact`` ends."""
        clock = self.state.clock
        end = contact.created_at + dt.timedelta(minutes=contact.chat_duration_minutes)
        return clock.monotonic() + (end - clock.wall()).total_seconds()

    def arm(self, contact: Contact) -> None:
        """Schedule the end of an active contact."""
        if not contact.ended:
            heapq.heappush(self._heap, (self.deadline(contact), contact.contact_id))
            self._wake.set()

    def arm_existing(self) -> int:
        """Schedule the active contacts already in the store (after a restart); returns how many."""
        active = [c for c in self.state.store.contacts() if not c.ended]
        for contact in active:
            self.arm(contact)
        return len(active)

    def poke(self) -> None:
        """Re-check deadlines now (e.g. after ``Clock.advance``)."""
        self._wake.set()

    def _on_created(self, contact: Contact, participant: Participant) -> None:
        self.arm(contact)

    async def run(self) -> None:
        """End chats at their deadlines, forever."""
        clock = self.state.clock
        while True:
            self._wake = trio.Event()
            deadline = clock.to_trio(self._heap[0][0]) if self._heap else float("inf")
            with trio.move_on_at(deadline):
                await self._wake.wait()
            now = clock.monotonic() + 1e-6  # (mono - offset) + offset may round down
            while self._heap and self._heap[0][0] <= now:
                _, contact_id = heapq.heappop(self._heap)
                contact = self.state.store.contact(contact_id)
                if contact is not None and not contact.ended:
                    log.info("contact %s: chat duration is over; ending it", contact_id)
                    self.state.end_chat(contact_id)
