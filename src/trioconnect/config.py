"""Client configuration: the Python counterpart of ChatJS's ``setGlobalConfig``.

A :class:`ClientConfig` is an immutable record. :func:`set_global_config` replaces the process-wide
default that every new session starts from; any session may be given its own config instead.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ADVANCED",
    "ClientConfig",
    "ReceiptConfig",
    "ReconnectConfig",
    "get_global_config",
    "set_global_config",
]

#: An extra logging level above WARNING for the few lines ChatJS calls "advanced logs":
#: connection state changes and reconnect decisions. ``logging.getLogger("trioconnect")``.
ADVANCED = 35
logging.addLevelName(ADVANCED, "ADVANCED")
# A library stays silent until the application configures logging.
logging.getLogger("trioconnect").addHandler(logging.NullHandler())


@dataclass(frozen=True, slots=True)
class ReceiptConfig:
    """Message-receipt settings (ChatJS ``features.messageReceipts``).

    Attributes:
        enabled: send delivered/read receipts at all (ChatJS ``shouldSendMessageReceipts``).
        throttle: at most one receipt request per kind per this many seconds (ChatJS
            ``throttleTime``, default 5 s). Unlike ChatJS no receipt is dropped by the throttle.
        delivered_delay: how long a delivered receipt waits for a read receipt that supersedes it.
        auto_delivered: send a delivered receipt for every incoming message of another participant.
    """

    enabled: bool = True
    throttle: float = 5.0
    delivered_delay: float = 0.3
    auto_delivered: bool = False


@dataclass(frozen=True, slots=True)
class ReconnectConfig:
    """How a lost connection is recovered.

    Attributes:
        initial_delay: first backoff delay in seconds.
        max_delay: cap of the exponential backoff.
        jitter: relative jitter (0.3 = ±30 %).
        max_attempts: attempts before the session is BROKEN (``None`` = keep trying).
        socket_open_timeout: seconds allowed for opening and subscribing one WebSocket.
    """

    initial_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.3
    max_attempts: int | None = 12
    socket_open_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a session needs to know that is not about one particular chat.

    Attributes:
        region: AWS Region of the Participant Service (ChatJS default ``us-west-2``).
        endpoint: override of the Participant Service base URL (e.g. the local emulator).
        user_agent_suffix: appended to the user agent (ChatJS ``customUserAgentSuffix``).
        verify_tls: verify TLS certificates (leave on outside tests).
        request_timeout: seconds per REST attempt.
        heartbeat_interval: seconds between ``aws/ping`` + ``aws/heartbeat`` pairs (ChatJS: 10 s).
        dead_after: a socket with no heartbeat answer for this long is dead
            (default ``2 * heartbeat_interval``).
        token_refresh_margin: refresh the connection token this long before it expires
            (ChatJS: 60 s).
        fetch_history_on_connect: on the first establishment, fetch and deliver the items the
            chat already held (joins, greetings, a rehydrated past chat), as after a reconnect.
            Costs one or more GetTranscript calls per connect; turn off for load tests that
            should not spend that quota.
        receipts: message-receipt settings.
        reconnect: reconnect/backoff settings.
        event_buffer: capacity of each ``session.events()`` iterator; overflow is reported,
            never silent.
        is_network_online: optional hook; while it returns False no reconnect is attempted.
        logger: logger to use (default ``logging.getLogger("trioconnect")``).
        metrics: count calls, errors and latency per operation in memory
            (``session.statistics()``); nothing is ever sent anywhere.
    """

    region: str = "us-west-2"
    endpoint: str | None = None
    user_agent_suffix: str | None = None
    verify_tls: bool = True
    request_timeout: float = 10.0
    heartbeat_interval: float = 10.0
    dead_after: float | None = None
    token_refresh_margin: float = 60.0
    fetch_history_on_connect: bool = True
    receipts: ReceiptConfig = field(default_factory=ReceiptConfig)
    reconnect: ReconnectConfig = field(default_factory=ReconnectConfig)
    event_buffer: int = 1000
    is_network_online: Callable[[], bool] | None = None
    logger: logging.Logger | None = None
    metrics: bool = True

    def replace(self, **changes: Any) -> ClientConfig:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def get_logger(self) -> logging.Logger:
        """The logger sessions write to."""
        return self.logger or logging.getLogger("trioconnect")


_global = ClientConfig()


def set_global_config(config: ClientConfig | None = None, **changes: Any) -> ClientConfig:
    """Replace the process-wide default config (ChatJS ``setGlobalConfig``).

    Args:
        config: a whole new config, or ``None`` to start from the current one.
        **changes: fields to change, e.g. ``region="eu-west-2"``.

    Returns:
        The new global config.
    """
    global _global
    base = config if config is not None else _global
    _global = base.replace(**changes) if changes else base
    return _global


def get_global_config() -> ClientConfig:
    """The process-wide default config."""
    return _global
