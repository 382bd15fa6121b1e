"""Reading and validating scenario documents (YAML text or plain data); pure, no I/O.

:func:`parse_scenario` checks the whole document before any chat runs it: unknown kinds or
fields, wrong types, out-of-range numbers, unknown content types, content over 16,384 bytes,
participants that never join, regular expressions that do not compile and loops that never wait
all raise :class:`~.scenario_schema.ScenarioError`, whose message names the line of the offending
step when the document came from YAML (``flow.yaml:12: unknown step 'nope'; ...``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import yaml

from trioconnect.emulator.scenario_schema import (
    BUILTIN_ALIASES,
    EVENT_TYPES,
    MAX_REPEAT,
    MAX_SECONDS,
    MESSAGE_TYPES,
    OUTCOMES,
    ROLES,
    Attachment,
    Authenticate,
    Case,
    Choose,
    End,
    Event,
    IdleTimeout,
    Join,
    Leave,
    Match,
    Message,
    Receipt,
    Repeat,
    Scenario,
    ScenarioError,
    Step,
    Stream,
    Transfer,
    Wait,
    WaitForMessage,
)
from trioconnect.protocol import content_types as ct

__all__ = ["load_yaml", "parse_scenario", "step_kinds"]


# ---------------------------------------------------------------------------------- YAML input


class _LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers its (1-based) line."""

    line: int | None = None


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings remember their line numbers."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _LineDict:
    result = _LineDict({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, source: str = "<scenario>", name: str | None = None) -> Scenario:
    """Parse and validate a YAML scenario.

    Args:
        text: the YAML document.
        source: how to name the document in error messages (e.g. its file name).
        name: the scenario's name when the document has no ``name`` (default: ``source``).

    Raises:
        ScenarioError: the YAML is malformed or the scenario invalid (the message has the line).
    """
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioError(f"{where}: not valid YAML: {problem}") from None
    return parse_scenario(data, source, name)


# ---------------------------------------------------------------------------------- validation


class _Ctx:
    """Where we are in the document, for error messages, and the aliases declared so far."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.line: int | None = None
        self.aliases: set[str] = set(BUILTIN_ALIASES)
        self.uses: list[tuple[str, int | None]] = []

    def error(self, message: str) -> ScenarioError:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return ScenarioError(f"{where}: {message}")


def parse_scenario(data: Any, source: str = "<scenario>", name: str | None = None) -> Scenario:
    """Validate a scenario document (as loaded from YAML or built in Python).

    Args:
        data: the document: a mapping with ``steps`` and optional ``name``/``description``.
        source: how to name the document in error messages.
        name: the name to use when the document has none (default: ``source``).

    Raises:
        ScenarioError: the document is invalid.
    """
    ctx = _Ctx(source)
    if not isinstance(data, Mapping):
        raise ctx.error("a scenario must be a mapping with a 'steps' list")
    ctx.line = getattr(data, "line", None)
    unknown = set(data) - {"name", "description", "steps"}
    if unknown:
        raise ctx.error(f"unknown top-level key(s) {sorted(map(str, unknown))}")
    title = _text(ctx, data, "name", name or source, allow_empty=False)
    description = _text(ctx, data, "description", "")
    if "steps" not in data:
        raise ctx.error("'steps' is required")
    steps = _steps(ctx, data["steps"], "steps")
    for alias, line in ctx.uses:
        if alias not in ctx.aliases:
            ctx.line = line
            raise ctx.error(
                f"participant {alias!r} never joins (add a 'join' step with id: {alias})"
            )
    return Scenario(title, description, steps)


def _steps(ctx: _Ctx, value: Any, what: str) -> tuple[Step, ...]:
    if not isinstance(value, list):
        raise ctx.error(f"'{what}' must be a list of steps")
    return tuple(_step(ctx, raw) for raw in value)


def _step(ctx: _Ctx, raw: Any) -> Step:
    if isinstance(raw, Mapping):
        ctx.line = getattr(raw, "line", ctx.line)
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ctx.error(f"a step must be a mapping with exactly one of {sorted(_PARSERS)}")
    ((kind, value),) = raw.items()
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise ctx.error(f"unknown step {kind!r}; expected one of {sorted(_PARSERS)}")
    if isinstance(value, Mapping):
        ctx.line = getattr(value, "line", ctx.line)
    line = ctx.line
    step = parser(ctx, value)
    ctx.line = line
    return step


def _fields(ctx: _Ctx, kind: str, value: Any, allowed: set[str]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ctx.error(f"'{kind}' takes a mapping with {sorted(allowed)}")
    unknown = {str(k) for k in value} - allowed
    if unknown:
        raise ctx.error(f"'{kind}': unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return value


def _text(
    ctx: _Ctx, data: Mapping[str, Any], key: str, default: str | None, *, allow_empty: bool = True
) -> str:
    value = data.get(key, default)
    if value is None:
        raise ctx.error(f"'{key}' is required")
    if not isinstance(value, str) or (not allow_empty and not value):
        raise ctx.error(f"'{key}' must be a{' non-empty' if not allow_empty else ''} string")
    return value


def _seconds(ctx: _Ctx, value: Any, what: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.error(f"'{what}' must be a number of seconds")
    seconds = float(value)
    low_ok = seconds > 0 if positive else seconds >= 0
    if not math.isfinite(seconds) or not low_ok or seconds > MAX_SECONDS:
        bound = "> 0" if positive else ">= 0"
        raise ctx.error(f"'{what}' must be {bound} and at most {MAX_SECONDS:.0f} seconds")
    return seconds


def _alias(ctx: _Ctx, data: Mapping[str, Any], key: str, default: str) -> str:
    alias = _text(ctx, data, key, default, allow_empty=False)
    ctx.uses.append((alias, ctx.line))
    return alias


def _check_size(ctx: _Ctx, content: str, what: str) -> None:
    size = len(content.encode("utf-8"))
    if size > ct.MAX_MESSAGE_BYTES:
        raise ctx.error(f"{what} is {size} bytes; the limit is {ct.MAX_MESSAGE_BYTES}")


def _content(ctx: _Ctx, value: Any, what: str, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise ctx.error(f"'{what}' is required")
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, Mapping | list):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            raise ctx.error(f"'{what}' cannot be written as JSON") from None
    else:
        raise ctx.error(f"'{what}' must be a string, or a mapping/list (sent as JSON)")
    if required and not text:
        raise ctx.error(f"'{what}' must not be empty")
    _check_size(ctx, text, what)
    return text


def _match(ctx: _Ctx, data: Mapping[str, Any]) -> Match:
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise ctx.error("'text' must be a string")
    pattern = data.get("regex")
    if pattern is None:
        return Match(text, None)
    if not isinstance(pattern, str):
        raise ctx.error("'regex' must be a string")
    try:
        return Match(text, re.compile(pattern))
    except re.error as error:
        raise ctx.error(f"'regex' does not compile: {error}") from None


# ---------------------------------------------------------------------------------- step kinds


def _wait(ctx: _Ctx, value: Any) -> Wait:
    if isinstance(value, Mapping):
        value = _fields(ctx, "wait", value, {"seconds"}).get("seconds")
    return Wait(_seconds(ctx, value, "wait"))


def _wait_for_message(ctx: _Ctx, value: Any) -> WaitForMessage:
    data = _fields(ctx, "wait_for_message", value, {"text", "regex", "timeout"})
    timeout = data.get("timeout")
    return WaitForMessage(
        _match(ctx, data),
        None if timeout is None else _seconds(ctx, timeout, "timeout", positive=True),
    )


def _join_from(ctx: _Ctx, kind: str, value: Any) -> Join:
    data = _fields(ctx, kind, value, {"role", "name", "id"})
    role = _text(ctx, data, "role", "AGENT")
    if role not in ROLES:
        raise ctx.error(f"'role' must be one of {list(ROLES)}")
    name = _text(ctx, data, "name", role.replace("_", " ").title(), allow_empty=False)
    if len(name) > 256:
        raise ctx.error("'name' is longer than 256 characters")
    alias = _text(ctx, data, "id", role.lower(), allow_empty=False)
    if alias == "customer":
        raise ctx.error("'customer' is reserved for the chat's customer")
    ctx.aliases.add(alias)
    return Join(role, name, alias)


def _join(ctx: _Ctx, value: Any) -> Join:
    return _join_from(ctx, "join", value)


def _leave(ctx: _Ctx, value: Any) -> Leave:
    if isinstance(value, str):
        value = {"by": value}
    return Leave(_alias(ctx, _fields(ctx, "leave", value, {"by"}), "by", "agent"))


def _message(ctx: _Ctx, value: Any) -> Message:
    data = _fields(ctx, "message", value, {"by", "type", "content"})
    content_type = _text(ctx, data, "type", ct.TEXT_PLAIN)
    if content_type not in MESSAGE_TYPES:
        raise ctx.error(f"message 'type' must be one of {sorted(MESSAGE_TYPES)}")
    content = _content(ctx, data.get("content"), "content", required=True)
    assert content is not None
    return Message(_alias(ctx, data, "by", "agent"), content_type, content)


def _event_type(ctx: _Ctx, value: str) -> str:
    full = value if value.startswith(ct.EVENT_PREFIX) else ct.EVENT_PREFIX + value
    if full in ct.RECEIPT_CONTENT_TYPES:
        raise ctx.error("use a 'receipt' step for read and delivered receipts")
    if full == ct.CHAT_ENDED:
        raise ctx.error("use an 'end' step to end the chat")
    if full not in EVENT_TYPES:
        names = sorted(t.removeprefix(ct.EVENT_PREFIX) for t in EVENT_TYPES)
        raise ctx.error(f"unknown event type {value!r}; expected one of {names}")
    return full


def _event(ctx: _Ctx, value: Any) -> Event:
    data = _fields(ctx, "event", value, {"by", "type", "content"})
    content_type = _event_type(ctx, _text(ctx, data, "type", None, allow_empty=False))
    content = _content(ctx, data.get("content"), "content", required=False)
    return Event(_alias(ctx, data, "by", "system"), content_type, content)


def _receipt(ctx: _Ctx, value: Any) -> Receipt:
    data = _fields(ctx, "receipt", value, {"by", "kind"})
    kind = _text(ctx, data, "kind", "read")
    if kind not in ("read", "delivered"):
        raise ctx.error("receipt 'kind' must be 'read' or 'delivered'")
    return Receipt(_alias(ctx, data, "by", "agent"), kind)


def _stream(ctx: _Ctx, value: Any) -> Stream:
    data = _fields(ctx, "stream", value, {"chunks", "delay", "name"})
    chunks = data.get("chunks")
    if (
        not isinstance(chunks, list)
        or not chunks
        or not all(isinstance(c, str) and c for c in chunks)
    ):
        raise ctx.error("'chunks' must be a non-empty list of non-empty strings")
    _check_size(ctx, "".join(chunks), "the streamed text")
    delay = _seconds(ctx, data.get("delay", 0.1), "delay")
    return Stream(tuple(chunks), delay, _text(ctx, data, "name", "BOT", allow_empty=False))


def _attachment(ctx: _Ctx, value: Any) -> Attachment:
    data = _fields(ctx, "attachment", value, {"by", "name", "type", "text", "base64"})
    name = _text(ctx, data, "name", None, allow_empty=False)
    content_type = _text(ctx, data, "type", ct.TEXT_PLAIN)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if content_type not in ct.ATTACHMENT_EXTENSIONS.get(extension, frozenset()):
        raise ctx.error(f"attachment {name!r}: type {content_type!r} does not fit its extension")
    if ("text" in data) == ("base64" in data):
        raise ctx.error("an attachment needs exactly one of 'text' or 'base64'")
    raw = data.get("text", data.get("base64"))
    if not isinstance(raw, str):
        raise ctx.error("'text'/'base64' must be a string")
    try:
        payload = raw.encode() if "text" in data else base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ctx.error("'base64' is not valid base64") from None
    if not payload or len(payload) > ct.MAX_ATTACHMENT_BYTES:
        raise ctx.error(f"an attachment must have 1 to {ct.MAX_ATTACHMENT_BYTES} bytes")
    return Attachment(_alias(ctx, data, "by", "agent"), name, content_type, payload)


def _authenticate(ctx: _Ctx, value: Any) -> Authenticate:
    data = _fields(ctx, "authenticate", value, {"outcome", "wait_for_url", "timeout", "delay"})
    outcome = _text(ctx, data, "outcome", "succeeded")
    if outcome not in OUTCOMES:
        raise ctx.error(f"'outcome' must be one of {list(OUTCOMES)}")
    wait_for_url = data.get("wait_for_url", True)
    if not isinstance(wait_for_url, bool):
        raise ctx.error("'wait_for_url' must be true or false")
    return Authenticate(
        outcome,
        wait_for_url,
        _seconds(ctx, data.get("timeout", 60), "timeout", positive=True),
        _seconds(ctx, data.get("delay", 0.5), "delay"),
    )


def _idle_timeout(ctx: _Ctx, value: Any) -> IdleTimeout:
    data = _fields(ctx, "idle_timeout", value, {"idle", "disconnect"})
    return IdleTimeout(
        _seconds(ctx, data.get("idle", 60), "idle", positive=True),
        _seconds(ctx, data.get("disconnect", 60), "disconnect", positive=True),
    )


def _transfer(ctx: _Ctx, value: Any) -> Transfer:
    data = _fields(ctx, "transfer", value, {"from", "to", "outcome"})
    source = _alias(ctx, data, "from", "agent")
    target = _join_from(ctx, "to", data.get("to", {"name": "Second agent", "id": "agent2"}))
    outcome = _text(ctx, data, "outcome", "succeeded")
    if outcome not in ("succeeded", "failed"):
        raise ctx.error("transfer 'outcome' must be 'succeeded' or 'failed'")
    return Transfer(source, target, outcome == "succeeded")


def _end(ctx: _Ctx, value: Any) -> End:
    if isinstance(value, str):
        value = {"by": value}
    data = _fields(ctx, "end", value, {"by"})
    return End(_alias(ctx, data, "by", "agent") if "by" in data else None)


def _waits(step: Step) -> bool:
    """Whether a step always lets time pass (so a loop around it cannot spin)."""
    match step:
        case Wait(seconds=seconds):
            return seconds > 0
        case WaitForMessage() | IdleTimeout():
            return True
        case Authenticate(wait_for_url=wait, delay=delay):
            return wait or delay > 0
        case Repeat(steps=steps, times=times):
            return times is not None and any(_waits(s) for s in steps)
        case _:
            return False


def _repeat(ctx: _Ctx, value: Any) -> Repeat:
    data = _fields(ctx, "repeat", value, {"times", "steps"})
    times = data.get("times")
    if times is not None and (
        isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_REPEAT
    ):
        raise ctx.error(f"'times' must be an integer from 1 to {MAX_REPEAT}")
    line = ctx.line
    steps = _steps(ctx, data.get("steps"), "steps")
    ctx.line = line
    if not steps:
        raise ctx.error("'repeat' needs at least one step")
    if times is None and not any(_waits(s) for s in steps):
        raise ctx.error(
            "a 'repeat' without 'times' runs until the chat ends, so it must contain a step "
            "that waits (wait_for_message, idle_timeout, or wait with seconds > 0)"
        )
    return Repeat(steps, times)


def _choose(ctx: _Ctx, value: Any) -> Choose:
    if not isinstance(value, list) or not value:
        raise ctx.error("'choose' takes a non-empty list of cases {when?, steps}")
    cases = []
    for raw in value:
        ctx.line = getattr(raw, "line", ctx.line)
        data = _fields(ctx, "choose case", raw, {"when", "steps"})
        when = data.get("when")
        match = None
        if when is not None:
            match = _match(ctx, _fields(ctx, "when", when, {"text", "regex"}))
        cases.append(Case(match, _steps(ctx, data.get("steps", []), "steps")))
    return Choose(tuple(cases))


_PARSERS: dict[str, Callable[[_Ctx, Any], Step]] = {
    "wait": _wait,
    "wait_for_message": _wait_for_message,
    "join": _join,
    "leave": _leave,
    "message": _message,
    "event": _event,
    "receipt": _receipt,
    "stream": _stream,
    "attachment": _attachment,
    "authenticate": _authenticate,
    "idle_timeout": _idle_timeout,
    "transfer": _transfer,
    "end": _end,
    "repeat": _repeat,
    "choose": _choose,
}


def step_kinds() -> Sequence[str]:
    """The names of every step kind."""
    return sorted(_PARSERS)
