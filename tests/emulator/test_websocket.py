"""The chat WebSocket with a raw trio-websocket client."""

from __future__ import annotations

import json

import httpx
import pytest
import trio
from trio_websocket import ConnectionRejected, HandshakeError, open_websocket_url

from trioconnect.emulator import AgentConfig, Emulator, Role, serve


async def open_chat(http: httpx.AsyncClient, kit) -> tuple[dict[str, str], str, str]:
    started = await kit.start_chat(http)
    conn = await kit.connect(http, started["ParticipantToken"])
    return started, conn["Websocket"]["Url"], conn["ConnectionCredentials"]["ConnectionToken"]


async def send_text(http: httpx.AsyncClient, kit, token: str, text: str) -> str:
    response = await kit.rest(
        http, "/participant/message", token, {"Content": text, "ContentType": "text/plain"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["Id"])


async def test_control_frames(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        _, url, _ = await open_chat(http, kit)
    async with open_websocket_url(url) as ws:
        await ws.send_message(
            json.dumps({"topic": "aws/subscribe", "content": {"topics": ["aws/chat"]}})
        )
        await ws.send_message(json.dumps({"topic": "aws/ping"}))
        await ws.send_message(json.dumps({"topic": "aws/heartbeat"}))
        with trio.fail_after(5):
            answers = [json.loads(await ws.get_message()) for _ in range(3)]
    assert answers == [
        {"topic": "aws/subscribe", "content": {"status": "success", "topics": ["aws/chat"]}},
        {"topic": "aws/ping", "statusCode": 200, "statusContent": "OK"},
        {"topic": "aws/heartbeat"},
    ]


async def test_garbage_frames_get_an_error_and_the_socket_survives(
    quiet_emu: Emulator, kit
) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        _, url, _ = await open_chat(http, kit)
    async with open_websocket_url(url) as ws:
        for frame in ["not json", "[1, 2]", json.dumps({"topic": "aws/nope"}), "{", b"\x00\x01"]:
            await ws.send_message(frame)
            with trio.fail_after(5):
                answer = json.loads(await ws.get_message())
            assert "topic" not in answer
            assert answer["statusCode"] == 400
        await ws.send_message(json.dumps({"topic": "aws/subscribe", "content": {}}))
        with trio.fail_after(5):
            failed = json.loads(await ws.get_message())
        assert failed["content"]["status"] == "failure"
        await ws.send_message(json.dumps({"topic": "aws/heartbeat"}))
        with trio.fail_after(5):
            assert json.loads(await ws.get_message()) == {"topic": "aws/heartbeat"}


async def test_handshake_refused_for_bad_or_expired_url(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        _, url, _ = await open_chat(http, kit)
    bad = url.split("AuthToken=")[0] + "AuthToken=forged"
    with pytest.raises(ConnectionRejected) as forged:
        async with open_websocket_url(bad):
            pass
    assert forged.value.status_code == 403
    quiet_emu.clock.advance(quiet_emu.state.config.websocket_url_ttl + 1)
    with pytest.raises(HandshakeError):
        async with open_websocket_url(url):
            pass


async def test_items_before_subscribe_are_replayed(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        _, url, token = await open_chat(http, kit)
        async with open_websocket_url(url) as ws:
            sent_id = await send_text(http, kit, token, "early bird")
            await kit.subscribe(ws)
            item = await kit.next_item(ws)
    assert item["Id"] == sent_id
    assert item["Content"] == "early bird"


async def test_every_participant_socket_gets_every_item(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started, url, token = await open_chat(http, kit)
        agent = quiet_emu.state.add_participant(started["ContactId"], Role.AGENT, "Ann")
        agent_conn = await kit.connect(http, agent.participant_token)
        async with (
            open_websocket_url(url) as customer_ws,
            open_websocket_url(agent_conn["Websocket"]["Url"]) as agent_ws,
        ):
            await kit.subscribe(customer_ws)
            await kit.subscribe(agent_ws)
            sent_id = await send_text(http, kit, token, "to everyone")
            agent_token = agent_conn["ConnectionCredentials"]["ConnectionToken"]
            reply_id = await send_text(http, kit, agent_token, "hello back")
            for ws in (customer_ws, agent_ws):
                assert (await kit.next_item(ws))["Id"] == sent_id
                assert (await kit.next_item(ws))["Id"] == reply_id


async def test_default_agent_full_exchange_and_bye(emu: Emulator, http, kit) -> None:
    started, url, token = await open_chat(http, kit)
    async with open_websocket_url(url) as ws:
        await kit.subscribe(ws)
        await send_text(http, kit, token, "hi")
        got = await kit.items_until(ws, lambda i: i.get("Content") == "Echo: hi")
        roles = [(i["Type"], i.get("ContentType", "")[-7:]) for i in got]
        assert roles == [
            ("MESSAGE", "t/plain"),
            ("MESSAGEMETADATA", ""),
            ("MESSAGEMETADATA", ""),
            ("EVENT", ".typing"),
            ("MESSAGE", "t/plain"),
        ]
        for item in got:
            assert item["ContactId"] == item["InitialContactId"] == started["ContactId"]
        await send_text(http, kit, token, "Bye")
        tail = await kit.items_until(ws, lambda i: i.get("ContentType") == kit.CHAT_ENDED)
        assert tail[-2]["ContentType"].endswith("participant.left")
        assert tail[-2]["ParticipantRole"] == "AGENT"
        assert await kit.close_code(ws) == 1000
    refused = await kit.rest(http, "/participant/transcript", token, {})
    assert refused.status_code == 403


async def test_expired_connection_token_closes_the_socket(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started, url, _ = await open_chat(http, kit)
    async with open_websocket_url(url) as ws:
        await kit.subscribe(ws)
        assert quiet_emu.state.expire_token_now(started["ContactId"]) == 1
        assert await kit.close_code(ws) == 1000


async def test_socket_closes_at_connection_expiry_on_virtual_time(autojump_clock, kit) -> None:
    config = {"connection_token_ttl": 30.0, "ws_idle_timeout": 1000.0, "chat_end_grace": 0.0}
    async with serve(agent=False, config=kit.fast_config(**config)) as emu:
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            started = await kit.start_chat(http)
            conn = await kit.connect(http, started["ParticipantToken"])
        async with open_websocket_url(conn["Websocket"]["Url"]) as ws:
            opened = trio.current_time()
            assert await kit.close_code(ws, seconds=60) == 1000
            assert 29 <= trio.current_time() - opened <= 31


async def test_idle_socket_is_closed(autojump_clock, kit) -> None:
    async with serve(agent=False, config=kit.fast_config(ws_idle_timeout=20.0)) as emu:
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            started = await kit.start_chat(http)
            conn = await kit.connect(http, started["ParticipantToken"])
        async with open_websocket_url(conn["Websocket"]["Url"]) as ws:
            opened = trio.current_time()
            assert await kit.close_code(ws, seconds=60) == 1000
            assert trio.current_time() - opened >= 20


async def test_slow_consumer_is_closed_with_1008(kit) -> None:
    async with (
        serve(agent=False, config=kit.fast_config(ws_queue_size=3)) as emu,
        httpx.AsyncClient(base_url=emu.base_url) as http,
    ):
        _, url, token = await open_chat(http, kit)
        async with open_websocket_url(url) as ws:
            for n in range(5):  # not subscribed: everything queues
                await send_text(http, kit, token, f"m{n}")
            assert await kit.close_code(ws) == 1008
        page = await kit.rest(http, "/participant/transcript", token, {"MaxResults": 100})
        contents = [i.get("Content") for i in page.json()["Transcript"]]
        assert contents[-5:] == ["m0", "m1", "m2", "m3", "m4"]  # recoverable


async def test_agent_can_be_disabled_and_tuned(kit) -> None:
    async with serve(agent=AgentConfig(join_delay=5.0)) as emu:
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            started = await kit.start_chat(http)
        assert [p.role for p in emu.state.participants(started["ContactId"])] == [Role.CUSTOMER]
        assert emu.agent is not None
