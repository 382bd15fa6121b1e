"""ParticipantClient against httpx.MockTransport: the exact requests of every operation.

Expected bodies are the ones chatjs-wire.md §2 shows ChatJS 5 sending, byte for byte.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import trio
import trio.testing

from trioconnect.aws import ParticipantClient, ParticipantServiceConfig
from trioconnect.aws.results import AttachmentUpload
from trioconnect.errors import (
    AccessDeniedError,
    ConflictError,
    InternalServerError,
    RemoteProtocolError,
    ResourceNotFoundError,
    ServiceError,
    ServiceQuotaExceededError,
    ServiceValidationError,
    ThrottlingError,
    ValidationError,
)

BASE = "https://participant.test"
CT = "connection-token-SECRET"
PT = "participant-token-SECRET"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

Responder = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """An httpx MockTransport handler that records every request it answers."""

    def __init__(self, respond: Responder | dict[str, Any] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._respond = respond

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self._respond):
            return self._respond(request)
        return httpx.Response(200, json=self._respond or {}, headers={"x-amzn-RequestId": "rid-1"})

    def client(self, **config: Any) -> ParticipantClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self))
        return ParticipantClient(ParticipantServiceConfig(endpoint=BASE, **config), http=http)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def body_of(request: httpx.Request) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(request.content)
    return parsed


CONNECTION = {
    "Websocket": {
        "Url": "wss://ws.test/?AuthToken=ws-SECRET",
        "ConnectionExpiry": "2026-11-26T15:15:40.157Z",
    },
    "ConnectionCredentials": {"ConnectionToken": CT, "Expiry": "2026-11-26T15:15:40.157Z"},
}


async def test_create_participant_connection_like_chatjs(
    autojump_clock: trio.testing.MockClock,
) -> None:
    await trio.sleep(12.5)
    rec = Recorder(CONNECTION)
    details = await rec.client().create_participant_connection(PT)
    req = rec.last
    assert req.method == "POST"
    assert req.url == BASE + "/participant/connection"
    assert req.headers["x-amz-bearer"] == PT
    assert req.headers["content-type"] == "application/json"
    assert req.content == b'{"Type":["WEBSOCKET","CONNECTION_CREDENTIALS"]}'
    assert details.connection_token == CT
    assert details.websocket_url == "wss://ws.test/?AuthToken=ws-SECRET"
    assert details.connection_token_expiry == datetime(2026, 11, 26, 15, 15, 40, 157000, UTC)
    assert details.websocket_expiry == details.connection_token_expiry
    assert details.received_at == trio.current_time() == 12.5
    assert details.request_id == "rid-1"


async def test_create_participant_connection_agent_sends_connect_participant() -> None:
    rec = Recorder(CONNECTION)
    await rec.client().create_participant_connection(
        PT, types=["CONNECTION_CREDENTIALS"], connect_participant=True
    )
    assert rec.last.content == b'{"ConnectParticipant":true,"Type":["CONNECTION_CREDENTIALS"]}'


async def test_user_agent_headers_carry_version_and_suffix() -> None:
    rec = Recorder({"Id": "m1", "AbsoluteTime": "t"})
    await rec.client(user_agent_suffix="my-app/2").send_message(CT, content="hi")
    for name in ("user-agent", "x-amz-user-agent"):
        value = rec.last.headers[name]
        assert re.fullmatch(r"trioconnect/\S+ python/3\.\d+\.\d+\S* my-app/2", value), value
    assert "authorization" not in rec.last.headers


async def test_send_message_body_and_generated_client_token() -> None:
    rec = Recorder({"Id": "msg-1", "AbsoluteTime": "2026-11-25T15:15:40.217Z"})
    client = rec.client()
    result = await client.send_message(CT, content="Hello from ChatJS")
    await client.send_message(CT, content="**bold** _markdown_ text", content_type="text/markdown")
    first, second = rec.requests
    assert first.url.path == "/participant/message"
    assert first.headers["x-amz-bearer"] == CT
    token = body_of(first)["ClientToken"]
    assert UUID_RE.match(token)
    assert (
        first.content
        == (
            f'{{"ClientToken":"{token}","Content":"Hello from ChatJS","ContentType":"text/plain"}}'
        ).encode()
    )
    assert body_of(second)["ContentType"] == "text/markdown"
    assert body_of(second)["ClientToken"] != token
    assert (result.id, result.absolute_time, result.request_id) == (
        "msg-1",
        "2026-11-25T15:15:40.217Z",
        "rid-1",
    )


async def test_send_event_typing_has_no_content_and_receipt_keeps_given_token() -> None:
    rec = Recorder({"Id": "e1", "AbsoluteTime": "t"})
    client = rec.client()
    await client.send_event(CT, content_type="application/vnd.amazonaws.connect.event.typing")
    typing = body_of(rec.last)
    assert set(typing) == {"ClientToken", "ContentType"}
    assert UUID_RE.match(typing["ClientToken"])
    await client.send_event(
        CT,
        content_type="application/vnd.amazonaws.connect.event.message.read",
        content='{"messageId":"m-9"}',
        client_token="INCOMING_READ_RECEIPT",
    )
    assert rec.last.url.path == "/participant/event"
    assert rec.last.content == (
        b'{"ClientToken":"INCOMING_READ_RECEIPT","Content":"{\\"messageId\\":\\"m-9\\"}",'
        b'"ContentType":"application/vnd.amazonaws.connect.event.message.read"}'
    )


async def test_get_transcript_defaults_and_options() -> None:
    page = {"InitialContactId": "c0", "Transcript": [{"Id": "i1"}], "NextToken": "nt"}
    rec = Recorder(page)
    client = rec.client()
    result = await client.get_transcript(
        CT, max_results=15, scan_direction="BACKWARD", sort_order="ASCENDING"
    )
    assert rec.last.url.path == "/participant/transcript"
    assert rec.last.content == (
        b'{"MaxResults":15,"ScanDirection":"BACKWARD","SortOrder":"ASCENDING","StartPosition":{}}'
    )
    assert result.initial_contact_id == "c0"
    assert result.items == ({"Id": "i1"},)
    assert result.next_token == "nt"
    await client.get_transcript(
        CT, contact_id="c-old", next_token="nt", start_position={"MostRecent": 3}
    )
    assert body_of(rec.last) == {
        "ContactId": "c-old",
        "NextToken": "nt",
        "StartPosition": {"MostRecent": 3},
    }


async def test_attachment_round_trip() -> None:
    uploads: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.test":
            uploads.append(request)
            if request.method == "GET":
                return httpx.Response(200, content=b"file-bytes")
            return httpx.Response(200)
        if request.url.path == "/participant/start-attachment-upload":
            return httpx.Response(
                200,
                json={
                    "AttachmentId": "att-1",
                    "UploadMetadata": {
                        "Url": "https://storage.test/up/att-1?X-Amz-Signature=SIG-SECRET",
                        "UrlExpiry": "2026-11-25T15:20:00Z",
                        "HeadersToInclude": {"x-amz-meta-attachment-id": "att-1"},
                    },
                },
            )
        if request.url.path == "/participant/attachment":
            return httpx.Response(200, json={"Url": "https://storage.test/down/att-1?sig=S"})
        return httpx.Response(200, json={})

    rec = Recorder(respond)
    client = rec.client()
    upload = await client.start_attachment_upload(
        CT, content_type="text/plain", size=10, name="notes.txt"
    )
    start_body = body_of(rec.requests[0])
    assert list(start_body) == [
        "AttachmentName",
        "AttachmentSizeInBytes",
        "ClientToken",
        "ContentType",
    ]
    assert start_body["AttachmentSizeInBytes"] == 10
    assert UUID_RE.match(start_body["ClientToken"])
    assert upload.attachment_id == "att-1"
    assert upload.url_expiry == "2026-11-25T15:20:00Z"

    await client.upload_attachment_bytes(upload, b"file-bytes")
    put = uploads[0]
    assert put.method == "PUT"
    assert str(put.url) == "https://storage.test/up/att-1?X-Amz-Signature=SIG-SECRET"
    assert put.content == b"file-bytes"
    assert put.headers["x-amz-meta-attachment-id"] == "att-1"
    # HeadersToInclude had no Content-Type: the declared type is used, as fetch does with a File.
    assert put.headers["content-type"] == "text/plain"
    assert "x-amz-bearer" not in put.headers
    assert "authorization" not in put.headers

    await client.complete_attachment_upload(CT, attachment_ids=["att-1"])
    complete = body_of(rec.last)
    assert complete["AttachmentIds"] == ["att-1"]
    assert UUID_RE.match(complete["ClientToken"])

    url = await client.get_attachment(CT, attachment_id="att-1")
    assert rec.last.content == b'{"AttachmentId":"att-1"}'
    assert await client.download(url.url) == b"file-bytes"
    get = uploads[-1]
    assert get.method == "GET"
    assert "x-amz-bearer" not in get.headers


async def test_upload_sends_exactly_headers_to_include() -> None:
    rec = Recorder(lambda r: httpx.Response(200))
    upload = AttachmentUpload(
        attachment_id="a",
        url="https://storage.test/u",
        url_expiry=None,
        headers_to_include={"Content-Type": "image/png", "x-amz-meta-x": "1"},
        content_type="text/plain",
    )
    await rec.client().upload_attachment_bytes(upload, b"\x89PNG")
    sent = rec.last.headers
    assert sent["content-type"] == "image/png"
    assert sent["x-amz-meta-x"] == "1"
    assert {k for k in sent if k.startswith("x-amz")} == {"x-amz-meta-x"}


async def test_upload_status_is_checked() -> None:
    xml = b"<Error><Code>AccessDenied</Code><Message>expired</Message></Error>"
    rec = Recorder(lambda r: httpx.Response(403, content=xml))
    upload = AttachmentUpload("a", "https://storage.test/u", None, {})
    with pytest.raises(AccessDeniedError) as info:
        await rec.client().upload_attachment_bytes(upload, b"x")
    assert info.value.code == "AccessDenied"
    assert len(rec.requests) == 1


async def test_download_refuses_oversized_body() -> None:
    rec = Recorder(lambda r: httpx.Response(200, content=b"x" * 100))
    with pytest.raises(RemoteProtocolError):
        await rec.client().download("https://storage.test/d", max_bytes=99)


async def test_disconnect_sends_client_token_only() -> None:
    rec = Recorder({})
    result = await rec.client().disconnect_participant(CT)
    assert rec.last.url.path == "/participant/disconnect"
    assert list(body_of(rec.last)) == ["ClientToken"]
    assert result.request_id == "rid-1"
    await rec.client().disconnect_participant(CT, client_token="mine")
    assert rec.last.content == b'{"ClientToken":"mine"}'


async def test_authentication_calls() -> None:
    session_id = str(uuid.uuid4())
    rec = Recorder({"AuthenticationUrl": "https://auth.test/?code=SECRET"})
    client = rec.client()
    auth = await client.get_authentication_url(
        CT, session_id=session_id, redirect_uri="https://app.test/back"
    )
    assert rec.last.url.path == "/participant/authentication-url"
    assert body_of(rec.last) == {"RedirectUri": "https://app.test/back", "SessionId": session_id}
    assert auth.url == "https://auth.test/?code=SECRET"
    await client.cancel_participant_authentication(CT, session_id=session_id)
    assert rec.last.url.path == "/participant/cancel-authentication"
    assert body_of(rec.last) == {"SessionId": session_id}


async def test_describe_view_is_a_get_with_the_token_in_the_path() -> None:
    view = {"View": {"Id": "v1", "Name": "Form", "Version": 2, "Content": {"Template": "{}"}}}
    rec = Recorder(view)
    result = await rec.client().describe_view(CT, view_token="view/tok en")
    assert rec.last.method == "GET"
    assert rec.last.url.raw_path == b"/participant/views/view%2Ftok%20en"
    assert rec.last.content == b""
    assert rec.last.headers["x-amz-bearer"] == CT
    assert (result.id, result.name, result.version) == ("v1", "Form", 2)
    assert result.content == {"Template": "{}"}


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("send_message", {"content": ""}),
        ("send_message", {"content": "x", "content_type": ""}),
        ("get_transcript", {"scan_direction": 5}),
        ("start_attachment_upload", {"content_type": "text/plain", "size": 0, "name": "n"}),
        ("complete_attachment_upload", {"attachment_ids": []}),
        ("get_attachment", {"attachment_id": ""}),
        ("get_authentication_url", {"session_id": "short", "redirect_uri": "https://x"}),
    ],
)
async def test_validation_happens_before_any_network_call(
    call: str, kwargs: dict[str, Any]
) -> None:
    rec = Recorder({})
    with pytest.raises(ValidationError):
        await getattr(rec.client(), call)(CT, **kwargs)
    assert rec.requests == []


async def test_empty_connection_token_is_refused_locally() -> None:
    rec = Recorder({})
    with pytest.raises(ValidationError):
        await rec.client().disconnect_participant("")
    assert rec.requests == []


ERRORS = [
    ("AccessDeniedException", 403, AccessDeniedError),
    ("ValidationException", 400, ServiceValidationError),
    ("ThrottlingException", 429, ThrottlingError),
    ("InternalServerException", 500, InternalServerError),
    ("ResourceNotFoundException", 404, ResourceNotFoundError),
    ("ConflictException", 409, ConflictError),
    ("ServiceQuotaExceededException", 402, ServiceQuotaExceededError),
]


@pytest.mark.parametrize(("code", "status", "cls"), ERRORS)
async def test_modelled_errors_map_to_classes(
    code: str, status: int, cls: type[ServiceError]
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            json={"message": f"{code} says no"},
            headers={
                "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/",
                "x-amzn-RequestId": "r-err",
            },
        )

    rec = Recorder(respond)
    with pytest.raises(cls) as info:
        await rec.client(max_attempts=1).send_event(CT, content_type="text/plain", content="x")
    err = info.value
    assert type(err) is cls
    assert (err.code, err.status_code, err.message, err.request_id) == (
        code,
        status,
        f"{code} says no",
        "r-err",
    )


async def test_error_code_in_body_without_header() -> None:
    rec = Recorder(
        lambda r: httpx.Response(403, json={"__type": "AccessDeniedException", "message": "bad"})
    )
    with pytest.raises(AccessDeniedError) as info:
        await rec.client().create_participant_connection(PT)
    assert info.value.message == "bad"
    assert len(rec.requests) == 1


async def test_non_json_gateway_error_is_an_internal_server_error() -> None:
    rec = Recorder(lambda r: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(InternalServerError) as info:
        await rec.client(max_attempts=1).get_transcript(CT)
    assert info.value.status_code == 502


async def test_success_without_required_member_is_a_protocol_error() -> None:
    rec = Recorder({"AbsoluteTime": "t"})
    with pytest.raises(RemoteProtocolError):
        await rec.client().send_message(CT, content="hi")


async def test_signing_like_chatjs_when_asked() -> None:
    rec = Recorder({"Id": "m", "AbsoluteTime": "t"})
    await rec.client(sign_requests=True, region="eu-west-2").send_message(CT, content="hi")
    auth = rec.last.headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=/")
    assert "/eu-west-2/execute-api/aws4_request" in auth
    assert "x-amz-bearer" in auth.split("SignedHeaders=")[1]
    assert re.fullmatch(r"\d{8}T\d{6}Z", rec.last.headers["x-amz-date"])


def test_default_endpoint_follows_region() -> None:
    config = ParticipantServiceConfig(region="ap-southeast-2")
    assert config.base_url == "https://participant.connect.ap-southeast-2.amazonaws.com"
    assert ParticipantServiceConfig(endpoint="http://127.0.0.1:1").base_url == "http://127.0.0.1:1"
