"""An async client of the few Amazon Connect API operations a chat client needs, and SigV4 signing.

The Connect API (``https://connect.{region}.amazonaws.com``) is signed with SigV4 (service
``connect``). Credentials come from :attr:`ConnectConfig.credentials` or, when that is ``None``,
from botocore's default chain (environment, shared config/credentials files, SSO, container or
instance metadata). The chain does blocking I/O, so it is resolved **once per client**, on first
use, in a worker thread (``trio.to_thread.run_sync``); refreshable credentials (assumed roles,
SSO, metadata) are refreshed in a worker thread too, only when botocore says they are due.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import trio

from trioconnect.details import ChatDetails, ParticipantRole
from trioconnect.errors import LocalProtocolError, RemoteProtocolError, ValidationError

if TYPE_CHECKING:
    # botocore (~100 ms) and httpx are imported on first use, not when trioconnect is imported.
    import httpx
    from botocore.credentials import Credentials, ReadOnlyCredentials

    from trioconnect.aws.http import ServiceEndpoint, Signer

__all__ = ["ConnectClient", "ConnectConfig", "empty_credentials_signer", "sigv4_signer"]

_ROLES: frozenset[ParticipantRole] = frozenset({"CUSTOMER", "AGENT", "CUSTOM_BOT"})


@dataclass(frozen=True)
class ConnectConfig:
    """Where and how to reach the Amazon Connect API.

    Attributes:
        region: the instance's AWS Region.
        endpoint: base URL; ``None`` means ``https://connect.{region}.amazonaws.com``.
        credentials: ``(access_key, secret_key, session_token)``; ``None`` uses botocore's
            default chain (resolved once, in a worker thread). Hidden from ``repr``.
        verify_tls: verify certificates.
        timeout: seconds allowed for each attempt of a call.
        max_attempts: attempts per call, including the first.
        user_agent_suffix: appended to the user agent.
    """

    region: str = "us-west-2"
    endpoint: str | None = None
    credentials: tuple[str, str, str | None] | None = field(default=None, repr=False)
    verify_tls: bool = True
    timeout: float = 10.0
    max_attempts: int = 3
    user_agent_suffix: str | None = None

    @property
    def base_url(self) -> str:
        """The endpoint actually used."""
        return self.endpoint or f"https://connect.{self.region}.amazonaws.com"


def _sign(
    creds: ReadOnlyCredentials,
    service: str,
    region: str,
    request: tuple[str, str, dict[str, str], bytes],
) -> dict[str, str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    from trioconnect.aws.codec import quiet_botocore

    method, url, headers, body = request
    aws_request = AWSRequest(method=method, url=url, headers=headers, data=body)
    with quiet_botocore():
        SigV4Auth(creds, service, region).add_auth(aws_request)
    return {str(k): str(v) for k, v in aws_request.headers.items()}


def sigv4_signer(service: str, region: str, credentials: _CredentialSource) -> Signer:
    """Return a signer adding SigV4 headers (fresh ``X-Amz-Date`` on every attempt)."""

    async def sign(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        creds = await credentials.get()
        return _sign(creds, service, region, (method, url, headers, body))

    return sign


def empty_credentials_signer(region: str) -> Signer:
    """Sign like ChatJS does for the Participant Service: empty keys, service ``execute-api``."""
    from botocore.credentials import ReadOnlyCredentials

    empty = ReadOnlyCredentials("", "", None)

    async def sign(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
        return _sign(empty, "execute-api", region, (method, url, headers, body))

    return sign


class _CredentialSource:
    """Credentials given explicitly or resolved once from botocore's chain (in a thread)."""

    def __init__(self, given: tuple[str, str, str | None] | None) -> None:
        self._resolved: Credentials | None = None
        if given is not None:
            from botocore.credentials import Credentials

            self._resolved = Credentials(given[0], given[1], given[2])
        self._lock = trio.Lock()

    async def get(self) -> ReadOnlyCredentials:
        from botocore.credentials import RefreshableCredentials

        async with self._lock:
            if self._resolved is None:
                found = await trio.to_thread.run_sync(_default_chain)
                if found is None:
                    raise LocalProtocolError("no AWS credentials found for the Connect API")
                self._resolved = found
            creds = self._resolved
            if isinstance(creds, RefreshableCredentials) and creds.refresh_needed():
                frozen: ReadOnlyCredentials = await trio.to_thread.run_sync(
                    creds.get_frozen_credentials
                )
                return frozen
            current: ReadOnlyCredentials = creds.get_frozen_credentials()
            return current


def _default_chain() -> Credentials | None:
    import botocore.session

    creds: Credentials | None = botocore.session.get_session().get_credentials()
    return creds


