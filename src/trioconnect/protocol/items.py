"""Typed, immutable views of the Participant Service's ``Item`` (transcript entry / socket item).

The same shape arrives in ``GetTranscript`` responses and, JSON-encoded, in ``aws/chat`` frames.
Parsing is tolerant: a missing key becomes ``None`` (or ``""`` for ``Id``, ``Type`` and
``AbsoluteTime``, which ChatJS's synthetic ``chat.ended`` item also leaves empty), and unknown keys
are kept in :attr:`Item.raw` so :meth:`Item.to_json` gives them back. A value of the wrong JSON
type is a :class:`~trioconnect.errors.RemoteProtocolError`: the service sent something unusable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, final

from trioconnect.errors import RemoteProtocolError

__all__ = [
    "ATTACHMENT",
    "EVENT",
    "MESSAGE",
    "MESSAGEMETADATA",
    "AttachmentItem",
    "Item",
    "MessageMetadata",
    "Receipt",
]

#: ``Item.Type`` of a chat message.
MESSAGE = "MESSAGE"
#: ``Item.Type`` of an event (typing, joined, chat ended, ...).
EVENT = "EVENT"
#: ``Item.Type`` of an attachment message.
ATTACHMENT = "ATTACHMENT"
#: ``Item.Type`` of a receipt update for an earlier message (socket and transcript only).
MESSAGEMETADATA = "MESSAGEMETADATA"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty_raw() -> Mapping[str, Any]:
    return _EMPTY


def _opt_str(d: Mapping[str, Any], key: str, where: str) -> str | None:
    value = d.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RemoteProtocolError(f"{where}.{key} must be a string, got {type(value).__name__}")


def _str(d: Mapping[str, Any], key: str, where: str) -> str:
    return _opt_str(d, key, where) or ""


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RemoteProtocolError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def _list(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise RemoteProtocolError(f"{where}.{key} must be a list, got {type(value).__name__}")
    return list(value)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


@final
@dataclass(frozen=True, slots=True)
class Receipt:
    """One participant's delivery/read state of a message (``MessageMetadata.Receipts[n]``)."""

    delivered_timestamp: str | None = None
    read_timestamp: str | None = None
    recipient_participant_id: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> Receipt:
        """Parse a ``Receipt`` object. Raises RemoteProtocolError on wrong types."""
        m = _mapping(d, "Receipt")
        return cls(
            delivered_timestamp=_opt_str(m, "DeliveredTimestamp", "Receipt"),
            read_timestamp=_opt_str(m, "ReadTimestamp", "Receipt"),
            recipient_participant_id=_opt_str(m, "RecipientParticipantId", "Receipt"),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the wire form (keys with ``None`` values are left out)."""
        out: dict[str, Any] = {}
        _put(out, "DeliveredTimestamp", self.delivered_timestamp)
        _put(out, "ReadTimestamp", self.read_timestamp)
        _put(out, "RecipientParticipantId", self.recipient_participant_id)
        return out


@final
@dataclass(frozen=True, slots=True)
class MessageMetadata:
    """``Item.MessageMetadata``: receipts of a message, or Lex streaming chunk information.

    Attributes:
        message_id: the Id of the message this metadata is about (``""`` if absent).
        receipts: per-recipient receipts; ChatJS only ever looks at the first.
        message_completed: Lex streaming: ``False`` on partial chunks, ``True`` on the final item,
            ``None`` when the item is not streamed.
        chunk_number: Lex streaming: 1-based chunk position.
        message_processing_status: ``PROCESSING`` / ``FAILED`` / ``REJECTED`` when present.
    """

    message_id: str = ""
    receipts: tuple[Receipt, ...] = ()
    message_completed: bool | None = None
    chunk_number: int | None = None
    message_processing_status: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> MessageMetadata:
        """Parse a ``MessageMetadata`` object. Raises RemoteProtocolError on wrong types."""
        m = _mapping(d, "MessageMetadata")
        completed = m.get("MessageCompleted")
        if completed is not None and not isinstance(completed, bool):
            raise RemoteProtocolError("MessageMetadata.MessageCompleted must be a boolean")
        chunk = m.get("ChunkNumber")
        if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int)):
            raise RemoteProtocolError("MessageMetadata.ChunkNumber must be an integer")
        return cls(
            message_id=_str(m, "MessageId", "MessageMetadata"),
            receipts=tuple(Receipt.from_json(r) for r in _list(m, "Receipts", "MessageMetadata")),
            message_completed=completed,
            chunk_number=chunk,
            message_processing_status=_opt_str(m, "MessageProcessingStatus", "MessageMetadata"),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the wire form (empty/absent members are left out)."""
        out: dict[str, Any] = {}
        if self.message_id:
            out["MessageId"] = self.message_id
        if self.receipts:
            out["Receipts"] = [r.to_json() for r in self.receipts]
        _put(out, "MessageCompleted", self.message_completed)
        _put(out, "ChunkNumber", self.chunk_number)
        _put(out, "MessageProcessingStatus", self.message_processing_status)
        return out


@final
@dataclass(frozen=True, slots=True)
class AttachmentItem:
    """One entry of ``Item.Attachments``."""

    attachment_id: str = ""
    attachment_name: str | None = None
    content_type: str | None = None
    status: str | None = None

    @classmethod
    def from_json(cls, d: Any) -> AttachmentItem:
        """Parse an ``AttachmentItem`` object. Raises RemoteProtocolError on wrong types."""
        m = _mapping(d, "AttachmentItem")
        return cls(
            attachment_id=_str(m, "AttachmentId", "AttachmentItem"),
            attachment_name=_opt_str(m, "AttachmentName", "AttachmentItem"),
            content_type=_opt_str(m, "ContentType", "AttachmentItem"),
            status=_opt_str(m, "Status", "AttachmentItem"),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the wire form (keys with ``None`` values are left out)."""
        out: dict[str, Any] = {"AttachmentId": self.attachment_id}
        _put(out, "AttachmentName", self.attachment_name)
        _put(out, "ContentType", self.content_type)
        _put(out, "Status", self.status)
        return out


# Item field name -> wire key, for the plain optional string members.
_OPTIONAL_STRINGS = (
    ("content_type", "ContentType"),
    ("content", "Content"),
    ("participant_id", "ParticipantId"),
    ("display_name", "DisplayName"),
    ("participant_role", "ParticipantRole"),
    ("contact_id", "ContactId"),
    ("initial_contact_id", "InitialContactId"),
    ("related_contact_id", "RelatedContactId"),
)


@final
@dataclass(frozen=True, slots=True)
class Item:
    """A chat item: a message, an event, an attachment or a receipt update.

    Attributes:
        id: ``Id`` (``""`` when absent, as on ChatJS's synthetic ``chat.ended``).
        type: ``Type``: ``MESSAGE``, ``EVENT``, ``ATTACHMENT``, ``MESSAGEMETADATA``, ...
        content_type: ``ContentType``, see :mod:`trioconnect.protocol.content_types`.
        content: ``Content`` (text, or JSON text for JSON types).
        absolute_time: ``AbsoluteTime`` exactly as sent (ISO-8601), ``""`` when absent.
        raw: the mapping the item was parsed from. Not part of equality, hashing or ``repr``.
    """

    id: str
    type: str
    content_type: str | None = None
    content: str | None = None
    absolute_time: str = ""
    participant_id: str | None = None
    display_name: str | None = None
    participant_role: str | None = None
    contact_id: str | None = None
    initial_contact_id: str | None = None
    attachments: tuple[AttachmentItem, ...] = ()
    message_metadata: MessageMetadata | None = None
    related_contact_id: str | None = None
    raw: Mapping[str, Any] = field(
        default_factory=_empty_raw, compare=False, hash=False, repr=False
    )

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Item:
        """Parse an ``Item`` object (already JSON-decoded).

        Args:
            d: the item as a mapping with the service's PascalCase keys.

        Returns:
            The item; missing keys become ``None`` (``""`` for Id, Type, AbsoluteTime).

        Raises:
            RemoteProtocolError: ``d`` is not a mapping, or a member has the wrong JSON type
                (e.g. a numeric ``Id``).
        """
        m = _mapping(d, "Item")
        metadata = m.get("MessageMetadata")
        kwargs: dict[str, Any] = {attr: _opt_str(m, key, "Item") for attr, key in _OPTIONAL_STRINGS}
        return cls(
            id=_str(m, "Id", "Item"),
            type=_str(m, "Type", "Item"),
            absolute_time=_str(m, "AbsoluteTime", "Item"),
            attachments=tuple(AttachmentItem.from_json(a) for a in _list(m, "Attachments", "Item")),
            message_metadata=None if metadata is None else MessageMetadata.from_json(metadata),
            raw=m,
            **kwargs,
        )

    def to_json(self) -> dict[str, Any]:
        """Return the wire form.

        Unknown keys of :attr:`raw` are kept; known members come from the fields, so an item
        changed with :func:`dataclasses.replace` (e.g. stitched content) is encoded as changed.
        ``Item.from_json(item.to_json()) == item`` always holds.
        """
        out = dict(self.raw)
        for attr, key in (("id", "Id"), ("type", "Type"), ("absolute_time", "AbsoluteTime")):
            value = getattr(self, attr)
            if value or key in self.raw:
                out[key] = value
        for attr, key in _OPTIONAL_STRINGS:
            value = getattr(self, attr)
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        if self.attachments or "Attachments" in self.raw:
            out["Attachments"] = [a.to_json() for a in self.attachments]
        if self.message_metadata is None:
            out.pop("MessageMetadata", None)
        else:
            out["MessageMetadata"] = self.message_metadata.to_json()
        return out

    def replace(self, **changes: Any) -> Item:
        """Return a copy with ``changes`` applied (a typed shorthand for dataclasses.replace)."""
        return dataclasses.replace(self, **changes)
