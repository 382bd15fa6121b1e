"""The session statechart as data: its states, triggers and effects, parsed from ``session.yaml``.

``statecharts/session.yaml`` is the single source of truth for the session's behaviour. This module
reads it (packaged as ``trioconnect/statecharts/session.yaml``), validates it — every (state,
trigger) pair present exactly once, every name known, guarded pairs complete — and returns a
:class:`Statechart`. :mod:`trioconnect.machine` builds the running machine from it;
:mod:`trioconnect.statechart_render` draws it.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    import yaml

__all__ = [
    "EVENTS",
    "GUARDS",
    "TASKS",
    "Effects",
    "Outcome",
    "SessionState",
    "StateInfo",
    "Statechart",
    "StatechartError",
    "Trigger",
    "load_statechart",
    "parse_statechart",
]


class SessionState(enum.Enum):
    """The states of a chat session (``docs/statechart.md`` describes each)."""

    #: Created; ``connect()`` has not been called.
    INIT = "init"
    #: The first connection is being made (with retries).
    CONNECTING = "connecting"
    #: The socket is subscribed and healthy.
    ESTABLISHED = "established"
    #: Was established; the socket is gone and is being recovered.
    LOST = "lost"
    #: The user suspended the socket; no reconnect attempts.
    SUSPENDED = "suspended"
    #: ``disconnect_participant()`` was called; waiting for the server's chat.ended.
    DISCONNECTING = "disconnecting"
    #: Cannot recover on its own; ``connect()`` may be called again.
    BROKEN = "broken"
    #: The chat is over. Terminal.
    ENDED = "ended"
    #: The session was closed while the chat was live. Terminal.
    CLOSED = "closed"


class Trigger(enum.Enum):
    """What can happen to a session: user calls and reports from the session's tasks."""

    CONNECT = "connect"
    SOCKET_ESTABLISHED = "socket_established"
    SOCKET_LOST = "socket_lost"
    TOKEN_REJECTED = "token_rejected"
    RETRIES_EXHAUSTED = "retries_exhausted"
    DISCONNECT = "disconnect"
    DISCONNECT_FAILED = "disconnect_failed"
    CHAT_ENDED = "chat_ended"
    SUSPEND = "suspend"
    RESUME = "resume"
    CLOSE = "close"


#: The tasks a supervisor may be asked to start or cancel (the YAML must declare exactly these).
TASKS: Final = ("connector", "reader", "heartbeat", "refresher", "receipts", "recovery")
#: The events a transition may emit (the YAML must declare exactly these).
EVENTS: Final = (
    "connection_established",
    "connection_lost",
    "connection_broken",
    "ended",
    "closed",
)
#: The guards the model can answer (the YAML must declare exactly these).
GUARDS: Final = ("socket_up", "ever_established")


class StatechartError(ValueError):
    """The statechart document is malformed; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Effects:
    """What firing one trigger did, and what the supervisor must now do.

    Attributes:
        source: the state before the trigger.
        target: the state after it (equal to ``source`` for internal transitions and ignores).
        trigger: the trigger fired.
        start: tasks to start, in order. None of them is running already.
        cancel: tasks to cancel; cancelling a task that has already returned is a no-op.
        emit: events to emit, in order.
        ignored: the pair is a documented ignore; nothing changed.
        reestablished: for ``socket_established``: this is not the session's first establishment
            (missed messages must be fetched; ``recovery`` is in ``start``).
    """

    source: SessionState
    target: SessionState
    trigger: Trigger
    start: tuple[str, ...] = ()
    cancel: tuple[str, ...] = ()
    emit: tuple[str, ...] = ()
    ignored: bool = False
    reestablished: bool = False


@dataclass(frozen=True, slots=True)
class StateInfo:
    """A state's entry in the statechart."""

    doc: str
    terminal: bool = False
    #: A socket can be up in this state; entering any other state clears ``socket_up``.
    holds_socket: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """One outcome of one (state, trigger) pair, as the YAML gives it.

    ``guard`` is set when the pair has two outcomes; this one applies when the guard's value is
    ``guard_value``. ``dest`` is None for internal transitions, ignores and errors. ``socket`` is
    what a transition says about the socket (True: now up, False: now down, None: nothing).
    ``why`` is the reason for an ignore or error, or a transition's optional note.
    """

    source: SessionState
    trigger: Trigger
    kind: Literal["transition", "ignore", "error"]
    dest: SessionState | None = None
    guard: str | None = None
    guard_value: bool = True
    start: tuple[str, ...] = ()
    cancel: tuple[str, ...] = ()
    emit: tuple[str, ...] = ()
    reestablished: bool = False
    socket: bool | None = None
    why: str = ""

    @property
    def target(self) -> SessionState:
        """The state after this outcome."""
        return self.source if self.dest is None else self.dest

    def effects(self) -> Effects:
        """The effects this outcome reports when it is fired."""
        return Effects(self.source, self.target, self.trigger, self.start, self.cancel, self.emit,
                       self.kind == "ignore", self.reestablished)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Statechart:
    """The parsed, validated statechart.

    Attributes:
        initial: the state a new session starts in.
        states, triggers, guards, tasks, events: every name with its documentation.
        table: for every (state, trigger) pair, its outcome, or its two guarded outcomes.
    """

    initial: SessionState
    states: Mapping[SessionState, StateInfo]
    triggers: Mapping[Trigger, str]
    guards: Mapping[str, str]
    tasks: Mapping[str, str]
    events: Mapping[str, str]
    table: Mapping[tuple[SessionState, Trigger], tuple[Outcome, ...]]

    def outcomes(self, kind: str | None = None) -> tuple[Outcome, ...]:
        """Every outcome (of ``kind``, if given), in table order: state, trigger, guard branch."""
        return tuple(o for pair in self.table.values() for o in pair if kind in (None, o.kind))

    @property
    def transitions(self) -> tuple[Outcome, ...]:
        """The outcomes that are transitions (internal ones included)."""
        return self.outcomes("transition")

    @property
    def ignores(self) -> tuple[Outcome, ...]:
        """The outcomes that are documented ignores."""
        return self.outcomes("ignore")

    @property
    def errors(self) -> tuple[Outcome, ...]:
        """The outcomes that are documented errors."""
        return self.outcomes("error")


