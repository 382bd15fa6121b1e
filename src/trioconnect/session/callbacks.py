"""ChatJS-style callback registration: ``session.on_message(fn)`` and one ``on_x`` per event."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from trioconnect.protocol.events import (
    AuthenticationCanceledEvent,
    AuthenticationExpiredEvent,
    AuthenticationFailedEvent,
    AuthenticationInitiatedEvent,
    AuthenticationSuccessfulEvent,
    AuthenticationTimeoutEvent,
    AutoDisconnectionEvent,
    ChatRehydratedEvent,
    ConnectionBrokenEvent,
    ConnectionEstablishedEvent,
    ConnectionLostEvent,
    DeepHeartbeatFailureEvent,
    DeepHeartbeatSuccessEvent,
    DeliveredReceiptEvent,
    EndedEvent,
    Event,
    MessageEvent,
    MessagesRecoveredEvent,
    ParticipantDisplayNameUpdatedEvent,
    ParticipantIdleEvent,
    ParticipantInvitedEvent,
    ParticipantReturnedEvent,
    ReadReceiptEvent,
    TranscriptUpdatedEvent,
    TypingEvent,
)
from trioconnect.session.base import SessionCore

__all__ = ["EventCallbacks"]

E = TypeVar("E", bound=Event)


class EventCallbacks(SessionCore):
    """Register callbacks; each is called synchronously, in order, for every matching event."""

    def on(self, event_type: type[E], callback: Callable[[E], object]) -> None:
        """Call ``callback(event)`` for each event that is an ``event_type`` (or a subclass).

        An exception raised by a callback is logged and counted; it does not reach the session.
        """
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

    def on_participant_idle(self, callback: Callable[[ParticipantIdleEvent], object]) -> None:
        """ChatJS ``onParticipantIdle``."""
        self.on(ParticipantIdleEvent, callback)

    def on_participant_returned(
        self, callback: Callable[[ParticipantReturnedEvent], object]
    ) -> None:
        """ChatJS ``onParticipantReturned``."""
        self.on(ParticipantReturnedEvent, callback)

    def on_participant_invited(self, callback: Callable[[ParticipantInvitedEvent], object]) -> None:
        """ChatJS ``onParticipantInvited``."""
        self.on(ParticipantInvitedEvent, callback)

    def on_auto_disconnection(self, callback: Callable[[AutoDisconnectionEvent], object]) -> None:
        """ChatJS ``onAutoDisconnection``."""
        self.on(AutoDisconnectionEvent, callback)

    def on_participant_display_name_updated(
        self, callback: Callable[[ParticipantDisplayNameUpdatedEvent], object]
    ) -> None:
        """ChatJS ``onParticipantDisplayNameUpdated``."""
        self.on(ParticipantDisplayNameUpdatedEvent, callback)

    def on_chat_rehydrated(self, callback: Callable[[ChatRehydratedEvent], object]) -> None:
        """ChatJS ``onChatRehydrated``."""
        self.on(ChatRehydratedEvent, callback)

    def on_authentication_initiated(
        self, callback: Callable[[AuthenticationInitiatedEvent], object]
    ) -> None:
        """ChatJS ``onAuthenticationInitiated``."""
        self.on(AuthenticationInitiatedEvent, callback)

    def on_authentication_successful(
        self, callback: Callable[[AuthenticationSuccessfulEvent], object]
    ) -> None:
        """ChatJS ``onAuthenticationSuccessful``."""
        self.on(AuthenticationSuccessfulEvent, callback)

    def on_authentication_failed(
        self, callback: Callable[[AuthenticationFailedEvent], object]
    ) -> None:
        """ChatJS ``onAuthenticationFailed``."""
        self.on(AuthenticationFailedEvent, callback)

    def on_authentication_timeout(
        self, callback: Callable[[AuthenticationTimeoutEvent], object]
    ) -> None:
        """ChatJS ``onAuthenticationTimeout``."""
        self.on(AuthenticationTimeoutEvent, callback)

    def on_authentication_expired(
        self, callback: Callable[[AuthenticationExpiredEvent], object]
    ) -> None:
        """ChatJS ``onAuthenticationExpired``."""
        self.on(AuthenticationExpiredEvent, callback)

    def on_authentication_canceled(
        self, callback: Callable[[AuthenticationCanceledEvent], object]
    ) -> None:
        """ChatJS ``onAuthenticationCanceled``."""
        self.on(AuthenticationCanceledEvent, callback)

    def on_connection_established(
        self, callback: Callable[[ConnectionEstablishedEvent], object]
    ) -> None:
        """ChatJS ``onConnectionEstablished``."""
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

    def on_deep_heartbeat_success(
        self, callback: Callable[[DeepHeartbeatSuccessEvent], object]
    ) -> None:
        """ChatJS ``onDeepHeartbeatSuccess``."""
        self.on(DeepHeartbeatSuccessEvent, callback)

    def on_deep_heartbeat_failure(
        self, callback: Callable[[DeepHeartbeatFailureEvent], object]
    ) -> None:
        """ChatJS ``onDeepHeartbeatFailure``."""
        self.on(DeepHeartbeatFailureEvent, callback)

    def on_transcript_updated(self, callback: Callable[[TranscriptUpdatedEvent], object]) -> None:
        """ChatJS ``onTranscriptUpdated``."""
        self.on(TranscriptUpdatedEvent, callback)

    def on_messages_recovered(self, callback: Callable[[MessagesRecoveredEvent], object]) -> None:
        """Missed items were recovered after a reconnect (no ChatJS equivalent)."""
        self.on(MessagesRecoveredEvent, callback)
