"""The transcript finds entries by their sort key: random histories keep every invariant.

Local messages are added, sent, failed and re-sent, and service items (with times in any order,
some merged again) are merged, in random interleavings; after each step the entries must be in time
order, hold each service item once, and hold each local message (in its latest version) exactly
while the service's own item for it has not been merged.
"""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from trioconnect.protocol.items import Item
from trioconnect.protocol.transcript import LocalMessage, MessageStatus, Transcript, _parse_time

_TIMES = st.integers(0, 30).map(lambda s: f"2026-11-25T16:00:{s:02d}.000Z")
_STEP = st.one_of(
    st.tuples(st.just("local"), st.integers(0, 5), _TIMES),
    st.tuples(st.just("sent"), st.integers(0, 5), _TIMES),
    st.tuples(st.just("failed"), st.integers(0, 5), _TIMES),
    st.tuples(st.just("resend"), st.integers(0, 5), _TIMES),
    st.tuples(st.just("item"), st.integers(0, 8), _TIMES),
)


def _check(transcript: Transcript, sent_as: dict[str, str]) -> None:
    entries = transcript.entries
    times = [_parse_time(e.absolute_time if isinstance(e, Item) else e.created_at) for e in entries]
    assert times == sorted(times)
    ids = [e.id for e in entries if isinstance(e, Item)]
    assert len(ids) == len(set(ids)) == len(transcript)
    shown = {e.local_id: e for e in entries if isinstance(e, LocalMessage)}
    for local_id, item_id in sent_as.items():
        assert (local_id in shown) is (not transcript.seen(item_id))
    for local_id, message in shown.items():
        assert message is transcript.local(local_id)


@settings(max_examples=300, deadline=None)
@given(st.lists(_STEP, max_size=40))
def test_random_histories_keep_the_invariants(steps: list[tuple[str, int, str]]) -> None:
    transcript = Transcript()
    sent_as: dict[str, str] = {}
    for action, n, when in steps:
        local_id = f"local-{n}"
        known = local_id in {m.local_id for m in transcript.failed_messages()} or (
            local_id in sent_as
        )
        if action == "local":
            with contextlib.suppress(ValueError):
                transcript.add_local(local_id, "text/plain", "x", "CUSTOMER", when)
        elif action == "sent":
            try:
                message = transcript.local(local_id)
            except KeyError:
                continue
            if message.status is MessageStatus.SENDING:
                sent_as[local_id] = f"item-{n}"
                transcript.mark_sent(local_id, f"item-{n}", when)
        elif action == "failed" and not known:
            try:
                transcript.mark_failed(local_id, "boom")
            except KeyError:
                continue
        elif action == "resend":
            if any(m.local_id == local_id for m in transcript.failed_messages()):
                transcript.mark_sending(local_id)
        elif action == "item":
            # A later version of an item keeps its place, so each Id has one time here.
            item_time = f"2026-11-25T16:00:{n * 7 % 31:02d}.000Z"
            transcript.merge([Item(id=f"item-{n}", type="MESSAGE", absolute_time=item_time)])
        _check(transcript, sent_as)


def test_many_in_order_messages_stay_in_order() -> None:
    transcript = Transcript()
    for i in range(3000):
        when = f"2026-11-25T16:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
        transcript.add_local(f"l{i}", "text/plain", "x", "CUSTOMER", when)
        transcript.mark_sent(f"l{i}", f"i{i}", when)
        transcript.merge([Item(id=f"i{i}", type="MESSAGE", absolute_time=when)])
    assert [e.id for e in transcript.entries if isinstance(e, Item)] == [
        f"i{i}" for i in range(3000)
    ]
    assert len(transcript.entries) == 3000
