"""Customer authentication sessions (the flow's "Authenticate customer" block).

A scenario starts one by emitting ``authentication.initiated`` whose ``Content`` is
``{"SessionId": "<id>"}``. GetAuthenticationUrl then accepts that SessionId; once a contact has
announced a session, any other SessionId (or a finished one) is a ValidationException, which
catches a client passing the wrong id. A contact whose flow announced no session accepts any
SessionId, as the emulator cannot know about flows it does not script.
CancelParticipantAuthentication finishes a pending session and pushes
``authentication.cancelled``. Sessions are kept in ``contact.extra`` so that a persistent
store keeps them too; the trio events that wake a waiting scenario live in memory only.
"""

from __future__ import annotations

import trio

from trioconnect.emulator.api_error import validation
from trioconnect.emulator.records import Contact
from trioconnect.emulator.store import Store

__all__ = ["PENDING", "URL_ISSUED", "AuthSessions"]

#: The session was initiated; no URL was asked for yet.
PENDING = "PENDING"
#: GetAuthenticationUrl was called for it.
URL_ISSUED = "URL_ISSUED"
#: It reached an outcome (succeeded, failed, timeout, expired, cancelled).
DONE = "DONE"

_KEY = "authentication_sessions"


class AuthSessions:
    """Authentication sessions per contact.

    Args:
        store: where contacts live (the sessions are saved with their contact).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._url_events: dict[str, trio.Event] = {}

    def start(self, contact: Contact, session_id: str) -> None:
        """Record a new pending session of ``contact``."""
        contact.extra.setdefault(_KEY, {})[session_id] = PENDING
        self._store.save(contact)

    def status(self, contact: Contact, session_id: str) -> str | None:
        """The session's status, or None if ``contact`` has no such session."""
        found = contact.extra.get(_KEY, {}).get(session_id)
        return found if isinstance(found, str) else None

    def issue_url(self, contact: Contact, session_id: str) -> None:
        """GetAuthenticationUrl: accept a pending session of this contact.

        Raises:
            ApiError: ValidationException for an unknown or finished session of a contact that
                announced sessions.
        """
        if not contact.extra.get(_KEY):
            return
        if self.status(contact, session_id) not in (PENDING, URL_ISSUED):
            raise validation("No authentication is in progress with this SessionId")
        contact.extra[_KEY][session_id] = URL_ISSUED
        self._store.save(contact)
        self.url_event(session_id).set()

    def finish(self, contact: Contact, session_id: str) -> bool:
        """Mark a session done; returns whether it was still in progress."""
        if self.status(contact, session_id) not in (PENDING, URL_ISSUED):
            return False
        contact.extra[_KEY][session_id] = DONE
        self._store.save(contact)
        self._url_events.pop(session_id, None)
        return True

    def url_event(self, session_id: str) -> trio.Event:
        """An event set when GetAuthenticationUrl is called for ``session_id``."""
        return self._url_events.setdefault(session_id, trio.Event())
