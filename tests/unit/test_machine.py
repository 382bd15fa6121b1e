"""The session state machine, h11 style: every (state, trigger) pair, whole state after each step.

The expected table below is written out by hand, independently of statecharts/session.yaml, so a
change to the YAML that alters behaviour fails here until this table agrees with it.
"""

from __future__ import annotations

import ast
import contextlib
import re
import time
from collections import deque
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
import transitions

import trioconnect.machine as machine_module
from trioconnect.errors import InvalidStateError
from trioconnect.machine import (
    EVENTS,
    TASKS,
    Effects,
    SessionMachine,
    SessionState,
    StatechartError,
    Trigger,
    load_statechart,
    parse_statechart,
)

S = SessionState
T = Trigger
YAML = Path(__file__).parents[2] / "statecharts" / "session.yaml"
ALL = TASKS
LIVE = ("reader", "heartbeat", "refresher")
UP_CANCEL = ("reader", "heartbeat", "refresher", "recovery")

# How to reach each situation from INIT, and what socket_up / ever_established are there.
SCENARIOS: dict[str, tuple[tuple[Trigger, ...], SessionState, bool, bool]] = {
    "init": ((), S.INIT, False, False),
    "connecting": ((T.CONNECT,), S.CONNECTING, False, False),
    "connecting-again": (
        (T.CONNECT, T.SOCKET_ESTABLISHED, T.SOCKET_LOST, T.RETRIES_EXHAUSTED, T.CONNECT),
        S.CONNECTING, False, True,
    ),
    "established": ((T.CONNECT, T.SOCKET_ESTABLISHED), S.ESTABLISHED, True, True),
    "lost": ((T.CONNECT, T.SOCKET_ESTABLISHED, T.SOCKET_LOST), S.LOST, False, True),
    "suspended": ((T.CONNECT, T.SOCKET_ESTABLISHED, T.SUSPEND), S.SUSPENDED, False, True),
    "disconnecting-up": (
        (T.CONNECT, T.SOCKET_ESTABLISHED, T.DISCONNECT), S.DISCONNECTING, True, True,
    ),
    "disconnecting-down": (
        (T.CONNECT, T.SOCKET_ESTABLISHED, T.SOCKET_LOST, T.DISCONNECT),
        S.DISCONNECTING, False, True,
    ),
    "broken": ((T.CONNECT, T.RETRIES_EXHAUSTED), S.BROKEN, False, False),
    "ended": ((T.CONNECT, T.SOCKET_ESTABLISHED, T.CHAT_ENDED), S.ENDED, False, True),
    "closed": ((T.CLOSE,), S.CLOSED, False, False),
}  # fmt: skip

ERR = "error"
IGN = "ignore"


def go(
    to: SessionState | None,
    *,
    start: tuple[str, ...] = (),
    cancel: tuple[str, ...] = (),
    emit: tuple[str, ...] = (),
    re: bool = False,
) -> tuple[SessionState | None, tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]:
    """An expected transition; ``to=None`` means an internal one (stays)."""
    return (to, start, cancel, emit, re)


TO_CLOSED = go(S.CLOSED, cancel=ALL, emit=("closed",))
TO_ENDED = go(S.ENDED, cancel=ALL, emit=("ended",))
TO_BROKEN = go(S.BROKEN, cancel=ALL, emit=("connection_broken",))
FIRST_UP = go(S.ESTABLISHED, start=(*LIVE, "receipts", "recovery"), cancel=("connector",),
              emit=("connection_established",))  # fmt: skip


def re_up(to: SessionState | None) -> object:
    """Socket re-established: live tasks and recovery start, the connector is done."""
    return go(to, start=(*LIVE, "recovery"), cancel=("connector",),
              emit=("connection_established",), re=True)  # fmt: skip


def down(to: SessionState | None) -> object:
    """Established socket lost: live tasks stop, the connector starts."""
    return go(to, start=("connector",), cancel=UP_CANCEL, emit=("connection_lost",))


