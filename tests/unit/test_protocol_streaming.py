"""Lex streaming stitching: in order, gaps, duplicates, out of order, finals, transcript, bounds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.protocol.items import Item, MessageMetadata
from trioconnect.protocol.streaming import PartialMessageStitcher, is_partial


def chunk(
    n: int | None, text: str, *, completed: bool = False, item_id: str = "s1", at: str = ""
) -> Item:
    return Item(
        id=item_id,
        type="MESSAGE",
        content_type="text/plain",
        content=text,
        absolute_time=at or f"2026-01-01T00:00:{n or 59:02d}Z",
        participant_role="SYSTEM",
        message_metadata=MessageMetadata(
            message_id=item_id, message_completed=completed, chunk_number=n
        ),
    )


def final(text: str, *, item_id: str = "s1", n: int | None = None) -> Item:
    return chunk(n, text, completed=True, item_id=item_id, at="2026-01-01T00:01:00Z")


@pytest.mark.parametrize(
    ("item", "partial"),
    [
        (chunk(1, "a"), True),
        (final("abc"), True),
        (chunk(1, "a").replace(participant_role="AGENT"), False),
        (chunk(1, "a").replace(participant_role="CUSTOM_BOT"), False),
        (chunk(1, "a").replace(type="EVENT"), False),
        (chunk(1, "a").replace(message_metadata=None), False),
        (chunk(1, "a").replace(message_metadata=MessageMetadata("s1", chunk_number=1)), False),
    ],
)
def test_is_partial(item: Item, partial: bool) -> None:
    assert is_partial(item) is partial
    assert PartialMessageStitcher().is_partial(item) is partial


def test_non_partial_items_pass_through_unchanged() -> None:
    s = PartialMessageStitcher()
    plain = Item(id="x", type="MESSAGE", content="hi", participant_role="AGENT")
    assert s.feed(plain) is plain
    assert len(s) == 0


def contents(s: PartialMessageStitcher, items: list[Item]) -> list[str | None]:
    out = []
    for it in items:
        emitted = s.feed(it)
        out.append(None if emitted is None else emitted.content)
    return out


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        # in order, then the final (whose own content wins)
        (
            [chunk(1, "Hel"), chunk(2, "lo "), chunk(3, "world"), final("Hello world!")],
            ["Hel", "Hello ", "Hello world", "Hello world!"],
        ),
        # a gap: chunk 3 ignored until chunk 2 arrives; then 3 again continues
        (
            [chunk(1, "a"), chunk(3, "c"), chunk(2, "b"), chunk(3, "c")],
            ["a", None, "ab", "abc"],
        ),
        # duplicates ignored
        ([chunk(1, "a"), chunk(1, "a"), chunk(2, "b"), chunk(2, "b")], ["a", None, "ab", None]),
        # first chunk is not 1: ignored; chunk 1 later starts the message
        ([chunk(2, "b"), chunk(1, "a"), chunk(2, "b")], [None, "a", "ab"]),
        # a final alone is emitted; a duplicate final is not; straggling chunks are ignored
        ([final("all"), final("all"), chunk(1, "a"), chunk(2, "b")], ["all", None, None, None]),
        # the final fixes gaps
        ([chunk(1, "a"), chunk(3, "c"), final("abc")], ["a", None, "abc"]),
        # chunks without numbers never extend
        ([chunk(1, "a"), chunk(None, "b"), final("ab")], ["a", None, "ab"]),
        ([chunk(None, "b")], [None]),
    ],
)
def test_stitching_table(sequence: list[Item], expected: list[str | None]) -> None:
    assert contents(PartialMessageStitcher(), sequence) == expected


def test_stitched_item_shape() -> None:
    s = PartialMessageStitcher()
    first = s.feed(chunk(1, "Hel", at="2026-01-01T00:00:01Z"))
    assert first == chunk(1, "Hel", at="2026-01-01T00:00:01Z")
    second = s.feed(chunk(2, "lo", at="2026-01-01T00:00:02Z"))
    assert second is not None
    assert second.content == "Hello"
    assert second.absolute_time == "2026-01-01T00:00:01Z"  # the first chunk's
    assert second.message_metadata is not None
    assert second.message_metadata.chunk_number == 2  # otherwise the last chunk
    assert second.to_json()["Content"] == "Hello"
    done = s.feed(final("Hello!"))
    assert done == final("Hello!")  # ChatJS: the final item as it came


def test_messages_are_independent() -> None:
    s = PartialMessageStitcher()
    assert contents(
        s,
        [
            chunk(1, "a", item_id="x"),
            chunk(1, "1", item_id="y"),
            chunk(2, "b", item_id="x"),
            final("12", item_id="y"),
            chunk(2, "2", item_id="y"),
        ],
    ) == ["a", "1", "ab", "12", None]


def test_transcript_version_completes_the_message() -> None:
    s = PartialMessageStitcher()
    contents(s, [chunk(1, "a"), chunk(2, "b")])
    s.on_transcript_item(Item(id="s1", type="MESSAGE", content="ab!", participant_role="SYSTEM"))
    assert contents(s, [chunk(3, "c"), final("abc!")]) == [None, None]


def test_transcript_partial_version_restarts_the_entry() -> None:
    s = PartialMessageStitcher()
    contents(s, [chunk(1, "a")])
    s.on_transcript_item(chunk(2, "AB"))
    assert contents(s, [chunk(2, "b"), chunk(3, "c"), final("abc")]) == [None, "ABc", "abc"]


def test_transcript_item_for_unknown_id_changes_nothing() -> None:
    s = PartialMessageStitcher()
    s.on_transcript_item(chunk(2, "b"))
    assert len(s) == 0
    assert contents(s, [chunk(2, "b")]) == [None]


def test_memory_is_bounded() -> None:
    s = PartialMessageStitcher(max_entries=3)
    for n in range(10):
        assert s.feed(final(f"m{n}", item_id=f"id{n}")) is not None
    assert len(s) == 3
    # id0 is forgotten: a duplicate of its final is emitted again (documented); id9 is not
    assert s.feed(final("m0", item_id="id0")) is not None
    assert s.feed(final("m9", item_id="id9")) is None
    for n in range(5):
        s.feed(chunk(1, "a", item_id=f"p{n}"))
    assert len(s) == 6
    assert s.feed(chunk(2, "b", item_id="p0")) is None  # evicted: waits for the final
    assert s.feed(chunk(2, "b", item_id="p4")) is not None
    s.clear()
    assert len(s) == 0
    with pytest.raises(ValueError, match="max_entries"):
        PartialMessageStitcher(max_entries=0)


@given(
    pieces=st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=8),
    data=st.data(),
)
def test_any_delivery_order_gives_prefixes_then_the_full_text_once(
    pieces: list[str], data: st.DataObject
) -> None:
    full = "".join(pieces)
    chunks = [chunk(n, text) for n, text in enumerate(pieces, start=1)]
    deliveries = data.draw(st.lists(st.sampled_from(chunks), max_size=20))
    s = PartialMessageStitcher()
    emitted = [e for e in (s.feed(c) for c in deliveries) if e is not None]
    for e in emitted:
        assert e.content is not None
        assert full.startswith(e.content)
    finals = [s.feed(final(full)) for _ in range(data.draw(st.integers(1, 3)))]
    assert finals[0] is not None
    assert finals[0].content == full
    assert all(f is None for f in finals[1:])
