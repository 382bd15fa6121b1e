"""A session's messages, events, receipts and transcript pages (the Participant Service calls)."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any, Literal

from trioconnect import errors
from trioconnect.protocol import content_types as ct
from trioconnect.protocol.items import Item
from trioconnect.session.base import SessionCore
from trioconnect.session.results import MessageResult, TranscriptResult

if TYPE_CHECKING:
    from trioconnect.aws.results import SendResult

__all__ = ["MessagingCalls"]


class MessagingCalls(SessionCore):
    """Sending messages and events, receipts, and fetching the transcript."""

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
        return _message_result(result, token, metadata)

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
            message_id = ct.receipt_message_id(content or "")
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
        return _message_result(result, token, metadata)

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
        Fetching them does not count as delivering them: an item of this contact returned here
        that the session has not delivered yet is still delivered as events, once, when its
        frame arrives or when recovery fetches it.
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
        # Into the transcript only: delivery as events dedupes on what it delivered
        # (session.delivery), so this never hides an item from the event stream.
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


def _message_result(result: SendResult, token: str, metadata: Any) -> MessageResult:
    return MessageResult(
        id=result.id,
        absolute_time=result.absolute_time,
        client_token=token,
        request_id=result.request_id,
        metadata=metadata,
    )


def _now_iso() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
