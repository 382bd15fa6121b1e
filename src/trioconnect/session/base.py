"""What every group of a session's public calls shares: the state check and the call guard."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from trioconnect import errors
from trioconnect.details import ChatDetails
from trioconnect.machine import SessionState
from trioconnect.session.supervisor import Supervisor

__all__ = ["CALLABLE_STATES", "SessionCore", "attach_metadata"]

T = TypeVar("T")

#: States in which REST calls with the connection token are allowed.
CALLABLE_STATES = frozenset(
    {
        SessionState.ESTABLISHED,
        SessionState.LOST,
        SessionState.SUSPENDED,
        SessionState.DISCONNECTING,
    }
)


class SessionCore:
    """The supervisor a session drives, and the checks every public call makes first."""

    _supervisor: Supervisor

    def __init__(self, supervisor: Supervisor) -> None:
        self._supervisor = supervisor

    @property
    def state(self) -> SessionState:
        """The session's current statechart state."""
        return self._supervisor.state

    @property
    def details(self) -> ChatDetails:
        """The chat details the session was opened with (ChatJS ``getChatDetails``)."""
        return self._supervisor.details

    def _require_callable(self, name: str) -> None:
        """Raise unless a call with the connection token may be made now (no I/O)."""
        state = self._supervisor.state
        if state in CALLABLE_STATES:
            return
        if state is SessionState.ENDED:
            raise errors.SessionEndedError(f"cannot call {name}(): the chat has ended")
        if state in (SessionState.INIT, SessionState.CONNECTING):
            raise errors.InvalidStateError(
                f"cannot call {name}() before connect() has completed", state=state.value
            )
        raise errors.InvalidStateError(
            f"cannot call {name}() while the session is {state.value}", state=state.value
        )

    async def _guarded(self, operation: str, awaitable: Awaitable[T], metadata: Any) -> T:
        """Run one call; a 403 after establishment means the chat ended in the background."""
        sup = self._supervisor
        try:
            return await sup.call(operation, awaitable)
        except errors.AccessDeniedError as exc:
            attach_metadata(exc, metadata)
            if sup.machine.ever_established and sup.state in CALLABLE_STATES:
                sup.chat_ended_by_refusal(exc)
                raise errors.SessionEndedError(
                    f"{operation} was refused: the chat has ended ({exc.message})"
                ) from exc
            raise
        except errors.TrioConnectError as exc:
            attach_metadata(exc, metadata)
            raise


def attach_metadata(exc: BaseException, metadata: Any) -> None:
    """Hand the caller's ``metadata`` back on a service error (ChatJS does the same)."""
    if metadata is not None and isinstance(exc, errors.ServiceError):
        exc.metadata = metadata
