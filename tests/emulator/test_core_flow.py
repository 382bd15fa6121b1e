"""The core chat, end to end over real HTTP and WebSocket on 127.0.0.1."""

from __future__ import annotations

import httpx
from trio_websocket import open_websocket_url

from trioconnect.emulator import Emulator


async def test_whole_chat_with_default_agent(emu: Emulator, http: httpx.AsyncClient, kit) -> None:
    chat = await kit.start_chat(http)
    conn = await kit.connect(http, chat["ParticipantToken"])
    url = conn["Websocket"]["Url"]
    assert url.startswith("ws://127.0.0.1:")
    token = conn["ConnectionCredentials"]["ConnectionToken"]
    async with open_websocket_url(url) as ws:
        await kit.subscribe(ws)
        sent = await kit.rest(
            http,
            "/participant/message",
            token,
            {"ClientToken": "c1", "Content": "Hello", "ContentType": "text/plain"},
        )
        assert sent.status_code == 200
        message_id = sent.json()["Id"]
        seen = await kit.items_until(ws, lambda i: i.get("Content") == "Echo: Hello")
        kinds = [(i["Type"], i.get("ContentType"), i.get("ParticipantRole")) for i in seen]
        assert ("MESSAGE", "text/plain", "CUSTOMER") in kinds
        receipts = [i for i in seen if i["Type"] == "MESSAGEMETADATA"]
        assert [r["MessageMetadata"]["MessageId"] for r in receipts] == [message_id, message_id]
        assert "DeliveredTimestamp" in receipts[0]["MessageMetadata"]["Receipts"][0]
        assert "ReadTimestamp" in receipts[1]["MessageMetadata"]["Receipts"][0]
        assert seen[-1]["ParticipantRole"] == "AGENT"

        gone = await kit.rest(http, "/participant/disconnect", token, {"ClientToken": "d1"})
        assert gone.status_code == 200
        tail = await kit.items_until(ws, lambda i: i.get("ContentType") == kit.CHAT_ENDED)
        assert tail[-2]["ContentType"].endswith("participant.left")
        assert await kit.close_code(ws) == 1000
    transcript = await kit.rest(http, "/participant/transcript", token, {})
    assert transcript.status_code == 403  # the chat is over: every call is refused
    after = await kit.rest(
        http, "/participant/message", token, {"Content": "late", "ContentType": "text/plain"}
    )
    assert after.status_code == 403
    assert after.headers["x-amzn-errortype"] == "AccessDeniedException"
