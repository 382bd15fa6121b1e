"""trioconnect: Amazon Connect chat for Python on trio.

The public API::

    details = await trioconnect.start_chat(start_chat_url=..., display_name="Jane")
    async with trioconnect.open_chat_session(details) as session:
        await session.connect()
        ...

Events live in :mod:`trioconnect.events`, exceptions in :mod:`trioconnect.errors`, the local
emulator in :mod:`trioconnect.emulator`.

Every name is imported on first use (PEP 562), so ``import trioconnect`` is cheap and a program
pays only for what it touches: the session engine loads trio, starting a chat loads httpx and
botocore, the emulator loads hypercorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trioconnect import emulator as emulator
    from trioconnect import errors as errors
    from trioconnect import events as events
    from trioconnect.aws.connect import ConnectConfig as ConnectConfig
    from trioconnect.config import ClientConfig as ClientConfig
    from trioconnect.config import ReceiptConfig as ReceiptConfig
    from trioconnect.config import ReconnectConfig as ReconnectConfig
    from trioconnect.config import get_global_config as get_global_config
    from trioconnect.config import set_global_config as set_global_config
    from trioconnect.details import ChatDetails as ChatDetails
    from trioconnect.events import *  # noqa: F403  (the typed events and items)
    from trioconnect.machine import SessionState as SessionState
    from trioconnect.session import ChatSession as ChatSession
    from trioconnect.session import ConnectResult as ConnectResult
    from trioconnect.session import MessageResult as MessageResult
    from trioconnect.session import SessionStatistics as SessionStatistics
    from trioconnect.session import TranscriptResult as TranscriptResult
    from trioconnect.session import open_chat_session as open_chat_session
    from trioconnect.start import create_participant as create_participant
    from trioconnect.start import start_chat as start_chat

__version__ = "0.1.0"

#: Submodules offered as attributes.
_MODULES = frozenset({"emulator", "errors", "events"})
#: Every other public name but the events, and the module that defines it.
_NAMES: dict[str, str] = {
    "ChatDetails": "trioconnect.details",
    "ChatSession": "trioconnect.session",
    "ClientConfig": "trioconnect.config",
    "ConnectConfig": "trioconnect.aws.connect",
    "ConnectResult": "trioconnect.session",
    "MessageResult": "trioconnect.session",
    "ReceiptConfig": "trioconnect.config",
    "ReconnectConfig": "trioconnect.config",
    "SessionState": "trioconnect.machine",
    "SessionStatistics": "trioconnect.session",
    "TranscriptResult": "trioconnect.session",
    "create_participant": "trioconnect.start",
    "get_global_config": "trioconnect.config",
    "open_chat_session": "trioconnect.session",
    "set_global_config": "trioconnect.config",
    "start_chat": "trioconnect.start",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value: Any = importlib.import_module(f"trioconnect.{name}")
    elif name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    else:
        # The typed events and items (``trioconnect.events.__all__``), and ``__all__`` itself.
        events = importlib.import_module("trioconnect.events")
        if name == "__all__":
            value = sorted({*_MODULES, *_NAMES, *events.__all__})
        elif name in events.__all__:
            value = getattr(events, name)
        else:
            raise AttributeError(f"module 'trioconnect' has no attribute {name!r}")
    globals()[name] = value  # the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
