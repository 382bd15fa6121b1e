"""Tunable numbers of the emulator. Defaults follow the published service limits (limits.md)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EmulatorConfig"]

MIB = 1024 * 1024


@dataclass
class EmulatorConfig:
    """Limits and timings.

    Attributes:
        connection_token_ttl: lifetime of a ConnectionToken (s); the service issues about 24 h.
        websocket_url_ttl: how long a WebSocket URL may be used to open a socket (s).
        connect_window: time after StartChatContact within which the first
            CreateParticipantConnection must happen (s).
        participant_token_ttl: ``Expiry`` reported for CreateParticipant credentials (s).
        message_max_bytes: maximum UTF-8 size of message/event content.
        attachment_max_bytes: maximum attachment size.
        attachments_per_contact: attachments a contact may start before
            ServiceQuotaExceededException.
        attachment_url_ttl: default lifetime of upload/download URLs (s).
        rest_body_limit: maximum REST/JSON request body.
        body_timeout: time allowed to receive a request body (s).
        ws_queue_size: bounded outbound queue per WebSocket (frames); see the hub for the policy.
        ws_send_timeout: a socket write that takes longer closes the socket (s).
        ws_idle_timeout: a socket that sends nothing for this long is closed (s); ChatJS sends a
            heartbeat every 10 s.
        ws_max_message: largest client frame accepted (bytes).
        chat_end_grace: after chat.ended is pushed, sockets close (1000) this much later (s).
        chat_duration_minutes: how long a chat lasts when StartChatContact gives no
            ``ChatDurationInMinutes`` (the service's default is 1,500 = 25 h; allowed 60-10,080).
        max_active_chats: concurrent active chats (enforced when quotas are on).
        default_instance_id: instance used by /start-chat when none is given.
        default_contact_flow_id: contact flow used by /start-chat when none is given.
    """

    connection_token_ttl: float = 24 * 3600.0
    websocket_url_ttl: float = 100.0
    connect_window: float = 300.0
    participant_token_ttl: float = 25 * 3600.0
    message_max_bytes: int = 16_384
    attachment_max_bytes: int = 20 * MIB
    attachments_per_contact: int = 100
    attachment_url_ttl: float = 300.0
    rest_body_limit: int = MIB
    body_timeout: float = 30.0
    ws_queue_size: int = 256
    ws_send_timeout: float = 10.0
    ws_idle_timeout: float = 120.0
    ws_max_message: int = 64 * 1024
    chat_end_grace: float = 0.5
    chat_duration_minutes: int = 1500
    max_active_chats: int = 100
    default_instance_id: str = "00000000-0000-4000-8000-000000000001"
    default_contact_flow_id: str = "00000000-0000-4000-8000-000000000002"
