"""Attachments: start, presigned PUT, complete, ATTACHMENT item, GetAttachment, download."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import trio
from botocore.exceptions import ClientError
from trio_websocket import open_websocket_url

from trioconnect.emulator import Emulator

DATA = b"notes from the customer\n" * 3


@pytest.fixture
async def session(quiet_emu: Emulator, kit) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=quiet_emu.base_url) as http:
        started = await kit.start_chat(http)
        conn = await kit.connect(http, started["ParticipantToken"])
    client = kit.boto_client(quiet_emu.base_url, "connectparticipant")
    token = conn["ConnectionCredentials"]["ConnectionToken"]
    return {"client": client, "token": token, "url": conn["Websocket"]["Url"], "emu": quiet_emu}


async def start_upload(kit, s: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    kwargs = dict(
        ConnectionToken=s["token"],
        ContentType="text/plain",
        AttachmentName="notes.txt",
        AttachmentSizeInBytes=len(DATA),
        ClientToken="u1",
    )
    kwargs.update(overrides)
    result: dict[str, Any] = await kit.call(s["client"], "start_attachment_upload", **kwargs)
    return result


async def test_round_trip(session: dict[str, Any], kit) -> None:
    s = session
    async with open_websocket_url(s["url"]) as ws, httpx.AsyncClient() as http:
        await kit.subscribe(ws)
        upload = await start_upload(kit, s)
        meta = upload["UploadMetadata"]
        assert meta["HeadersToInclude"] == {
            "Content-Type": "text/plain",
            "x-amz-meta-attachment-id": upload["AttachmentId"],
        }
        put = await http.put(meta["Url"], content=DATA, headers=meta["HeadersToInclude"])
        assert put.status_code == 200
        await kit.call(
            s["client"],
            "complete_attachment_upload",
            ConnectionToken=s["token"],
            AttachmentIds=[upload["AttachmentId"]],
            ClientToken="c1",
        )
        item = await kit.next_item(ws)
        assert item["Type"] == "ATTACHMENT"
        assert item["Attachments"] == [
            {
                "AttachmentId": upload["AttachmentId"],
                "AttachmentName": "notes.txt",
                "ContentType": "text/plain",
                "Status": "APPROVED",
            }
        ]
        got = await kit.call(
            s["client"],
            "get_attachment",
            ConnectionToken=s["token"],
            AttachmentId=upload["AttachmentId"],
        )
        assert got["AttachmentSizeInBytes"] == len(DATA)
        download = await http.get(got["Url"])
        assert download.status_code == 200
        assert download.content == DATA
        assert download.headers["content-type"] == "text/plain"
        assert download.headers["access-control-allow-origin"] == "*"
        forged = await http.get(got["Url"].split("?")[0] + "?X-Amz-Signature=bad")
        assert forged.status_code == 403
        s["emu"].clock.advance(301)
        assert (await http.get(got["Url"])).status_code == 403


async def test_complete_before_upload_is_a_conflict(session: dict[str, Any], kit) -> None:
    upload = await start_upload(kit, session)
    with pytest.raises(ClientError) as info:
        await kit.call(
            session["client"],
            "complete_attachment_upload",
            ConnectionToken=session["token"],
            AttachmentIds=[upload["AttachmentId"]],
            ClientToken="c1",
        )
    assert info.value.response["Error"]["Code"] == "ConflictException"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"AttachmentSizeInBytes": 20 * 1024 * 1024 + 1}, "ValidationException"),
        (
            {"ContentType": "application/x-msdownload", "AttachmentName": "x.exe"},
            "ValidationException",
        ),
        ({"ContentType": "image/png", "AttachmentName": "x.txt"}, "ValidationException"),
    ],
)
async def test_start_upload_validation(
    session: dict[str, Any], kit, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientError) as info:
        await start_upload(kit, session, **overrides)
    assert info.value.response["Error"]["Code"] == code


async def test_exactly_20_mib_is_allowed_but_the_body_must_match(
    session: dict[str, Any], kit
) -> None:
    size = 20 * 1024 * 1024
    upload = await start_upload(
        kit,
        session,
        AttachmentSizeInBytes=size,
        ContentType="application/pdf",
        AttachmentName="big.pdf",
    )
    meta = upload["UploadMetadata"]
    # One byte more than reserved: refused with 413 (the body is streamed from a small buffer).
    parts = urlsplit(meta["Url"])
    assert parts.hostname is not None
    assert parts.port is not None
    stream = await trio.open_tcp_stream(parts.hostname, parts.port)
    async with stream:
        head = (
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/pdf\r\nContent-Length: {size + 1}\r\n\r\n"
        )
        await stream.send_all(head.encode())
        chunk = b"x" * (1024 * 1024)
        with trio.fail_after(10):
            for _ in range(20):
                await stream.send_all(chunk)
            await stream.send_all(b"x")
            answer = await stream.receive_some(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    async with httpx.AsyncClient() as http:
        short = await http.put(meta["Url"], content=b"%PDF", headers=meta["HeadersToInclude"])
        assert short.status_code == 400


async def test_attachments_per_contact_quota(session: dict[str, Any], kit) -> None:
    session["emu"].state.config.attachments_per_contact = 1
    await start_upload(kit, session, ClientToken="a")
    again = await start_upload(kit, session, ClientToken="a")  # same ClientToken: same upload
    assert again["AttachmentId"]
    with pytest.raises(ClientError) as info:
        await start_upload(kit, session, ClientToken="b")
    assert info.value.response["Error"]["Code"] == "ServiceQuotaExceededException"