class ConnectClient:
    """StartChatContact, CreateParticipant, StopContact and DescribeContact, SigV4-signed."""

    def __init__(
        self, config: ConnectConfig | None = None, *, http: httpx.AsyncClient | None = None
    ) -> None:
        """Create a client for ``config``; ``http=None`` uses the run's shared pool."""
        from trioconnect.aws.codec import codec_for
        from trioconnect.aws.http import ServiceEndpoint, user_agent
        from trioconnect.aws.retry import RetryPolicy

        self.config = config or ConnectConfig()
        self._credentials = _CredentialSource(self.config.credentials)
        self._endpoint: ServiceEndpoint = ServiceEndpoint(
            codec=codec_for("connect"),
            base_url=self.config.base_url,
            http=http,
            verify_tls=self.config.verify_tls,
            timeout=self.config.timeout,
            policy=RetryPolicy(max_attempts=self.config.max_attempts),
            user_agent=user_agent(self.config.user_agent_suffix),
            signer=sigv4_signer("connect", self.config.region, self._credentials),
        )

    async def _call(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return await self._endpoint.call(operation, clean)

    async def start_chat_contact(
        self,
        *,
        instance_id: str,
        contact_flow_id: str,
        display_name: str,
        attributes: Mapping[str, str] | None = None,
        supported_messaging_content_types: Sequence[str] | None = None,
        persistent_chat: Mapping[str, str] | None = None,
        client_token: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ChatDetails:
        """StartChatContact: start a chat and return the customer's details.

        ``client_token`` defaults to a new UUID (reused by retries, so a retried start does not
        create a second contact). ``extra`` adds any other modelled member (e.g.
        ``ChatDurationInMinutes``, ``InitialMessage``).
        """
        params: dict[str, Any] = {
            "InstanceId": instance_id,
            "ContactFlowId": contact_flow_id,
            "ParticipantDetails": {"DisplayName": display_name},
            "Attributes": dict(attributes) if attributes is not None else None,
            "SupportedMessagingContentTypes": (
                list(supported_messaging_content_types)
                if supported_messaging_content_types is not None
                else None
            ),
            "PersistentChat": dict(persistent_chat) if persistent_chat is not None else None,
            "ClientToken": client_token or str(uuid.uuid4()),
            **(extra or {}),
        }
        out = await self._call("StartChatContact", params)
        return _details(out, "CUSTOMER", out.get("ParticipantToken"))

    async def create_participant(
        self,
        *,
        instance_id: str,
        contact_id: str,
        display_name: str,
        role: str = "CUSTOM_BOT",
        client_token: str | None = None,
    ) -> ChatDetails:
        """CreateParticipant: add a participant (a custom bot by default) to a running chat.

        Raises:
            ValidationError: ``role`` is not CUSTOMER, AGENT or CUSTOM_BOT (nothing is sent).
        """
        if role not in _ROLES:
            raise ValidationError(f"cannot create a chat participant with role {role!r}")
        out = await self._call(
            "CreateParticipant",
            {
                "InstanceId": instance_id,
                "ContactId": contact_id,
                "ClientToken": client_token or str(uuid.uuid4()),
                "ParticipantDetails": {"ParticipantRole": role, "DisplayName": display_name},
            },
        )
        token = (out.get("ParticipantCredentials") or {}).get("ParticipantToken")
        return _details({**out, "ContactId": contact_id}, role, token)

    async def stop_contact(
        self,
        *,
        instance_id: str,
        contact_id: str,
        disconnect_reason: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        """StopContact: end the contact for everyone. Returns the (empty) parsed answer."""
        params = {
            "InstanceId": instance_id,
            "ContactId": contact_id,
            "DisconnectReason": disconnect_reason,
        }
        return await self._call("StopContact", params)

    async def describe_contact(self, *, instance_id: str, contact_id: str) -> Mapping[str, Any]:
        """DescribeContact: return the ``Contact`` mapping."""
        out = await self._call(
            "DescribeContact", {"InstanceId": instance_id, "ContactId": contact_id}
        )
        contact = out.get("Contact")
        if not isinstance(contact, Mapping):
            raise RemoteProtocolError("DescribeContact: response lacks Contact")
        return contact


def _details(out: Mapping[str, Any], role: str, token: object) -> ChatDetails:
    try:
        return ChatDetails.from_mapping(
            {
                "ContactId": out.get("ContactId"),
                "ParticipantId": out.get("ParticipantId"),
                "ParticipantToken": token,
                "ParticipantRole": role,
            }
        )
    except ValidationError as exc:
        raise RemoteProtocolError(f"incomplete chat details from the service: {exc}") from exc
