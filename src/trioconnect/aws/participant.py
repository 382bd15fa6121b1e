"""An async client of the Amazon Connect Participant Service (the API ChatJS calls).

Requests are the ones ChatJS 5 puts on the wire: ``POST`` with a compact JSON body, the
ParticipantToken (CreateParticipantConnection) or the ConnectionToken (every other call) in
``X-Amz-Bearer``, and ``ClientToken`` filled with a random UUID v4 when the caller gives none. The
bearer token is what authenticates; ChatJS also signs with empty credentials, which
``sign_requests=True`` reproduces. Parameters are validated against botocore's model before
anything is sent.

All methods raise only :mod:`trioconnect.errors` types: ``ValidationError`` (nothing was sent),
a ``ServiceError`` subclass (e.g. ``AccessDeniedError`` for a rejected or expired token, which is
never retried), ``TransportError``/``RequestTimeoutError`` or ``RemoteProtocolError``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from trioconnect.aws.codec import codec_for
from trioconnect.aws.connect import empty_credentials_signer
from trioconnect.aws.http import ServiceEndpoint, send_once, user_agent
from trioconnect.aws.results import (
    AttachmentUpload,
    AttachmentUrl,
    AuthenticationUrl,
    CancelAuthenticationResult,
    CompleteResult,
    ConnectionDetails,
    DisconnectResult,
    SendResult,
    TranscriptPage,
    View,
)
from trioconnect.aws.retry import RetryPolicy, call_with_retries
from trioconnect.errors import ServiceError, service_error_for

__all__ = ["ParticipantClient", "ParticipantServiceConfig"]


@dataclass(frozen=True, slots=True)
class ParticipantServiceConfig:
    """Where and how to reach the Participant Service.

    Attributes:
        region: the AWS Region of the Connect instance.
        endpoint: base URL; ``None`` means ``https://participant.connect.{region}.amazonaws.com``.
        user_agent_suffix: appended to the ``trioconnect/<v> python/<v>`` user agent.
        verify_tls: verify certificates (leave on outside local testing).
        timeout: seconds allowed for each attempt of a call.
        max_attempts: attempts per call, including the first.
        sign_requests: add a SigV4 signature made with empty credentials, as ChatJS does.
    """

    region: str = "us-west-2"
    endpoint: str | None = None
    user_agent_suffix: str | None = None
    verify_tls: bool = True
    timeout: float = 10.0
    max_attempts: int = 3
    sign_requests: bool = False

    @property
    def base_url(self) -> str:
        """The endpoint actually used."""
        return self.endpoint or f"https://participant.connect.{self.region}.amazonaws.com"


def _client_token(given: str | None) -> str:
    return given if given else str(uuid.uuid4())


def _drop_none(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


class ParticipantClient:
    """One object per configuration; safe to share between any number of sessions and tasks.

    It owns no resources: with ``http=None`` it uses the trio run's shared connection pool
    (:func:`~trioconnect.aws.http.shared_http_client`), otherwise the caller's client.
    """

    def __init__(
        self,
        config: ParticipantServiceConfig | None = None,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """Create a client for ``config`` (defaults: us-west-2, real AWS endpoint)."""
        self.config = config or ParticipantServiceConfig()
        self._policy = RetryPolicy(max_attempts=self.config.max_attempts)
        signer = empty_credentials_signer(self.config.region) if self.config.sign_requests else None
        self._endpoint = ServiceEndpoint(
            codec=codec_for("connectparticipant"),
            base_url=self.config.base_url,
            http=http,
            verify_tls=self.config.verify_tls,
            timeout=self.config.timeout,
            policy=self._policy,
            user_agent=user_agent(self.config.user_agent_suffix),
            signer=signer,
        )

    async def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return await self._endpoint.call(operation, _drop_none(**params))

    async def create_participant_connection(
        self,
        participant_token: str,
        *,
        types: Sequence[str] = ("WEBSOCKET", "CONNECTION_CREDENTIALS"),
        connect_participant: bool | None = None,
    ) -> ConnectionDetails:
        """CreateParticipantConnection: get a WebSocket URL and a ConnectionToken.

        ``connect_participant`` is left out unless given (customers never send it; agents send
        ``True``).
        """
        out = await self._call(
            "CreateParticipantConnection",
            ParticipantToken=participant_token,
            Type=list(types),
            ConnectParticipant=connect_participant,
        )
        return ConnectionDetails.from_response(out)

    async def send_message(
        self,
        connection_token: str,
        *,
        content: str,
        content_type: str = "text/plain",
        client_token: str | None = None,
    ) -> SendResult:
        """SendMessage. Retries resend the same ClientToken, so a message is never duplicated."""
        out = await self._call(
            "SendMessage",
            ConnectionToken=connection_token,
            ClientToken=_client_token(client_token),
            Content=content,
            ContentType=content_type,
        )
        return SendResult.from_response(out)

    async def send_event(
        self,
        connection_token: str,
        *,
        content_type: str,
        content: str | None = None,
        client_token: str | None = None,
    ) -> SendResult:
        """SendEvent (typing, receipts, ...). ``Content`` is left out when ``None``."""
        out = await self._call(
            "SendEvent",
            ConnectionToken=connection_token,
            ClientToken=_client_token(client_token),
            Content=content,
            ContentType=content_type,
        )
        return SendResult.from_response(out)

    async def get_transcript(
        self,
        connection_token: str,
        *,
        contact_id: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
        scan_direction: str | None = None,
        sort_order: str | None = None,
        start_position: Mapping[str, Any] | None = None,
    ) -> TranscriptPage:
        """GetTranscript: one page. ``StartPosition`` is sent as ``{}`` when not given."""
        out = await self._call(
            "GetTranscript",
            ConnectionToken=connection_token,
            ContactId=contact_id,
            MaxResults=max_results,
            NextToken=next_token,
            ScanDirection=scan_direction,
            SortOrder=sort_order,
            StartPosition=dict(start_position or {}),
        )
        return TranscriptPage.from_response(out)

    async def start_attachment_upload(
        self,
        connection_token: str,
        *,
        content_type: str,
        size: int,
        name: str,
        client_token: str | None = None,
    ) -> AttachmentUpload:
        """StartAttachmentUpload: reserve an attachment and get its presigned upload URL."""
        out = await self._call(
            "StartAttachmentUpload",
            ConnectionToken=connection_token,
            AttachmentName=name,
            AttachmentSizeInBytes=size,
            ClientToken=_client_token(client_token),
            ContentType=content_type,
        )
        return AttachmentUpload.from_response(out, content_type=content_type)

    async def upload_attachment_bytes(self, upload: AttachmentUpload, data: bytes) -> None:
        """PUT ``data`` to the presigned URL with exactly ``upload.headers_to_include``.

        No bearer token or signature is added. Unlike ChatJS the answer's status is checked.

        Raises:
            ServiceError: the upload URL answered with a non-2xx status.
        """
        headers = dict(upload.headers_to_include)
        if upload.content_type and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = upload.content_type
        await self._plain_request("PUT", upload.url, headers, data, "UploadAttachment")

    async def complete_attachment_upload(
        self,
        connection_token: str,
        *,
        attachment_ids: Sequence[str],
        client_token: str | None = None,
    ) -> CompleteResult:
        """CompleteAttachmentUpload: tell the service the bytes are in place."""
        out = await self._call(
            "CompleteAttachmentUpload",
            ConnectionToken=connection_token,
            AttachmentIds=list(attachment_ids),
            ClientToken=_client_token(client_token),
        )
        return CompleteResult.from_response(out)

    async def get_attachment(
        self, connection_token: str, *, attachment_id: str, url_expiry_seconds: int | None = None
    ) -> AttachmentUrl:
        """GetAttachment: a presigned download URL (``UrlExpiryInSeconds`` only when given)."""
        out = await self._call(
            "GetAttachment",
            ConnectionToken=connection_token,
            AttachmentId=attachment_id,
            UrlExpiryInSeconds=url_expiry_seconds,
        )
        return AttachmentUrl.from_response(out)

    async def download(self, url: str, *, max_bytes: int = 20 * 1024 * 1024) -> bytes:
        """GET a presigned URL without auth headers and return the body.

        Raises:
            RemoteProtocolError: the body is larger than ``max_bytes``.
            ServiceError: the URL answered with a non-2xx status (e.g. 403 once expired).
        """
        return await self._plain_request("GET", url, {}, None, "DownloadAttachment", max_bytes)

    async def disconnect_participant(
        self, connection_token: str, *, client_token: str | None = None
    ) -> DisconnectResult:
        """DisconnectParticipant. The chat is over only when chat.ended arrives."""
        out = await self._call(
            "DisconnectParticipant",
            ConnectionToken=connection_token,
            ClientToken=_client_token(client_token),
        )
        return DisconnectResult.from_response(out)

    async def get_authentication_url(
        self, connection_token: str, *, session_id: str, redirect_uri: str
    ) -> AuthenticationUrl:
        """GetAuthenticationUrl for a customer-authentication flow block."""
        out = await self._call(
            "GetAuthenticationUrl",
            ConnectionToken=connection_token,
            SessionId=session_id,
            RedirectUri=redirect_uri,
        )
        return AuthenticationUrl.from_response(out)

    async def cancel_participant_authentication(
        self, connection_token: str, *, session_id: str
    ) -> CancelAuthenticationResult:
        """CancelParticipantAuthentication."""
        out = await self._call(
            "CancelParticipantAuthentication",
            ConnectionToken=connection_token,
            SessionId=session_id,
        )
        return CancelAuthenticationResult.from_response(out)

    async def describe_view(self, connection_token: str, *, view_token: str) -> View:
        """DescribeView (``GET /participant/views/{ViewToken}``)."""
        out = await self._call(
            "DescribeView", ConnectionToken=connection_token, ViewToken=view_token
        )
        return View.from_response(out)

    async def _plain_request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        what: str,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> bytes:
        async def attempt() -> bytes:
            answer = await send_once(
                self._endpoint.client(),
                method,
                url,
                headers=headers,
                body=body,
                attempt_timeout=self.config.timeout,
                what=what,
                max_bytes=max_bytes,
            )
            if answer.status >= 300:
                raise _storage_error(answer.status, dict(answer.headers), answer.body)
            return answer.body

        return await call_with_retries(
            attempt, policy=self._policy, quota=self._endpoint.quota, what=what
        )


def _storage_error(status: int, headers: Mapping[str, str], body: bytes) -> ServiceError:
    # Presigned URLs point at object storage, which answers errors in XML (``<Code>…</Code>``).
    lowered = {k.lower(): v for k, v in headers.items()}
    code = lowered.get("x-amzn-errortype", "").split(":")[0]
    text = body[:2000].decode("utf-8", "replace")
    if not code and "<Code>" in text:
        code = text.split("<Code>", 1)[1].split("</Code>", 1)[0]
    code = code or f"HTTP{status}"
    cls = service_error_for(code, status)
    return cls(
        f"{status} from attachment storage",
        code=code,
        status_code=status,
        request_id=lowered.get("x-amz-request-id") or lowered.get("x-amzn-requestid"),
        response={"ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": lowered}},
    )
