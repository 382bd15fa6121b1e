"""Obtaining chat details: start a chat, or add a participant to one.

Two ways to start a customer chat, as with ChatJS:

* a **start-chat backend** (``start_chat_url``): the widely used API Gateway + Lambda sample. Its
  request body is ``{"ParticipantDetails":{"DisplayName":…},"ContactFlowId":…,"InstanceId":…,
  "Attributes":{…},"SupportedMessagingContentTypes":[…],"PersistentChat":{…}}`` (everything but
  ParticipantDetails optional) and its answer is
  ``{"data":{"startChatResult":{"ContactId":…,"ParticipantId":…,"ParticipantToken":…}}}``;
* the **Connect API** directly (``connect=``): StartChatContact, signed with AWS credentials.

A backend call carries no idempotency token, so it is retried only when it cannot have started a
chat: after a 429 or when the connection could not be opened. StartChatContact sends a ClientToken
and gets the ordinary retry policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from trioconnect.aws.connect import ConnectClient, ConnectConfig
from trioconnect.aws.http import send_once, shared_http_client, user_agent
from trioconnect.aws.retry import RetryKind, RetryPolicy, call_with_retries
from trioconnect.details import ChatDetails
from trioconnect.errors import (
    RemoteProtocolError,
    ServiceError,
    TransportError,
    ValidationError,
    service_error_for,
)

__all__ = ["create_participant", "start_chat"]


async def start_chat(
    *,
    start_chat_url: str | None = None,
    display_name: str = "Customer",
    contact_flow_id: str | None = None,
    instance_id: str | None = None,
    attributes: Mapping[str, str] | None = None,
    supported_messaging_content_types: Sequence[str] | None = None,
    persistent_chat: Mapping[str, str] | None = None,
    connect: ConnectConfig | None = None,
    http: httpx.AsyncClient | None = None,
    timeout: float = 10.0,  # noqa: ASYNC109 - a per-attempt budget, not a deadline for the call
) -> ChatDetails:
    """Start a customer chat and return its details.

    Give exactly one source: ``start_chat_url`` or ``connect``.

    Args:
        start_chat_url: the start-chat backend's URL.
        display_name: the customer's display name.
        contact_flow_id: the contact flow; optional for a backend (it has a default), required
            with ``connect``.
        instance_id: the Connect instance; as ``contact_flow_id``.
        attributes: contact attributes.
        supported_messaging_content_types: e.g. ``["text/plain", "text/markdown"]``.
        persistent_chat: ``{"SourceContactId": …, "RehydrationType": …}`` to continue a chat.
        connect: call StartChatContact with this configuration.
        http: an HTTP client to use instead of the run's shared pool.
        timeout: seconds allowed for each attempt of the backend call (the Connect API uses
            ``connect.timeout``).

    Raises:
        ValidationError: no source or both, or missing ids for the Connect API.
        ServiceError: the backend or the service refused (e.g. ``ThrottlingError``).
        TransportError: the network failed.
        RemoteProtocolError: the answer lacks ContactId, ParticipantId or ParticipantToken.
    """
    if (start_chat_url is None) == (connect is None):
        raise ValidationError("give exactly one of start_chat_url and connect")
    if connect is not None:
        if not instance_id or not contact_flow_id:
            raise ValidationError("StartChatContact needs instance_id and contact_flow_id")
        return await ConnectClient(connect, http=http).start_chat_contact(
            instance_id=instance_id,
            contact_flow_id=contact_flow_id,
            display_name=display_name,
            attributes=attributes,
            supported_messaging_content_types=supported_messaging_content_types,
            persistent_chat=persistent_chat,
        )
    assert start_chat_url is not None
    body: dict[str, Any] = {"ParticipantDetails": {"DisplayName": display_name}}
    optional = {
        "ContactFlowId": contact_flow_id,
        "InstanceId": instance_id,
        "Attributes": dict(attributes) if attributes is not None else None,
        "SupportedMessagingContentTypes": (
            list(supported_messaging_content_types)
            if supported_messaging_content_types is not None
            else None
        ),
        "PersistentChat": dict(persistent_chat) if persistent_chat is not None else None,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    answer = await _post_backend(start_chat_url, body, http=http, attempt_timeout=timeout)
    return _details_from_backend(answer)


async def create_participant(
    *,
    connect: ConnectConfig,
    instance_id: str,
    contact_id: str,
    display_name: str,
    role: str = "CUSTOM_BOT",
    client_token: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> ChatDetails:
    """Add a participant (a custom bot by default) to a running chat with CreateParticipant.

    The returned details' ParticipantToken opens the participant's own connection, exactly as a
    customer's does.

    Raises:
        ValidationError: ``role`` is not CUSTOMER, AGENT or CUSTOM_BOT.
        ServiceError: the service refused.
        TransportError: the network failed.
    """
    return await ConnectClient(connect, http=http).create_participant(
        instance_id=instance_id,
        contact_id=contact_id,
        display_name=display_name,
        role=role,
        client_token=client_token,
    )


def _backend_classifier(exc: BaseException) -> RetryKind | None:
    # Only failures that prove no chat was started: the backend throttled us, or we never got
    # a connection to send the request on.
    if isinstance(exc, ServiceError) and exc.status_code == 429:
        return "throttle"
    if isinstance(exc, TransportError) and isinstance(
        exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
    ):
        return "transient"
    return None


async def _post_backend(
    url: str, body: Mapping[str, Any], *, http: httpx.AsyncClient | None, attempt_timeout: float
) -> Any:
    client = http if http is not None else shared_http_client()
    agent = user_agent()
    headers = {"Content-Type": "application/json", "User-Agent": agent, "x-amz-user-agent": agent}
    payload = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    async def attempt() -> Any:
        answer = await send_once(
            client,
            "POST",
            url,
            headers=headers,
            body=payload,
            attempt_timeout=attempt_timeout,
            what="StartChat",
        )
        if answer.status >= 300:
            raise _backend_error(answer.status, dict(answer.headers), answer.body)
        try:
            return json.loads(answer.body)
        except ValueError as exc:
            raise RemoteProtocolError("start-chat backend answered with invalid JSON") from exc

    return await call_with_retries(
        attempt, policy=RetryPolicy(), what="StartChat", classifier=_backend_classifier
    )


def _backend_error(status: int, headers: Mapping[str, str], body: bytes) -> ServiceError:
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        document = {}
    code = lowered.get("x-amzn-errortype", "").split(":")[0] or str(
        document.get("__type") or document.get("code") or f"HTTP{status}"
    )
    message = str(
        document.get("message") or document.get("Message") or body[:200].decode(errors="replace")
    )
    cls = service_error_for(code, status)
    return cls(
        message,
        code=code,
        status_code=status,
        request_id=lowered.get("x-amzn-requestid"),
        response={"ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": lowered}},
    )


def _details_from_backend(document: Any) -> ChatDetails:
    result = document
    if isinstance(result, Mapping) and isinstance(result.get("data"), Mapping):
        result = result["data"]
    if isinstance(result, Mapping) and isinstance(result.get("startChatResult"), Mapping):
        result = result["startChatResult"]
    if not isinstance(result, Mapping):
        raise RemoteProtocolError("start-chat backend answer is not a JSON object")
    try:
        return ChatDetails.from_mapping(result)
    except ValidationError as exc:
        raise RemoteProtocolError(f"start-chat backend answer is incomplete: {exc}") from exc
