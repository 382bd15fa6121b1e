"""What the session delivers and sends, under a MockClock: recovery, receipts, idempotent sends."""

from __future__ import annotations

import itertools
import json

import pytest
import trio
import trio.testing
from session_harness import Recorder, fast_config, open_harness, wait_until

from trioconnect import ReceiptConfig, SessionState, errors
from trioconnect.events import MessagesRecoveredEvent
from trioconnect.session.rest_tasks import RECOVERY_PAGE_INTERVAL

CPC = "CreateParticipantConnection"


async def test_recovery_pages_forward_and_delivers_missed_items_once_in_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness(page_size=2) as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        seen = h.service.new_item("seen before the drop")
        h.ws.push(seen)
        await trio.sleep(1)
        history_pages = len(h.service.of("GetTranscript"))  # the history fetched on connect
        recovered_before = len(rec.of(MessagesRecoveredEvent))
        h.ws.refuse = True
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.LOST)
        missed = [h.service.new_item(f"missed {n}") for n in range(5)]
        h.ws.refuse = False
        await s.wait_for_state(SessionState.ESTABLISHED)
        # On the new socket: an overlap (already in the transcript page) and a newer live item,
        # both arriving while recovery is still paging.
        h.ws.push(missed[3])
        live = h.service.new_item("live after reconnect")
        h.ws.push(live)
        await wait_until(lambda: len(rec.of(MessagesRecoveredEvent)) > recovered_before)
        assert rec.message_ids() == [i["Id"] for i in [seen, *missed, live]]
        assert rec.of(MessagesRecoveredEvent)[-1].count == 5 + 1  # the live item came by page too
        pages = h.service.of("GetTranscript")[history_pages:]
        assert [p.body["ScanDirection"] for p in pages] == ["FORWARD"] * len(pages)
        assert pages[0].body["StartPosition"] == {"Id": seen["Id"]}
        assert [p.body.get("NextToken") for p in pages] == [None, "2", "4", "6"]
        gaps = [b.at - a.at for a, b in itertools.pairwise(pages)]
        assert gaps == [RECOVERY_PAGE_INTERVAL] * 3
        assert s.statistics().items_recovered == sum(
            e.count for e in rec.of(MessagesRecoveredEvent)
        )


async def test_live_items_wait_for_recovery_so_delivery_stays_in_order(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness(page_size=1) as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        h.ws.refuse = True
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.LOST)
        missed = [h.service.new_item(f"missed {n}") for n in range(3)]
        h.ws.refuse = False
        await s.wait_for_state(SessionState.ESTABLISHED)
        h.service.items.append(newer := dict(missed[0], Id="newer", AbsoluteTime="2099-01-01"))
        h.ws.push(newer)
        await trio.sleep(0.1)
        assert rec.message_ids() == [missed[0]["Id"]]  # the live one waits for the older ones
        await wait_until(lambda: bool(rec.of(MessagesRecoveredEvent)))
        assert rec.message_ids() == [*(i["Id"] for i in missed), "newer"]


async def test_recovery_failure_is_counted_and_live_items_still_flow(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        await h.ws.drop_all()
        h.service.fail("GetTranscript", 500, count=100)
        await s.wait_for_state(SessionState.LOST)
        await s.wait_for_state(SessionState.ESTABLISHED)
        item = h.service.new_item("live")
        h.ws.push(item)
        await wait_until(lambda: s.statistics().api_errors.get("GetTranscript", 0) == 3)
        await trio.sleep(1)
        assert rec.message_ids() == [item["Id"]]
        assert s.state is SessionState.ESTABLISHED
        assert s.statistics().recovery_failures == 1


async def test_recovery_refused_with_403_ends_the_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        await s.connect()
        h.service.fail("GetTranscript", 403)
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.ENDED)


async def test_receipts_throttle_supersede_and_one_request_per_kind_per_window(
    autojump_clock: trio.testing.MockClock,
) -> None:
    receipts = ReceiptConfig(throttle=5.0, delivered_delay=0.3)
    async with open_harness() as h, h.session(fast_config(receipts=receipts)) as s:
        await s.connect()
        start = trio.current_time()
        assert s.send_delivered_receipt("m1")
        await trio.sleep(0.1)
        assert s.send_read_receipt("m1")  # supersedes the delivered still held back
        assert not s.send_delivered_receipt("m1")
        await trio.sleep(0.1)
        assert s.send_read_receipt("m2")  # queued behind m1's read: next window
        await trio.sleep(0.8)
        assert s.send_delivered_receipt("m3")  # delivered kind has its own window
        await trio.sleep(0.5)
        assert s.send_delivered_receipt("m4")
        await trio.sleep(20)
        sent = [
            (
                round(c.at - start, 6),
                c.body["ContentType"].rsplit(".", 1)[-1],
                json.loads(c.body["Content"])["messageId"],
            )
            for c in h.service.of("SendEvent")
        ]
        assert sent == [
            (0.1, "read", "m1"),
            (1.3, "delivered", "m3"),
            (5.1, "read", "m2"),
            (6.3, "delivered", "m4"),
        ]
        assert s.statistics().receipts_sent == 4


async def test_a_retried_send_reuses_its_client_token(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        rec = Recorder(s)
        await s.connect()
        h.service.fail("SendMessage", 500)
        result = await s.send_message("hello")
        calls = h.service.of("SendMessage")
        assert [c.status for c in calls] == [500, 200]
        assert calls[0].body["ClientToken"] == calls[1].body["ClientToken"] == result.client_token
        await trio.sleep(1)
        assert len(rec.message_ids()) == 1


async def test_resend_failed_message_reuses_its_client_token(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_harness() as h, h.session() as s:
        await s.connect()
        h.service.fail("SendMessage", 500, count=3)
        with pytest.raises(errors.InternalServerError):
            await s.send_message("hello")
        failed = s.transcript.failed_messages()
        assert len(failed) == 1
        result = await s.resend_failed_message(failed[0].local_id)
        tokens = {c.body["ClientToken"] for c in h.service.of("SendMessage")}
        assert tokens == {failed[0].local_id} == {result.client_token}
        assert len(h.service.of("SendMessage")) == 4
        assert s.transcript.failed_messages() == []
        assert len([i for i in h.service.items if i["Type"] == "MESSAGE"]) == 1
