"""Transcript: dedupe by Id, order by time, receipt status, local messages."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.protocol.items import Item, MessageMetadata, Receipt
from trioconnect.protocol.transcript import LocalMessage, MessageStatus, Transcript


def msg(item_id: str, at: str, content: str = "x") -> Item:
    return Item(
        id=item_id, type="MESSAGE", content_type="text/plain", content=content, absolute_time=at
    )


def t(seconds: float) -> str:
    whole = int(seconds)
    return f"2026-11-25T15:15:{whole:02d}.{round((seconds - whole) * 1000):03d}Z"


def receipt_item(item_id: str, message_id: str, *, read: bool, delivered: bool = True) -> Item:
    return Item(
        id=item_id,
        type="MESSAGEMETADATA",
        message_metadata=MessageMetadata(
            message_id=message_id,
            receipts=(Receipt("d" if delivered else None, "r" if read else None, "agent"),),
        ),
    )


def ids(tr: Transcript) -> list[str]:
    return [i.id for i in tr.items]


def test_merge_returns_new_items_and_dedupes() -> None:
    tr = Transcript()
    a, b = msg("a", t(1)), msg("b", t(2))
    assert tr.merge([a, b]) == [a, b]
    assert tr.merge([a, b]) == []
    assert tr.merge([b, msg("c", t(3))]) == [msg("c", t(3))]
    assert ids(tr) == ["a", "b", "c"]
    assert len(tr) == 3
    assert tr.seen("a")
    assert not tr.seen("zzz")


def test_same_id_replaces_in_place() -> None:
    tr = Transcript()
    tr.merge([msg("a", t(1)), msg("s", t(2), "Hel"), msg("c", t(3))])
    assert tr.merge([msg("s", t(9), "Hello")]) == []  # not new: replaced, position kept
    assert ids(tr) == ["a", "s", "c"]
    assert tr.get("s") == msg("s", t(9), "Hello")


def test_ordered_by_time_then_arrival() -> None:
    tr = Transcript()
    tr.merge([msg("late", t(5)), msg("early", t(1)), msg("mid", t(3))])
    tr.merge([msg("tie1", t(3)), msg("tie2", t(3))])
    assert ids(tr) == ["early", "mid", "tie1", "tie2", "late"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2026-11-25T15:15:40.2Z", "2026-11-25T15:15:40.217Z"),  # string order would be wrong
        ("2026-11-25T15:15:40Z", "2026-11-25T15:15:40.001Z"),
        ("2026-11-25T16:15:40.000+01:00", "2026-11-25T15:15:40.500Z"),  # offsets
        ("2026-11-25T15:15:40.000", "2026-11-25T15:15:41.000Z"),  # naive = UTC
    ],
)
def test_times_are_compared_as_times(first: str, second: str) -> None:
    tr = Transcript()
    tr.merge([msg("second", second), msg("first", first)])
    assert ids(tr) == ["first", "second"]


def test_items_without_usable_time_go_after_everything_seen() -> None:
    tr = Transcript()
    tr.merge([msg("a", t(5)), msg("synthetic-end", ""), msg("garbage", "yesterday")])
    tr.merge([msg("b", t(1))])
    assert ids(tr) == ["b", "a", "synthetic-end", "garbage"]
    empty = Transcript()
    empty.merge([msg("x", "")])
    assert ids(empty) == ["x"]


def test_last_item_is_the_newest_by_time_with_a_time() -> None:
    tr = Transcript()
    assert (tr.last_item_id, tr.last_absolute_time) == (None, None)
    tr.merge([msg("b", t(5)), msg("a", t(1))])
    assert (tr.last_item_id, tr.last_absolute_time) == ("b", t(5))
    tr.merge([msg("end", ""), receipt_item("md", "b", read=True)])
    assert tr.last_item_id == "b"


def test_metadata_items_are_kept_apart_and_raise_status() -> None:
    tr = Transcript()
    tr.merge([msg("m1", t(1))])
    md_delivered = receipt_item("md1", "m1", read=False)
    assert tr.merge([md_delivered]) == [md_delivered]
    assert ids(tr) == ["m1"]
    assert tr.metadata_items == (md_delivered,)
    assert tr.status("m1") is MessageStatus.DELIVERED
    tr.merge([receipt_item("md2", "m1", read=True)])
    assert tr.status("m1") is MessageStatus.READ
    tr.merge([receipt_item("md3", "m1", read=False)])
    assert tr.status("m1") is MessageStatus.READ  # never goes down
    assert tr.merge([md_delivered]) == []  # already seen
    assert tr.seen("md1")
    tr.merge([receipt_item("md4", "unknown", read=False, delivered=False)])
    assert tr.status("unknown") is None
    tr.merge([Item(id="md5", type="MESSAGEMETADATA")])  # no metadata at all: kept, ignored
    assert tr.seen("md5")


def test_local_message_lifecycle_echo_after_send() -> None:
    tr = Transcript()
    tr.merge([msg("agent-hi", t(1))])
    local = tr.add_local("tok-1", "text/plain", "hello", "CUSTOMER", t(2))
    assert local == LocalMessage("tok-1", "text/plain", "hello", "CUSTOMER", t(2))
    assert local.status is MessageStatus.SENDING
    assert tr.entries == (msg("agent-hi", t(1)), local)
    sent = tr.mark_sent("tok-1", "srv-1", t(2.1))
    assert (sent.status, sent.item_id, sent.absolute_time) == (MessageStatus.SENT, "srv-1", t(2.1))
    assert tr.status("srv-1") is MessageStatus.SENT
    assert tr.entries[-1] == sent  # still shown until the service's item arrives
    echo = msg("srv-1", t(2.1), "hello")
    assert tr.merge([echo]) == [echo]
    assert tuple(tr.entries) == (msg("agent-hi", t(1)), echo)
    tr.merge([receipt_item("md", "srv-1", read=True)])
    assert tr.status("srv-1") is MessageStatus.READ
    assert tr.local("tok-1").status is MessageStatus.SENT


def test_local_message_echo_before_send_result() -> None:
    tr = Transcript()
    tr.add_local("tok-1", "text/plain", "hello", "CUSTOMER", t(2))
    tr.merge([msg("srv-1", t(2.1), "hello"), receipt_item("md", "srv-1", read=False)])
    tr.mark_sent("tok-1", "srv-1", t(2.1))
    assert tr.entries == (msg("srv-1", t(2.1), "hello"),)
    assert tr.status("srv-1") is MessageStatus.DELIVERED  # SENT does not lower it


def test_failed_messages_and_retry() -> None:
    tr = Transcript()
    tr.add_local("a", "text/plain", "1", "CUSTOMER", t(1))
    tr.add_local("b", "text/plain", "2", "CUSTOMER", t(2))
    error = RuntimeError("network down")
    failed = tr.mark_failed("b", error)
    assert failed.status is MessageStatus.FAILED
    assert failed.error is error
    assert tr.failed_messages() == [failed]
    assert tr.entries[-1] == failed
    retry = tr.mark_sending("b")
    assert retry.status is MessageStatus.SENDING
    assert retry.error is None
    assert tr.failed_messages() == []


def test_local_message_errors() -> None:
    tr = Transcript()
    tr.add_local("a", "text/plain", "1", "CUSTOMER", t(1))
    with pytest.raises(ValueError, match="already exists"):
        tr.add_local("a", "text/plain", "1", "CUSTOMER", t(1))
    with pytest.raises(KeyError):
        tr.mark_sent("nope", "x", t(1))
    with pytest.raises(KeyError):
        tr.mark_failed("nope", "boom")


def test_local_messages_are_placed_by_time() -> None:
    tr = Transcript()
    tr.merge([msg("a", t(1)), msg("c", t(3))])
    tr.add_local("b", "text/plain", "x", "CUSTOMER", t(2))
    assert [getattr(e, "id", getattr(e, "local_id", None)) for e in tr.entries] == ["a", "b", "c"]
    assert ids(tr) == ["a", "c"]


def test_clear() -> None:
    tr = Transcript()
    tr.merge([msg("a", t(1)), receipt_item("md", "a", read=True)])
    tr.add_local("l", "text/plain", "x", "CUSTOMER", t(2))
    tr.clear()
    assert (tr.items, tr.entries, tr.metadata_items, len(tr)) == ((), (), (), 0)
    assert not tr.seen("a")
    assert tr.status("a") is None
    assert tr.merge([msg("a", t(1))]) == [msg("a", t(1))]


_distinct_items = st.lists(st.integers(0, 59_999), min_size=0, max_size=25, unique=True).map(
    lambda ms: [msg(f"id{m}", t(m / 1000)) for m in ms]
)


@given(_distinct_items, st.randoms())
def test_merge_is_idempotent_and_order_independent(items: list[Item], rnd: random.Random) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    one, two = Transcript(), Transcript()
    assert one.merge(items) == items
    assert two.merge(shuffled) == shuffled
    expected = tuple(sorted(items, key=lambda i: i.absolute_time))
    assert one.items == two.items == expected
    assert one.merge(shuffled) == []
    assert one.items == expected
    half = len(items) // 2
    three = Transcript()
    three.merge(shuffled[half:])
    three.merge(items)
    assert three.items == expected
