"""Quotas (``quotas="aws"``) and fault injection (Python API and control endpoint)."""

from __future__ import annotations

import json

import httpx
import pytest
import trio
from botocore.exceptions import ClientError
from trio_websocket import open_websocket_url

from trioconnect.emulator import ApiError, Emulator, serve
from trioconnect.emulator.quotas import DEFAULT_RATES, Quotas, Rate


def test_published_rates() -> None:
    assert DEFAULT_RATES["SendMessage"] == DEFAULT_RATES["SendEvent"] == Rate(10, 15)
    for operation in (
        "StartChatContact",
        "CreateParticipantConnection",
        "GetTranscript",
        "DisconnectParticipant",
    ):
        assert DEFAULT_RATES[operation] == Rate(2, 5)


async def test_token_bucket_on_virtual_time(autojump_clock) -> None:
    quotas = Quotas("aws", trio.current_time)
    for _ in range(15):  # the burst
        quotas.check("SendMessage", "token")
    with pytest.raises(ApiError) as refused:
        quotas.check("SendMessage", "token")
    assert refused.value.code == "ThrottlingException"
    assert refused.value.status == 429
    await trio.sleep(0.5)  # 5 tokens come back
    for _ in range(5):
        quotas.check("SendMessage", "token")
    with pytest.raises(Exception, match="Rate exceeded"):
        quotas.check("SendMessage", "token")
    quotas.check("SendMessage", "another-token")  # buckets are per token
    Quotas("off", trio.current_time).check("SendMessage", "t")  # off: no limits


async def test_throttling_through_boto3(kit) -> None:
    async with serve(agent=False, quotas="aws", config=kit.fast_config()) as emu:
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            started = await kit.start_chat(http)
            conn = await kit.connect(http, started["ParticipantToken"])
        client = kit.boto_client(emu.base_url, "connectparticipant")
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        # Same burst as AWS, but a refill slow enough that test latency cannot add a token.
        emu.quotas.rates["GetTranscript"] = Rate(0.001, DEFAULT_RATES["GetTranscript"].burst)
        for _ in range(5):
            await kit.call(client, "get_transcript", ConnectionToken=token)
        for _ in range(3):
            with pytest.raises(ClientError) as info:
                await kit.call(client, "get_transcript", ConnectionToken=token)
            assert info.value.response["Error"]["Code"] == "ThrottlingException"
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


async def test_concurrent_chat_limit(kit) -> None:
    config = kit.fast_config(max_active_chats=2)
    async with serve(agent=False, quotas="aws", config=config) as emu:
        connect = kit.boto_client(emu.base_url, "connect")
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            await kit.start_chat(http)
            await kit.start_chat(http)
            refused = await http.post(
                "/start-chat", json={"ParticipantDetails": {"DisplayName": "third"}}
            )
            assert refused.status_code == 429
            assert refused.headers["x-amzn-errortype"] == "LimitExceededException"
        with pytest.raises(ClientError) as info:
            await kit.call(
                connect,
                "start_chat_contact",
                InstanceId="i",
                ContactFlowId="f",
                ParticipantDetails={"DisplayName": "x"},
            )
        assert info.value.response["Error"]["Code"] == "LimitExceededException"


async def test_rest_error_fault_via_python_api(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started = await kit.start_chat(http)
        quiet_emu.faults.add_rest_error(
            "InternalServerException", 500, count=2, operation="CreateParticipantConnection"
        )
        statuses = []
        for _ in range(3):
            response = await http.post(
                "/participant/connection",
                headers={"X-Amz-Bearer": started["ParticipantToken"]},
                json={"Type": ["CONNECTION_CREDENTIALS"]},
            )
            statuses.append(response.status_code)
    assert statuses == [500, 500, 200]


async def test_faults_via_control_endpoint(emu: Emulator, http: httpx.AsyncClient, kit) -> None:
    fault = {"kind": "rest_error", "code": "ThrottlingException", "status": 429, "count": 1}
    assert (await http.post("/_emulator/faults", json=fault)).status_code == 200
    client = kit.boto_client(emu.base_url, "connectparticipant")
    with pytest.raises(ClientError) as info:
        await kit.call(client, "get_transcript", ConnectionToken="whatever")
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
    bad = await http.post("/_emulator/faults", json={"kind": "nonsense"})
    assert bad.status_code == 400
    assert (await http.delete("/_emulator/faults")).status_code == 200
    health = (await http.get("/_emulator/health")).json()
    assert health["status"] == "ok"


async def test_latency_fault_on_virtual_time(autojump_clock, kit) -> None:
    async with serve(agent=False, config=kit.fast_config()) as emu:
        emu.faults.add_latency(3.0, count=1, operation="StartChatContact")
        async with httpx.AsyncClient(base_url=emu.base_url, timeout=30) as http:
            before = trio.current_time()
            await kit.start_chat(http)
            assert trio.current_time() - before >= 3.0


async def test_socket_faults(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started = await kit.start_chat(http)
        conn = await kit.connect(http, started["ParticipantToken"])
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        async with open_websocket_url(conn["Websocket"]["Url"]) as ws:
            await kit.subscribe(ws)
            quiet_emu.faults.ignore_heartbeats(started["ContactId"])
            await ws.send_message(json.dumps({"topic": "aws/heartbeat"}))
            await ws.send_message(json.dumps({"topic": "aws/ping"}))
            with trio.fail_after(5):
                answer = json.loads(await ws.get_message())
            assert answer["topic"] == "aws/ping"  # the heartbeat got no answer
            quiet_emu.faults.duplicate_deliveries(started["ContactId"])
            await kit.rest(
                http,
                "/participant/message",
                token,
                {"Content": "twice", "ContentType": "text/plain"},
            )
            first, second = await kit.next_item(ws), await kit.next_item(ws)
            assert first == second
            control = await http.post(
                "/_emulator/faults",
                json={"kind": "drop_sockets", "contactId": started["ContactId"], "code": 1011},
            )
            assert control.json()["closed"] == 1
            assert await kit.close_code(ws) == 1011


async def test_expire_via_control_endpoint(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started = await kit.start_chat(http)
        conn = await kit.connect(http, started["ParticipantToken"])
        expired = await http.post("/_emulator/expire", json={"what": "url"})
        assert expired.json() == {"expired": 1}
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        assert (await kit.rest(http, "/participant/transcript", token, {})).status_code == 200
        await http.post(
            "/_emulator/expire", json={"what": "token", "contactId": started["ContactId"]}
        )
        assert (await kit.rest(http, "/participant/transcript", token, {})).status_code == 403
