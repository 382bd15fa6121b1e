"""Tokens never appear in a session's logs or reprs."""

from __future__ import annotations

import logging

import pytest
import trio
import trio.testing
from session_harness import CONNECTION_TOKEN_PREFIX, PARTICIPANT_TOKEN, open_harness, wait_until

from trioconnect import SessionState

SECRETS = ("SECRET", PARTICIPANT_TOKEN, CONNECTION_TOKEN_PREFIX)


async def test_tokens_are_not_in_logs_or_reprs(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with open_harness(token_ttl=120.0) as h, h.session() as s:
        await s.connect()
        await s.send_message("hello")
        h.service.fail("SendMessage", 500, count=3)
        with pytest.raises(Exception):  # noqa: B017, PT011  (any failure; only logs matter)
            await s.send_message("fails")
        await wait_until(lambda: h.service.count("CreateParticipantConnection") == 2)  # refresh
        await h.ws.drop_all()
        await s.wait_for_state(SessionState.LOST)
        await s.wait_for_state(SessionState.ESTABLISHED)
        sup = s._supervisor
        texts = [
            repr(s),
            str(s),
            repr(s.details),
            repr(sup.connection),
            repr(s.statistics()),
            repr(s.transcript.entries),
            caplog.text,
        ]
    assert h.service.issued_tokens  # tokens were really handed out and used
    assert "REDACTED" in caplog.text  # request headers were logged, with the bearer redacted
    for text in texts:
        for secret in (*SECRETS, *h.service.issued_tokens):
            assert secret not in text
