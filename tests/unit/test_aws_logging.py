"""No token, signature or presigned-URL secret reaches a log record or a repr."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
import trio.testing

from trioconnect.aws import ConnectConfig, ParticipantClient, ParticipantServiceConfig
from trioconnect.aws.http import redact_headers, redact_url
from trioconnect.details import ChatDetails
from trioconnect.errors import AccessDeniedError

SECRETS = [
    "PT-SECRET-1",
    "CT-SECRET-2",
    "WS-SECRET-3",
    "SIG-SECRET-4",
    "DL-SECRET-5",
    "AUTH-SECRET-6",
]
PT, CT, WS, SIG, DL, AUTH = SECRETS


def respond(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.url.host == "storage.test":
        return httpx.Response(200, content=b"data")
    if path == "/participant/connection":
        return httpx.Response(
            200,
            json={
                "Websocket": {"Url": f"wss://ws.test/?AuthToken={WS}", "ConnectionExpiry": "x"},
                "ConnectionCredentials": {"ConnectionToken": CT, "Expiry": "2026-11-26T00:00:00Z"},
            },
        )
    if path == "/participant/start-attachment-upload":
        return httpx.Response(
            200,
            json={
                "AttachmentId": "a1",
                "UploadMetadata": {
                    "Url": f"https://storage.test/u?X-Amz-Signature={SIG}&X-Amz-Credential={SIG}",
                    "HeadersToInclude": {"Content-Type": "text/plain"},
                },
            },
        )
    if path == "/participant/attachment":
        return httpx.Response(200, json={"Url": f"https://storage.test/d?token={DL}"})
    if path == "/participant/authentication-url":
        return httpx.Response(200, json={"AuthenticationUrl": f"https://auth.test/?c={AUTH}"})
    if path == "/participant/disconnect":
        return httpx.Response(
            403, json={"message": "ended"}, headers={"x-amzn-ErrorType": "AccessDeniedException"}
        )
    return httpx.Response(200, json={"Id": "i", "AbsoluteTime": "t", "Transcript": []})


async def test_logs_and_reprs_never_show_tokens(
    caplog: pytest.LogCaptureFixture, autojump_clock: trio.testing.MockClock
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    http = httpx.AsyncClient(transport=httpx.MockTransport(respond))
    config = ParticipantServiceConfig(endpoint="https://p.test", sign_requests=True)
    client = ParticipantClient(config, http=http)

    conn = await client.create_participant_connection(PT)
    sent = await client.send_message(CT, content="hi")
    page = await client.get_transcript(CT)
    upload = await client.start_attachment_upload(CT, content_type="text/plain", size=4, name="n")
    await client.upload_attachment_bytes(upload, b"data")
    url = await client.get_attachment(CT, attachment_id="a1")
    await client.download(url.url)
    auth = await client.get_authentication_url(
        CT, session_id=str(uuid.uuid4()), redirect_uri="https://r.test"
    )
    with pytest.raises(AccessDeniedError) as info:
        await client.disconnect_participant(CT)

    details = ChatDetails("c", "p", PT)
    shown = [repr(x) for x in (conn, sent, page, upload, url, auth, details, info.value, config)]
    shown.append(str(info.value))
    shown.append(repr(ConnectConfig(credentials=("AKIDEXAMPLE", "SECRET-KEY-7", "SESSION-8"))))
    assert caplog.records, "the AWS layer is expected to log at DEBUG"
    logged = [record.getMessage() for record in caplog.records]
    assert any("REDACTED" in line for line in logged)
    assert any(r.name == "httpx" for r in caplog.records)
    for text in logged + shown:
        for secret in [*SECRETS, "SECRET-KEY-7", "SESSION-8"]:
            assert secret not in text, (secret, text)


def test_redact_helpers() -> None:
    assert redact_url("wss://h/p?AuthToken=abc&x=1") == "wss://h/p?AuthToken=REDACTED&x=REDACTED"
    assert redact_url("https://h/p") == "https://h/p"
    headers = {"X-Amz-Bearer": "t", "Authorization": "a", "Content-Type": "application/json"}
    assert redact_headers(headers) == {
        "X-Amz-Bearer": "REDACTED",
        "Authorization": "REDACTED",
        "Content-Type": "application/json",
    }
