"""Handlers of the Participant Service operations (``connectparticipant``, 2018-09-07).

Each handler takes the request context, the request and the decoded, validated input and returns
the operation's output as a dict; the codec encodes it. Errors are raised as
:class:`~.api_error.ApiError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from trioconnect.emulator import attachments
from trioconnect.emulator.api_error import not_found, validation
from trioconnect.emulator.asgi import Request
from trioconnect.emulator.clock import iso_ms
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.items import EVENT_PREFIX, system_event_item
from trioconnect.emulator.transcript import TranscriptQuery

__all__ = ["HANDLERS", "SAMPLE_VIEW_TOKEN", "Handler"]

Handler = Callable[[EmulatorContext, Request, Mapping[str, Any]], dict[str, Any]]

AUTHENTICATION_CANCELLED = EVENT_PREFIX + "authentication.cancelled"

#: The one view DescribeView knows.
SAMPLE_VIEW_TOKEN = "sample-view"


def create_participant_connection(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """CreateParticipantConnection (``X-Amz-Bearer`` = ParticipantToken)."""
    state = ctx.state
    grant = state.create_connection(
        params["ParticipantToken"], params.get("Type") or [], bool(params.get("ConnectParticipant"))
    )
    if grant is None:
        return {}
    out: dict[str, Any] = {}
    if grant.url_token is not None and grant.url_expires_mono is not None:
        out["Websocket"] = {
            "Url": f"{ctx.ws_base(request)}/ws?AuthToken={grant.url_token}",
            "ConnectionExpiry": iso_ms(state.clock.wall_at(grant.url_expires_mono)),
        }
    if grant.include_credentials:
        out["ConnectionCredentials"] = {
            "ConnectionToken": grant.connection.connection_token,
            "Expiry": iso_ms(state.clock.wall_at(grant.connection.expires_mono)),
        }
    return out


def send_message(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """SendMessage."""
    caller = ctx.state.authenticate(params["ConnectionToken"])
    item = ctx.state.send_message(
        caller, params["ContentType"], params["Content"], params.get("ClientToken")
    )
    return {"Id": item["Id"], "AbsoluteTime": item["AbsoluteTime"]}


def send_event(ctx: EmulatorContext, request: Request, params: Mapping[str, Any]) -> dict[str, Any]:
    """SendEvent (typing, read/delivered receipts, acknowledgements)."""
    caller = ctx.state.authenticate(params["ConnectionToken"])
    item = ctx.state.send_event(
        caller, params["ContentType"], params.get("Content"), params.get("ClientToken")
    )
    return {"Id": item["Id"], "AbsoluteTime": item["AbsoluteTime"]}


def get_transcript(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """GetTranscript with real paging (see :mod:`.transcript`)."""
    caller = ctx.state.authenticate(params["ConnectionToken"])
    contact, result = ctx.state.transcript(
        caller, TranscriptQuery.from_params(params), params.get("ContactId")
    )
    return {
        "InitialContactId": contact.initial_contact_id,
        "Transcript": result.items,
        "NextToken": result.next_token,
    }


def disconnect_participant(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """DisconnectParticipant: a customer leaving ends the chat (participant.left, chat.ended)."""
    ctx.state.disconnect(ctx.state.authenticate(params["ConnectionToken"]))
    return {}


def start_attachment_upload(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """StartAttachmentUpload."""
    caller = ctx.state.authenticate(params["ConnectionToken"])
    return attachments.start_upload(ctx.state, caller, params, ctx.http_base(request))


def complete_attachment_upload(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """CompleteAttachmentUpload."""
    caller = ctx.state.authenticate(params["ConnectionToken"])
    return attachments.complete_upload(ctx.state, caller, params)


def get_attachment(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """GetAttachment."""
    caller = ctx.state.authenticate(params["ConnectionToken"])
    return attachments.get_attachment(ctx.state, caller, params, ctx.http_base(request))


def get_authentication_url(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """GetAuthenticationUrl for a session announced by ``authentication.initiated``.

    Only a pending session of the caller's contact is accepted (ValidationException otherwise).
    The URL points at the emulator; no sign-in page is served there.
    """
    caller = ctx.state.authenticate(params["ConnectionToken"])
    redirect = str(params["RedirectUri"])
    if not redirect.startswith(("https://", "http://")):
        raise validation("RedirectUri must be an http(s) URL")
    ctx.state.authentication.issue_url(caller.contact, str(params["SessionId"]))
    return {
        "AuthenticationUrl": f"{ctx.http_base(request)}/_emulator/authenticate"
        f"?SessionId={params['SessionId']}"
    }


def cancel_participant_authentication(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """CancelParticipantAuthentication: end a pending session with ``authentication.cancelled``.

    A SessionId the contact never announced is accepted and changes nothing (see
    :mod:`.auth_sessions`).
    """
    caller = ctx.state.authenticate(params["ConnectionToken"])
    session_id = str(params["SessionId"])
    if not ctx.state.authentication.finish(caller.contact, session_id):
        return {}
    content = json.dumps({"SessionId": session_id})
    item = system_event_item(caller.contact, AUTHENTICATION_CANCELLED, ctx.state.now(), content)
    ctx.state.publish(caller.contact, item)
    return {}


def describe_view(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """DescribeView: one sample view; any other token is ResourceNotFoundException."""
    ctx.state.authenticate(params["ConnectionToken"])
    if params["ViewToken"] != SAMPLE_VIEW_TOKEN:
        raise not_found("View not found", ResourceId=params["ViewToken"], ResourceType="VIEW")
    return {
        "View": {
            "Id": "sample-view-id",
            "Arn": "arn:aws:connect:us-west-2:000000000000:instance/emulator/view/sample-view-id",
            "Name": "SampleView",
            "Version": 1,
            "Content": {
                "InputSchema": "{}",
                "Template": '{"Head":{"Title":"Sample"},"Body":[]}',
                "Actions": ["Submit"],
            },
        }
    }


#: Operation name → handler.
HANDLERS: dict[str, Handler] = {
    "CreateParticipantConnection": create_participant_connection,
    "SendMessage": send_message,
    "SendEvent": send_event,
    "GetTranscript": get_transcript,
    "DisconnectParticipant": disconnect_participant,
    "StartAttachmentUpload": start_attachment_upload,
    "CompleteAttachmentUpload": complete_attachment_upload,
    "GetAttachment": get_attachment,
    "GetAuthenticationUrl": get_authentication_url,
    "CancelParticipantAuthentication": cancel_participant_authentication,
    "DescribeView": describe_view,
}
