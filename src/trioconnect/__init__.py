"""trioconnect: Amazon Connect chat for Python on trio.

The public API::

    details = await trioconnect.start_chat(start_chat_url=..., display_name="Jane")
    async with trioconnect.open_chat_session(details) as session:
        await session.connect()
        ...

Events live in :mod:`trioconnect.events`, exceptions in :mod:`trioconnect.errors`, the local
emulator in :mod:`trioconnect.emulator` (imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trioconnect import errors as errors
from trioconnect import events as events
from trioconnect.aws.connect import ConnectConfig as ConnectConfig
from trioconnect.config import ClientConfig as ClientConfig
from trioconnect.config import ReceiptConfig as ReceiptConfig
from trioconnect.config import ReconnectConfig as ReconnectConfig
from trioconnect.config import get_global_config as get_global_config
from trioconnect.config import set_global_config as set_global_config
from trioconnect.details import ChatDetails as ChatDetails
from trioconnect.events import *  # noqa: F403  (the typed events, re-exported)
from trioconnect.machine import SessionState as SessionState
from trioconnect.session import ChatSession as ChatSession
from trioconnect.session import ConnectResult as ConnectResult
from trioconnect.session import MessageResult as MessageResult
from trioconnect.session import SessionStatistics as SessionStatistics
from trioconnect.session import TranscriptResult as TranscriptResult
from trioconnect.session import open_chat_session as open_chat_session

if TYPE_CHECKING:
    from trioconnect import emulator as emulator
    from trioconnect.start import create_participant as create_participant
    from trioconnect.start import start_chat as start_chat

__version__ = "0.1.0"

__all__ = [
    "ChatDetails",
    "ChatSession",
    "ClientConfig",
    "ConnectConfig",
    "ConnectResult",
    "MessageResult",
    "ReceiptConfig",
    "ReconnectConfig",
    "SessionState",
    "SessionStatistics",
    "TranscriptResult",
    "create_participant",
    "emulator",
    "errors",
    "events",
    "get_global_config",
    "open_chat_session",
    "set_global_config",
    "start_chat",
    *events.__all__,
]


def __getattr__(name: str) -> Any:
    # The emulator pulls in hypercorn, and starting a chat pulls in httpx and botocore: import
    # them only when asked for, so that ``import trioconnect`` stays fast.
    import importlib

    if name == "emulator":
        return importlib.import_module("trioconnect.emulator")
    if name in ("start_chat", "create_participant"):
        return getattr(importlib.import_module("trioconnect.start"), name)
    raise AttributeError(f"module 'trioconnect' has no attribute {name!r}")
