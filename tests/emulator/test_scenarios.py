"""Built-in scenarios, run in-process on virtual time (no sockets) and end to end over WebSocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import open_websocket_url

from trioconnect.emulator import (
    SCENARIO_ATTRIBUTE,
    ChatState,
    Emulator,
    ScenarioLibrary,
    ScenarioRunner,
    parse_scenario,
    participant_api,
    serve,
)
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.records import Participant
from trioconnect.emulator.server import build_context
from trioconnect.protocol import content_types as ct

EV = ct.EVENT_PREFIX


@dataclass
class Chat:
    """A chat driven in-process, with every item its contact produced."""

    ctx: EmulatorContext
    runner: ScenarioRunner
    contact_id: str
    customer: Participant
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> ChatState:
        return self.ctx.state

    def say(self, text: str) -> dict[str, Any]:
        return self.state.send_message_as(self.customer.participant_id, "text/plain", text)

    def types(self) -> list[str]:
        return [str(i.get("ContentType") or i["Type"]) for i in self.items]

    def transcript(self) -> list[dict[str, Any]]:
        return list(self.state.store.items(self.contact_id))

    async def done(self, seconds: float = 1000) -> None:
        with trio.fail_after(seconds):
            await self.runner.finished(self.contact_id).wait()


@asynccontextmanager
async def scenario_chat(scenario: Any, **attributes: str) -> AsyncIterator[Chat]:
    """Start one chat running ``scenario`` (a name, or a document) on an in-process state."""
    ctx = build_context()
    library = ScenarioLibrary.builtin()
    if not isinstance(scenario, str):
        scenario = library.resolve(parse_scenario(scenario, name="inline")).name
    async with trio.open_nursery() as nursery:
        runner = ScenarioRunner(ctx.state, nursery, library)
        seen: list[dict[str, Any]] = []
        ctx.state.hooks.on_item(lambda contact, item: seen.append(item))
        contact, customer = ctx.state.start_chat(
            display_name="Jane", attributes={SCENARIO_ATTRIBUTE: scenario, **attributes}
        )
        yield Chat(ctx, runner, contact.contact_id, customer, seen)
        nursery.cancel_scope.cancel()


async def test_echo_scenario_matches_the_default_agent(autojump_clock) -> None:
    async with scenario_chat("echo") as chat:
        await trio.sleep(0.3)
        assert [i["ParticipantRole"] for i in chat.items] == ["CUSTOMER", "AGENT"]
        question = chat.say("hello there")
        await trio.sleep(0.19)
        assert chat.types()[-1] == EV + "typing"  # the echo comes 0.2 s after the message
        await trio.sleep(0.02)
        assert chat.types()[-5:] == [
            "text/plain",
            "MESSAGEMETADATA",
            "MESSAGEMETADATA",
            EV + "typing",
            "text/plain",
        ]
        assert chat.items[-1]["Content"] == "Echo: hello there"
        assert chat.items[-1]["ParticipantRole"] == "AGENT"
        receipts = [i["MessageMetadata"]["MessageId"] for i in chat.items[-4:-2]]
        assert receipts == [question["Id"], question["Id"]]
        chat.say("  BYE ")
        await chat.done()
        assert chat.types()[-2:] == [EV + "participant.left", EV + "chat.ended"]
        assert chat.state.contact(chat.contact_id).ended


async def test_every_event_scenario_covers_every_chatjs_callback(autojump_clock) -> None:
    async with scenario_chat("every-event") as chat:
        await trio.sleep(1)
        assert chat.types() == [EV + "participant.joined"]  # waits for the customer
        chat.say("go")
        await chat.done()
    types = set(chat.types())
    wanted = {
        EV + suffix
        for suffix in (
            "typing",
            "participant.idle",
            "participant.returned",
            "participant.invited",
            "participant.autodisconnection",
            "participant.displayname.updated",
            "chat.rehydrated",
            "authentication.initiated",
            "authentication.succeeded",
            "authentication.failed",
            "authentication.timeout",
            "authentication.expired",
            "authentication.cancelled",
            "participant.joined",
            "participant.left",
            "transfer.failed",
            "workflow.cancelled",
            "chat.ended",
        )
    } | {ct.INTERACTIVE_MESSAGE, ct.TEXT_PLAIN, ct.TEXT_MARKDOWN, ct.APPLICATION_JSON}
    assert wanted <= types, wanted - types
    receipts = [i for i in chat.items if i["Type"] == "MESSAGEMETADATA"]
    stamps = {k for r in receipts for k in r["MessageMetadata"]["Receipts"][0]}
    assert {"ReadTimestamp", "DeliveredTimestamp"} <= stamps
    attachment = next(i for i in chat.items if i["Type"] == "ATTACHMENT")
    assert attachment["ParticipantRole"] == "AGENT"
    stored = chat.state.store.attachment(attachment["Attachments"][0]["AttachmentId"])
    assert stored is not None
    assert stored.data == b"Notes from the agent."
    streamed = [i for i in chat.items if "MessageCompleted" in i.get("MessageMetadata", {})]
    assert len({i["Id"] for i in streamed}) == 1
    assert [i["MessageMetadata"].get("ChunkNumber") for i in streamed] == [1, 2, 3, None]
    assert streamed[-1]["Content"] == "Hello from the bot."
    sessions = {
        json.loads(i["Content"])["SessionId"]
        for i in chat.items
        if "authentication" in i.get("ContentType", "")
    }
    assert len(sessions) == 1
    assert chat.items[-1]["ContentType"] == EV + "chat.ended"


async def test_lex_streaming_chunks_stay_out_of_the_transcript(autojump_clock) -> None:
    async with scenario_chat("lex-streaming") as chat:
        chat.say("what is up?")
        await trio.sleep(5)
        bot = [i for i in chat.items if i.get("ParticipantRole") == "SYSTEM"]
        assert len(bot) == 6
        assert all(i["Type"] == "MESSAGE" and i["Id"] == bot[0]["Id"] for i in bot)
        flags = [i["MessageMetadata"]["MessageCompleted"] for i in bot]
        assert flags == [False] * 5 + [True]
        assert "".join(i["Content"] for i in bot[:-1]) == bot[-1]["Content"]
        kept = [i for i in chat.transcript() if i.get("ParticipantRole") == "SYSTEM"]
        assert [i["Content"] for i in kept] == [bot[-1]["Content"]]


async def test_transfer_scenario(autojump_clock) -> None:
    async with scenario_chat("transfer") as chat:
        chat.say("I need help")
        await trio.sleep(1)
        chat.say("thanks")
        await trio.sleep(1)
    names = [(i.get("ContentType"), i.get("DisplayName")) for i in chat.items]
    transfer = names.index((EV + "transfer.succeeded", "SYSTEM"))
    assert names[transfer + 1] == (EV + "participant.left", "First agent")
    assert names[transfer + 2] == (EV + "participant.joined", "Second agent")
    assert chat.items[-1]["Content"] == "Agent 2 heard: thanks"


async def test_idle_timeout_scenario(autojump_clock) -> None:
    async with scenario_chat("idle-timeout") as chat:
        start = trio.current_time()
        await trio.sleep(61)
        assert chat.types()[-1] == EV + "participant.idle"
        chat.say("still here")
        await trio.sleep(0.1)
        assert chat.types()[-1] == EV + "participant.returned"
        await chat.done()
        # Idle again 60 s after the message, disconnected 30 s later.
        assert trio.current_time() - start == pytest.approx(61 + 90)
    assert chat.types()[-3:] == [
        EV + "participant.autodisconnection",
        EV + "participant.left",
        EV + "chat.ended",
    ]
    assert chat.items[-3]["ParticipantRole"] == "CUSTOMER"


async def test_agent_ends_scenario(autojump_clock) -> None:
    async with scenario_chat("agent-ends") as chat:
        chat.say("hi")
        await chat.done()
    assert chat.types()[-4:] == [
        EV + "typing",
        ct.TEXT_PLAIN,
        EV + "participant.left",
        EV + "chat.ended",
    ]
    assert EV + "typing" not in [i.get("ContentType") for i in chat.transcript()]


async def test_authentication_times_out_without_the_url(autojump_clock) -> None:
    async with scenario_chat("authentication") as chat:
        chat.say("sign me in")
        await trio.sleep(121)
        auth = [i["ContentType"] for i in chat.items if "authentication" in i["ContentType"]]
        assert auth == [EV + "authentication.initiated", EV + "authentication.timeout"]


async def test_steps_that_cannot_run_are_skipped(autojump_clock) -> None:
    document = {
        "steps": [
            {"receipt": {"by": "customer"}},  # nothing to acknowledge yet
            {"join": {"id": "a"}},
            {"leave": "a"},
            {"message": {"by": "a", "content": "too late"}},  # a has left
            {"message": {"by": "system", "content": "from the flow {contact_id}"}},
            {"choose": [{"when": {"text": "x"}, "steps": [{"end": None}]}]},
            {"end": None},
        ]
    }
    async with scenario_chat(document) as chat:
        await chat.done()
    contents = [i.get("Content") for i in chat.items]
    assert "too late" not in contents
    assert f"from the flow {chat.contact_id}" in contents
    assert chat.types()[-1] == EV + "chat.ended"


async def test_runaway_loops_are_stopped(autojump_clock) -> None:
    inner = {"repeat": {"times": 10_000, "steps": [{"event": {"type": "participant.active"}}]}}
    async with scenario_chat({"steps": [{"repeat": {"times": 10_000, "steps": [inner]}}]}) as chat:
        await chat.done(seconds=10)
    assert 0 < len(chat.items) <= 5_001


# ------------------------------------------------------------------------------- over the wire


async def test_attribute_selects_the_scenario_and_unknown_names_are_refused(kit) -> None:
    async with (
        serve(config=kit.fast_config()) as emu,
        httpx.AsyncClient(base_url=emu.base_url) as http,
    ):
        bad = await http.post(
            "/start-chat",
            json={
                "ParticipantDetails": {"DisplayName": "J"},
                "Attributes": {SCENARIO_ATTRIBUTE: "missing"},
            },
        )
        assert bad.status_code == 400
        assert "missing" in bad.json()["message"]
        connect = kit.boto_client(emu.base_url, "connect")
        started = await kit.call(
            connect,
            "start_chat_contact",
            InstanceId=emu.context.config.default_instance_id,
            ContactFlowId="flow",
            ParticipantDetails={"DisplayName": "J"},
            Attributes={SCENARIO_ATTRIBUTE: "agent-ends"},
        )
        assert started["ContactId"] in emu.scenarios.runs
        assert emu.agent is not None  # other chats still get the echo agent


async def every_event_over_websocket(emu: Emulator, kit) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=emu.base_url) as http:
        started = await kit.start_chat(http)
        conn = await kit.connect(http, started["ParticipantToken"])
        token = conn["ConnectionCredentials"]["ConnectionToken"]
        async with open_websocket_url(conn["Websocket"]["Url"]) as ws:
            await kit.subscribe(ws)
            await kit.rest(
                http, "/participant/message", token, {"Content": "go", "ContentType": "text/plain"}
            )
            return await kit.items_until(
                ws, lambda i: i.get("ContentType") == kit.CHAT_ENDED, seconds=10
            )


async def test_default_scenario_every_event_over_websocket(kit) -> None:
    async with serve(scenario="every-event", config=kit.fast_config()) as emu:
        assert emu.agent is None
        items = await every_event_over_websocket(emu, kit)
    types = {i.get("ContentType") for i in items}
    assert EV + "typing" in types
    assert ct.INTERACTIVE_MESSAGE in types
    assert sum(1 for i in items if i["Type"] == "MESSAGEMETADATA") == 2
    assert len([t for t in types if t and "authentication." in t]) == 6


async def test_authentication_flow_with_boto(kit) -> None:
    async with serve(scenario="authentication", config=kit.fast_config()) as emu:
        client = kit.boto_client(emu.base_url, "connectparticipant")
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            started = await kit.start_chat(http)
            conn = await kit.connect(http, started["ParticipantToken"])
            token = conn["ConnectionCredentials"]["ConnectionToken"]
            async with open_websocket_url(conn["Websocket"]["Url"]) as ws:
                await kit.subscribe(ws)
                await kit.rest(
                    http,
                    "/participant/message",
                    token,
                    {"Content": "hi", "ContentType": "text/plain"},
                )
                found = await kit.items_until(
                    ws, lambda i: i.get("ContentType") == EV + "authentication.initiated"
                )
                session = json.loads(found[-1]["Content"])["SessionId"]
                wrong = await kit.rest(
                    http,
                    "/participant/authentication-url",
                    token,
                    {"SessionId": "f" * 36, "RedirectUri": "https://app.test/back"},
                )
                assert wrong.status_code == 400
                url = await kit.call(
                    client,
                    "get_authentication_url",
                    ConnectionToken=token,
                    SessionId=session,
                    RedirectUri="https://app.test/back",
                )
                assert session in url["AuthenticationUrl"]
                done = await kit.items_until(
                    ws, lambda i: i.get("ContentType") == EV + "authentication.succeeded"
                )
                assert json.loads(done[-1]["Content"])["SessionId"] == session


async def test_cancel_authentication_pushes_cancelled(autojump_clock) -> None:
    async with scenario_chat({"steps": [{"authenticate": {"timeout": 100}}]}) as chat:
        await trio.sleep(1)
        session = json.loads(chat.items[-1]["Content"])["SessionId"]
        grant = chat.state.create_connection(
            chat.customer.participant_token, ["CONNECTION_CREDENTIALS"]
        )
        assert grant is not None
        params = {"ConnectionToken": grant.connection.connection_token, "SessionId": session}
        cancel = participant_api.HANDLERS["CancelParticipantAuthentication"]
        assert cancel(chat.ctx, None, params) == {}  # type: ignore[arg-type]
        await chat.done()
    auth = [t.removeprefix(EV) for t in chat.types() if "authentication" in t]
    assert auth == ["authentication.initiated", "authentication.cancelled"]