EXPECTED: dict[str, dict[Trigger, object]] = {
    "init": {
        T.CONNECT: go(S.CONNECTING, start=("connector",)),
        T.SOCKET_ESTABLISHED: ERR, T.SOCKET_LOST: ERR, T.TOKEN_REJECTED: ERR,
        T.RETRIES_EXHAUSTED: ERR, T.DISCONNECT: ERR, T.DISCONNECT_FAILED: ERR, T.CHAT_ENDED: ERR,
        T.SUSPEND: ERR, T.RESUME: ERR, T.CLOSE: TO_CLOSED,
    },
    "connecting": {
        T.CONNECT: IGN, T.SOCKET_ESTABLISHED: FIRST_UP, T.SOCKET_LOST: go(None),
        T.TOKEN_REJECTED: TO_BROKEN, T.RETRIES_EXHAUSTED: TO_BROKEN, T.DISCONNECT: ERR,
        T.DISCONNECT_FAILED: ERR, T.CHAT_ENDED: TO_ENDED, T.SUSPEND: ERR, T.RESUME: IGN,
        T.CLOSE: TO_CLOSED,
    },
    "connecting-again": {
        T.CONNECT: IGN,
        T.SOCKET_ESTABLISHED: go(S.ESTABLISHED, start=(*LIVE, "receipts", "recovery"),
                                 cancel=("connector",), emit=("connection_established",), re=True),
        T.SOCKET_LOST: go(None), T.TOKEN_REJECTED: TO_ENDED, T.RETRIES_EXHAUSTED: TO_BROKEN,
        T.DISCONNECT: ERR, T.DISCONNECT_FAILED: ERR, T.CHAT_ENDED: TO_ENDED, T.SUSPEND: ERR,
        T.RESUME: IGN, T.CLOSE: TO_CLOSED,
    },
    "established": {
        T.CONNECT: IGN, T.SOCKET_ESTABLISHED: ERR, T.SOCKET_LOST: down(S.LOST),
        T.TOKEN_REJECTED: TO_ENDED, T.RETRIES_EXHAUSTED: ERR, T.DISCONNECT: go(S.DISCONNECTING),
        T.DISCONNECT_FAILED: ERR, T.CHAT_ENDED: TO_ENDED,
        T.SUSPEND: go(S.SUSPENDED, cancel=UP_CANCEL), T.RESUME: IGN, T.CLOSE: TO_CLOSED,
    },
    "lost": {
        T.CONNECT: IGN, T.SOCKET_ESTABLISHED: re_up(S.ESTABLISHED),
        T.SOCKET_LOST: go(None), T.TOKEN_REJECTED: TO_ENDED, T.RETRIES_EXHAUSTED: TO_BROKEN,
        T.DISCONNECT: go(S.DISCONNECTING), T.DISCONNECT_FAILED: ERR, T.CHAT_ENDED: TO_ENDED,
        T.SUSPEND: go(S.SUSPENDED, cancel=("connector",)), T.RESUME: IGN, T.CLOSE: TO_CLOSED,
    },
    "suspended": {
        T.CONNECT: IGN, T.SOCKET_ESTABLISHED: IGN, T.SOCKET_LOST: IGN, T.TOKEN_REJECTED: TO_ENDED,
        T.RETRIES_EXHAUSTED: IGN, T.DISCONNECT: ERR, T.DISCONNECT_FAILED: ERR,
        T.CHAT_ENDED: TO_ENDED, T.SUSPEND: IGN, T.RESUME: go(S.LOST, start=("connector",)),
        T.CLOSE: TO_CLOSED,
    },
    "disconnecting-up": {
        T.CONNECT: IGN, T.SOCKET_ESTABLISHED: ERR, T.SOCKET_LOST: down(None),
        T.TOKEN_REJECTED: TO_ENDED, T.RETRIES_EXHAUSTED: TO_BROKEN, T.DISCONNECT: IGN,
        T.DISCONNECT_FAILED: go(S.ESTABLISHED), T.CHAT_ENDED: TO_ENDED, T.SUSPEND: ERR,
        T.RESUME: IGN, T.CLOSE: TO_CLOSED,
    },
    "disconnecting-down": {
        T.CONNECT: IGN, T.SOCKET_ESTABLISHED: re_up(None), T.SOCKET_LOST: go(None),
        T.TOKEN_REJECTED: TO_ENDED, T.RETRIES_EXHAUSTED: TO_BROKEN, T.DISCONNECT: IGN,
        T.DISCONNECT_FAILED: go(S.LOST), T.CHAT_ENDED: TO_ENDED, T.SUSPEND: ERR, T.RESUME: IGN,
        T.CLOSE: TO_CLOSED,
    },
    "broken": {
        T.CONNECT: go(S.CONNECTING, start=("connector",)), T.SOCKET_ESTABLISHED: IGN,
        T.SOCKET_LOST: IGN, T.TOKEN_REJECTED: IGN, T.RETRIES_EXHAUSTED: IGN, T.DISCONNECT: ERR,
        T.DISCONNECT_FAILED: IGN, T.CHAT_ENDED: TO_ENDED, T.SUSPEND: ERR, T.RESUME: ERR,
        T.CLOSE: TO_CLOSED,
    },
    "ended": {
        T.CONNECT: ERR, T.SOCKET_ESTABLISHED: IGN, T.SOCKET_LOST: IGN, T.TOKEN_REJECTED: IGN,
        T.RETRIES_EXHAUSTED: IGN, T.DISCONNECT: IGN, T.DISCONNECT_FAILED: IGN, T.CHAT_ENDED: IGN,
        T.SUSPEND: ERR, T.RESUME: ERR, T.CLOSE: IGN,
    },
    "closed": {
        T.CONNECT: ERR, T.SOCKET_ESTABLISHED: IGN, T.SOCKET_LOST: IGN, T.TOKEN_REJECTED: IGN,
        T.RETRIES_EXHAUSTED: IGN, T.DISCONNECT: ERR, T.DISCONNECT_FAILED: IGN, T.CHAT_ENDED: IGN,
        T.SUSPEND: ERR, T.RESUME: ERR, T.CLOSE: IGN,
    },
}  # fmt: skip


