"""Chat duration (virtual time), ``-v`` item logging, the WebSocket host rewrite."""

from __future__ import annotations

import argparse
import logging

import httpx
import pytest
import trio

from trioconnect.emulator import serve
from trioconnect.emulator.asgi import Request
from trioconnect.emulator.command import add_arguments, log_item
from trioconnect.emulator.server import build_context


async def test_chats_end_after_their_duration(autojump_clock, kit) -> None:
    async with serve(agent=False, config=kit.fast_config()) as emu:
        # StartChatContact over raw HTTP (boto3's worker thread does not mix with virtual time).
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            answer = await http.put(
                "/contact/chat",
                json={
                    "InstanceId": emu.context.config.default_instance_id,
                    "ContactFlowId": "f",
                    "ParticipantDetails": {"DisplayName": "J"},
                    "ChatDurationInMinutes": 60,
                },
            )
        assert answer.status_code == 200, answer.text
        short = answer.json()
        default, _ = emu.state.start_chat(display_name="K")
        started = trio.current_time()
        await trio.sleep(3599)
        assert not emu.state.contact(short["ContactId"]).ended
        await trio.sleep(2)
        assert emu.state.contact(short["ContactId"]).ended
        assert emu.state.store.items(short["ContactId"])[-1]["ContentType"] == kit.CHAT_ENDED
        assert not default.ended
        await trio.sleep(1500 * 60 - (trio.current_time() - started) + 1)
        assert default.ended  # the default duration is 1,500 minutes


async def test_start_chat_body_validates_the_duration(quiet_emu, kit) -> None:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        body = {"ParticipantDetails": {"DisplayName": "J"}, "ChatDurationInMinutes": 59}
        assert (await http.post("/start-chat", json=body)).status_code == 400
        body["ChatDurationInMinutes"] = 90
        started = (await http.post("/start-chat", json=body)).json()["data"]["startChatResult"]
    assert quiet_emu.state.contact(started["ContactId"]).chat_duration_minutes == 90


async def test_verbose_logs_one_line_per_item_without_secrets(
    quiet_emu, kit, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_emu.state.hooks.on_item(log_item)
    caplog.set_level(logging.INFO, logger="trioconnect.emulator")
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started = await kit.start_chat(http)
        conn = await kit.connect(http, started["ParticipantToken"])
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        await kit.rest(
            http,
            "/participant/message",
            token,
            {"Content": "secret text", "ContentType": "text/plain"},
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "trioconnect.emulator"]
    items = quiet_emu.state.store.items(started["ContactId"])
    assert len(lines) == len(items) == 2
    assert all(started["ContactId"] in line for line in lines)
    assert "text/plain" in lines[1]
    assert items[1]["Id"] in lines[1]
    for line in lines:
        assert "secret text" not in line
        assert token not in line
        assert started["ParticipantToken"] not in line


def test_command_line_options() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--scenario", "echo", "--state", "x.sqlite", "-v"])
    assert (args.scenario, args.state, args.verbose) == ("echo", "x.sqlite", True)


def _request(host: str) -> Request:
    return Request.from_scope(
        {
            "type": "http",
            "method": "POST",
            "path": "/participant/connection",
            "query_string": b"",
            "headers": [(b"host", host.encode())],
            "server": ("127.0.0.1", 8080),
            "scheme": "http",
        }
    )


@pytest.mark.parametrize(
    ("served", "host", "expected"),
    [
        (None, "localhost:8080", "ws://127.0.0.1:8080"),  # unknown binding: rewrite
        (frozenset({8080}), "localhost:8080", "ws://127.0.0.1:8080"),
        (frozenset({8080}), "127.0.0.5:8080", "ws://127.0.0.1:8080"),
        (frozenset(), "[::1]:8080", "ws://[::1]:8080"),  # bound to ::1 only
        (frozenset(), "127.0.0.2:8080", "ws://127.0.0.2:8080"),  # bound to 127.0.0.2 only
        (frozenset({9999}), "localhost:8080", "ws://localhost:8080"),
        (frozenset(), "example.test:8080", "ws://example.test:8080"),
    ],
)
def test_websocket_host_is_rewritten_only_when_127_0_0_1_is_served(
    served: frozenset[int] | None, host: str, expected: str
) -> None:
    ctx = build_context()
    ctx.ipv4_loopback_ports = served
    assert ctx.ws_base(_request(host)) == expected


async def test_serve_knows_where_127_0_0_1_is_served(quiet_emu) -> None:
    port = int(quiet_emu.base_url.rsplit(":", 1)[1])
    assert quiet_emu.context.ipv4_loopback_ports == frozenset({port})
