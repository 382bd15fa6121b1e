"""The public chat session: ``async with open_chat_session(details) as session``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeVar

import trio

from trioconnect import errors
from trioconnect.config import ClientConfig, get_global_config
from trioconnect.details import ChatDetails
from trioconnect.machine import SessionState, Trigger
from trioconnect.protocol.events import (
    Event,
)
from trioconnect.protocol.transcript import Transcript
from trioconnect.session.attachments import AttachmentCalls
from trioconnect.session.authentication import AuthenticationCalls
from trioconnect.session.base import attach_metadata
from trioconnect.session.callbacks import EventCallbacks
from trioconnect.session.fanout import EventStream
from trioconnect.session.messaging import MessagingCalls
from trioconnect.session.results import ConnectResult, SessionStatistics
from trioconnect.session.socket import WebSocketOpener
from trioconnect.session.supervisor import Supervisor

if TYPE_CHECKING:
    import httpx

__all__ = ["ChatSession", "open_chat_session"]

E = TypeVar("E", bound=Event)


@contextlib.asynccontextmanager
async def open_chat_session(
    details: ChatDetails,
    *,
    endpoint: str | None = None,
    region: str | None = None,
    config: ClientConfig | None = None,
    http: httpx.AsyncClient | None = None,
    websocket_opener: WebSocketOpener | None = None,
) -> AsyncIterator[ChatSession]:
    """Open a chat session for one participant; leaving the block cancels and joins its tasks.

    Args:
        details: the chat's ContactId, ParticipantId and ParticipantToken (see :func:`start_chat`).
        endpoint: Participant Service base URL (e.g. the emulator's); overrides ``config.endpoint``.
        region: AWS Region; overrides ``config.region``.
        config: client settings (default: the global config, see :func:`set_global_config`).
        http: an httpx client to share (default: the process-wide pool). Any transport works,
            e.g. ``httpx.MockTransport`` to script the service in tests.
        websocket_opener: how WebSockets are opened (default: trio-websocket over the network).
            Tests pass one that serves the socket in memory (see
            :class:`~trioconnect.session.socket.WebSocketOpener`).

    Yields:
        The :class:`ChatSession`, not yet connected: call :meth:`ChatSession.connect`.
    """
    cfg = config or get_global_config()
    if endpoint is not None:
        cfg = cfg.replace(endpoint=endpoint)
    if region is not None:
        cfg = cfg.replace(region=region)
    from trioconnect.aws.participant import ParticipantClient, ParticipantServiceConfig

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
        session = ChatSession(Supervisor(details, cfg, client, nursery, opener=websocket_opener))
        try:
            yield session
        finally:
            session._supervisor.close()
            await session._supervisor.wait_sockets_closed()
            nursery.cancel_scope.cancel()


class ChatSession(MessagingCalls, AttachmentCalls, AuthenticationCalls, EventCallbacks):
    """One participant's chat: REST calls, live events and a managed WebSocket.

    Create it with :func:`open_chat_session`. Its state is the statechart's (:attr:`state`);
    :attr:`transcript` is the deduplicated, ordered transcript the session has seen.
    The REST calls are grouped by topic in :class:`~.messaging.MessagingCalls`,
    :class:`~.attachments.AttachmentCalls` and :class:`~.authentication.AuthenticationCalls`.
    """

    def __repr__(self) -> str:
        d = self._supervisor.details
        return (
            f"<ChatSession {d.participant_role} contact={d.contact_id} "
            f"participant={d.participant_id} state={self.state.value}>"
        )

    # ------------------------------------------------------------------ state
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
            receipts_failed=c.receipts_failed,
            recovery_failures=c.recovery_failures,
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
        """Drop local state (transcript, receipts, partial messages) without disconnecting.

        Which items were delivered as events is forgotten with them, so a later recovery may
        deliver earlier items again.
        """
        sup = self._supervisor
        sup.transcript.clear()
        sup.delivery.forget()
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
        except errors.AccessDeniedError as exc:
            sup.chat_ended_by_refusal(exc)  # already over on the server
        except errors.TrioConnectError as exc:
            if sup.state is SessionState.DISCONNECTING:
                sup.fire(Trigger.DISCONNECT_FAILED)
            attach_metadata(exc, metadata)
            raise
