"""boto3's ``connect`` client: StartChatContact, CreateParticipant, StopContact, DescribeContact."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from trio_websocket import open_websocket_url

from trioconnect.emulator import Emulator

INSTANCE = "11111111-2222-4333-8444-555555555555"
FLOW = "66666666-7777-4888-9999-000000000000"


async def start(kit, connect: Any, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = await kit.call(
        connect,
        "start_chat_contact",
        InstanceId=INSTANCE,
        ContactFlowId=FLOW,
        ParticipantDetails={"DisplayName": "Jane"},
        Attributes={"tier": "gold"},
        **extra,
    )
    return result


async def test_start_describe_stop(quiet_emu: Emulator, kit) -> None:
    connect = kit.boto_client(quiet_emu.base_url, "connect")
    participant = kit.boto_client(quiet_emu.base_url, "connectparticipant")
    started = await start(kit, connect)
    assert {"ContactId", "ParticipantId", "ParticipantToken"} <= started.keys()
    described = await kit.call(
        connect, "describe_contact", InstanceId=INSTANCE, ContactId=started["ContactId"]
    )
    contact = described["Contact"]
    assert contact["Id"] == started["ContactId"]
    assert contact["Channel"] == "CHAT"
    assert contact["Attributes"] == {"tier": "gold"}
    assert "DisconnectTimestamp" not in contact
    conn = await kit.call(
        participant,
        "create_participant_connection",
        Type=["WEBSOCKET", "CONNECTION_CREDENTIALS"],
        ParticipantToken=started["ParticipantToken"],
    )
    async with open_websocket_url(conn["Websocket"]["Url"]) as ws:
        await kit.subscribe(ws)
        await kit.call(connect, "stop_contact", InstanceId=INSTANCE, ContactId=started["ContactId"])
        ended = await kit.next_item(ws)
        assert ended["ContentType"] == kit.CHAT_ENDED
    described = await kit.call(
        connect, "describe_contact", InstanceId=INSTANCE, ContactId=started["ContactId"]
    )
    assert (
        described["Contact"]["DisconnectTimestamp"] >= described["Contact"]["InitiationTimestamp"]
    )
    with pytest.raises(ClientError) as again:
        await kit.call(connect, "stop_contact", InstanceId=INSTANCE, ContactId=started["ContactId"])
    assert again.value.response["Error"]["Code"] == "ContactNotFoundException"
    with pytest.raises(ClientError) as missing:
        await kit.call(connect, "describe_contact", InstanceId=INSTANCE, ContactId="nope")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


async def test_validation_uses_connects_error_codes(quiet_emu: Emulator, kit) -> None:
    connect = kit.boto_client(quiet_emu.base_url, "connect")
    with pytest.raises(ClientError) as info:
        await kit.call(
            connect,
            "start_chat_contact",
            InstanceId=INSTANCE,
            ContactFlowId=FLOW,
            ParticipantDetails={"DisplayName": "x" * 300},
        )
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


async def test_custom_bot_participant(quiet_emu: Emulator, kit) -> None:
    connect = kit.boto_client(quiet_emu.base_url, "connect")
    participant = kit.boto_client(quiet_emu.base_url, "connectparticipant")
    started = await start(kit, connect)
    bot = await kit.call(
        connect,
        "create_participant",
        InstanceId=INSTANCE,
        ContactId=started["ContactId"],
        ParticipantDetails={"ParticipantRole": "CUSTOM_BOT", "DisplayName": "Bot"},
    )
    bot_conn = await kit.call(
        participant,
        "create_participant_connection",
        Type=["CONNECTION_CREDENTIALS"],
        ConnectParticipant=True,
        ParticipantToken=bot["ParticipantCredentials"]["ParticipantToken"],
    )
    bot_token = bot_conn["ConnectionCredentials"]["ConnectionToken"]
    await kit.call(
        participant,
        "send_message",
        ConnectionToken=bot_token,
        ContentType="text/plain",
        Content="beep",
    )
    page = await kit.call(participant, "get_transcript", ConnectionToken=bot_token)
    roles = [(i.get("ParticipantRole"), i.get("Content")) for i in page["Transcript"]]
    assert ("CUSTOM_BOT", "beep") in roles
    with pytest.raises(ClientError) as info:
        await kit.call(
            connect,
            "create_participant",
            InstanceId=INSTANCE,
            ContactId=started["ContactId"],
            ParticipantDetails={"ParticipantRole": "AGENT", "DisplayName": "A"},
        )
    assert info.value.response["Error"]["Code"] == "InvalidRequestException"


async def test_persistent_chat(quiet_emu: Emulator, kit) -> None:
    connect = kit.boto_client(quiet_emu.base_url, "connect")
    participant = kit.boto_client(quiet_emu.base_url, "connectparticipant")
    first = await start(kit, connect)
    conn = await kit.call(
        participant,
        "create_participant_connection",
        Type=["CONNECTION_CREDENTIALS"],
        ParticipantToken=first["ParticipantToken"],
    )
    token = conn["ConnectionCredentials"]["ConnectionToken"]
    await kit.call(
        participant,
        "send_message",
        ConnectionToken=token,
        ContentType="text/plain",
        Content="remember me",
    )
    with pytest.raises(ClientError) as active:
        await start(
            kit,
            connect,
            PersistentChat={
                "SourceContactId": first["ContactId"],
                "RehydrationType": "FROM_SEGMENT",
            },
        )
    assert active.value.response["Error"]["Code"] == "InvalidRequestException"
    await kit.call(participant, "disconnect_participant", ConnectionToken=token)
    second = await start(
        kit,
        connect,
        PersistentChat={
            "SourceContactId": first["ContactId"],
            "RehydrationType": "ENTIRE_PAST_SESSION",
        },
    )
    assert second["ContinuedFromContactId"] == first["ContactId"]
    conn2 = await kit.call(
        participant,
        "create_participant_connection",
        Type=["CONNECTION_CREDENTIALS"],
        ParticipantToken=second["ParticipantToken"],
    )
    token2 = conn2["ConnectionCredentials"]["ConnectionToken"]
    own = await kit.call(participant, "get_transcript", ConnectionToken=token2)
    assert any(i.get("ContentType", "").endswith("chat.rehydrated") for i in own["Transcript"])
    past = await kit.call(
        participant, "get_transcript", ConnectionToken=token2, ContactId=first["ContactId"]
    )
    assert past["InitialContactId"] == first["ContactId"]
    assert "remember me" in [i.get("Content") for i in past["Transcript"]]
    with pytest.raises(ClientError) as foreign:
        await kit.call(participant, "get_transcript", ConnectionToken=token2, ContactId="other")
    assert foreign.value.response["Error"]["Code"] == "ValidationException"
