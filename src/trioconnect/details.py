"""The details that identify one participant of one chat (ChatJS's ``chatDetails``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from trioconnect.errors import ValidationError

__all__ = ["ChatDetails", "ParticipantRole"]

ParticipantRole = Literal["CUSTOMER", "AGENT", "CUSTOM_BOT"]
_ROLES: frozenset[str] = frozenset({"CUSTOMER", "AGENT", "CUSTOM_BOT"})


def _pick(d: Mapping[str, Any], pascal: str) -> Any:
    # ChatJS accepts both ``ContactId`` and ``contactId``; the PascalCase key wins when both exist.
    camel = pascal[0].lower() + pascal[1:]
    value = d.get(pascal)
    return d.get(camel) if value is None else value


def _required_str(d: Mapping[str, Any], pascal: str) -> str:
    value = _pick(d, pascal)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"chat details need a non-empty string {pascal}")
    return value


@dataclass(frozen=True, slots=True)
class ChatDetails:
    """Who this participant is in which chat.

    The ParticipantToken is a long-lived secret (it can open new connections for the
    participant's whole lifetime), so it is left out of ``repr()``.

    Attributes:
        contact_id: the chat's ContactId.
        participant_id: this participant's ParticipantId.
        participant_token: the ParticipantToken used for CreateParticipantConnection.
        initial_contact_id: the first ContactId of the chat (transfers keep it), if known.
        participant_role: CUSTOMER (default), AGENT or CUSTOM_BOT.
    """

    contact_id: str
    participant_id: str
    participant_token: str = field(repr=False)
    initial_contact_id: str | None = None
    participant_role: ParticipantRole = "CUSTOMER"

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> ChatDetails:
        """Build from a mapping such as StartChatContact's response or ChatJS's chatDetails.

        Keys are accepted in PascalCase or camelCase, as ChatJS does: ``ContactId``/``contactId``,
        ``ParticipantId``/``participantId``, ``ParticipantToken``/``participantToken``,
        ``InitialContactId``/``initialContactId`` and ``ParticipantRole``/``participantRole``.

        Raises:
            ValidationError: a required id or the token is missing or empty, or the role is
                unknown.
        """
        initial = _pick(d, "InitialContactId")
        if initial is not None and not isinstance(initial, str):
            raise ValidationError("InitialContactId must be a string")
        role = _pick(d, "ParticipantRole") or "CUSTOMER"
        if role not in _ROLES:
            raise ValidationError(f"unknown participant role {role!r}")
        return cls(
            contact_id=_required_str(d, "ContactId"),
            participant_id=_required_str(d, "ParticipantId"),
            participant_token=_required_str(d, "ParticipantToken"),
            initial_contact_id=initial or None,
            participant_role=cast("ParticipantRole", role),
        )

    def to_mapping(self) -> dict[str, str]:
        """Return the PascalCase mapping :meth:`from_mapping` accepts (e.g. to store and resume).

        The result contains the ParticipantToken: store it as a secret.
        """
        out = {
            "ContactId": self.contact_id,
            "ParticipantId": self.participant_id,
            "ParticipantToken": self.participant_token,
            "ParticipantRole": self.participant_role,
        }
        if self.initial_contact_id is not None:
            out["InitialContactId"] = self.initial_contact_id
        return out
