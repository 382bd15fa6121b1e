"""Records to and from JSON, for stores that outlive the process.

Monotonic instants (``*_mono`` fields, download URL expiries) only mean something inside one
trio run, so they are written as wall-clock epoch seconds and read back relative to the new run's
clock: a ConnectionToken that had 3 hours left when the emulator stopped still expires at the same
wall-clock time after a restart. Datetimes are ISO-8601; enums are their values. Attachment bytes
are not part of the JSON (stores keep them as a blob).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from trioconnect.emulator.clock import Clock
from trioconnect.emulator.records import (
    Attachment,
    AttachmentStatus,
    Connection,
    Contact,
    ContactStatus,
    Participant,
    Role,
    UrlTicket,
)
from trioconnect.emulator.store import Record

__all__ = ["KINDS", "decode", "encode", "kind_of", "record_id"]

#: Record class → the kind name stored with it.
KINDS: dict[type[Any], str] = {
    Contact: "contact",
    Participant: "participant",
    Connection: "connection",
    UrlTicket: "ticket",
    Attachment: "attachment",
}
_CLASSES = {name: cls for cls, name in KINDS.items()}


def kind_of(record: Record) -> str:
    """The kind name of a record."""
    return KINDS[type(record)]


def record_id(record: Record) -> str:
    """The key a record is stored under (a URL ticket's key is its token)."""
    match record:
        case Contact():
            return record.contact_id
        case Participant():
            return record.participant_id
        case Connection():
            return record.connection_id
        case UrlTicket():
            return record.token
        case Attachment():
            return record.attachment_id


def _to_epoch(clock: Clock, mono: float) -> float:
    return clock.wall_at(mono).timestamp()


def _to_mono(clock: Clock, epoch: float) -> float:
    return clock.monotonic() + (epoch - clock.wall().timestamp())


def encode(record: Record, clock: Clock) -> str:
    """A record (without attachment bytes) as JSON."""
    data: dict[str, Any] = {}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if field.name == "data":
            continue
        if field.name.endswith("_mono"):
            value = _to_epoch(clock, value)
        elif field.name == "download_secrets":
            value = {k: _to_epoch(clock, v) for k, v in value.items()}
        elif isinstance(value, dt.datetime):
            value = value.isoformat()
        data[field.name] = value
    return json.dumps(data)


def decode(kind: str, text: str, clock: Clock, blob: bytes | None = None) -> Record:
    """Rebuild a record written by :func:`encode` (``blob``: an attachment's bytes)."""
    data: dict[str, Any] = json.loads(text)
    for name in list(data):
        if name.endswith("_mono"):
            data[name] = _to_mono(clock, float(data[name]))
    cls = _CLASSES[kind]
    if cls is Contact:
        data["created_at"] = dt.datetime.fromisoformat(data["created_at"])
        if data.get("ended_at"):
            data["ended_at"] = dt.datetime.fromisoformat(data["ended_at"])
        data["status"] = ContactStatus(data["status"])
    elif cls is Participant:
        data["role"] = Role(data["role"])
    elif cls is Attachment:
        data["status"] = AttachmentStatus(data["status"])
        data["download_secrets"] = {
            k: _to_mono(clock, float(v)) for k, v in data.get("download_secrets", {}).items()
        }
        data["data"] = blob
    record: Record = cls(**data)
    return record
