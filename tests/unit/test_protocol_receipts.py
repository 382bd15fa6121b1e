"""ReceiptScheduler: supersede, dedupe, throttle windows, nothing lost (explicit times)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trioconnect.errors import ValidationError
from trioconnect.protocol.items import Item, MessageMetadata, Receipt
from trioconnect.protocol.receipts import PendingReceipt, ReceiptKind, ReceiptScheduler


def R(message_id: str) -> PendingReceipt:
    return PendingReceipt("read", message_id)


def D(message_id: str) -> PendingReceipt:
    return PendingReceipt("delivered", message_id)


def test_nothing_pending() -> None:
    rs = ReceiptScheduler()
    assert rs.next_deadline() is None
    assert rs.due(1e9) == []
    assert rs.pending() == []


def test_read_goes_out_at_once() -> None:
    rs = ReceiptScheduler()
    assert rs.submit("read", "m1", 10.0)
    assert rs.next_deadline() == 10.0
    assert rs.due(10.0) == [R("m1")]
    assert rs.next_deadline() is None


def test_delivered_waits_the_delivered_delay() -> None:
    rs = ReceiptScheduler()
    assert rs.submit("delivered", "m1", 10.0)
    assert rs.next_deadline() == pytest.approx(10.3)
    assert rs.due(10.29) == []
    assert rs.due(10.3) == [D("m1")]


def test_read_supersedes_a_delivered_in_its_delay() -> None:
    rs = ReceiptScheduler()
    rs.submit("delivered", "m1", 0.0)
    assert rs.submit("read", "m1", 0.1)
    assert rs.pending() == [R("m1")]
    assert rs.due(0.1) == [R("m1")]
    for now in (0.3, 1.0, 100.0):
        assert rs.due(now) == []
    assert not rs.submit("delivered", "m1", 200.0)


def test_read_supersedes_a_delivered_waiting_for_its_window() -> None:
    rs = ReceiptScheduler()
    rs.submit("delivered", "a", 0.0)
    assert rs.due(0.3) == [D("a")]
    rs.submit("delivered", "b", 1.0)  # ready at 1.3, but the window is closed until 5.3
    assert rs.next_deadline() == pytest.approx(5.3)
    rs.submit("read", "b", 2.0)
    assert rs.due(2.0) == [R("b")]
    assert rs.next_deadline() is None
    assert rs.due(5.3) == []


def test_dedupe() -> None:
    rs = ReceiptScheduler()
    assert rs.submit("read", "m1", 0.0)
    assert not rs.submit("read", "m1", 0.0)  # already queued
    assert not rs.submit("delivered", "m1", 0.0)  # covered by the read
    rs.due(0.0)
    assert not rs.submit("read", "m1", 50.0)  # already sent
    assert rs.submit("delivered", "m2", 50.0)
    assert not rs.submit("delivered", "m2", 50.1)
    rs.due(50.3)
    assert not rs.submit("delivered", "m2", 60.0)
    assert rs.submit("read", "m2", 60.0)  # a read after a delivered is still sent
    assert rs.due(60.0) == [R("m2")]


def test_throttle_window_loses_nothing() -> None:
    rs = ReceiptScheduler(throttle=5.0)
    for message_id in ("a", "b", "c"):
        assert rs.submit("read", message_id, 0.0)
    assert rs.due(0.0) == [R("a")]
    assert rs.next_deadline() == 5.0
    assert rs.due(4.999) == []
    assert rs.due(5.0) == [R("b")]
    assert rs.next_deadline() == 10.0
    assert rs.due(12.0) == [R("c")]  # a late caller still gets it
    assert rs.next_deadline() is None


def test_kinds_have_separate_windows() -> None:
    rs = ReceiptScheduler(throttle=5.0)
    rs.submit("delivered", "x", 0.0)
    rs.submit("read", "y", 0.0)
    assert rs.due(0.0) == [R("y")]
    assert rs.next_deadline() == pytest.approx(0.3)
    assert rs.due(0.3) == [D("x")]
    rs.submit("delivered", "x2", 1.0)
    rs.submit("read", "y2", 1.0)
    assert rs.next_deadline() == 5.0
    assert rs.due(5.0) == [R("y2")]
    assert rs.due(5.3) == [D("x2")]


def test_both_kinds_due_at_once_delivered_first() -> None:
    rs = ReceiptScheduler(throttle=1.0, delivered_delay=0.0)
    rs.submit("read", "r", 0.0)
    rs.submit("delivered", "d", 0.0)
    assert rs.due(0.0) == [D("d"), R("r")]


def test_zero_throttle_sends_one_per_kind_per_call() -> None:
    rs = ReceiptScheduler(throttle=0.0, delivered_delay=0.0)
    for message_id in "abc":
        rs.submit("read", message_id, 0.0)
    assert [rs.due(0.0) for _ in range(4)] == [[R("a")], [R("b")], [R("c")], []]


def test_disabled() -> None:
    rs = ReceiptScheduler(enabled=False)
    assert not rs.enabled
    assert not rs.submit("read", "m1", 0.0)
    assert not rs.submit("delivered", "m1", 0.0)
    assert rs.next_deadline() is None


def test_bad_arguments() -> None:
    rs = ReceiptScheduler()
    with pytest.raises(ValidationError, match="message Id"):
        rs.submit("read", "", 0.0)
    with pytest.raises(ValueError, match="kind"):
        rs.submit("seen", "m1", 0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        ReceiptScheduler(throttle=-1)


def test_failed_receipt_is_queued_again() -> None:
    rs = ReceiptScheduler(throttle=5.0)
    rs.submit("read", "m1", 0.0)
    assert rs.due(0.0) == [R("m1")]
    assert rs.failed("read", "m1", 1.0)
    assert rs.next_deadline() == 5.0  # the failed attempt still used the window
    assert rs.due(5.0) == [R("m1")]
    rs.sent("read", "m1")
    assert not rs.submit("read", "m1", 6.0)


def test_failed_delivered_is_dropped_if_a_read_came_meanwhile() -> None:
    rs = ReceiptScheduler()
    rs.submit("delivered", "m1", 0.0)
    assert rs.due(0.3) == [D("m1")]
    rs.submit("read", "m1", 0.4)
    assert not rs.failed("delivered", "m1", 0.5)
    assert rs.pending() == [R("m1")]


def test_sent_by_other_means() -> None:
    rs = ReceiptScheduler()
    rs.submit("delivered", "m1", 0.0)
    rs.submit("delivered", "m2", 0.0)
    rs.sent("read", "m1")  # covers the queued delivered too
    rs.sent("delivered", "m2")
    assert rs.pending() == []
    assert not rs.submit("delivered", "m1", 1.0)


def metadata(message_id: str, *receipts: Receipt) -> Item:
    return Item(
        id="md-" + message_id,
        type="MESSAGEMETADATA",
        message_metadata=MessageMetadata(message_id=message_id, receipts=receipts),
    )


def test_prefill_from_transcript() -> None:
    items = [
        metadata("read-by-me", Receipt("t1", "t2", "me")),
        metadata("delivered-to-me", Receipt("t1", None, "me")),
        metadata("read-by-agent", Receipt("t1", "t2", "agent")),
        metadata("second-receipt-mine", Receipt("t1", "t2", "agent"), Receipt(None, "t3", "me")),
        Item(id="msg", type="MESSAGE", content="hi"),
        metadata("", Receipt("t1", "t2", "me")),
    ]
    rs = ReceiptScheduler()
    rs.submit("delivered", "read-by-me", 0.0)
    rs.prefill_from_items(items, "me")
    assert rs.pending() == []
    assert not rs.submit("read", "read-by-me", 1.0)
    assert not rs.submit("delivered", "read-by-me", 1.0)
    assert not rs.submit("delivered", "delivered-to-me", 1.0)
    assert rs.submit("read", "delivered-to-me", 1.0)
    assert rs.submit("read", "read-by-agent", 1.0)
    assert not rs.submit("read", "second-receipt-mine", 1.0)


def test_prefill_without_own_id_uses_the_first_receipt_like_chatjs() -> None:
    rs = ReceiptScheduler()
    rs.prefill_from_items(
        [metadata("a", Receipt("t1", "t2", "agent")), metadata("b", Receipt(None, None, "x"))],
        None,
    )
    assert not rs.submit("read", "a", 0.0)
    assert rs.submit("read", "b", 0.0)


def test_clear_drops_pending_but_remembers_sent() -> None:
    rs = ReceiptScheduler()
    rs.submit("read", "a", 0.0)
    rs.due(0.0)
    rs.submit("read", "b", 0.0)
    rs.clear()
    assert rs.next_deadline() is None
    assert not rs.submit("read", "a", 10.0)


_ops = st.lists(
    st.tuples(
        st.sampled_from(["delivered", "read"]),
        st.sampled_from("abcdefgh"),
        st.floats(0, 3),  # time since the previous submission
    ),
    max_size=40,
)


@settings(max_examples=200)
@given(_ops, st.floats(0, 6), st.floats(0, 1))
def test_nothing_lost_nothing_doubled_windows_respected(
    ops: list[tuple[ReceiptKind, str, float]], throttle: float, delay: float
) -> None:
    rs = ReceiptScheduler(throttle=throttle, delivered_delay=delay)
    sent: list[tuple[float, PendingReceipt]] = []
    submitted: dict[tuple[str, str], float] = {}
    now = 0.0

    def drain_until(limit: float) -> None:
        while (deadline := rs.next_deadline()) is not None and deadline <= limit:
            batch = rs.due(deadline)
            assert batch, "next_deadline promised something due"
            sent.extend((deadline, p) for p in batch)

    for kind, message_id, gap in ops:
        drain_until(now + gap)
        now += gap
        if rs.submit(kind, message_id, now):
            submitted.setdefault((kind, message_id), now)
    drain_until(float("inf"))

    pairs = [(p.kind, p.message_id) for _, p in sent]
    assert len(pairs) == len(set(pairs)), "a receipt was sent twice"
    reads = {mid for k, mid in submitted if k == "read"}
    for k, mid in submitted:
        assert (k, mid) in pairs or (k == "delivered" and mid in reads)
    for when, p in sent:
        if p.kind == "delivered":
            assert when >= submitted[("delivered", p.message_id)] + delay - 1e-9
            assert ("read", p.message_id) not in [
                (q.kind, q.message_id) for t, q in sent if t < when
            ]
    for k in ("delivered", "read"):
        times = [t for t, p in sent if p.kind == k]
        assert all(b - a >= throttle - 1e-9 for a, b in itertools.pairwise(times))