def reach(path: tuple[Trigger, ...]) -> SessionMachine:
    m = SessionMachine()
    for trigger in path:
        m.fire(trigger)
    return m


def whole(m: SessionMachine) -> tuple[SessionState, bool, bool]:
    return (m.state, m.socket_up, m.ever_established)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenarios_reach_their_situation(name: str) -> None:
    path, state, socket_up, ever = SCENARIOS[name]
    assert whole(reach(path)) == (state, socket_up, ever)


@pytest.mark.parametrize(("name", "trigger"), [(n, t) for n in SCENARIOS for t in Trigger])
def test_every_pair(name: str, trigger: Trigger) -> None:
    path, state, socket_up, ever = SCENARIOS[name]
    m = reach(path)
    expected = EXPECTED[name][trigger]
    if expected == ERR:
        assert not m.allows(trigger)
        with pytest.raises(InvalidStateError) as info:
            m.fire(trigger)
        assert trigger.value in str(info.value)
        assert state.value in str(info.value)
        assert info.value.state == state.value
        assert whole(m) == (state, socket_up, ever)  # nothing happened
        return
    if expected == IGN:
        assert not m.allows(trigger)
        assert m.fire(trigger) == Effects(state, state, trigger, ignored=True)
        assert whole(m) == (state, socket_up, ever)
        return
    assert m.allows(trigger)
    assert isinstance(expected, tuple)
    to, start, cancel, emit, reestablished = expected
    target = state if to is None else to
    effects = m.fire(trigger)
    assert effects == Effects(state, target, trigger, start, cancel, emit, False, reestablished)
    assert m.state is target
    if trigger is T.SOCKET_ESTABLISHED:
        assert (m.socket_up, m.ever_established) == (True, True)
    elif trigger is T.SOCKET_LOST or target not in (S.ESTABLISHED, S.DISCONNECTING):
        assert (m.socket_up, m.ever_established) == (False, ever)
    else:
        assert (m.socket_up, m.ever_established) == (socket_up, ever)


def test_expected_table_covers_every_outcome_in_the_yaml() -> None:
    chart = load_statechart()
    seen = set()
    for name, (_, state, socket_up, ever) in SCENARIOS.items():
        flags = {"socket_up": socket_up, "ever_established": ever}
        for trigger in Trigger:
            pair = chart.table[state, trigger]
            chosen = [o for o in pair if o.guard is None or flags[o.guard] is o.guard_value]
            assert len(chosen) == 1
            seen.add(chosen[0])
            kind = chosen[0].kind
            exp = EXPECTED[name][trigger]
            assert kind == {ERR: "error", IGN: "ignore"}.get(exp, "transition")  # type: ignore[call-overload]
    assert seen == set(chart.outcomes())


def test_every_state_is_reachable_from_init() -> None:
    # BFS over the whole situation (state, socket_up, ever_established), firing every trigger.
    start: tuple[Trigger, ...] = ()
    queue = deque([start])
    seen = {whole(SessionMachine()): start}
    while queue:
        path = queue.popleft()
        for trigger in Trigger:
            m = reach(path)
            try:
                m.fire(trigger)
            except InvalidStateError:
                continue
            if whole(m) not in seen:
                seen[whole(m)] = (*path, trigger)
                queue.append((*path, trigger))
    assert {state for state, _, _ in seen} == set(SessionState)
    # The socket is up in ESTABLISHED, never outside ESTABLISHED/DISCONNECTING.
    assert all(up for state, up, _ in seen if state is S.ESTABLISHED)
    assert not any(up for state, up, _ in seen if state not in (S.ESTABLISHED, S.DISCONNECTING))


