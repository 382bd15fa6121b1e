"""Item parsing, encoding, equality and error handling."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.errors import RemoteProtocolError
from trioconnect.protocol.items import AttachmentItem, Item, MessageMetadata, Receipt

# Items as the service pushes them (chatjs-wire.md §4).
MESSAGE = {
    "AbsoluteTime": "2026-11-25T15:15:40.217Z",
    "ContentType": "text/plain",
    "Id": "840e",
    "Type": "MESSAGE",
    "ParticipantId": "25c8",
    "DisplayName": "Agent",
    "ParticipantRole": "AGENT",
    "InitialContactId": "3cc5",
    "ContactId": "3cc5",
    "Content": "Agent echo: Hello",
}
METADATA = {
    "Id": "md1",
    "Type": "MESSAGEMETADATA",
    "ContactId": "3cc5",
    "InitialContactId": "3cc5",
    "MessageMetadata": {
        "MessageId": "m1",
        "Receipts": [
            {
                "DeliveredTimestamp": "2026-11-25T15:15:41.000Z",
                "ReadTimestamp": "2026-11-25T15:15:42.000Z",
                "RecipientParticipantId": "agent-1",
            }
        ],
    },
}
ATTACHMENT = {
    "AbsoluteTime": "2026-11-25T15:15:43.000Z",
    "ContentType": "text/plain",
    "Id": "att1",
    "Type": "ATTACHMENT",
    "ParticipantId": "c1",
    "DisplayName": "Customer",
    "ParticipantRole": "CUSTOMER",
    "Attachments": [
        {
            "AttachmentId": "a1",
            "AttachmentName": "notes.txt",
            "ContentType": "text/plain",
            "Status": "APPROVED",
        }
    ],
}
STREAM_CHUNK = {
    "Id": "s1",
    "Type": "MESSAGE",
    "ParticipantRole": "SYSTEM",
    "Content": "Hel",
    "MessageMetadata": {"MessageId": "s1", "MessageCompleted": False, "ChunkNumber": 1},
    "RelatedContactId": "rc",
    "SomethingNew": {"kept": True},
}
SAMPLES = [MESSAGE, METADATA, ATTACHMENT, STREAM_CHUNK]


def test_message_fields() -> None:
    item = Item.from_json(MESSAGE)
    assert item == Item(
        id="840e",
        type="MESSAGE",
        content_type="text/plain",
        content="Agent echo: Hello",
        absolute_time="2026-11-25T15:15:40.217Z",
        participant_id="25c8",
        display_name="Agent",
        participant_role="AGENT",
        contact_id="3cc5",
        initial_contact_id="3cc5",
    )
    assert item.raw is MESSAGE


def test_metadata_and_attachment_fields() -> None:
    md = Item.from_json(METADATA).message_metadata
    assert md == MessageMetadata(
        message_id="m1",
        receipts=(
            Receipt(
                delivered_timestamp="2026-11-25T15:15:41.000Z",
                read_timestamp="2026-11-25T15:15:42.000Z",
                recipient_participant_id="agent-1",
            ),
        ),
    )
    assert Item.from_json(ATTACHMENT).attachments == (
        AttachmentItem("a1", "notes.txt", "text/plain", "APPROVED"),
    )
    chunk = Item.from_json(STREAM_CHUNK)
    assert chunk.message_metadata == MessageMetadata("s1", (), False, 1)
    assert chunk.related_contact_id == "rc"


def test_missing_keys_are_tolerated() -> None:
    item = Item.from_json({})
    assert item == Item(id="", type="")
    assert item.absolute_time == ""
    assert item.content is None
    assert item.attachments == ()
    assert item.message_metadata is None
    nulls = Item.from_json({k: None for k in MESSAGE} | {"Attachments": None})
    assert nulls == Item(id="", type="")


def test_chatjs_synthetic_chat_ended() -> None:
    synthetic = {
        "AbsoluteTime": "",
        "ContentType": "application/vnd.amazonaws.connect.event.chat.ended",
        "Id": "",
        "Type": "EVENT",
        "InitialContactId": "",
    }
    item = Item.from_json(synthetic)
    assert (item.id, item.absolute_time, item.initial_contact_id) == ("", "", "")
    assert item.to_json() == synthetic


@pytest.mark.parametrize("bad", [None, [], "Id", 5, 1.5, True])
def test_not_a_mapping(bad: Any) -> None:
    with pytest.raises(RemoteProtocolError, match="JSON object"):
        Item.from_json(bad)


@pytest.mark.parametrize(
    ("patch", "match"),
    [
        ({"Id": 5}, "Item.Id"),
        ({"Id": ["x"]}, "Item.Id"),
        ({"Type": 1}, "Item.Type"),
        ({"Type": {"a": 1}}, "Item.Type"),
        ({"Content": 12}, "Item.Content"),
        ({"AbsoluteTime": 12}, "Item.AbsoluteTime"),
        ({"ContentType": False}, "Item.ContentType"),
        ({"Attachments": "a1"}, "Attachments"),
        ({"Attachments": ["a1"]}, "AttachmentItem"),
        ({"Attachments": [{"AttachmentId": 1}]}, "AttachmentId"),
        ({"MessageMetadata": "x"}, "MessageMetadata"),
        ({"MessageMetadata": {"MessageId": 3}}, "MessageId"),
        ({"MessageMetadata": {"Receipts": {}}}, "Receipts"),
        ({"MessageMetadata": {"Receipts": [5]}}, "Receipt"),
        ({"MessageMetadata": {"Receipts": [{"ReadTimestamp": 1}]}}, "ReadTimestamp"),
        ({"MessageMetadata": {"MessageCompleted": "true"}}, "MessageCompleted"),
        ({"MessageMetadata": {"ChunkNumber": "1"}}, "ChunkNumber"),
        ({"MessageMetadata": {"ChunkNumber": True}}, "ChunkNumber"),
    ],
)
def test_wrong_member_types(patch: dict[str, Any], match: str) -> None:
    with pytest.raises(RemoteProtocolError, match=match):
        Item.from_json(MESSAGE | patch)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: str(s["Id"]))
def test_to_json_reproduces_the_wire_form(sample: dict[str, Any]) -> None:
    item = Item.from_json(sample)
    assert item.to_json() == sample
    assert Item.from_json(item.to_json()) == item


def test_to_json_reflects_changes_and_keeps_unknown_keys() -> None:
    item = Item.from_json(STREAM_CHUNK).replace(content="Hello", participant_role=None)
    out = item.to_json()
    assert out["Content"] == "Hello"
    assert "ParticipantRole" not in out
    assert out["SomethingNew"] == {"kept": True}
    assert STREAM_CHUNK["Content"] == "Hel"  # the original is untouched


def test_built_item_to_json_has_no_empty_keys() -> None:
    assert Item(id="x", type="EVENT").to_json() == {"Id": "x", "Type": "EVENT"}
    assert Item(id="", type="").to_json() == {}


def test_raw_is_not_part_of_eq_hash_or_repr() -> None:
    a = Item.from_json(MESSAGE)
    b = Item.from_json(dict(MESSAGE, Extra="different raw"))
    assert a == b
    assert hash(a) == hash(b)
    assert "raw" not in repr(a)
    assert "Extra" not in repr(b)
    assert a != a.replace(content="other")


def test_items_are_frozen_and_slotted() -> None:
    item = Item.from_json(METADATA)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.id = "y"  # type: ignore[misc]
    assert not hasattr(item, "__dict__")
    assert {item, Item.from_json(METADATA)} == {item}


_opt_text = st.none() | st.text(max_size=8)
_receipts = st.builds(Receipt, _opt_text, _opt_text, _opt_text)
_metadata = st.builds(
    MessageMetadata,
    message_id=st.text(max_size=5),
    receipts=st.lists(_receipts, max_size=3).map(tuple),
    message_completed=st.none() | st.booleans(),
    chunk_number=st.none() | st.integers(-5, 10**6),
    message_processing_status=st.none() | st.sampled_from(["PROCESSING", "FAILED"]),
)
_items = st.builds(
    Item,
    id=st.text(max_size=8),
    type=st.sampled_from(["", "MESSAGE", "EVENT", "ATTACHMENT", "MESSAGEMETADATA"]),
    content_type=_opt_text,
    content=_opt_text,
    absolute_time=st.text(max_size=8),
    participant_id=_opt_text,
    display_name=_opt_text,
    participant_role=_opt_text,
    contact_id=_opt_text,
    initial_contact_id=_opt_text,
    attachments=st.lists(
        st.builds(AttachmentItem, st.text(max_size=4), _opt_text, _opt_text, _opt_text),
        max_size=2,
    ).map(tuple),
    message_metadata=st.none() | _metadata,
    related_contact_id=_opt_text,
)


@given(_items)
def test_round_trip_property(item: Item) -> None:
    assert Item.from_json(item.to_json()) == item
