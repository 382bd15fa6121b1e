"""Every ParticipantClient method over real sockets against the in-process emulator (127.0.0.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trio

import trioconnect.emulator
from trioconnect.aws import ConnectionDetails, ParticipantClient, ParticipantServiceConfig
from trioconnect.aws.http import open_http_pool
from trioconnect.details import ChatDetails
from trioconnect.errors import AccessDeniedError, ServiceError, ValidationError
from trioconnect.start import start_chat


class Chat:
    def __init__(self, client: ParticipantClient, details: ChatDetails, conn: ConnectionDetails):
        self.client, self.details, self.conn = client, details, conn

    @property
    def token(self) -> str:
        return self.conn.connection_token


@pytest.fixture
async def chat() -> AsyncIterator[Chat]:
    with trio.fail_after(20):
        async with trioconnect.emulator.serve(port=0) as emu, open_http_pool() as http:
            details = await start_chat(
                start_chat_url=f"{emu.base_url}/start-chat", display_name="Jane", http=http
            )
            client = ParticipantClient(
                ParticipantServiceConfig(endpoint=emu.base_url, timeout=5.0), http=http
            )
            conn = await client.create_participant_connection(details.participant_token)
            yield Chat(client, details, conn)


async def test_connection_details(chat: Chat) -> None:
    assert chat.details.contact_id
    assert chat.conn.websocket_url.startswith("ws://127.0.0.1:")
    assert chat.conn.connection_token
    assert chat.conn.connection_token_expiry is not None
    assert chat.conn.request_id is None or isinstance(chat.conn.request_id, str)


async def test_bad_participant_token_is_access_denied(chat: Chat) -> None:
    with pytest.raises(AccessDeniedError) as info:
        await chat.client.create_participant_connection("not-a-real-token")
    assert info.value.status_code == 403


async def test_messages_events_and_transcript(chat: Chat) -> None:
    sent = await chat.client.send_message(chat.token, content="Hello from trioconnect")
    token = str(uuid.uuid4())
    again = await chat.client.send_message(chat.token, content="once", client_token=token)
    await chat.client.send_event(
        chat.token, content_type="application/vnd.amazonaws.connect.event.typing"
    )
    await chat.client.send_event(
        chat.token,
        content_type="application/vnd.amazonaws.connect.event.message.delivered",
        content=f'{{"messageId":"{sent.id}"}}',
        client_token="INCOMING_DELIVERED_RECEIPT",
    )
    page = await chat.client.get_transcript(chat.token, max_results=100, sort_order="ASCENDING")
    ids = [item.get("Id") for item in page.items]
    assert sent.id in ids
    assert again.id in ids
    mine = next(item for item in page.items if item.get("Id") == sent.id)
    assert mine["Content"] == "Hello from trioconnect"
    assert mine["ContactId"] == chat.details.contact_id


async def test_attachment_round_trip(chat: Chat) -> None:
    data = b"notes from the customer\n"
    upload = await chat.client.start_attachment_upload(
        chat.token, content_type="text/plain", size=len(data), name="notes.txt"
    )
    await chat.client.upload_attachment_bytes(upload, data)
    await chat.client.complete_attachment_upload(chat.token, attachment_ids=[upload.attachment_id])
    url = await chat.client.get_attachment(chat.token, attachment_id=upload.attachment_id)
    assert await chat.client.download(url.url) == data


async def test_authentication_and_view_calls_are_understood(chat: Chat) -> None:
    # Without an authentication flow or a view the emulator may refuse; either way the answer
    # must be a well-formed result or a modelled error, never a transport or protocol failure.
    session_id = str(uuid.uuid4())
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: chat.client.get_authentication_url(
            chat.token, session_id=session_id, redirect_uri="https://app.test/done"
        ),
        lambda: chat.client.cancel_participant_authentication(chat.token, session_id=session_id),
        lambda: chat.client.describe_view(chat.token, view_token="no-such-view"),
    ]
    refusals: list[ServiceError] = []
    for call in calls:
        try:
            await call()
        except ServiceError as exc:
            refusals.append(exc)
    assert all(400 <= exc.status_code < 500 and exc.code for exc in refusals), refusals


async def test_validation_never_reaches_the_emulator(chat: Chat) -> None:
    with pytest.raises(ValidationError):
        await chat.client.send_message(chat.token, content="")


async def test_disconnect_then_token_is_refused(chat: Chat) -> None:
    await chat.client.disconnect_participant(chat.token)
    with trio.fail_after(5):
        while True:
            try:
                await chat.client.send_message(chat.token, content="after the end")
            except AccessDeniedError:
                break
            await trio.sleep(0.05)


async def test_signed_requests_through_the_shared_pool(chat: Chat) -> None:
    # ChatJS-style empty-credential SigV4 headers must be accepted; http=None uses the run's pool.
    endpoint = chat.client.config.base_url
    signed = ParticipantClient(ParticipantServiceConfig(endpoint=endpoint, sign_requests=True))
    sent = await signed.send_message(chat.token, content="signed hello")
    page = await signed.get_transcript(chat.token, max_results=100)
    assert sent.id in [item.get("Id") for item in page.items]
