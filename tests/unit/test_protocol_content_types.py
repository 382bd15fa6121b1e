"""Content-type constants and the pre-send validators."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.errors import ValidationError
from trioconnect.protocol import content_types as ct

# The 42 values of ChatJS 5's CONTENT_TYPE table (events-and-content-types.md §1).
CHATJS_42 = {
    "text/plain",
    "text/markdown",
    "text/csv",
    "application/json",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/jpeg",
    "image/png",
    "audio/wav",
    "audio/x-wav",
    "audio/vnd.wave",
    "application/vnd.amazonaws.connect.message.interactive",
    "application/vnd.amazonaws.connect.message.interactive.response",
    *(
        "application/vnd.amazonaws.connect.event." + suffix
        for suffix in [
            "typing",
            "message.read",
            "message.delivered",
            "connection.acknowledged",
            "participant.joined",
            "participant.left",
            "participant.active",
            "participant.inactive",
            "participant.idle",
            "participant.returned",
            "participant.invited",
            "participant.autodisconnection",
            "participant.displayname.updated",
            "transfer.succeeded",
            "transfer.failed",
            "chat.ended",
            "chat.rehydrated",
            "workflow.cancelled",
            "authentication.initiated",
            "authentication.succeeded",
            "authentication.failed",
            "authentication.timeout",
            "authentication.expired",
            "authentication.cancelled",
        ]
    ),
}

SERVICE_EXTENSIONS = set(
    [
        "csv",
        "doc",
        "docx",
        "heic",
        "jfif",
        "jpeg",
        "jpg",
        "mov",
        "mp4",
        "pdf",
        "png",
        "ppt",
        "pptx",
        "rtf",
        "txt",
        "wav",
        "xls",
        "xlsx",
    ]
)


def test_chatjs_content_types_are_exactly_the_42() -> None:
    assert len(CHATJS_42) == 42
    assert ct.CHATJS_CONTENT_TYPES == CHATJS_42
    assert (
        CHATJS_42 | {"application/vnd.amazonaws.connect.message.attachment"}
        == ct.KNOWN_CONTENT_TYPES
    )
    assert ct.ATTACHMENT_MESSAGE == "application/vnd.amazonaws.connect.message.attachment"


def test_every_named_constant_is_a_known_or_attachment_type() -> None:
    names = [n for n in ct.__all__ if n.isupper() and isinstance(getattr(ct, n), str)]
    values = {getattr(ct, n) for n in names} - {ct.EVENT_PREFIX}
    assert values >= CHATJS_42
    assert values <= ct.KNOWN_CONTENT_TYPES | ct.ATTACHMENT_CONTENT_TYPES


def test_event_prefix_and_is_event_content_type() -> None:
    assert ct.EVENT_PREFIX == "application/vnd.amazonaws.connect.event."
    events = {c for c in CHATJS_42 if ct.is_event_content_type(c)}
    assert len(events) == 24
    assert not ct.is_event_content_type(None)
    assert not ct.is_event_content_type("text/plain")


def test_service_lists() -> None:
    assert {
        "text/plain",
        "text/markdown",
        "application/json",
        "application/vnd.amazonaws.connect.message.interactive.response",
    } == ct.MESSAGE_CONTENT_TYPES
    assert {
        ct.TYPING,
        ct.CONNECTION_ACKNOWLEDGED,
        ct.MESSAGE_DELIVERED,
        ct.MESSAGE_READ,
    } == ct.EVENT_CONTENT_TYPES
    assert set(ct.ATTACHMENT_EXTENSIONS) == SERVICE_EXTENSIONS
    assert ct.MAX_MESSAGE_BYTES == 16384
    assert ct.MAX_ATTACHMENT_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("extension", "mime"),
    [
        ("csv", "text/csv"),
        ("doc", "application/msword"),
        ("docx", ct.APPLICATION_DOCX),
        ("heic", "image/heic"),
        ("jfif", "image/jpeg"),
        ("jpeg", "image/jpeg"),
        ("jpg", "image/jpeg"),
        ("mov", "video/quicktime"),
        ("mp4", "video/mp4"),
        ("pdf", "application/pdf"),
        ("png", "image/png"),
        ("ppt", "application/vnd.ms-powerpoint"),
        ("pptx", ct.APPLICATION_PPTX),
        ("rtf", "application/rtf"),
        ("txt", "text/plain"),
        ("wav", "audio/wav"),
        ("xls", "application/vnd.ms-excel"),
        ("xlsx", ct.APPLICATION_XLSX),
    ],
)
def test_attachment_mime_types(extension: str, mime: str) -> None:
    assert mime in ct.ATTACHMENT_CONTENT_TYPES
    assert mime in ct.ATTACHMENT_EXTENSIONS[extension]
    ct.validate_attachment(f"file.{extension}", mime, 10)
    ct.validate_attachment(f"FILE.{extension.upper()}", mime.upper() + "; charset=utf-8", 10)


# --- validate_message -----------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", sorted(ct.MESSAGE_CONTENT_TYPES))
def test_validate_message_accepts_service_types(content_type: str) -> None:
    ct.validate_message('{"x": 1}', content_type)


@pytest.mark.parametrize("content_type", sorted(ct.KNOWN_CONTENT_TYPES - ct.MESSAGE_CONTENT_TYPES))
def test_validate_message_refuses_other_types(content_type: str) -> None:
    with pytest.raises(ValidationError, match="cannot be sent as a message"):
        ct.validate_message("hello", content_type)


@pytest.mark.parametrize("content_type", ["", "text/html", "TEXT/PLAIN", "text/plain "])
def test_validate_message_refuses_unknown_types(content_type: str) -> None:
    with pytest.raises(ValidationError, match="cannot be sent as a message"):
        ct.validate_message("hello", content_type)


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        ("", False),
        (" ", True),
        ("a" * 16384, True),
        ("a" * 16385, False),
        ("é" * 8192, True),  # 2 bytes each: exactly 16,384
        ("é" * 8193, False),
        ("😀" * 4096, True),  # 4 bytes each
        ("😀" * 4096 + "a", False),
    ],
)
def test_validate_message_size_and_emptiness(content: str, ok: bool) -> None:
    if ok:
        ct.validate_message(content, ct.TEXT_PLAIN)
    else:
        with pytest.raises(ValidationError, match=r"empty|bytes"):
            ct.validate_message(content, ct.TEXT_PLAIN)


def test_validate_message_refuses_non_string() -> None:
    with pytest.raises(ValidationError, match="must be a str"):
        ct.validate_message(b"bytes", ct.TEXT_PLAIN)  # type: ignore[arg-type]


@given(st.text(max_size=20000))
def test_validate_message_raises_exactly_when_empty_or_too_big(content: str) -> None:
    should_fail = content == "" or len(content.encode("utf-8")) > 16384
    try:
        ct.validate_message(content, ct.TEXT_MARKDOWN)
    except ValidationError:
        assert should_fail
    else:
        assert not should_fail


# --- validate_event -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        (ct.TYPING, None),
        (ct.TYPING, "{}"),
        (ct.TYPING, '"a json string"'),
        (ct.CONNECTION_ACKNOWLEDGED, None),
        (ct.MESSAGE_READ, '{"messageId":"m1"}'),
        (ct.MESSAGE_DELIVERED, '{"messageId":"m1","disableThrottle":true}'),
    ],
)
def test_validate_event_accepts(content_type: str, content: str | None) -> None:
    ct.validate_event(content_type, content)


@pytest.mark.parametrize("content_type", sorted(ct.KNOWN_CONTENT_TYPES - ct.EVENT_CONTENT_TYPES))
def test_validate_event_refuses_other_types(content_type: str) -> None:
    with pytest.raises(ValidationError, match="cannot be sent as an event"):
        ct.validate_event(content_type, None)


@pytest.mark.parametrize(
    ("content_type", "content", "match"),
    [
        (ct.TYPING, "not json", "not valid JSON"),
        (ct.TYPING, "", "not valid JSON"),
        (ct.TYPING, "{", "not valid JSON"),
        (ct.TYPING, json.dumps({"a": "x" * 16384}), "bytes"),
        (ct.MESSAGE_READ, None, "messageId"),
        (ct.MESSAGE_READ, "{}", "messageId"),
        (ct.MESSAGE_READ, '{"messageId":""}', "messageId"),
        (ct.MESSAGE_READ, '{"messageId":5}', "messageId"),
        (ct.MESSAGE_DELIVERED, '["m1"]', "messageId"),
        (ct.MESSAGE_DELIVERED, "m1", "not valid JSON"),
    ],
)
def test_validate_event_refuses(content_type: str, content: str | None, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        ct.validate_event(content_type, content)


def test_validate_event_refuses_non_string_content() -> None:
    with pytest.raises(ValidationError, match="must be a str"):
        ct.validate_event(ct.TYPING, {"a": 1})  # type: ignore[arg-type]


# --- validate_attachment --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "size", "match"),
    [
        ("", "text/plain", 1, "name is empty"),
        ("a" * 253 + ".txt", "text/plain", 1, "characters"),
        ("notes.txt", "text/plain", 0, "empty"),
        ("notes.txt", "text/plain", -5, "empty"),
        ("notes.txt", "text/plain", 20 * 1024 * 1024 + 1, "limit"),
        ("notes.txt", "text/plain", True, "must be an int"),
        ("notes.txt", "text/plain", 1.5, "must be an int"),
        ("virus.exe", "application/octet-stream", 10, "extension 'exe' is not allowed"),
        ("picture.gif", "image/gif", 10, "extension 'gif' is not allowed"),
        ("README", "text/plain", 10, "extension '' is not allowed"),
        ("notes.txt", "text/html", 10, "content type 'text/html' is not allowed"),
        ("report.pdf", "image/png", 10, "does not match"),
        ("photo.png", "image/jpeg", 10, "does not match"),
        ("sound.wav", "video/mp4", 10, "does not match"),
    ],
)
def test_validate_attachment_refuses(name: str, content_type: str, size: int, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        ct.validate_attachment(name, content_type, size)


@pytest.mark.parametrize("mime", ["audio/wav", "audio/x-wav", "audio/vnd.wave"])
def test_validate_attachment_accepts_every_wav_name(mime: str) -> None:
    ct.validate_attachment("voice.wav", mime, ct.MAX_ATTACHMENT_BYTES)


def test_validate_attachment_limits_are_inclusive() -> None:
    ct.validate_attachment("a" * 252 + ".txt", "text/plain", 1)
    ct.validate_attachment("dir.with.dots/archive.2024.pdf", "application/pdf", 20 * 1024 * 1024)


def test_receipt_message_id_reads_what_validate_event_accepts() -> None:
    assert ct.receipt_message_id('{"messageId": "abc"}') == "abc"
    for bad in ("", "not json", "[]", '{"messageId": ""}', '{"messageId": 3}', "{}"):
        with pytest.raises(ValidationError):
            ct.receipt_message_id(bad)
