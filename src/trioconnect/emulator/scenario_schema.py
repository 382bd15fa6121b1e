"""Scenario documents: the step types (pure data; validation is in :mod:`.scenario_parse`).

A scenario scripts what a contact flow does in one chat: who joins, what they send, what the
flow waits for. It is a YAML (or plain ``dict``) document::

    name: greet
    description: an agent greets the customer, answers once, then ends the chat
    steps:
      - join: {role: AGENT, name: Alice}
      - message: {by: agent, content: "Hello {customer}!"}
      - wait_for_message: {timeout: 60}
      - message: {by: agent, content: "You said: {message}"}
      - end: {by: agent}

Every step is a mapping with exactly one key, the step's kind. The kinds and their fields are
listed in ``docs/emulator.md`` ("Scenarios"). ``scenario_parse.parse_scenario`` checks the document
before any chat runs it: unknown kinds or fields, wrong types, out-of-range numbers, unknown
content types, content over 16,384 bytes, participants never joined, regular expressions that do
not compile and loops that never wait all raise :class:`ScenarioError`, whose message names the
line of the offending step when the document came from YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trioconnect.protocol import content_types as ct

__all__ = [
    "BUILTIN_ALIASES",
    "EVENT_TYPES",
    "MAX_REPEAT",
    "MAX_SECONDS",
    "MESSAGE_TYPES",
    "OUTCOMES",
    "ROLES",
    "Attachment",
    "Authenticate",
    "Case",
    "Choose",
    "End",
    "Event",
    "IdleTimeout",
    "Join",
    "Leave",
    "Match",
    "Message",
    "Receipt",
    "Repeat",
    "Scenario",
    "ScenarioError",
    "Step",
    "Stream",
    "Transfer",
    "Wait",
    "WaitForMessage",
]

#: Largest ``times`` of a ``repeat`` step.
MAX_REPEAT = 10_000
#: Longest wait or timeout a step may ask for (s): a week, the longest chat.
MAX_SECONDS = 7 * 24 * 3600.0
#: Names every scenario may use in ``by`` without joining them first.
BUILTIN_ALIASES = frozenset({"customer", "system"})

#: Roles a ``join`` step may give.
ROLES = ("AGENT", "CUSTOM_BOT", "SYSTEM")
#: Content types a ``message`` step may send.
MESSAGE_TYPES = frozenset(ct.MESSAGE_CONTENT_TYPES | {ct.INTERACTIVE_MESSAGE})
#: Events a scenario may emit with ``event``: every event ChatJS knows, except the receipts (use
#: ``receipt``) and chat.ended (use ``end``, which really ends the contact).
EVENT_TYPES = frozenset(
    t
    for t in ct.CHATJS_CONTENT_TYPES
    if t.startswith(ct.EVENT_PREFIX) and t not in ct.RECEIPT_CONTENT_TYPES and t != ct.CHAT_ENDED
)
#: Outcomes of an ``authenticate`` step.
OUTCOMES = ("succeeded", "failed", "timeout", "expired", "cancelled")


class ScenarioError(ValueError):
    """A scenario document is invalid. The message names the source and line when known."""


@dataclass(frozen=True)
class Match:
    """What a customer message must look like: ``text`` (case-insensitive) or ``regex``."""

    text: str | None = None
    regex: re.Pattern[str] | None = None

    def matches(self, content: str) -> bool:
        """Whether ``content`` matches (an empty matcher matches everything)."""
        if self.text is not None and content.strip().casefold() != self.text.strip().casefold():
            return False
        return self.regex is None or self.regex.search(content) is not None


@dataclass(frozen=True)
class Wait:
    """Sleep ``seconds``."""

    seconds: float


@dataclass(frozen=True)
class WaitForMessage:
    """Wait for the next customer message that matches (others are skipped), up to ``timeout``."""

    match: Match = field(default_factory=Match)
    timeout: float | None = None


@dataclass(frozen=True)
class Join:
    """A participant joins (participant.joined) and is known as ``alias`` from then on."""

    role: str
    name: str
    alias: str


@dataclass(frozen=True)
class Leave:
    """``by`` leaves the chat (a customer leaving ends it)."""

    by: str


@dataclass(frozen=True)
class Message:
    """``by`` sends a message of ``content_type``; ``content`` may use placeholders."""

    by: str
    content_type: str
    content: str


@dataclass(frozen=True)
class Event:
    """``by`` (or the SYSTEM participant) emits an event item of ``content_type``."""

    by: str
    content_type: str
    content: str | None


@dataclass(frozen=True)
class Receipt:
    """``by`` sends a read or delivered receipt for the latest customer message."""

    by: str
    kind: str


@dataclass(frozen=True)
class Stream:
    """A Lex streaming answer: SYSTEM MESSAGE chunks sharing one Id, then the complete item."""

    chunks: tuple[str, ...]
    delay: float
    name: str


@dataclass(frozen=True)
class Attachment:
    """``by`` shares a file: an approved attachment whose bytes are ``data``."""

    by: str
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Authenticate:
    """The customer authentication flow block: initiated, then one outcome."""

    outcome: str
    wait_for_url: bool
    timeout: float
    delay: float


@dataclass(frozen=True)
class IdleTimeout:
    """Customer idle after ``idle`` s of silence, auto-disconnected ``disconnect`` s later."""

    idle: float
    disconnect: float


@dataclass(frozen=True)
class Transfer:
    """``source`` is transferred: on success it leaves and ``target`` joins."""

    source: str
    target: Join
    succeeded: bool


@dataclass(frozen=True)
class End:
    """The chat ends (``by`` leaves first if given)."""

    by: str | None


@dataclass(frozen=True)
class Repeat:
    """Run ``steps`` ``times`` times (None: until the chat ends)."""

    steps: tuple[Step, ...]
    times: int | None


@dataclass(frozen=True)
class Case:
    """One branch of ``choose``: runs when the latest customer message matches ``when``."""

    when: Match | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Choose:
    """Run the first case whose ``when`` matches the latest customer message."""

    cases: tuple[Case, ...]


Step = (
    Wait
    | WaitForMessage
    | Join
    | Leave
    | Message
    | Event
    | Receipt
    | Stream
    | Attachment
    | Authenticate
    | IdleTimeout
    | Transfer
    | End
    | Repeat
    | Choose
)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario."""

    name: str
    description: str
    steps: tuple[Step, ...]
