"""The public chat session: ``async with open_chat_session(details) as session``."""

from __future__ import annotations

import contextlib
import mimetypes
import pathlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal, TypeVar

import httpx
import trio

from trioconnect import errors
from trioconnect.aws.participant import ParticipantClient, ParticipantServiceConfig
from trioconnect.config import ClientConfig, get_global_config
from trioconnect.details import ChatDetails
from trioconnect.machine import SessionState, Trigger
from trioconnect.protocol import content_types as ct
from trioconnect.protocol.events import (
    ChatRehydratedEvent,
    ConnectionBrokenEvent,
    ConnectionEstablishedEvent,
    ConnectionLostEvent,
    DeliveredReceiptEvent,
    EndedEvent,
    Event,
    MessageEvent,
    ReadReceiptEvent,
    TypingEvent,
)
from trioconnect.protocol.items import Item
from trioconnect.protocol.transcript import Transcript
from trioconnect.session.fanout import EventStream
from trioconnect.session.results import (
    AttachmentResult,
    ConnectResult,
    MessageResult,
    SessionStatistics,
    TranscriptResult,
)
from trioconnect.session.supervisor import Supervisor

__all__ = ["ChatSession", "open_chat_session"]

E = TypeVar("E", bound=Event)
T = TypeVar("T")

#: States in which REST calls with the connection token are allowed.
_CALLABLE = frozenset(
    {
        SessionState.ESTABLISHED,
        SessionState.LOST,
        SessionState.SUSPENDED,
        SessionState.DISCONNECTING,
    }
)


@contextlib.asynccontextmanager
async def open_chat_session(
    details: ChatDetails,
    *,
    endpoint: str | None = None,
    region: str | None = None,
    config: ClientConfig | None = None,
    http: httpx.AsyncClient | None = None,
) -> AsyncIterator[ChatSession]:
    """Open a chat session for one participant; leaving the block cancels and joins its tasks.

    Args:
        details: the chat's ContactId, ParticipantId and ParticipantToken (see :func:`start_chat`).
        endpoint: Participant Service base URL (e.g. the emulator's); overrides ``config.endpoint``.
        region: AWS Region; overrides ``config.region``.
        config: client settings (default: the global config, see :func:`set_global_config`).
        http: an httpx client to share (default: the process-wide pool).

    Yields:
        The :class:`ChatSession`, not yet connected: call :meth:`ChatSession.connect`.
    """
    cfg = config or get_global_config()
    if endpoint is not None:
        cfg = cfg.replace(endpoint=endpoint)
    if region is not None:
        cfg = cfg.replace(region=region)
    client = ParticipantClient(
        ParticipantServiceConfig(
            region=cfg.region,
            endpoint=cfg.endpoint,
            user_agent_suffix=cfg.user_agent_suffix,
            verify_tls=cfg.verify_tls,
            timeout=cfg.request_timeout,
        ),
        http=http,
    )
    async with trio.open_nursery() as nursery:
        session = ChatSession(Supervisor(details, cfg, client, nursery))
        try:
            yield session
        finally:
            session._supervisor.close()
            nursery.cancel_scope.cancel()


