"""The session's REST-only tasks: sending receipts and recovering missed items.

Both run in the supervisor's nursery like the socket tasks; they are kept apart because they only
talk to the Participant Service, never to the socket.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import trio

from trioconnect import errors
from trioconnect.machine import SessionState
from trioconnect.protocol import content_types as ct
from trioconnect.protocol.events import MessagesRecoveredEvent
from trioconnect.protocol.items import Item

if TYPE_CHECKING:
    from trioconnect.aws.results import TranscriptPage
    from trioconnect.session.supervisor import Supervisor

__all__ = ["RECOVERY_PAGE_INTERVAL", "RECOVERY_PAGE_SIZE", "run_receipts", "run_recovery"]

#: Items per GetTranscript page during recovery (the service's maximum).
RECOVERY_PAGE_SIZE = 100
#: Pause between recovery pages: GetTranscript's published quota is 2 requests/s.
RECOVERY_PAGE_INTERVAL = 0.5
#: Attempts at one recovery page before recovery gives up (each attempt already retries 5xx/429).
RECOVERY_ATTEMPTS = 3
#: Pause before another attempt at a failed recovery page.
RECOVERY_RETRY_DELAY = 2.0

_ENDED = (SessionState.ENDED, SessionState.CLOSED)


# ---------------------------------------------------------------------- receipts
async def run_receipts(sup: Supervisor) -> None:
    """Send receipts as the scheduler releases them: one request per kind per throttle window."""
    while True:
        deadline = sup.receipts.next_deadline()
        if deadline is None:
            await sup.receipt_wakeup.wait()
            sup.receipt_wakeup = trio.Event()
            continue
        with trio.move_on_at(deadline):
            await sup.receipt_wakeup.wait()
            sup.receipt_wakeup = trio.Event()
            continue
        for receipt in sup.receipts.due(trio.current_time()):
            content_type = ct.MESSAGE_READ if receipt.kind == "read" else ct.MESSAGE_DELIVERED
            try:
                await sup.call(
                    "SendEvent",
                    sup.client.send_event(
                        sup.connection_token(),
                        content_type=content_type,
                        content=_receipt_content(receipt.message_id),
                    ),
                )
            except errors.AccessDeniedError as exc:
                sup.counters.receipts_failed += 1
                sup.chat_ended_by_refusal(exc)
                return
            except (errors.ServiceError, errors.TransportError) as exc:
                if isinstance(exc, errors.ServiceError) and not exc.retryable:
                    sup.counters.receipts_failed += 1
                    sup.logger.warning("receipt refused by the service: %s", exc.code)
                else:  # try again after the throttle window
                    sup.receipts.failed(receipt.kind, receipt.message_id, trio.current_time())
                continue
            sup.counters.receipts_sent += 1


def _receipt_content(message_id: str) -> str:
    return json.dumps({"messageId": message_id}, separators=(",", ":"))


# ---------------------------------------------------------------------- recovery
async def run_recovery(sup: Supervisor) -> None:
    """Fetch every item since the last one delivered and deliver the missed ones, once, in order.

    On the first establishment "missed" means what the chat held before the socket was
    subscribed: the customer's own join, a greeting, a rehydrated past chat
    (``ClientConfig.fetch_history_on_connect``).

    "Since" is counted from the last item delivered as events, not the transcript's last item:
    items the application fetched itself with ``get_transcript()`` are in the transcript but
    were not delivered, so they are fetched again here and delivered.

    Items arriving on the socket meanwhile are held back and delivered after the recovered ones
    (deduplicated by Id), so the application sees one ordered stream. A 403 means the chat ended;
    other failures are retried a few times, then recovery gives up (counted and logged: the
    transcript can still be fetched with ``get_transcript``).
    """
    if sup.counters.establishments <= 1 and not sup.config.fetch_history_on_connect:
        return  # first establishment, and the application fetches the history itself
    delivery = sup.delivery
    held: list[Item] = []
    delivery.held = held
    recovered = 0
    try:
        recovered = await _fetch_missed(sup)
    except errors.AccessDeniedError as exc:
        sup.chat_ended_by_refusal(exc)
    except (errors.ServiceError, errors.TransportError) as exc:
        sup.counters.recovery_failures += 1
        sup.logger.warning("missed-message recovery failed: %s", type(exc).__name__)
    finally:
        if delivery.held is held:  # not already taken over by a newer recovery
            delivery.release_held()
    sup.counters.items_recovered += recovered
    if recovered and sup.state not in _ENDED:
        sup.fanout.publish(MessagesRecoveredEvent(count=recovered))


async def _fetch_missed(sup: Supervisor) -> int:
    recovered = 0
    next_token: str | None = None
    last_id = sup.delivery.last_delivered_id
    if last_id is None and not sup.config.fetch_history_on_connect:
        # Nothing delivered yet, and the application reads the history itself: what it has
        # fetched so far is history, not missed news.
        last_id = sup.transcript.last_item_id
    start: dict[str, Any] = {"Id": last_id} if last_id else {}
    while True:
        page = await _page_with_retries(sup, start, next_token)
        items = sorted(
            (Item.from_json(raw) for raw in page.items), key=lambda i: i.absolute_time or ""
        )
        for item in items:
            if sup.state in _ENDED:
                return recovered
            if item.contact_id not in (None, sup.details.contact_id):
                continue  # a past contact's item (persistent chat): history, not news
            if sup.delivery.ingest(item):
                recovered += 1
        if not page.next_token or sup.state in _ENDED:
            return recovered
        next_token = page.next_token
        await trio.sleep(RECOVERY_PAGE_INTERVAL)


async def _page_with_retries(
    sup: Supervisor, start: dict[str, Any], next_token: str | None
) -> TranscriptPage:
    attempt = 1
    while True:
        try:
            return await sup.call(
                "GetTranscript",
                sup.client.get_transcript(
                    sup.connection_token(),
                    max_results=RECOVERY_PAGE_SIZE,
                    scan_direction="FORWARD",
                    sort_order="ASCENDING",
                    start_position=start,
                    next_token=next_token,
                ),
            )
        except errors.AccessDeniedError:
            raise
        except (errors.ServiceError, errors.TransportError):
            if attempt >= RECOVERY_ATTEMPTS:
                raise
        attempt += 1
        await trio.sleep(RECOVERY_RETRY_DELAY)
