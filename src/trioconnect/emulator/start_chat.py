"""``POST /start-chat``: a backend shaped like the common API Gateway + Lambda start-chat sample.

Request body::

    {"ParticipantDetails": {"DisplayName": "Jane"}, "ContactFlowId": "...", "InstanceId": "...",
     "Attributes": {...}, "SupportedMessagingContentTypes": [...], "PersistentChat": {...},
     "ChatDurationInMinutes": 60..10080}

``ContactFlowId`` and ``InstanceId`` are optional (defaults from the config). Answer::

    {"data": {"startChatResult": {"ContactId": ..., "ParticipantId": ..., "ParticipantToken": ...}}}

Errors are ``{"message": ...}`` with the status (400, 404, 413, 429) and ``x-amzn-ErrorType``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trioconnect.emulator.api_error import ApiError, validation
from trioconnect.emulator.asgi import Receive, Request, Response, json_response, read_body
from trioconnect.emulator.context import EmulatorContext

__all__ = ["handle_start_chat", "parse_start_chat"]


def _strings(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation(f"{name} must be a list of strings")
    return value


def parse_start_chat(body: bytes) -> dict[str, Any]:
    """Validate a start-chat body; returns keyword arguments for ``ChatState.start_chat``.

    Raises:
        ApiError: ValidationException describing the problem.
    """
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise validation("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise validation("The request body must be a JSON object")
    details = data.get("ParticipantDetails")
    name = details.get("DisplayName") if isinstance(details, dict) else None
    if not isinstance(name, str) or not 1 <= len(name) <= 256:
        raise validation("ParticipantDetails.DisplayName must be a string of 1 to 256 characters")
    attributes = data.get("Attributes") or {}
    if not isinstance(attributes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
    ):
        raise validation("Attributes must map strings to strings")
    persistent = data.get("PersistentChat")
    if persistent is not None and not isinstance(persistent, dict):
        raise validation("PersistentChat must be an object")
    duration = data.get("ChatDurationInMinutes")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or not 60 <= duration <= 10080
    ):
        raise validation("ChatDurationInMinutes must be an integer from 60 to 10080")
    ids = {k: data.get(k) for k in ("InstanceId", "ContactFlowId")}
    for key, value in ids.items():
        if value is not None and (not isinstance(value, str) or not value):
            raise validation(f"{key} must be a non-empty string")
    return {
        "display_name": name,
        "instance_id": ids["InstanceId"],
        "contact_flow_id": ids["ContactFlowId"],
        "attributes": attributes,
        "supported_content_types": _strings(
            data.get("SupportedMessagingContentTypes"), "SupportedMessagingContentTypes"
        ),
        "persistent_chat": persistent,
        "chat_duration_minutes": duration,
    }


def _result(
    contact_id: str, participant_id: str, token: str, previous: str | None
) -> Mapping[str, Any]:
    result = {"ContactId": contact_id, "ParticipantId": participant_id, "ParticipantToken": token}
    if previous is not None:
        result["ContinuedFromContactId"] = previous
    return {"data": {"startChatResult": result}}


async def handle_start_chat(ctx: EmulatorContext, request: Request, receive: Receive) -> Response:
    """Serve ``POST /start-chat``."""
    try:
        body = await read_body(
            receive, request, ctx.config.rest_body_limit, ctx.config.body_timeout
        )
        await ctx.faults.before_request("StartChatContact")
        ctx.quotas.check("StartChatContact", "account")
        ctx.quotas.check_active_chats(ctx.state.active_chats())
        contact, customer = ctx.state.start_chat(**parse_start_chat(body))
    except ApiError as error:
        return json_response(
            error.status, {"message": error.message}, [("x-amzn-errortype", error.code)]
        )
    previous = contact.previous_contact_id if contact.rehydration_type else None
    return json_response(
        200,
        _result(contact.contact_id, customer.participant_id, customer.participant_token, previous),
    )
