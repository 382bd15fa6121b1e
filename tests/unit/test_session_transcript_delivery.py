"""An application's own ``get_transcript()`` never hides an item from the event stream.

Items fetched with ``get_transcript()`` enter the transcript, but only the socket and recovery
deliver them as events: once each, in order, whatever the application fetched meanwhile.
"""

from __future__ import annotations

from typing import Any

import trio
import trio.testing
from session_harness import Harness, Recorder, open_harness, wait_until

from trioconnect import SessionState
from trioconnect.events import MessagesRecoveredEvent
from trioconnect.protocol.transcript import MessageStatus


async def _lose_socket(h: Harness, s: Any) -> None:
    """Drop the socket and keep the session LOST until ``h.ws.refuse`` is cleared."""
    h.ws.refuse = True
    await h.ws.drop_all()
    await s.wait_for_state(SessionState.LOST)


async def _reconnect_and_recover(h: Harness, s: Any) -> None:
    """Let the session reconnect and wait until its recovery has paged."""
    pages = len(h.service.of("GetTranscript"))
    h.ws.refuse = False
    await s.wait_for_state(SessionState.ESTABLISHED)
    # Recovery has paged (and delivered what was new) once it made a call and released.
    await wait_until(lambda: len(h.service.of("GetTranscript")) > pages)
    await trio.sleep(5)


async def test_an_item_fetched_before_its_frame_arrives_is_still_delivered_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness(echo_to_socket=False) as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        await trio.sleep(1)
        # In flight: the service holds the item, its frame has not reached the socket yet.
        item = h.service.new_item("in flight")
        sent = await s.send_message("mine, echo in flight")
        page = await s.get_transcript()
        assert {i.id for i in page.items} >= {item["Id"], sent.id}
        assert s.transcript.get(item["Id"]) is not None  # it is in the transcript at once
        echo = next(i for i in h.service.items if i["Id"] == sent.id)
        h.ws.push(item, copies=2)
        h.ws.push(echo)
        await trio.sleep(1)
        assert rec.message_ids() == [item["Id"], sent.id]
        # The echo settled the local message: one entry, the service's item.
        assert [getattr(e, "id", None) for e in s.transcript.entries] == [item["Id"], sent.id]
        assert s.transcript.status(sent.id) is MessageStatus.SENT
        # Across a reconnect, recovery finds nothing new to deliver.
        await _lose_socket(h, s)
        await _reconnect_and_recover(h, s)
        assert rec.message_ids() == [item["Id"], sent.id]
        assert s.statistics().items_received == 2


async def test_items_fetched_while_lost_are_delivered_once_by_recovery_in_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        await trio.sleep(1)  # the history fetched on connect is in
        seen = h.service.new_item("seen before the drop")
        h.ws.push(seen)
        await trio.sleep(1)
        await _lose_socket(h, s)
        missed = [h.service.new_item(f"missed {n}") for n in range(3)]
        page = await s.get_transcript(max_results=100)  # the application looks while LOST
        assert [i.id for i in page.items] == [i["Id"] for i in [seen, *missed]]
        assert rec.message_ids() == [seen["Id"]]
        pages = len(h.service.of("GetTranscript"))
        h.ws.refuse = False
        await s.wait_for_state(SessionState.ESTABLISHED)
        await wait_until(lambda: bool(rec.of(MessagesRecoveredEvent)))
        first_page = h.service.of("GetTranscript")[pages]
        assert first_page.body["StartPosition"] == {"Id": seen["Id"]}
        assert rec.message_ids() == [i["Id"] for i in [seen, *missed]]
        assert rec.of(MessagesRecoveredEvent)[-1].count == 3
        # Another loss and recovery delivers nothing twice, and items that really are new.
        await _lose_socket(h, s)
        later = h.service.new_item("after the second drop")
        await s.get_transcript()
        await _reconnect_and_recover(h, s)
        assert rec.message_ids() == [i["Id"] for i in [seen, *missed, later]]


async def test_items_fetched_while_suspended_are_delivered_once_after_resume(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        await trio.sleep(1)
        first = h.service.new_item("before suspend")
        h.ws.push(first)
        # A streamed bot answer, delivered live as it grows; the service's transcript holds the
        # whole answer as one ordinary message.
        streamed = h.service.new_item("Hello", role="SYSTEM", participant_id="")
        for number, text in enumerate(["Hel", "lo"], start=1):
            meta = {"MessageId": streamed["Id"], "MessageCompleted": False, "ChunkNumber": number}
            h.ws.push(dict(streamed, Content=text, MessageMetadata=meta))
        await trio.sleep(1)
        assert rec.message_ids() == [first["Id"], streamed["Id"], streamed["Id"]]
        await s.suspend()
        await s.wait_for_state(SessionState.SUSPENDED)
        missed = [h.service.new_item(f"while suspended {n}") for n in range(2)]
        await s.get_transcript(max_results=100)
        await s.resume()
        await s.wait_for_state(SessionState.ESTABLISHED)
        await wait_until(lambda: bool(rec.of(MessagesRecoveredEvent)))
        await trio.sleep(5)
        ids = [first["Id"], streamed["Id"], streamed["Id"], *(m["Id"] for m in missed)]
        assert rec.message_ids() == ids
        assert rec.of(MessagesRecoveredEvent)[-1].count == 2
