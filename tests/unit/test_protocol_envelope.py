"""WebSocket frame encoding and decoding, including garbage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trioconnect.protocol import envelope as env
from trioconnect.protocol.items import Item


def test_client_frames_are_exactly_chatjs() -> None:
    assert env.encode_subscribe() == '{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}'
    assert env.encode_heartbeat() == '{"topic":"aws/heartbeat"}'
    assert env.encode_ping() == '{"topic":"aws/ping"}'
    assert env.encode_subscribe(["a", "b"]) == (
        '{"topic":"aws/subscribe","content":{"topics":["a","b"]}}'
    )


ITEM_JSON = {
    "AbsoluteTime": "2026-11-25T15:15:40.217Z",
    "ContentType": "text/plain",
    "Id": "840e",
    "Type": "MESSAGE",
    "ParticipantRole": "AGENT",
    "Content": 'quote " and unicode é',
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (env.encode_subscribe_response(), env.SubscribeResponse("success", ("aws/chat",))),
        (env.encode_subscribe_response("failure", []), env.SubscribeResponse("failure", ())),
        (env.encode_heartbeat_response(), env.HeartbeatResponse()),
        (env.encode_ping_response(), env.PingResponse(200, "OK")),
        (env.encode_ping_response(503, None), env.PingResponse(503, None)),
        (env.encode_chat_item(ITEM_JSON), env.ChatItem(Item.from_json(ITEM_JSON))),
        (env.encode_chat_item(Item.from_json(ITEM_JSON)), env.ChatItem(Item.from_json(ITEM_JSON))),
    ],
)
def test_server_frames_round_trip(text: str, expected: env.Frame) -> None:
    assert env.decode_frame(text) == expected


def test_subscribe_and_ping_ok_flags() -> None:
    assert env.SubscribeResponse("success", ()).ok
    assert not env.SubscribeResponse("failure", ()).ok
    assert env.PingResponse(200, None).ok
    assert not env.PingResponse(None, None).ok


def test_chat_content_is_a_json_string_and_extra_keys_are_ignored() -> None:
    frame = json.loads(env.encode_chat_item(ITEM_JSON))
    assert isinstance(frame["content"], str)
    frame["contentType"] = "application/json"
    decoded = env.decode_frame(json.dumps(frame))
    assert isinstance(decoded, env.ChatItem)
    assert decoded.item.content == 'quote " and unicode é'
    assert decoded.item.to_json() == ITEM_JSON


def frame(**kw: Any) -> str:
    return json.dumps(kw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", env.MalformedFrame("empty frame")),
        ("   ", env.MalformedFrame("empty frame")),
        ("null", env.MalformedFrame("frame is not a JSON object: NoneType")),
        ("[]", env.MalformedFrame("frame is not a JSON object: list")),
        ('"aws/chat"', env.MalformedFrame("frame is not a JSON object: str")),
        ("{}", env.MalformedFrame("frame has no topic")),
        (frame(topic=None), env.MalformedFrame("frame has no topic")),
        (frame(topic=5), env.MalformedFrame("frame topic is not a string: int")),
        (
            frame(message="Forbidden", connectionId="c", requestId="r"),
            env.TopicFailure("Forbidden"),
        ),
        (frame(topic="aws/unknown"), env.UnknownFrame("aws/unknown")),
        (frame(topic="AWS/CHAT"), env.UnknownFrame("AWS/CHAT")),
        (frame(topic="aws/heartbeat", content={"anything": 1}), env.HeartbeatResponse()),
        (frame(topic="aws/ping"), env.PingResponse(None, None)),
        (frame(topic="aws/ping", statusCode="200"), env.PingResponse(None, None)),
        (frame(topic="aws/ping", statusCode=True), env.PingResponse(None, None)),
        (frame(topic="aws/ping", statusCode=500, statusContent=5), env.PingResponse(500, None)),
        (
            frame(topic="aws/subscribe"),
            env.MalformedFrame("aws/subscribe answer has no content object"),
        ),
        (frame(topic="aws/subscribe", content={}), env.SubscribeResponse("", ())),
        (
            frame(topic="aws/subscribe", content={"status": 1, "topics": ["a", 2, None]}),
            env.SubscribeResponse("", ("a",)),
        ),
        (
            frame(topic="aws/subscribe", content={"status": "success", "topics": "aws/chat"}),
            env.SubscribeResponse("success", ()),
        ),
    ],
)
def test_decode_table(text: str, expected: env.Frame) -> None:
    assert env.decode_frame(text) == expected


@pytest.mark.parametrize(
    ("content", "reason_part"),
    [
        ({"Id": "x"}, "must be a JSON string, got dict"),
        (None, "must be a JSON string, got NoneType"),
        (12, "must be a JSON string, got int"),
        ("not json", "Wrong message format"),
        ("", "Wrong message format"),
        ("[]", "must be a JSON object"),
        ('"string"', "must be a JSON object"),
        ('{"Id": 5}', "Item.Id must be a string"),
        ('{"MessageMetadata": {"ChunkNumber": "x"}}', "ChunkNumber"),
        ("[" * 100_000, "Wrong message format"),
    ],
)
def test_bad_chat_content(content: Any, reason_part: str) -> None:
    decoded = env.decode_frame(frame(topic="aws/chat", content=content))
    assert isinstance(decoded, env.MalformedFrame)
    assert decoded.reason.startswith("Wrong message format")
    assert reason_part in decoded.reason


@pytest.mark.parametrize(
    "text", ["{", "}{", '{"topic":', "[" * 100_000, "\x00", "NaN", "\ud800", b"{}"]
)
def test_garbage_is_malformed(text: Any) -> None:
    assert isinstance(env.decode_frame(text), env.MalformedFrame)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (env.encode_subscribe(), env.SubscribeRequest(("aws/chat",))),
        (env.encode_heartbeat(), env.HeartbeatRequest()),
        (env.encode_ping(), env.PingRequest()),
        (frame(topic="aws/unsubscribe"), env.UnknownFrame("aws/unsubscribe")),
        (frame(topic="aws/subscribe"), None),
        (frame(topic="aws/subscribe", content={"topics": [1]}), None),
        (frame(content={}), None),
        ("nope", None),
    ],
)
def test_decode_client_frame(text: str, expected: env.ClientFrame | None) -> None:
    decoded = env.decode_client_frame(text)
    if expected is None:
        assert isinstance(decoded, env.MalformedFrame)
    else:
        assert decoded == expected


FRAME_TYPES = (
    env.SubscribeResponse,
    env.HeartbeatResponse,
    env.PingResponse,
    env.ChatItem,
    env.TopicFailure,
    env.UnknownFrame,
    env.MalformedFrame,
)

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_topics = st.sampled_from(["aws/chat", "aws/ping", "aws/heartbeat", "aws/subscribe", "x"])
_frames = st.fixed_dictionaries(
    {},
    optional={
        "topic": _topics | _json,
        "content": _json | _json.map(json.dumps),
        "statusCode": _json,
        "message": _json,
    },
)


@given(st.text())
def test_decode_never_raises_on_any_text(text: str) -> None:
    assert isinstance(env.decode_frame(text), FRAME_TYPES)


@given(_frames)
def test_decode_never_raises_on_frame_like_json(obj: dict[str, Any]) -> None:
    assert isinstance(env.decode_frame(json.dumps(obj)), FRAME_TYPES)
    env.decode_client_frame(json.dumps(obj))
