"""What a load run does: the :class:`LoadPlan`, an immutable, validated record.

A plan says how many virtual customers to start, how fast, what each one sends and how long
everything may take. It says nothing about *where* the chats go (that is the runner's target) or
what counts as success (that is the SLOs). A plan is checked when it is built, so an invalid plan
cannot exist.
"""

from __future__ import annotations

import dataclasses
import math
import string
from dataclasses import dataclass
from typing import Any

from trioconnect.errors import ValidationError

__all__ = ["LoadPlan"]

#: The fields each template may use, by template field name.
_TEMPLATE_FIELDS: dict[str, frozenset[str]] = {
    "message_text": frozenset({"n", "chat"}),
    "display_name": frozenset({"chat"}),
}


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """The shape of a load run.

    Attributes:
        chats: virtual customers to start in total (>= 1).
        concurrency: chats open at the same time at most (>= 1).
        arrival_rate: chats started per second (> 0); None starts them as fast as
            ``concurrency`` allows.
        messages: messages each customer sends (>= 0).
        think_time: seconds between a reply (or a send, without reply waits) and the next
            message (>= 0).
        wait_for_reply: wait for an agent or bot reply after each message.
        reply_timeout: seconds to wait for a reply (> 0).
        message_text: a :meth:`str.format` template for each message; ``{n}`` is the message's
            number (from 1), ``{chat}`` the chat's index (from 0).
        display_name: a :meth:`str.format` template for the customer's name; ``{chat}`` is the
            chat's index (from 0).
        disconnect: end each chat with DisconnectParticipant and wait for the chat-ended event.
        end_timeout: seconds to wait for the chat-ended event (> 0).
        duration: seconds after which no new chat starts (> 0); None for no limit.
        drain_timeout: seconds the chats in flight get once ``duration`` has stopped new chats,
            before they are cancelled (>= 0). Without ``duration`` a run waits for every chat,
            each bounded by its own timeouts.

    Raises:
        ValidationError: when built with a value that breaks a rule; the message names the
            field and the rule.
    """

    chats: int = 10
    concurrency: int = 10
    arrival_rate: float | None = None
    messages: int = 3
    think_time: float = 1.0
    wait_for_reply: bool = True
    reply_timeout: float = 30.0
    message_text: str = "load test message {n} of chat {chat}"
    display_name: str = "Load {chat}"
    disconnect: bool = True
    end_timeout: float = 15.0
    duration: float | None = None
    drain_timeout: float = 60.0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field.

        Raises:
            ValidationError: naming the first field that breaks its rule, and the rule.
        """
        _check_int("chats", self.chats, minimum=1)
        _check_int("concurrency", self.concurrency, minimum=1)
        _check_int("messages", self.messages, minimum=0)
        _check_number("arrival_rate", self.arrival_rate, positive=True, optional=True)
        _check_number("think_time", self.think_time, positive=False)
        _check_number("reply_timeout", self.reply_timeout, positive=True)
        _check_number("end_timeout", self.end_timeout, positive=True)
        _check_number("duration", self.duration, positive=True, optional=True)
        _check_number("drain_timeout", self.drain_timeout, positive=False)
        _check_bool("wait_for_reply", self.wait_for_reply)
        _check_bool("disconnect", self.disconnect)
        _check_template("message_text", self.message_text)
        _check_template("display_name", self.display_name)

    def describe(self) -> dict[str, Any]:
        """Every field by name, ready for :func:`json.dumps`."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def message_for(self, chat: int, n: int) -> str:
        """The text of message ``n`` (from 1) of chat ``chat`` (from 0)."""
        return self.message_text.format(n=n, chat=chat)

    def display_name_for(self, chat: int) -> str:
        """The display name of chat ``chat`` (from 0)."""
        return self.display_name.format(chat=chat)


def _check_int(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValidationError(f"{name} must be >= {minimum}, got {value}")


def _check_number(name: str, value: object, *, positive: bool, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "a number of seconds or None" if optional else "a number"
        raise ValidationError(f"{name} must be {kind}, got {value!r}")
    if not math.isfinite(value):
        raise ValidationError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValidationError(f"{name} must be > 0, got {value!r}")
    if not positive and value < 0:
        raise ValidationError(f"{name} must be >= 0, got {value!r}")


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {value!r}")


def _check_template(name: str, value: object) -> None:
    """A template may use only its own plain fields (``{chat}``, ``{n:03d}``), nothing else."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {value!r}")
    allowed = _TEMPLATE_FIELDS[name]
    usable = " and ".join(f"{{{field}}}" for field in sorted(allowed))
    try:
        fields = [parsed[1] for parsed in string.Formatter().parse(value)]
    except ValueError as exc:
        raise ValidationError(
            f"{name} is not a valid template ({exc}); write literal braces as '{{{{' and '}}}}'"
        ) from None
    for field in fields:
        if field is not None and field not in allowed:
            raise ValidationError(
                f"{name} may only use the fields {usable}, not {{{field}}}: {value!r}"
            )
    try:
        value.format(**dict.fromkeys(allowed, 0))
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"{name} has a bad format spec ({exc}): {value!r}") from None
