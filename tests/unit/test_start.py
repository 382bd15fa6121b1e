"""start_chat / create_participant against mock backends, and ChatDetails."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import trio.testing

from trioconnect.aws import ConnectConfig
from trioconnect.details import ChatDetails
from trioconnect.errors import (
    InternalServerError,
    RemoteProtocolError,
    ThrottlingError,
    TransportError,
    ValidationError,
)
from trioconnect.start import create_participant, start_chat

URL = "https://backend.test/prod/start-chat"
RESULT = {"ContactId": "c-1", "ParticipantId": "p-1", "ParticipantToken": "PT-SECRET"}


class Backend:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    @property
    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


async def test_start_chat_posts_the_sample_body_and_reads_the_result() -> None:
    backend = Backend({"data": {"startChatResult": RESULT}})
    details = await start_chat(
        start_chat_url=URL,
        display_name="Jane",
        contact_flow_id="flow",
        instance_id="inst",
        attributes={"customerName": "Jane"},
        supported_messaging_content_types=["text/plain", "text/markdown"],
        persistent_chat={"SourceContactId": "old", "RehydrationType": "FROM_SEGMENT"},
        http=backend.http,
    )
    assert details == ChatDetails("c-1", "p-1", "PT-SECRET")
    req = backend.requests[0]
    assert (req.method, str(req.url)) == ("POST", URL)
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"].startswith("trioconnect/")
    assert json.loads(req.content) == {
        "ParticipantDetails": {"DisplayName": "Jane"},
        "ContactFlowId": "flow",
        "InstanceId": "inst",
        "Attributes": {"customerName": "Jane"},
        "SupportedMessagingContentTypes": ["text/plain", "text/markdown"],
        "PersistentChat": {"SourceContactId": "old", "RehydrationType": "FROM_SEGMENT"},
    }


async def test_start_chat_minimal_body() -> None:
    backend = Backend({"data": {"startChatResult": RESULT}})
    await start_chat(start_chat_url=URL, http=backend.http)
    assert json.loads(backend.requests[0].content) == {
        "ParticipantDetails": {"DisplayName": "Customer"}
    }


async def test_start_chat_accepts_a_bare_result() -> None:
    backend = Backend({"contactId": "c", "participantId": "p", "participantToken": "t"})
    details = await start_chat(start_chat_url=URL, http=backend.http)
    assert (details.contact_id, details.participant_id) == ("c", "p")


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"startChatResult": {"ContactId": "c", "ParticipantId": "p"}}},
        ["not", "an", "object"],
        httpx.Response(200, content=b"<html>"),
    ],
)
async def test_start_chat_bad_answers_are_protocol_errors(answer: Any) -> None:
    with pytest.raises(RemoteProtocolError):
        await start_chat(start_chat_url=URL, http=Backend(answer).http)


async def test_start_chat_throttled_then_ok(autojump_clock: trio.testing.MockClock) -> None:
    backend = Backend(
        httpx.Response(429, json={"message": "Too Many Requests"}),
        {"data": {"startChatResult": RESULT}},
    )
    details = await start_chat(start_chat_url=URL, http=backend.http)
    assert details.contact_id == "c-1"
    assert len(backend.requests) == 2
    assert 0 <= trio.current_time() <= 0.5


async def test_start_chat_throttled_for_good(autojump_clock: trio.testing.MockClock) -> None:
    backend = Backend(httpx.Response(429, json={"message": "Too Many Requests"}))
    with pytest.raises(ThrottlingError) as info:
        await start_chat(start_chat_url=URL, http=backend.http)
    assert info.value.message == "Too Many Requests"
    assert len(backend.requests) == 3


async def test_start_chat_5xx_is_not_retried_because_a_chat_may_exist() -> None:
    backend = Backend(httpx.Response(502, json={"message": "Internal server error"}))
    with pytest.raises(InternalServerError) as info:
        await start_chat(start_chat_url=URL, http=backend.http)
    assert info.value.status_code == 502
    assert len(backend.requests) == 1


async def test_start_chat_connect_failure_is_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    backend = Backend(httpx.ConnectError("refused"), {"data": {"startChatResult": RESULT}})
    assert (await start_chat(start_chat_url=URL, http=backend.http)).contact_id == "c-1"
    refused = Backend(httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as info:
        await start_chat(start_chat_url=URL, http=refused.http)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(refused.requests) == 3
    reset = Backend(httpx.ReadError("reset"))
    with pytest.raises(TransportError):
        await start_chat(start_chat_url=URL, http=reset.http)
    assert len(reset.requests) == 1


async def test_exactly_one_source() -> None:
    with pytest.raises(ValidationError):
        await start_chat()
    with pytest.raises(ValidationError):
        await start_chat(start_chat_url=URL, connect=ConnectConfig(credentials=("a", "b", None)))
    with pytest.raises(ValidationError):
        await start_chat(connect=ConnectConfig(credentials=("a", "b", None)), instance_id="i")


async def test_start_chat_through_the_connect_api() -> None:
    backend = Backend(RESULT)
    details = await start_chat(
        connect=ConnectConfig(endpoint="https://connect.test", credentials=("AK", "SK", None)),
        instance_id="inst",
        contact_flow_id="flow",
        display_name="Jane",
        http=backend.http,
    )
    assert details == ChatDetails("c-1", "p-1", "PT-SECRET")
    req = backend.requests[0]
    assert (req.method, req.url.path) == ("PUT", "/contact/chat")
    assert req.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AK/")


async def test_create_participant() -> None:
    backend = Backend({"ParticipantId": "b", "ParticipantCredentials": {"ParticipantToken": "T"}})
    details = await create_participant(
        connect=ConnectConfig(endpoint="https://connect.test", credentials=("AK", "SK", None)),
        instance_id="inst",
        contact_id="c-1",
        display_name="Bot",
        http=backend.http,
    )
    assert details == ChatDetails("c-1", "b", "T", participant_role="CUSTOM_BOT")


def test_chat_details_from_mapping_and_repr() -> None:
    d = ChatDetails.from_mapping(
        {
            "contactId": "c",
            "ParticipantId": "p",
            "participantToken": "SECRET",
            "initialContactId": "i0",
        }
    )
    assert d == ChatDetails("c", "p", "SECRET", initial_contact_id="i0")
    assert "SECRET" not in repr(d)
    assert ChatDetails.from_mapping(d.to_mapping()) == d
    agent = ChatDetails.from_mapping({**RESULT, "participantRole": "AGENT"})
    assert agent.participant_role == "AGENT"
    for bad in (
        {"ParticipantId": "p", "ParticipantToken": "t"},
        {**RESULT, "ContactId": ""},
        {**RESULT, "ParticipantRole": "SYSTEM"},
        {**RESULT, "InitialContactId": 5},
    ):
        with pytest.raises(ValidationError):
            ChatDetails.from_mapping(bad)