class ChatSession:
    """One participant's chat: REST calls, live events and a managed WebSocket.

    Create it with :func:`open_chat_session`. Its state is the statechart's
    (:attr:`state`); :attr:`transcript` is the deduplicated, ordered transcript the session has seen.
    """

    def __init__(self, supervisor: Supervisor) -> None:
        self._supervisor = supervisor

    def __repr__(self) -> str:
        d = self._supervisor.details
        return (
            f"<ChatSession {d.participant_role} contact={d.contact_id} "
            f"participant={d.participant_id} state={self.state.value}>"
        )

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> SessionState:
        """The session's current statechart state."""
        return self._supervisor.state

    @property
    def details(self) -> ChatDetails:
        """The chat details the session was opened with (ChatJS ``getChatDetails``)."""
        return self._supervisor.details

    def get_chat_details(self) -> ChatDetails:
        """The chat details (ChatJS ``getChatDetails``)."""
        return self._supervisor.details

    @property
    def transcript(self) -> Transcript:
        """The session-owned transcript: deduplicated by Id, ordered, with local send status."""
        return self._supervisor.transcript

    def statistics(self) -> SessionStatistics:
        """A snapshot of the session's counters."""
        sup = self._supervisor
        c = sup.counters
        return SessionStatistics(
            state=sup.state,
            establishments=c.establishments,
            reconnects=c.reconnects,
            messages_sent=c.messages_sent,
            items_received=c.items_received,
            duplicates_dropped=c.duplicates_dropped,
            items_recovered=c.items_recovered,
            malformed_frames=c.malformed_frames,
            heartbeat_deaths=c.heartbeat_deaths,
            deep_heartbeat_failures=c.deep_heartbeat_failures,
            events_published=sup.fanout.published,
            event_overflows=sup.fanout.overflows,
            callback_errors=sup.fanout.callback_errors,
            receipts_sent=c.receipts_sent,
            api_calls=dict(c.api_calls),
            api_errors=dict(c.api_errors),
            api_latency_total=dict(c.api_latency_total),
        )

    async def wait_for_state(self, *states: SessionState) -> SessionState:
        """Wait until the session is in one of ``states`` and return it."""
        return await self._supervisor.wait_for_state(*states)

    async def wait_ended(self) -> None:
        """Wait until the chat has ended (the server's chat.ended arrived)."""
        await self._supervisor.wait_for_state(SessionState.ENDED, SessionState.CLOSED)

    # ------------------------------------------------------------------ events
    def events(self) -> EventStream:
        """An async iterator over every event, in order.

        The first iterator also gets the events published before it was opened. Its buffer is
        bounded (``ClientConfig.event_buffer``); a consumer that falls behind gets
        :class:`~trioconnect.errors.EventsOverflowError` after the buffered events.
        """
        return self._supervisor.fanout.open_stream()

    def on(self, event_type: type[E], callback: Callable[[E], object]) -> None:
        """Call ``callback(event)`` for each event of ``event_type`` (ChatJS ``onX`` handlers)."""
        self._supervisor.fanout.add_callback(event_type, callback)

    def on_message(self, callback: Callable[[MessageEvent], object]) -> None:
        """ChatJS ``onMessage``."""
        self.on(MessageEvent, callback)

    def on_typing(self, callback: Callable[[TypingEvent], object]) -> None:
        """ChatJS ``onTyping``."""
        self.on(TypingEvent, callback)

    def on_read_receipt(self, callback: Callable[[ReadReceiptEvent], object]) -> None:
        """ChatJS ``onReadReceipt``."""
        self.on(ReadReceiptEvent, callback)

    def on_delivered_receipt(self, callback: Callable[[DeliveredReceiptEvent], object]) -> None:
        """ChatJS ``onDeliveredReceipt``."""
        self.on(DeliveredReceiptEvent, callback)

    def on_connection_established(
        self, callback: Callable[[ConnectionEstablishedEvent], object]
    ) -> None:
        """ChatJS ``onConnectionEstablished`` (once per establishment)."""
        self.on(ConnectionEstablishedEvent, callback)

    def on_connection_lost(self, callback: Callable[[ConnectionLostEvent], object]) -> None:
        """ChatJS ``onConnectionLost``."""
        self.on(ConnectionLostEvent, callback)

    def on_connection_broken(self, callback: Callable[[ConnectionBrokenEvent], object]) -> None:
        """ChatJS ``onConnectionBroken``."""
        self.on(ConnectionBrokenEvent, callback)

    def on_ended(self, callback: Callable[[EndedEvent], object]) -> None:
        """ChatJS ``onEnded``."""
        self.on(EndedEvent, callback)

    def on_chat_rehydrated(self, callback: Callable[[ChatRehydratedEvent], object]) -> None:
        """ChatJS ``onChatRehydrated``."""
        self.on(ChatRehydratedEvent, callback)

    # ------------------------------------------------------------------ lifecycle
    async def connect(self, *, metadata: Any = None) -> ConnectResult:
        """Connect and return once the WebSocket is subscribed.

        Calling it again while connecting or connected starts nothing new. One call makes one
        CreateParticipantConnection request unless the socket must be retried.

        Raises:
            AccessDeniedError: the participant token was rejected (the session is BROKEN).
            TransportError: retries were exhausted (the session is BROKEN).
            InvalidStateError: the session is closed, or the chat has ended.
        """
        sup = self._supervisor
        if sup.state is SessionState.ENDED:
            raise errors.SessionEndedError("the chat has ended; open a new session")
        effects = sup.fire(Trigger.CONNECT)
        final = await sup.wait_for_state(
            SessionState.ESTABLISHED, SessionState.BROKEN, SessionState.ENDED, SessionState.CLOSED
        )
        if final is SessionState.BROKEN:
            error = sup.last_error
            if isinstance(error, errors.TrioConnectError):
                raise error
            raise errors.TransportError("could not connect")
        if final is not SessionState.ESTABLISHED:
            raise errors.SessionEndedError(f"the session is {final.value}")
        return ConnectResult(
            connect_called=True,
            connect_success=True,
            state=final,
            already_connected=effects.ignored,
            metadata=metadata,
        )

    async def suspend(self) -> None:
        """Close the socket and make no reconnect attempts until :meth:`resume`."""
        self._supervisor.fire(Trigger.SUSPEND)

    async def resume(self) -> None:
        """Reconnect after :meth:`suspend`; missed messages are fetched once connected."""
        self._supervisor.fire(Trigger.RESUME)

    def reset(self) -> None:
        """Drop local state (transcript, receipts, partial messages) without disconnecting."""
        sup = self._supervisor
        sup.transcript.clear()
        sup.stitcher = type(sup.stitcher)()
        sup.receipts = type(sup.receipts)(
            throttle=sup.config.receipts.throttle,
            delivered_delay=sup.config.receipts.delivered_delay,
            enabled=sup.config.receipts.enabled,
        )

    async def disconnect_participant(self, *, metadata: Any = None) -> None:
        """Leave the chat. The session ends when the server's chat.ended event arrives.

        Raises:
            ServiceError: the DisconnectParticipant call failed (the session stays where it was).
        """
        sup = self._supervisor
        self._require_callable("disconnect_participant")
        sup.fire(Trigger.DISCONNECT)
        try:
            await sup.call(
                "DisconnectParticipant",
                sup.client.disconnect_participant(sup.connection_token()),
            )
        except errors.AccessDeniedError:
            sup.fire(Trigger.CHAT_ENDED)  # already over on the server
        except errors.TrioConnectError as exc:
            if sup.state is SessionState.DISCONNECTING:
                sup.fire(Trigger.DISCONNECT_FAILED)
            _attach_metadata(exc, metadata)
            raise

    # ------------------------------------------------------------------ messages and events
    async def send_message(
        self,
        content: str,
        content_type: str = "text/plain",
        *,
        client_token: str | None = None,
        metadata: Any = None,
    ) -> MessageResult:
        """Send a message (text/plain, text/markdown, application/json, interactive response).

        The message enters :attr:`transcript` as SENDING, then SENT or FAILED. A failed message can
        be sent again with :meth:`resend_failed_message`, reusing its ClientToken.

        Raises:
            ValidationError: empty, over 16,384 bytes, or an unsupported content type.
            InvalidStateError / SessionEndedError: not connected, or the chat has ended.
            ServiceError, TransportError: the service refused or could not be reached.
        """
        ct.validate_message(content, content_type)
        self._require_callable("send_message")
        token = client_token or str(uuid.uuid4())
        sup = self._supervisor
        sup.transcript.add_local(
            token, content_type, content, self.details.participant_role, _now_iso()
        )
        return await self._send_local(token, content, content_type, metadata)

    async def resend_failed_message(self, local_id: str, *, metadata: Any = None) -> MessageResult:
        """Send a FAILED message again with its original ClientToken (no duplicate is created)."""
        sup = self._supervisor
        for message in sup.transcript.failed_messages():
            if message.local_id == local_id:
                self._require_callable("resend_failed_message")
                return await self._send_local(
                    local_id, message.content, message.content_type, metadata
                )
        raise errors.ValidationError(f"no failed message with local id {local_id!r}")

    async def _send_local(
        self, token: str, content: str, content_type: str, metadata: Any
    ) -> MessageResult:
        sup = self._supervisor
        try:
            result = await self._guarded(
                "SendMessage",
                sup.client.send_message(
                    sup.connection_token(),
                    content=content,
                    content_type=content_type,
                    client_token=token,
                ),
                metadata,
            )
        except errors.TrioConnectError as exc:
            sup.transcript.mark_failed(token, str(exc))
            raise
        sup.transcript.mark_sent(token, result.id, result.absolute_time)
        sup.counters.messages_sent += 1
        return MessageResult(
            id=result.id,
            absolute_time=result.absolute_time,
            client_token=token,
            request_id=result.request_id,
            metadata=metadata,
        )

    async def send_event(
        self,
        content_type: str,
        content: str | None = None,
        *,
        client_token: str | None = None,
        metadata: Any = None,
    ) -> MessageResult | None:
        """Send an event (typing, connection.acknowledged, receipts, ...).

        Delivered/read receipts (``content = '{"messageId": ...}'``) go through the receipt
        scheduler and return ``None``; use :meth:`send_read_receipt` for clarity.
        """
        ct.validate_event(content_type, content)
        self._require_callable("send_event")
        if content_type in (ct.MESSAGE_READ, ct.MESSAGE_DELIVERED):
            message_id = _receipt_message_id(content)
            kind: Literal["read", "delivered"] = (
                "read" if content_type == ct.MESSAGE_READ else "delivered"
            )
            self._supervisor.submit_receipt(kind, message_id)
            return None
        sup = self._supervisor
        token = client_token or str(uuid.uuid4())
        result = await self._guarded(
            "SendEvent",
            sup.client.send_event(
                sup.connection_token(),
                content_type=content_type,
                content=content,
                client_token=token,
            ),
            metadata,
        )
        return MessageResult(
            id=result.id,
            absolute_time=result.absolute_time,
            client_token=token,
            request_id=result.request_id,
            metadata=metadata,
        )

    async def send_typing(self, *, metadata: Any = None) -> MessageResult | None:
        """Send a typing event."""
        return await self.send_event(ct.TYPING, metadata=metadata)

    def send_read_receipt(self, message_id: str) -> bool:
        """Queue a read receipt for ``message_id``; False if already sent. Never blocks."""
        self._require_callable("send_read_receipt")
        return self._supervisor.submit_receipt("read", message_id)

    def send_delivered_receipt(self, message_id: str) -> bool:
        """Queue a delivered receipt; superseded by a read receipt for the same message."""
        self._require_callable("send_delivered_receipt")
        return self._supervisor.submit_receipt("delivered", message_id)

    # ------------------------------------------------------------------ transcript
    async def get_transcript(
        self,
        *,
        contact_id: str | None = None,
        max_results: int = 15,
        next_token: str | None = None,
        scan_direction: Literal["FORWARD", "BACKWARD"] = "BACKWARD",
        sort_order: Literal["ASCENDING", "DESCENDING"] = "ASCENDING",
        start_position: dict[str, Any] | None = None,
        metadata: Any = None,
    ) -> TranscriptResult:
        """One page of the transcript (defaults as ChatJS: 15 items, BACKWARD, ASCENDING).

        Returned items are also merged into :attr:`transcript` and prime the receipt scheduler.
        """
        self._require_callable("get_transcript")
        sup = self._supervisor
        page = await self._guarded(
            "GetTranscript",
            sup.client.get_transcript(
                sup.connection_token(),
                contact_id=contact_id,
                max_results=max_results,
                next_token=next_token,
                scan_direction=scan_direction,
                sort_order=sort_order,
                start_position=start_position,
            ),
            metadata,
        )
        items = tuple(Item.from_json(raw) for raw in page.items)
        sup.transcript.merge(items)
        sup.receipts.prefill_from_items(items, self.details.participant_id)
        for item in items:
            sup.stitcher.on_transcript_item(item)
        return TranscriptResult(
            initial_contact_id=page.initial_contact_id,
            items=items,
            next_token=page.next_token,
            request_id=page.request_id,
            metadata=metadata,
        )

    # ------------------------------------------------------------------ attachments
    async def send_attachment(
        self,
        data: bytes | str | pathlib.Path,
        *,
        name: str | None = None,
        content_type: str | None = None,
        metadata: Any = None,
    ) -> AttachmentResult:
        """Upload an attachment: StartAttachmentUpload, PUT, CompleteAttachmentUpload.

        Args:
            data: the bytes, or a path to read them from.
            name: the file name (default: the path's name).
            content_type: its MIME type (default: guessed from the name).

        Raises:
            ValidationError: over 20 MB or a type the service does not accept (before any call).
        """
        if isinstance(data, str | pathlib.Path):
            path = pathlib.Path(data)
            name = name or path.name
            data = await trio.Path(path).read_bytes()
        if not name:
            raise errors.ValidationError("an attachment needs a name")
        content_type = content_type or mimetypes.guess_type(name)[0] or ""
        ct.validate_attachment(name, content_type, len(data))
        self._require_callable("send_attachment")
        sup = self._supervisor
        token = sup.connection_token()
        upload = await self._guarded(
            "StartAttachmentUpload",
            sup.client.start_attachment_upload(
                token, content_type=content_type, size=len(data), name=name
            ),
            metadata,
        )
        await self._guarded("UploadAttachment", sup.client.upload_attachment_bytes(upload, data),
                            metadata)
        await self._guarded(
            "CompleteAttachmentUpload",
            sup.client.complete_attachment_upload(token, attachment_ids=[upload.attachment_id]),
            metadata,
        )
        return AttachmentResult(
            attachment_id=upload.attachment_id,
            name=name,
            content_type=content_type,
            size=len(data),
            metadata=metadata,
        )

    async def get_attachment_url(self, attachment_id: str, *, metadata: Any = None) -> str:
        """A download URL for an attachment (ChatJS ``getAttachmentURL``)."""
        self._require_callable("get_attachment_url")
        sup = self._supervisor
        result = await self._guarded(
            "GetAttachment",
            sup.client.get_attachment(sup.connection_token(), attachment_id=attachment_id),
            metadata,
        )
        return str(result.url)

    async def download_attachment(self, attachment_id: str, *, metadata: Any = None) -> bytes:
        """Download an attachment's bytes (ChatJS ``downloadAttachment``)."""
        url = await self.get_attachment_url(attachment_id, metadata=metadata)
        return bytes(
            await self._guarded("DownloadAttachment", self._supervisor.client.download(url),
                                metadata)
        )

    # ------------------------------------------------------------------ authentication and views
    async def get_authentication_url(
        self, *, session_id: str, redirect_uri: str, metadata: Any = None
    ) -> str:
        """The URL where the customer authenticates (after an authentication.initiated event)."""
        self._require_callable("get_authentication_url")
        sup = self._supervisor
        result = await self._guarded(
            "GetAuthenticationUrl",
            sup.client.get_authentication_url(
                sup.connection_token(), session_id=session_id, redirect_uri=redirect_uri
            ),
            metadata,
        )
        return str(result.url)

    async def cancel_participant_authentication(
        self, *, session_id: str, metadata: Any = None
    ) -> None:
        """Cancel a pending customer authentication."""
        self._require_callable("cancel_participant_authentication")
        sup = self._supervisor
        await self._guarded(
            "CancelParticipantAuthentication",
            sup.client.cancel_participant_authentication(
                sup.connection_token(), session_id=session_id
            ),
            metadata,
        )

    async def describe_view(self, view_token: str, *, metadata: Any = None) -> Any:
        """Describe a view (step-by-step guide) by its token."""
        self._require_callable("describe_view")
        sup = self._supervisor
        return await self._guarded(
            "DescribeView",
            sup.client.describe_view(sup.connection_token(), view_token=view_token),
            metadata,
        )

    # ------------------------------------------------------------------ helpers
    def _require_callable(self, name: str) -> None:
        state = self._supervisor.state
        if state in _CALLABLE:
            return
        if state is SessionState.ENDED:
            raise errors.SessionEndedError(f"cannot call {name}(): the chat has ended")
        if state in (SessionState.INIT, SessionState.CONNECTING):
            raise errors.InvalidStateError(
                f"cannot call {name}() before connect() has completed", state=state.value
            )
        raise errors.InvalidStateError(
            f"cannot call {name}() while the session is {state.value}", state=state.value
        )

    async def _guarded(self, operation: str, awaitable: Awaitable[T], metadata: Any) -> T:
        """Run one call; a 403 after establishment means the chat ended in the background."""
        sup = self._supervisor
        try:
            return await sup.call(operation, awaitable)
        except errors.AccessDeniedError as exc:
            _attach_metadata(exc, metadata)
            if sup.machine.ever_established and sup.state in _CALLABLE:
                sup.last_error = exc
                sup.fire(Trigger.CHAT_ENDED)
                raise errors.SessionEndedError(
                    f"{operation} was refused: the chat has ended ({exc.message})"
                ) from exc
            raise
        except errors.TrioConnectError as exc:
            _attach_metadata(exc, metadata)
            raise


def _attach_metadata(exc: BaseException, metadata: Any) -> None:
    if metadata is not None and isinstance(exc, errors.ServiceError):
        exc.metadata = metadata


def _receipt_message_id(content: str | None) -> str:
    import json

    try:
        value = json.loads(content or "")
    except ValueError:
        value = None
    message_id = value.get("messageId") if isinstance(value, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise errors.ValidationError('a receipt needs content like {"messageId": "<item id>"}')
    return message_id


def _now_iso() -> str:
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