EXPECTED_TASKS: dict[SessionState, set[str]] = {
    S.INIT: set(), S.BROKEN: set(), S.ENDED: set(), S.CLOSED: set(),
    S.CONNECTING: {"connector"}, S.LOST: {"connector", "receipts"}, S.SUSPENDED: {"receipts"},
    S.ESTABLISHED: {*LIVE, "receipts"},
}  # fmt: skip


def test_task_bookkeeping_and_events_on_every_path() -> None:
    """Walk every reachable (situation, running tasks): starts never double, sets stay exact,
    connection_established is emitted exactly when the socket comes up."""
    queue: deque[tuple[tuple[Trigger, ...], frozenset[str]]] = deque([((), frozenset())])
    seen = set()
    while queue:
        path, running = queue.popleft()
        for trigger in Trigger:
            m = reach(path)
            before = whole(m)
            try:
                fx = m.fire(trigger)
            except InvalidStateError:
                continue
            assert not set(fx.start) & running, (path, trigger)
            after = running - set(fx.cancel) | set(fx.start)
            state, up, _ = whole(m)
            like = (S.ESTABLISHED if up else S.LOST) if state is S.DISCONNECTING else state
            assert set(after - {"recovery"}) == EXPECTED_TASKS[like], (path, trigger, after)
            if "recovery" in after:
                assert up
            assert ("connection_established" in fx.emit) == (not before[1] and up)
            assert fx.reestablished == ("connection_established" in fx.emit and before[2])
            assert ("connection_established" in fx.emit) == ("recovery" in fx.start)
            assert ("connection_lost" in fx.emit) == (
                before[1] and not up and state not in (S.ENDED, S.CLOSED, S.BROKEN, S.SUSPENDED)
            )
            key = (whole(m), after)
            if key not in seen:
                seen.add(key)
                queue.append(((*path, trigger), after))


@pytest.mark.parametrize("terminal", ["ended", "closed"])
def test_terminal_states_absorb_everything(terminal: str) -> None:
    path, state, _, _ = SCENARIOS[terminal]
    m = reach(path)
    for _ in range(2):
        for trigger in Trigger:
            assert not m.allows(trigger)
            with contextlib.suppress(InvalidStateError):
                assert m.fire(trigger).ignored
            assert m.state is state


def test_connect_twice_never_doubles() -> None:
    m = SessionMachine()
    assert m.fire(T.CONNECT).start == ("connector",)
    assert m.fire(T.CONNECT).ignored
    m.fire(T.SOCKET_ESTABLISHED)
    assert m.fire(T.CONNECT) == Effects(S.ESTABLISHED, S.ESTABLISHED, T.CONNECT, ignored=True)


def test_token_rejected_after_establishment_ends_the_chat() -> None:
    m = reach((T.CONNECT, T.SOCKET_ESTABLISHED, T.SOCKET_LOST))
    assert m.fire(T.TOKEN_REJECTED).emit == ("ended",)
    assert m.state is S.ENDED
    first = reach((T.CONNECT,))
    assert first.fire(T.TOKEN_REJECTED).emit == ("connection_broken",)
    assert first.state is S.BROKEN
    assert first.fire(T.CONNECT).target is S.CONNECTING  # BROKEN can be retried


def test_effects_are_frozen_and_states_have_the_contract_values() -> None:
    fx = SessionMachine().fire(T.CONNECT)
    with pytest.raises(FrozenInstanceError):
        fx.target = S.INIT  # type: ignore[misc]
    assert not hasattr(fx, "__dict__")
    assert [s.value for s in S] == ["init", "connecting", "established", "lost", "suspended",
                                    "disconnecting", "broken", "ended", "closed"]  # fmt: skip
    assert {e for o in load_statechart().outcomes() for e in o.emit} == set(EVENTS)


def test_transitions_machine_is_built_from_the_yaml_and_shared() -> None:
    chart = load_statechart()
    a, b = SessionMachine(), SessionMachine()
    shared = machine_module._runtime().machine
    assert type(shared) is transitions.Machine
    assert shared.models == []  # sessions are never registered, so none is kept alive
    n = sum(len(ts) for event in shared.events.values() for ts in event.transitions.values())
    assert n == len(chart.transitions)
    a.fire(T.CONNECT)
    assert (a.state, b.state) == (S.CONNECTING, S.INIT)


def test_construction_is_cheap() -> None:
    SessionMachine()  # load and build once
    t0 = time.perf_counter()
    machines = [SessionMachine() for _ in range(10_000)]
    elapsed = time.perf_counter() - t0
    assert len(machines) == 10_000
    assert elapsed < 0.5, f"10,000 SessionMachine() took {elapsed:.3f}s"


