"""The chat session: a supervisor of structured-concurrency tasks driven by the statechart."""

from __future__ import annotations

from trioconnect.session.chat_session import ChatSession as ChatSession
from trioconnect.session.chat_session import open_chat_session as open_chat_session
from trioconnect.session.fanout import EventStream as EventStream
from trioconnect.session.results import AttachmentResult as AttachmentResult
from trioconnect.session.results import ConnectResult as ConnectResult
from trioconnect.session.results import MessageResult as MessageResult
from trioconnect.session.results import SessionStatistics as SessionStatistics
from trioconnect.session.results import TranscriptResult as TranscriptResult

__all__ = [
    "AttachmentResult",
    "ChatSession",
    "ConnectResult",
    "EventStream",
    "MessageResult",
    "SessionStatistics",
    "TranscriptResult",
    "open_chat_session",
]
