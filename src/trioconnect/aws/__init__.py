"""Async access to Amazon Connect's REST APIs on trio, without threads.

botocore supplies the service models, validation, serialisation and response parsing;
httpx does the I/O through one shared connection pool per ``trio.run``. The public pieces:

* :class:`ParticipantClient` / :class:`ParticipantServiceConfig`: the Participant Service
  (everything ChatJS calls), returning the typed results of :mod:`trioconnect.aws.results`;
* :class:`ConnectClient` / :class:`ConnectConfig`: StartChatContact, CreateParticipant,
  StopContact and DescribeContact, SigV4-signed;
* :func:`shared_http_client` / :func:`open_http_pool`: the connection pool;
* :class:`RetryPolicy`: the AWS-SDK-style retry policy.

Logs go to ``logging.getLogger("trioconnect.aws")`` and never contain a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trioconnect.aws.connect import ConnectClient as ConnectClient
    from trioconnect.aws.connect import ConnectConfig as ConnectConfig
    from trioconnect.aws.http import open_http_pool as open_http_pool
    from trioconnect.aws.http import shared_http_client as shared_http_client
    from trioconnect.aws.participant import ParticipantClient as ParticipantClient
    from trioconnect.aws.participant import ParticipantServiceConfig as ParticipantServiceConfig
    from trioconnect.aws.results import AttachmentUpload as AttachmentUpload
    from trioconnect.aws.results import AttachmentUrl as AttachmentUrl
    from trioconnect.aws.results import AuthenticationUrl as AuthenticationUrl
    from trioconnect.aws.results import CancelAuthenticationResult as CancelAuthenticationResult
    from trioconnect.aws.results import CompleteResult as CompleteResult
    from trioconnect.aws.results import ConnectionDetails as ConnectionDetails
    from trioconnect.aws.results import DisconnectResult as DisconnectResult
    from trioconnect.aws.results import SendResult as SendResult
    from trioconnect.aws.results import TranscriptPage as TranscriptPage
    from trioconnect.aws.results import View as View
    from trioconnect.aws.retry import RetryPolicy as RetryPolicy

__all__ = [
    "AttachmentUpload",
    "AttachmentUrl",
    "AuthenticationUrl",
    "CancelAuthenticationResult",
    "CompleteResult",
    "ConnectClient",
    "ConnectConfig",
    "ConnectionDetails",
    "DisconnectResult",
    "ParticipantClient",
    "ParticipantServiceConfig",
    "RetryPolicy",
    "SendResult",
    "TranscriptPage",
    "View",
    "open_http_pool",
    "shared_http_client",
]

# The submodules (httpx, botocore) are imported on first attribute access, so importing
# ``trioconnect`` stays fast for programs that never touch the AWS layer directly.
_LAZY = {
    "ConnectClient": "trioconnect.aws.connect",
    "ConnectConfig": "trioconnect.aws.connect",
    "open_http_pool": "trioconnect.aws.http",
    "shared_http_client": "trioconnect.aws.http",
    "ParticipantClient": "trioconnect.aws.participant",
    "ParticipantServiceConfig": "trioconnect.aws.participant",
    "AttachmentUpload": "trioconnect.aws.results",
    "AttachmentUrl": "trioconnect.aws.results",
    "AuthenticationUrl": "trioconnect.aws.results",
    "CancelAuthenticationResult": "trioconnect.aws.results",
    "CompleteResult": "trioconnect.aws.results",
    "ConnectionDetails": "trioconnect.aws.results",
    "DisconnectResult": "trioconnect.aws.results",
    "SendResult": "trioconnect.aws.results",
    "TranscriptPage": "trioconnect.aws.results",
    "View": "trioconnect.aws.results",
    "RetryPolicy": "trioconnect.aws.retry",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trioconnect.aws' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
