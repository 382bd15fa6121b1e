"""The chat-session state machine, built with ``transitions`` from ``statecharts/session.yaml``.

Theory of operation: the YAML table is the only place where transitions are defined.
:mod:`trioconnect.statechart` loads and validates it once per process; this module builds one
shared synchronous :class:`transitions.Machine` from it. Each
:class:`SessionMachine` owns a tiny model object that the shared machine moves, so creating one
per session costs about as much as creating a small object.

The machine is pure: :meth:`SessionMachine.fire` changes the state and returns :class:`Effects`
(tasks to start and cancel, events to emit) for the session supervisor to carry out. It performs no
I/O and imports no trio. A pair the table marks as an error raises
:class:`~trioconnect.errors.InvalidStateError` and leaves the state unchanged; a pair marked as an
ignore returns ``Effects(ignored=True)`` and changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trioconnect.errors import InvalidStateError
from trioconnect.statechart import (
    EVENTS,
    GUARDS,
    TASKS,
    Effects,
    Outcome,
    SessionState,
    Statechart,
    StatechartError,
    StateInfo,
    Trigger,
    load_statechart,
    parse_statechart,
)

__all__ = [
    "EVENTS",
    "GUARDS",
    "TASKS",
    "Effects",
    "Outcome",
    "SessionMachine",
    "SessionState",
    "StateInfo",
    "Statechart",
    "StatechartError",
    "Trigger",
    "load_statechart",
    "parse_statechart",
]


# --- the machine -----------------------------------------------------------------------------


class _Model:
    """What the shared ``transitions`` machine moves; one per session."""

    __slots__ = ("ever_established", "socket_up", "state")

    def __init__(self, initial: SessionState) -> None:
        self.state = initial
        # The guards: ``transitions`` reads them by the names the YAML gives in when/unless.
        self.socket_up = False
        self.ever_established = False


@dataclass(frozen=True, slots=True)
class _Runtime:
    """The statechart, the shared machine, and the precomputed effects of every outcome."""

    chart: Statechart
    machine: Any  # transitions.Machine (untyped)
    effects: Mapping[Outcome, Effects]

    def select(self, model: _Model, trigger: Trigger) -> Outcome:
        pair = self.chart.table[model.state, trigger]
        if len(pair) == 1 or getattr(model, pair[0].guard or "") is pair[0].guard_value:
            return pair[0]
        return pair[1]


@functools.cache
def _runtime() -> _Runtime:
    from transitions import Machine

    chart = load_statechart()
    spec: list[dict[str, object]] = []
    for outcome in chart.transitions:
        entry: dict[str, object] = {
            "trigger": outcome.trigger.value,
            "source": outcome.source,
            "dest": outcome.dest,  # None makes an internal transition
        }
        if outcome.guard is not None:
            entry["conditions" if outcome.guard_value else "unless"] = [outcome.guard]
        spec.append(entry)
    # One machine for the whole process. No model is registered with it: each session's _Model
    # is passed to the machine's events when fired, so sessions cost no per-instance setup and
    # the machine holds no reference to them.
    machine = Machine(
        model=None,
        states=SessionState,
        transitions=spec,
        initial=chart.initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        queued=False,
    )
    effects = {o: o.effects() for o in chart.outcomes() if o.kind != "error"}
    return _Runtime(chart=chart, machine=machine, effects=effects)


class SessionMachine:
    """The state of one chat session, changed only by :meth:`fire`.

    Every instance shares one ``transitions.Machine`` built from the cached statechart, so
    construction is cheap (thousands of sessions per process are fine).
    """

    __slots__ = ("_model", "_runtime")

    def __init__(self) -> None:
        self._runtime = _runtime()
        self._model = _Model(self._runtime.chart.initial)

    @property
    def state(self) -> SessionState:
        """The current state."""
        return self._model.state

    @property
    def ever_established(self) -> bool:
        """Whether a socket has been established at least once in this session."""
        return self._model.ever_established

    @property
    def socket_up(self) -> bool:
        """Whether the socket is established right now (the ``socket_up`` guard)."""
        return self._model.socket_up

    def allows(self, trigger: Trigger) -> bool:
        """Whether ``trigger`` would perform a transition now (not an ignore, not an error)."""
        return self._runtime.select(self._model, trigger).kind == "transition"

    def fire(self, trigger: Trigger) -> Effects:
        """Fire ``trigger`` and return what the supervisor must do.

        Args:
            trigger: what happened.

        Returns:
            The effects. When ``effects.ignored`` is true the table ignores this pair: the state
            is unchanged and there is nothing to do.

        Raises:
            InvalidStateError: the table marks this pair as an error. The state is unchanged;
                the message names the trigger, the state and the reason.
        """
        runtime, model = self._runtime, self._model
        outcome = runtime.select(model, trigger)
        if outcome.kind == "error":
            raise InvalidStateError(
                f"can't handle trigger {trigger.value!r} in state {model.state.value!r}: "
                f"{outcome.why}",
                state=model.state.value,
            )
        if outcome.kind == "transition":
            if not runtime.machine.events[trigger.value].trigger(model):  # pragma: no cover
                raise AssertionError(f"transitions refused {outcome}: guard and table disagree")
            if outcome.socket is not None:
                model.socket_up = outcome.socket
                model.ever_established = model.ever_established or outcome.socket
            elif not runtime.chart.states[model.state].holds_socket:
                model.socket_up = False
        return runtime.effects[outcome]

    def __repr__(self) -> str:
        return f"<SessionMachine state={self._model.state.value}>"
