"""Socket faults with a raw trio-websocket client: reorder, half-open, close codes, expiry; and
contact-scoped REST faults through the control API."""

from __future__ import annotations

import json

import httpx
import pytest
import trio
from trio_websocket import HandshakeError, open_websocket_url

from trioconnect.emulator import Emulator


async def open_chat(http: httpx.AsyncClient, kit) -> tuple[dict[str, str], str, str]:
    started = await kit.start_chat(http)
    conn = await kit.connect(http, started["ParticipantToken"])
    return started, conn["Websocket"]["Url"], conn["ConnectionCredentials"]["ConnectionToken"]


async def send(http: httpx.AsyncClient, kit, token: str, text: str) -> str:
    response = await kit.rest(
        http, "/participant/message", token, {"Content": text, "ContentType": "text/plain"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["Id"])


async def test_reorder_swaps_adjacent_items(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started, url, token = await open_chat(http, kit)
        async with open_websocket_url(url) as ws:
            await kit.subscribe(ws)
            control = await http.post(
                "/_emulator/faults", json={"kind": "reorder", "contactId": started["ContactId"]}
            )
            assert control.status_code == 200
            first = await send(http, kit, token, "one")
            second = await send(http, kit, token, "two")
            assert [(await kit.next_item(ws))["Id"] for _ in range(2)] == [second, first]
            # chat.ended is never held back: participant.left (held) follows it.
            await kit.rest(http, "/participant/disconnect", token, {})
            last = [(await kit.next_item(ws)).get("ContentType") for _ in range(2)]
            assert last == [
                kit.CHAT_ENDED,
                "application/vnd.amazonaws.connect.event.participant.left",
            ]
        quiet_emu.faults.reorder_deliveries(started["ContactId"], enabled=False)
        assert not quiet_emu.faults.reorders(started["ContactId"])


async def test_half_open_socket_goes_silent_but_stays_open(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started, url, token = await open_chat(http, kit)
        async with open_websocket_url(url) as ws:
            await kit.subscribe(ws)
            answer = await http.post(
                "/_emulator/faults", json={"kind": "half_open", "contactId": started["ContactId"]}
            )
            assert answer.status_code == 200
            await ws.send_message(json.dumps({"topic": "aws/heartbeat"}))
            await ws.send_message(json.dumps({"topic": "aws/ping"}))
            await send(http, kit, token, "lost")
            # Nothing comes back (a bounded look: we are asserting an absence).
            with trio.move_on_after(0.3):
                frame = await ws.get_message()
                pytest.fail(f"a half-open socket answered: {frame}")
            assert ws.closed is None  # the connection is still open
            assert quiet_emu.faults.half_open_dropped == 2
            quiet_emu.faults.half_open(started["ContactId"], enabled=False)
            await ws.send_message(json.dumps({"topic": "aws/ping"}))
            with trio.fail_after(5):
                assert json.loads(await ws.get_message())["topic"] == "aws/ping"
            kept = await send(http, kit, token, "found")
            assert (await kit.next_item(ws))["Id"] == kept


@pytest.mark.parametrize("code", [1001, 4000])
async def test_close_with_a_given_code(quiet_emu: Emulator, kit, code: int) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        _, url, _ = await open_chat(http, kit)
        async with open_websocket_url(url) as ws:
            await kit.subscribe(ws)
            closed = await http.post(
                "/_emulator/faults", json={"kind": "drop_sockets", "code": code, "reason": "r"}
            )
            assert closed.json() == {"kind": "drop_sockets", "closed": 1}
            assert await kit.close_code(ws) == code
        bad = await http.post("/_emulator/faults", json={"kind": "drop_sockets", "code": 1005})
        assert bad.status_code == 400


async def test_expire_token_closes_open_sockets_and_url_expiry_refuses_new_ones(
    quiet_emu: Emulator, kit
) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started, _, token = await open_chat(http, kit)
        second = await kit.connect(http, started["ParticipantToken"])
        expired = await http.post(
            "/_emulator/expire", json={"what": "url", "contactId": started["ContactId"]}
        )
        assert expired.json() == {"expired": 2}
        with pytest.raises(HandshakeError):
            async with open_websocket_url(second["Websocket"]["Url"]):
                pass
        fresh = await kit.connect(http, started["ParticipantToken"])
        async with open_websocket_url(fresh["Websocket"]["Url"]) as ws:
            await kit.subscribe(ws)
            assert quiet_emu.state.expire_token_now(started["ContactId"]) == 3
            assert await kit.close_code(ws) == 1000
        assert (await kit.rest(http, "/participant/transcript", token, {})).status_code == 403


async def test_contact_scoped_rest_faults(quiet_emu: Emulator, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        one, _, token_one = await open_chat(http, kit)
        _, _, token_two = await open_chat(http, kit)
        fault = {
            "kind": "rest_error",
            "code": "InternalServerException",
            "status": 500,
            "count": 1,
            "contactId": one["ContactId"],
        }
        assert (await http.post("/_emulator/faults", json=fault)).status_code == 200
        other = await kit.rest(http, "/participant/transcript", token_two, {})
        assert other.status_code == 200  # another chat is not affected
        hit = await kit.rest(http, "/participant/transcript", token_one, {})
        assert hit.status_code == 500
        assert hit.headers["x-amzn-errortype"] == "InternalServerException"
        assert (await kit.rest(http, "/participant/transcript", token_one, {})).status_code == 200


async def test_latency_via_control_api(autojump_clock, kit) -> None:
    from trioconnect.emulator import serve

    async with (
        serve(agent=False, config=kit.fast_config()) as emu,
        httpx.AsyncClient(base_url=emu.base_url, timeout=60) as http,
    ):
        fault = {"kind": "latency", "seconds": 7, "count": 1, "operation": "GetTranscript"}
        assert (await http.post("/_emulator/faults", json=fault)).status_code == 200
        _, _, token = await open_chat(http, kit)
        before = trio.current_time()
        assert (await kit.rest(http, "/participant/transcript", token, {})).status_code == 200
        assert trio.current_time() - before >= 7
