"""HTTP surface: CORS, unknown routes, body limits, start-chat, URL building, the command."""

from __future__ import annotations

import signal
import sys

import httpx
import pytest
import trio

from trioconnect.emulator import Emulator, serve
from trioconnect.emulator.asgi import Request
from trioconnect.emulator.server import build_context


async def test_cors_preflight_and_headers(emu: Emulator, http: httpx.AsyncClient) -> None:
    preflight = await http.request(
        "OPTIONS",
        "/participant/message",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-bearer,x-amz-user-agent",
        },
    )
    assert preflight.status_code == 204
    allowed = preflight.headers["access-control-allow-headers"]
    for header in ("x-amz-bearer", "authorization", "x-amz-date", "x-amz-meta-attachment-id"):
        assert header in allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]
    started = await http.post("/start-chat", json={"ParticipantDetails": {"DisplayName": "A"}})
    assert started.headers["access-control-allow-origin"] == "*"
    assert "x-amzn-errortype" in started.headers["access-control-expose-headers"]


async def test_unknown_routes_and_methods(emu: Emulator, http: httpx.AsyncClient) -> None:
    missing = await http.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["x-amzn-errortype"] == "UnknownOperationException"
    wrong_method = await http.get("/participant/message")
    assert wrong_method.status_code == 405


async def test_malformed_and_oversized_bodies(emu: Emulator, http: httpx.AsyncClient) -> None:
    broken = await http.post(
        "/participant/message", headers={"X-Amz-Bearer": "t"}, content=b"{not json"
    )
    assert broken.status_code == 400
    assert broken.headers["x-amzn-errortype"] == "ValidationException"
    assert "JSON" in broken.json()["message"]
    huge = await http.post(
        "/participant/message", headers={"X-Amz-Bearer": "t"}, content=b" " * (1024 * 1024 + 1)
    )
    assert huge.status_code == 413
    assert huge.headers["x-amzn-errortype"] == "ValidationException"
    missing_bearer = await http.post("/participant/transcript", json={})
    assert missing_bearer.status_code == 400
    assert "ConnectionToken" in missing_bearer.json()["message"]


async def test_start_chat_backend(emu: Emulator, http: httpx.AsyncClient) -> None:
    body = {
        "ParticipantDetails": {"DisplayName": "Jane"},
        "Attributes": {"customerName": "Jane"},
        "SupportedMessagingContentTypes": ["text/plain", "text/markdown"],
    }
    answer = await http.post("/start-chat", json=body)
    result = answer.json()["data"]["startChatResult"]
    contact = emu.state.contact(result["ContactId"])
    assert contact.instance_id == emu.state.config.default_instance_id
    assert contact.attributes == {"customerName": "Jane"}
    assert contact.supported_content_types == ["text/plain", "text/markdown"]
    for bad in (
        {},
        {"ParticipantDetails": {"DisplayName": ""}},
        {"ParticipantDetails": "x"},
        {"ParticipantDetails": {"DisplayName": "a"}, "Attributes": {"n": 1}},
    ):
        refused = await http.post("/start-chat", json=bad)
        assert refused.status_code == 400
        assert refused.headers["x-amzn-errortype"] == "ValidationException"
    unknown = await http.post(
        "/start-chat",
        json={
            "ParticipantDetails": {"DisplayName": "a"},
            "PersistentChat": {"SourceContactId": "no"},
        },
    )
    assert unknown.status_code == 404


def _request(host: str) -> Request:
    return Request("POST", "/participant/connection", {}, {"host": host})


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost:8080", "ws://127.0.0.1:8080"),
        ("127.0.0.1:9000", "ws://127.0.0.1:9000"),
        ("[::1]:8080", "ws://127.0.0.1:8080"),
        ("chat.example:8080", "ws://chat.example:8080"),
        ("bad host!", "ws://127.0.0.1"),
    ],
)
async def test_websocket_base_url(host: str, expected: str) -> None:
    assert build_context().ws_base(_request(host)) == expected


async def test_public_url_gives_wss() -> None:
    ctx = build_context(public_url="https://chat.example/emu/")
    assert ctx.ws_base(_request("ignored")) == "wss://chat.example/emu"
    assert ctx.http_base(_request("ignored")) == "https://chat.example/emu"


async def test_serve_reports_public_url() -> None:
    async with serve(agent=False, public_url="https://chat.example") as emu:
        assert emu.base_url == "https://chat.example"


async def test_command_runs_until_interrupted() -> None:
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "trioconnect.emulator", "--port", "0", "--agent", "none"],
        stdout=-1,
    )
    try:
        assert process.stdout is not None
        with trio.fail_after(20):
            line = b""
            while b"\n" not in line:
                line += await process.stdout.receive_some(1024)
        url = line.decode().split("listening on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as http:
            health = await http.get(f"{url}/_emulator/health")
        assert health.json()["status"] == "ok"
        process.send_signal(signal.SIGINT)
        with trio.fail_after(10):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
