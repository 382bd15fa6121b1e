"""ConnectClient: SigV4-signed StartChatContact, CreateParticipant, StopContact, DescribeContact."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from trioconnect.aws import ConnectClient, ConnectConfig
from trioconnect.details import ChatDetails
from trioconnect.errors import (
    InternalServerError,
    LocalProtocolError,
    RemoteProtocolError,
    ServiceQuotaExceededError,
    ValidationError,
)

KEYS = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")


class Recorder:
    def __init__(self, answer: Any, status: int = 200, headers: dict[str, str] | None = None):
        self.requests: list[httpx.Request] = []
        self.answer, self.status, self.headers = answer, status, headers or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, json=self.answer, headers=self.headers)

    def client(self, **config: Any) -> ConnectClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self))
        cfg = ConnectConfig(endpoint="https://connect.test", credentials=KEYS, **config)
        return ConnectClient(cfg, http=http)


def assert_valid_sigv4(request: httpx.Request, region: str = "us-west-2") -> None:
    auth = request.headers["authorization"]
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/(?P<region>[\w-]+)/connect/aws4_request, "
        r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]{64})",
        auth,
    )
    assert match, auth
    assert match["region"] == region
    signed = match["signed"].split(";")
    assert "host" in signed
    assert "x-amz-date" in signed
    assert request.headers["x-amz-security-token"] == "session-token"
    # Recompute the signature over the headers that were signed, at the request's own timestamp.
    headers = {name: request.headers[name] for name in signed if name != "host"}
    check = AWSRequest(
        method=request.method, url=str(request.url), headers=headers, data=request.content
    )
    check.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(ReadOnlyCredentials(*KEYS), "connect", region)
    canonical = signer.canonical_request(check)
    expected = signer.signature(signer.string_to_sign(check, canonical), check)
    assert match["sig"] == expected


async def test_start_chat_contact_is_signed_and_shaped() -> None:
    rec = Recorder({"ContactId": "c-1", "ParticipantId": "p-1", "ParticipantToken": "PT-SECRET"})
    details = await rec.client().start_chat_contact(
        instance_id="inst",
        contact_flow_id="flow",
        display_name="Jane",
        attributes={"customerName": "Jane"},
        supported_messaging_content_types=["text/plain", "text/markdown"],
        persistent_chat={"SourceContactId": "old", "RehydrationType": "ENTIRE_PAST_SESSION"},
    )
    req = rec.requests[0]
    assert (req.method, req.url.path) == ("PUT", "/contact/chat")
    body = json.loads(req.content)
    assert body["ParticipantDetails"] == {"DisplayName": "Jane"}
    assert body["InstanceId"] == "inst"
    assert body["ContactFlowId"] == "flow"
    assert body["Attributes"] == {"customerName": "Jane"}
    assert body["PersistentChat"]["SourceContactId"] == "old"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["ClientToken"])
    assert_valid_sigv4(req)
    assert details == ChatDetails("c-1", "p-1", "PT-SECRET")


async def test_create_participant_returns_bot_details() -> None:
    rec = Recorder(
        {
            "ParticipantId": "bot-1",
            "ParticipantCredentials": {"ParticipantToken": "BT", "Expiry": "x"},
        }
    )
    details = await rec.client(region="eu-central-1").create_participant(
        instance_id="inst", contact_id="c-1", display_name="Bot"
    )
    req = rec.requests[0]
    assert (req.method, req.url.path) == ("POST", "/contact/create-participant")
    assert json.loads(req.content)["ParticipantDetails"] == {
        "DisplayName": "Bot",
        "ParticipantRole": "CUSTOM_BOT",
    }
    assert_valid_sigv4(req, "eu-central-1")
    assert details == ChatDetails("c-1", "bot-1", "BT", participant_role="CUSTOM_BOT")


async def test_create_participant_refuses_unrepresentable_role() -> None:
    rec = Recorder({})
    with pytest.raises(ValidationError):
        await rec.client().create_participant(
            instance_id="i", contact_id="c", display_name="S", role="SUPERVISOR"
        )
    assert rec.requests == []


async def test_stop_and_describe_contact() -> None:
    rec = Recorder({"Contact": {"Id": "c-1", "Channel": "CHAT"}})
    client = rec.client()
    contact = await client.describe_contact(instance_id="inst", contact_id="c-1")
    assert contact["Channel"] == "CHAT"
    assert (rec.requests[0].method, rec.requests[0].url.path) == ("GET", "/contacts/inst/c-1")
    await client.stop_contact(instance_id="inst", contact_id="c-1")
    assert rec.requests[1].url.path == "/contact/stop"
    assert json.loads(rec.requests[1].content) == {"ContactId": "c-1", "InstanceId": "inst"}
    assert_valid_sigv4(rec.requests[1])


async def test_missing_required_parameter_is_refused_locally() -> None:
    rec = Recorder({})
    with pytest.raises(ValidationError):
        await rec.client().start_chat_contact(instance_id="", contact_flow_id="f", display_name="")
    assert rec.requests == []


async def test_limit_exceeded_is_a_quota_error_not_retried() -> None:
    rec = Recorder(
        {"Message": "too many chats"}, 429, {"x-amzn-ErrorType": "LimitExceededException"}
    )
    with pytest.raises(ServiceQuotaExceededError) as info:
        await rec.client().start_chat_contact(
            instance_id="i", contact_flow_id="f", display_name="J"
        )
    assert info.value.message == "too many chats"
    assert len(rec.requests) == 1


async def test_internal_service_exception_is_retried_with_same_client_token(
    autojump_clock: object,
) -> None:
    rec = Recorder({"Message": "oops"}, 500, {"x-amzn-ErrorType": "InternalServiceException"})
    with pytest.raises(InternalServerError):
        await rec.client().start_chat_contact(
            instance_id="i", contact_flow_id="f", display_name="J"
        )
    tokens = {json.loads(r.content)["ClientToken"] for r in rec.requests}
    assert len(rec.requests) == 3
    assert len(tokens) == 1
    dates = [r.headers["authorization"] for r in rec.requests]
    assert all(d.startswith("AWS4-HMAC-SHA256") for d in dates)


async def test_incomplete_answer_is_a_protocol_error() -> None:
    rec = Recorder({"ContactId": "c-1"})
    with pytest.raises(RemoteProtocolError):
        await rec.client().start_chat_contact(
            instance_id="i", contact_flow_id="f", display_name="J"
        )


def test_config_defaults() -> None:
    assert (
        ConnectConfig(region="ca-central-1").base_url
        == "https://connect.ca-central-1.amazonaws.com"
    )
    assert "credentials" not in repr(ConnectConfig(credentials=KEYS))


def _isolated_chain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)


async def test_default_chain_is_resolved_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _isolated_chain(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    rec = Recorder({"Contact": {"Id": "c"}})
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    client = ConnectClient(ConnectConfig(endpoint="https://connect.test"), http=http)
    await client.describe_contact(instance_id="i", contact_id="c")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCHANGED")
    await client.describe_contact(instance_id="i", contact_id="c")
    for request in rec.requests:
        assert request.headers["authorization"].startswith(
            "AWS4-HMAC-SHA256 Credential=AKIDFROMENV/"
        )


async def test_no_credentials_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _isolated_chain(monkeypatch, tmp_path)
    rec = Recorder({})
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    client = ConnectClient(ConnectConfig(endpoint="https://connect.test"), http=http)
    with pytest.raises(LocalProtocolError):
        await client.describe_contact(instance_id="i", contact_id="c")
    assert rec.requests == []
