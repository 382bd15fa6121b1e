"""Keeping the session's socket alive: the heartbeat and refresher tasks.

heartbeat: sends ``aws/ping`` + ``aws/heartbeat`` as :class:`HeartbeatMonitor` says and reports the
    socket lost once no answer came for ``dead_after`` seconds (exactly; see the monitor's docs).
refresher: ``token_refresh_margin`` seconds before the connection token expires, gets a new one and
    hands over to a new socket. The handover is internal: no connection-lost or -established
    event, and items that arrive on both sockets are delivered once (deduplicated by Id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import trio

from trioconnect import errors
from trioconnect.machine import Trigger
from trioconnect.protocol.envelope import encode_heartbeat, encode_ping
from trioconnect.protocol.events import DeepHeartbeatFailureEvent
from trioconnect.protocol.heartbeat import HeartbeatMonitor

if TYPE_CHECKING:
    from trioconnect.session.supervisor import Supervisor

__all__ = ["run_heartbeat", "run_refresher"]


async def run_heartbeat(sup: Supervisor) -> None:
    """Watch the current socket until it is dead, closed or replaced."""
    from trio_websocket import ConnectionClosed

    ws = sup.ws
    if ws is None:
        return
    monitor = HeartbeatMonitor(
        interval=sup.config.heartbeat_interval, dead_after=sup.config.dead_after
    )
    sup.monitor = monitor
    monitor.start(trio.current_time())
    while True:
        await trio.sleep_until(monitor.next_deadline())
        actions = monitor.tick(trio.current_time())
        if actions.deep_failure:
            sup.counters.deep_heartbeat_failures += 1
            sup.fanout.publish(
                DeepHeartbeatFailureEvent(status_code=None, reason="aws/ping not answered")
            )
        if actions.dead:
            sup.counters.heartbeat_deaths += 1
            sup.socket_lost(ws, "heartbeat not answered")
            return
        try:
            if actions.send_ping:
                await ws.send_message(encode_ping())
            if actions.send_heartbeat:
                await ws.send_message(encode_heartbeat())
        except (ConnectionClosed, trio.BrokenResourceError, trio.ClosedResourceError):
            sup.socket_lost(ws, "socket closed while sending heartbeat")
            return


async def run_refresher(sup: Supervisor) -> None:
    """Before the connection token expires, get a new one and hand over to a new socket."""
    while True:
        connection = sup.connection
        if connection is None or connection.connection_token_expiry is None:
            return
        lifetime = (connection.connection_token_expiry - sup.connection_wall).total_seconds()
        expires_at = connection.received_at + max(0.0, lifetime)
        await trio.sleep_until(
            connection.received_at + max(0.0, lifetime - sup.config.token_refresh_margin)
        )
        if not await _refresh_until(sup, expires_at):
            return


async def _refresh_until(sup: Supervisor, expires_at: float) -> bool:
    """Hand over to a fresh connection, retrying transient failures until ``expires_at``.

    Returns:
        True once handed over; False if the session ended or the token ran out first (then the
        old socket dies on its own and the connector takes over).
    """
    backoff = sup.new_backoff()
    while True:
        try:
            await _handover(sup)
            return True
        except errors.AccessDeniedError as exc:
            sup.last_error = exc
            sup.lost_reason = f"connection refresh refused: {exc.message}"
            sup.fire(Trigger.TOKEN_REJECTED)
            return False
        except (errors.TransportError, errors.ServiceError) as exc:
            delay = backoff.next_delay(sup.rng)
            sup.logger.warning("connection token refresh failed: %s", type(exc).__name__)
            if delay is None or trio.current_time() + delay >= expires_at:
                return False
            await trio.sleep(delay)


async def _handover(sup: Supervisor) -> None:
    """New connection token and socket; the old socket is closed without a lost event."""
    old = sup.ws
    connection = await sup.create_connection()
    sup.ws, sup.early_frames = await sup.open_socket(connection)
    sup.restart_tasks("reader", "heartbeat")
    if old is not None:
        sup.close_in_background(old)
