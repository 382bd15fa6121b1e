"""boto3's own ``connectparticipant`` client through every operation, successes and errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from trioconnect.emulator import Emulator

TYPING = "application/vnd.amazonaws.connect.event.typing"
READ = "application/vnd.amazonaws.connect.event.message.read"
DELIVERED = "application/vnd.amazonaws.connect.event.message.delivered"


@pytest.fixture
async def chat(quiet_emu: Emulator, kit) -> dict[str, Any]:
    """A started chat with a boto3 client and a connection token (no agent)."""
    client = kit.boto_client(quiet_emu.base_url, "connectparticipant")
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started = await kit.start_chat(http)
    conn = await kit.call(
        client,
        "create_participant_connection",
        Type=["WEBSOCKET", "CONNECTION_CREDENTIALS"],
        ParticipantToken=started["ParticipantToken"],
    )
    return {
        "client": client,
        "emu": quiet_emu,
        "started": started,
        "conn": conn,
        "token": conn["ConnectionCredentials"]["ConnectionToken"],
    }


async def error_of(kit, client: Any, operation: str, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        await kit.call(client, operation, **kwargs)
    error = info.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]


async def test_connection_shape(chat: dict[str, Any]) -> None:
    conn = chat["conn"]
    assert conn["Websocket"]["Url"].startswith("ws://127.0.0.1:")
    assert "/ws?AuthToken=" in conn["Websocket"]["Url"]
    assert conn["Websocket"]["ConnectionExpiry"].endswith("Z")
    assert conn["ConnectionCredentials"]["Expiry"].endswith("Z")
    assert len(conn["ConnectionCredentials"]["ConnectionToken"]) <= 1000


async def test_send_message_event_and_transcript(chat: dict[str, Any], kit) -> None:
    client, token = chat["client"], chat["token"]
    sent = await kit.call(
        client, "send_message", ConnectionToken=token, ContentType="text/plain", Content="Hi"
    )
    assert sent["Id"]
    assert sent["AbsoluteTime"].endswith("Z")
    await kit.call(client, "send_event", ConnectionToken=token, ContentType=TYPING)
    receipt = json.dumps({"messageId": sent["Id"]})
    await kit.call(
        client,
        "send_event",
        ConnectionToken=token,
        ContentType=READ,
        Content=receipt,
        ClientToken="INCOMING_READ_RECEIPT",
    )
    page = await kit.call(client, "get_transcript", ConnectionToken=token, MaxResults=100)
    assert page["InitialContactId"] == chat["started"]["ContactId"]
    types = [item["Type"] for item in page["Transcript"]]
    assert types == ["EVENT", "MESSAGE", "MESSAGEMETADATA"]  # joined, message, receipt
    meta = page["Transcript"][-1]["MessageMetadata"]
    assert meta["MessageId"] == sent["Id"]
    assert "ReadTimestamp" in meta["Receipts"][0]


async def test_receipts_with_the_same_literal_client_token_do_not_collide(
    chat: dict[str, Any], kit
) -> None:
    client, token = chat["client"], chat["token"]
    ids = []
    for text in ("one", "two"):
        sent = await kit.call(
            client, "send_message", ConnectionToken=token, ContentType="text/plain", Content=text
        )
        ids.append(sent["Id"])
    answers = []
    for message_id in [*ids, ids[0]]:
        answers.append(
            await kit.call(
                client,
                "send_event",
                ConnectionToken=token,
                ContentType=DELIVERED,
                Content=json.dumps({"messageId": message_id}),
                ClientToken="INCOMING_DELIVERED_RECEIPT",
            )
        )
    assert answers[0]["Id"] != answers[1]["Id"]  # different messages: two receipts
    assert answers[2]["Id"] == answers[0]["Id"]  # exact repeat: the first answer, no new item
    page = await kit.call(client, "get_transcript", ConnectionToken=token, MaxResults=100)
    metadata = [i for i in page["Transcript"] if i["Type"] == "MESSAGEMETADATA"]
    assert [m["MessageMetadata"]["MessageId"] for m in metadata] == ids


async def test_client_token_makes_send_message_idempotent(chat: dict[str, Any], kit) -> None:
    client, token = chat["client"], chat["token"]
    kwargs = dict(ConnectionToken=token, ContentType="text/plain", Content="x", ClientToken="k")
    first = await kit.call(client, "send_message", **kwargs)
    second = await kit.call(client, "send_message", **kwargs)
    assert first["Id"] == second["Id"]


async def test_transcript_paging_both_directions(chat: dict[str, Any], kit) -> None:
    client, token = chat["client"], chat["token"]
    for n in range(7):
        await kit.call(
            client, "send_message", ConnectionToken=token, ContentType="text/plain", Content=f"m{n}"
        )

    async def walk(direction: str) -> list[str]:
        seen: list[str] = []
        kwargs: dict[str, Any] = dict(
            ConnectionToken=token, MaxResults=3, ScanDirection=direction, SortOrder="ASCENDING"
        )
        while True:
            page = await kit.call(client, "get_transcript", **kwargs)
            seen.extend(i.get("Content", "joined") for i in page["Transcript"])
            if "NextToken" not in page:
                return seen
            kwargs["NextToken"] = page["NextToken"]

    forward = await walk("FORWARD")
    assert forward == ["joined", "m0", "m1", "m2", "m3", "m4", "m5", "m6"]
    backward = await walk("BACKWARD")
    assert backward == ["m4", "m5", "m6", "m1", "m2", "m3", "joined", "m0"]
    latest = await kit.call(
        client,
        "get_transcript",
        ConnectionToken=token,
        MaxResults=2,
        ScanDirection="FORWARD",
        SortOrder="DESCENDING",
        StartPosition={"MostRecent": 1},
    )
    assert [i["Content"] for i in latest["Transcript"]] == ["m6", "m5"]


async def test_access_denied_cases(chat: dict[str, Any], kit) -> None:
    client, token = chat["client"], chat["token"]
    participant_token = chat["started"]["ParticipantToken"]
    unknown = await error_of(kit, client, "get_transcript", ConnectionToken="nope")
    assert unknown == ("AccessDeniedException", 403)
    wrong_kind = await error_of(
        kit,
        client,
        "send_message",
        ConnectionToken=participant_token,
        ContentType="text/plain",
        Content="x",
    )
    assert wrong_kind == ("AccessDeniedException", 403)
    wrong_way = await error_of(
        kit, client, "create_participant_connection", Type=["WEBSOCKET"], ParticipantToken=token
    )
    assert wrong_way == ("AccessDeniedException", 403)
    await kit.call(client, "disconnect_participant", ConnectionToken=token)
    for operation, kwargs in [
        ("get_transcript", {"ConnectionToken": token}),
        (
            "create_participant_connection",
            {"Type": ["WEBSOCKET"], "ParticipantToken": participant_token},
        ),
        ("disconnect_participant", {"ConnectionToken": token}),
    ]:
        assert await error_of(kit, client, operation, **kwargs) == ("AccessDeniedException", 403)


async def test_validation_errors(chat: dict[str, Any], kit) -> None:
    client, token = chat["client"], chat["token"]
    too_big = "é" * 9000  # 18,000 bytes but fewer than 16,384 characters
    assert await error_of(
        kit,
        client,
        "send_message",
        ConnectionToken=token,
        ContentType="text/plain",
        Content=too_big,
    ) == ("ValidationException", 400)
    assert await error_of(
        kit, client, "send_message", ConnectionToken=token, ContentType="image/png", Content="x"
    ) == ("ValidationException", 400)
    assert await error_of(
        kit, client, "send_event", ConnectionToken=token, ContentType=READ, Content="not json"
    ) == ("ValidationException", 400)
    assert await error_of(
        kit, client, "get_transcript", ConnectionToken=token, NextToken="garbage!"
    ) == ("ValidationException", 400)


async def test_connection_token_and_connect_window_expire(chat: dict[str, Any], kit) -> None:
    client, emu = chat["client"], chat["emu"]
    async with httpx.AsyncClient(base_url=emu.base_url) as http:
        late = await kit.start_chat(http, "Late")
    emu.clock.advance(emu.state.config.connect_window + 1)
    assert await error_of(
        kit,
        client,
        "create_participant_connection",
        Type=["WEBSOCKET"],
        ParticipantToken=late["ParticipantToken"],
    ) == ("AccessDeniedException", 403)
    # A participant who connected in time may reconnect later.
    again = await kit.call(
        client,
        "create_participant_connection",
        Type=["CONNECTION_CREDENTIALS"],
        ParticipantToken=chat["started"]["ParticipantToken"],
    )
    assert "Websocket" not in again
    emu.clock.advance(emu.state.config.connection_token_ttl)
    assert await error_of(kit, client, "get_transcript", ConnectionToken=chat["token"]) == (
        "AccessDeniedException",
        403,
    )
    fresh = again["ConnectionCredentials"]["ConnectionToken"]
    assert await error_of(kit, client, "get_transcript", ConnectionToken=fresh) == (
        "AccessDeniedException",
        403,
    )


async def test_describe_view_and_authentication(chat: dict[str, Any], kit) -> None:
    client, token = chat["client"], chat["token"]
    view = await kit.call(client, "describe_view", ConnectionToken=token, ViewToken="sample-view")
    assert view["View"]["Name"] == "SampleView"
    missing = await error_of(kit, client, "describe_view", ConnectionToken=token, ViewToken="zz")
    assert missing == ("ResourceNotFoundException", 404)
    session_id = "0" * 36
    url = await kit.call(
        client,
        "get_authentication_url",
        ConnectionToken=token,
        SessionId=session_id,
        RedirectUri="https://example.com/back",
    )
    assert session_id in url["AuthenticationUrl"]
    await kit.call(
        client, "cancel_participant_authentication", ConnectionToken=token, SessionId=session_id
    )
    assert await error_of(
        kit,
        client,
        "get_authentication_url",
        ConnectionToken=token,
        SessionId="1" * 36,
        RedirectUri="ftp://x",
    ) == ("ValidationException", 400)