def test_machine_module_is_pure() -> None:
    tree = ast.parse(Path(machine_module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0] for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }  # fmt: skip
    assert not imported & {"trio", "trio_websocket", "httpx", "socket", "asyncio", "anyio"}


# --- the validator ---------------------------------------------------------------------------

TEXT = YAML.read_text(encoding="utf-8")


def test_the_real_yaml_parses() -> None:
    chart = parse_statechart(TEXT)
    assert len(chart.table) == len(SessionState) * len(Trigger)
    assert chart.initial is S.INIT


def _replace(old: str, new: str, count: int = 1) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, count)


BROKEN_TABLES = {
    "missing pair": (
        _replace("    suspend: {ignore: already suspended}\n", ""),
        r"table\.suspended: missing suspend",
    ),
    "pair given twice": (
        _replace("    suspend: {ignore: already suspended}\n",
                 "    suspend: {ignore: already suspended}\n    suspend: {error: twice}\n"),
        r"'suspend' is given twice",
    ),
    "unknown trigger": (
        _replace("    suspend: {ignore: already suspended}\n",
                 "    suspend: {ignore: already suspended}\n    hibernate: {ignore: x}\n"),
        r"table\.suspended: unknown name\(s\) hibernate",
    ),
    "unknown target state": (
        _replace("resume: {to: lost, start: [connector]", "resume: {to: limbo, start: [connector]"),
        r"table\.suspended\.resume\.to: unknown state 'limbo'",
    ),
    "unknown state section": (
        _replace("\n  closed:\n    connect:", "\n  closing:\n    connect:"),
        r"table: unknown name\(s\) closing",
    ),
    "state missing from states": (
        _replace("  suspended:\n    doc: >-", "  suspendedx:\n    doc: >-"),
        r"states: unknown name\(s\) suspendedx",
    ),
    "unknown task": (
        _replace("resume: {to: lost, start: [connector]", "resume: {to: lost, start: [poller]"),
        r"table\.suspended\.resume\.start: unknown or repeated name",
    ),
    "unknown event": (
        _replace("emit: [connection_lost]", "emit: [connection_gone]"),
        r"table\.established\.socket_lost\.emit",
    ),
    "unknown guard": (
        _replace("when: socket_up", "when: socket_open"),
        r"needs one of when/unless naming a guard",
    ),
    "one-sided guard": (
        _replace("      - unless: socket_up\n        to: lost",
                 "      - when: socket_up\n        to: lost"),
        r"table\.disconnecting\.disconnect_failed: a guarded pair needs exactly two outcomes",
    ),
    "two kinds in one outcome": (
        _replace("suspend: {ignore: already suspended}", "suspend: {ignore: x, error: y}"),
        r"needs exactly one of to, stay, ignore, error",
    ),
    "undocumented error": (
        _replace("disconnect_failed: {error: no disconnect is in flight}",
                 "disconnect_failed: {error: ''}"),
        r"needs a non-empty description",
    ),
    "terminal state with a transition": (
        _replace("close: {ignore: closing twice is harmless}", "close: {to: ended}"),
        r"table\.closed\.close: a terminal state absorbs every trigger",
    ),
    "terminal state entered without cancelling every task": (
        _replace("retries_exhausted: {to: broken, cancel: all, emit: [connection_broken]}\n"
                 "    disconnect: {error: wait for connect()",
                 "retries_exhausted: {to: ended, cancel: [connector], emit: [ended]}\n"
                 "    disconnect: {error: wait for connect()"),
        r"entering a terminal state must cancel every task",
    ),
    "socket up outside a socket-holding state": (
        _replace("resume: {to: lost, start: [connector]",
                 "resume: {to: lost, socket: up, start: [connector]"),
        r"socket: up needs a target that holds a socket",
    ),
    "not yaml": ("table: [", r"not valid YAML"),
}  # fmt: skip


@pytest.mark.parametrize("case", BROKEN_TABLES)
def test_validator_rejects_broken_tables(case: str) -> None:
    text, message = BROKEN_TABLES[case]
    with pytest.raises(StatechartError, match=message):
        parse_statechart(text)


def test_error_messages_name_trigger_state_and_reason() -> None:
    m = reach(SCENARIOS["ended"][0])
    with pytest.raises(InvalidStateError, match=re.escape(
        "can't handle trigger 'connect' in state 'ended': the chat has ended; start a new chat"
    )):  # fmt: skip
        m.fire(T.CONNECT)