# --- loading and validation ------------------------------------------------------------------

_TOP_KEYS = ("initial", "states", "triggers", "guards", "tasks", "events", "table")
_MOVE_KEYS = frozenset({"to", "stay", "start", "cancel", "emit", "reestablished", "socket", "doc"})
_GUARD_KEYS = frozenset({"when", "unless"})


@functools.cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """A safe loader that refuses a key given twice in one mapping (plain PyYAML keeps the last).

    Built on first use: PyYAML is imported only when a statechart is parsed.
    """
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[object] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise StatechartError(
                        f"line {key_node.start_mark.line + 1}: {key!r} is given twice"
                    )
                seen.add(key)
            return super().construct_mapping(node, deep)

    return StrictLoader


def _fail(where: str, problem: str) -> StatechartError:
    return StatechartError(f"statechart {where}: {problem}")


def _mapping(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise _fail(where, "must be a mapping with string keys")
    return raw


def _exact(raw: object, names: Sequence[str], where: str) -> dict[str, Any]:
    """``raw`` as a mapping whose keys are exactly ``names``."""
    found = _mapping(raw, where)
    unknown = sorted(set(found) - set(names))
    missing = [n for n in names if n not in found]
    if unknown:
        raise _fail(where, f"unknown name(s) {', '.join(unknown)}; known: {', '.join(names)}")
    if missing:
        raise _fail(where, f"missing {', '.join(missing)}")
    return found


def _docs(raw: object, names: Sequence[str], where: str) -> dict[str, str]:
    return {k: _text(v, f"{where}.{k}") for k, v in _exact(raw, names, where).items()}


def _text(raw: object, where: str) -> str:
    if isinstance(raw, dict):
        raw = raw.get("doc")
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(where, "needs a non-empty description")
    return raw.strip()


def _names(raw: object, known: Sequence[str], where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if raw == "all" and known is TASKS:
        return TASKS
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise _fail(where, "must be a list of names")
    unknown = [n for n in raw if n not in known]
    if unknown or len(set(raw)) != len(raw):
        raise _fail(where, f"unknown or repeated name(s) in {raw}; known: {', '.join(known)}")
    return tuple(raw)


def _guard(entry: Mapping[str, Any], where: str) -> tuple[str | None, bool]:
    given = [k for k in ("when", "unless") if k in entry]
    if not given:
        return None, True
    if len(given) > 1 or entry[given[0]] not in GUARDS:
        raise _fail(where, f"needs one of when/unless naming a guard ({', '.join(GUARDS)})")
    return entry[given[0]], given[0] == "when"


def _outcome(state: SessionState, trigger: Trigger, raw: object, where: str) -> Outcome:
    entry = _mapping(raw, where)
    kinds = [k for k in ("to", "stay", "ignore", "error") if k in entry]
    if len(kinds) != 1:
        raise _fail(where, "needs exactly one of to, stay, ignore, error")
    kind = kinds[0]
    allowed = (_MOVE_KEYS if kind in ("to", "stay") else {kind}) | _GUARD_KEYS
    if extra := sorted(set(entry) - allowed):
        raise _fail(where, f"unexpected key(s) {', '.join(extra)} for a {kind!r} outcome")
    guard, guard_value = _guard(entry, where)
    if kind in ("ignore", "error"):
        why = _text(entry[kind], f"{where}.{kind}")
        return Outcome(state, trigger, kind, guard=guard, guard_value=guard_value, why=why)
    if kind == "stay" and entry["stay"] is not True:
        raise _fail(where, "stay must be true")
    dest = None if kind == "stay" else _member(entry["to"], f"{where}.to")
    if dest is state:
        raise _fail(where, "a transition to its own state must be written `stay: true`")
    socket, reestablished = entry.get("socket"), entry.get("reestablished", False)
    if socket not in (None, "up", "down") or not isinstance(reestablished, bool):
        raise _fail(where, "socket must be up or down; reestablished must be a boolean")
    start = _names(entry.get("start"), TASKS, f"{where}.start")
    cancel = _names(entry.get("cancel"), TASKS, f"{where}.cancel")
    if set(start) & set(cancel):
        raise _fail(where, "a task cannot be both started and cancelled")
    return Outcome(
        state, trigger, "transition", dest=dest, guard=guard, guard_value=guard_value,
        start=start, cancel=cancel, emit=_names(entry.get("emit"), EVENTS, f"{where}.emit"),
        reestablished=reestablished,
        socket=None if socket is None else socket == "up",
        why=str(entry.get("doc", "")).strip(),
    )  # fmt: skip


def _member(raw: object, where: str) -> SessionState:
    try:
        return SessionState(raw)
    except ValueError:
        raise _fail(where, f"unknown state {raw!r}") from None


def _pair(state: SessionState, trigger: Trigger, raw: object) -> tuple[Outcome, ...]:
    where = f"table.{state.value}.{trigger.value}"
    if not isinstance(raw, list):
        outcome = _outcome(state, trigger, raw, where)
        if outcome.guard is not None:
            raise _fail(where, "a single outcome takes no guard")
        return (outcome,)
    pair = tuple(_outcome(state, trigger, r, f"{where}[{i}]") for i, r in enumerate(raw))
    guards = {(o.guard, o.guard_value) for o in pair}
    if (
        len(pair) != 2
        or pair[0].guard is None
        or guards != {(pair[0].guard, v) for v in (True, False)}
    ):
        raise _fail(where, "a guarded pair needs exactly two outcomes: `when: g` and `unless: g`")
    return pair


def _check_rules(states: Mapping[SessionState, StateInfo], outcomes: Sequence[Outcome]) -> None:
    for o in outcomes:
        where = f"table.{o.source.value}.{o.trigger.value}"
        if states[o.source].terminal and o.kind == "transition":
            raise _fail(where, "a terminal state absorbs every trigger (ignore or error only)")
        if (
            o.kind == "transition"
            and states[o.target].terminal
            and not states[o.source].terminal
            and set(o.cancel) != set(TASKS)
        ):
            raise _fail(where, "entering a terminal state must cancel every task (cancel: all)")
        if o.socket and not states[o.target].holds_socket:
            raise _fail(where, f"socket: up needs a target that holds a socket ({o.target.value})")
        if o.reestablished and not o.socket:
            raise _fail(where, "reestablished is only for transitions marked socket: up")


def parse_statechart(text: str) -> Statechart:
    """Parse and validate a statechart document.

    Args:
        text: the YAML text (the format is described at the top of ``statecharts/session.yaml``).

    Returns:
        The validated statechart.

    Raises:
        StatechartError: the document is malformed: a pair missing or given twice, an unknown
            state, trigger, guard, task or event name, or an outcome that breaks a rule.
    """
    import yaml

    try:
        raw = yaml.load(text, Loader=_strict_loader())  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise StatechartError(f"statechart is not valid YAML: {exc}") from exc
    top = _exact(raw, _TOP_KEYS, "document")
    states = {
        SessionState(name): StateInfo(
            doc=_text(info, f"states.{name}"),
            terminal=bool(_mapping(info, f"states.{name}").get("terminal", False)),
            holds_socket=bool(info.get("holds_socket", False)),
        )
        for name, info in _exact(top["states"], [s.value for s in SessionState], "states").items()
    }
    triggers = _docs(top["triggers"], [t.value for t in Trigger], "triggers")
    table: dict[tuple[SessionState, Trigger], tuple[Outcome, ...]] = {}
    rows = _exact(top["table"], [s.value for s in SessionState], "table")
    for state in SessionState:
        row = _exact(rows[state.value], [t.value for t in Trigger], f"table.{state.value}")
        for trigger in Trigger:
            table[state, trigger] = _pair(state, trigger, row[trigger.value])
    _check_rules(states, [o for pair in table.values() for o in pair])
    return Statechart(
        initial=_member(top["initial"], "initial"),
        states=states,
        triggers={Trigger(k): v for k, v in triggers.items()},
        guards=_docs(top["guards"], GUARDS, "guards"),
        tasks=_docs(top["tasks"], TASKS, "tasks"),
        events=_docs(top["events"], EVENTS, "events"),
        table=table,
    )


@functools.cache
def load_statechart() -> Statechart:
    """Load, validate and cache the packaged ``session.yaml`` (once per process).

    Raises:
        StatechartError: the packaged statechart is malformed.
    """
    source = resources.files("trioconnect").joinpath("statecharts", "session.yaml")
    return parse_statechart(source.read_text(encoding="utf-8"))
