"""GetTranscript paging over an append-only list of items (pure functions).

Items are kept in the order they happened. A page is a contiguous slice of that list; the
``NextToken`` is an opaque, versioned encoding of (contact, direction, next index). Since a
transcript only grows at its end, an index stays valid for both scan directions.

Start position (``StartPosition``), as the service documents it:
    * ``Id``: start at that item (inclusive).
    * ``AbsoluteTime``: FORWARD starts at the first item at or after it, BACKWARD at the last
      item at or before it.
    * ``MostRecent``: ``k`` starts at the k-th most recent item (0 = the latest).
    * none: FORWARD starts at the oldest item, BACKWARD at the newest.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trioconnect.emulator.api_error import validation
from trioconnect.emulator.clock import parse_iso
from trioconnect.emulator.items import Item

__all__ = ["TranscriptPage", "TranscriptQuery", "page"]

DEFAULT_MAX_RESULTS = 15


@dataclass(frozen=True)
class TranscriptQuery:
    """The paging parameters of a GetTranscript request (already validated by the codec)."""

    max_results: int = DEFAULT_MAX_RESULTS
    scan_direction: str = "BACKWARD"
    sort_order: str = "ASCENDING"
    start_position: Mapping[str, Any] | None = None
    next_token: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TranscriptQuery:
        """Build from GetTranscript input members (missing or 0 MaxResults means 15)."""
        return cls(
            max_results=params.get("MaxResults") or DEFAULT_MAX_RESULTS,
            scan_direction=params.get("ScanDirection") or "BACKWARD",
            sort_order=params.get("SortOrder") or "ASCENDING",
            start_position=params.get("StartPosition") or None,
            next_token=params.get("NextToken"),
        )


@dataclass(frozen=True)
class TranscriptPage:
    """One page: items in the requested sort order and the token for the next page (or None)."""

    items: list[Item]
    next_token: str | None


def page(items: Sequence[Item], contact_id: str, query: TranscriptQuery) -> TranscriptPage:
    """Select one page of ``items`` (the transcript of ``contact_id``).

    Raises:
        ApiError: ValidationException for a bad NextToken or start position.
    """
    forward = query.scan_direction == "FORWARD"
    if query.next_token is not None:
        start = _decode_token(query.next_token, contact_id, query.scan_direction)
    else:
        start = _start_index(items, query.start_position, forward)
    size = query.max_results
    if forward:
        begin, end = max(start, 0), min(max(start, 0) + size, len(items))
        following = end if end < len(items) else None
    else:
        end = min(start, len(items) - 1) + 1
        begin = max(end - size, 0)
        following = begin - 1 if begin > 0 else None
    selected = list(items[begin:end]) if end > begin else []
    if query.sort_order == "DESCENDING":
        selected.reverse()
    token = None
    if following is not None and selected:
        token = _encode_token(contact_id, query.scan_direction, following)
    return TranscriptPage(selected, token)


def _start_index(items: Sequence[Item], position: Mapping[str, Any] | None, forward: bool) -> int:
    if not position:
        return 0 if forward else len(items) - 1
    if len(position) > 1:
        raise validation("StartPosition accepts only one of Id, AbsoluteTime, MostRecent")
    if "Id" in position:
        for index, item in enumerate(items):
            if item.get("Id") == position["Id"]:
                return index
        raise validation("StartPosition.Id does not name an item of this transcript")
    if "AbsoluteTime" in position:
        when = parse_iso(str(position["AbsoluteTime"]))
        if when is None:
            raise validation("StartPosition.AbsoluteTime is not an ISO-8601 timestamp")
        times = [parse_iso(str(item.get("AbsoluteTime", ""))) for item in items]
        if forward:
            return next((i for i, t in enumerate(times) if t is not None and t >= when), len(items))
        before = [i for i, t in enumerate(times) if t is not None and t <= when]
        return before[-1] if before else -1
    most_recent = int(position.get("MostRecent", 0))
    return len(items) - 1 - most_recent


def _encode_token(contact_id: str, direction: str, index: int) -> str:
    raw = json.dumps({"v": 1, "c": contact_id, "d": direction, "i": index}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str, contact_id: str, direction: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise validation("NextToken is invalid") from None
    if not isinstance(data, dict) or data.get("v") != 1 or not isinstance(data.get("i"), int):
        raise validation("NextToken is invalid")
    if data.get("c") != contact_id or data.get("d") != direction:
        raise validation("NextToken does not belong to this transcript or scan direction")
    return int(data["i"])
