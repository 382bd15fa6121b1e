"""Content types of Amazon Connect chat, and the checks made before anything is sent.

ChatJS 5 knows 42 content types (its ``CONTENT_TYPE`` table). This module names each of them, plus
``application/vnd.amazonaws.connect.message.attachment`` (shown in AWS's examples for ``ATTACHMENT``
items, absent from ChatJS), and groups them by what the Participant Service accepts:

* :data:`MESSAGE_CONTENT_TYPES`: what ``SendMessage`` takes.
* :data:`EVENT_CONTENT_TYPES`: what ``SendEvent`` takes.
* :data:`ATTACHMENT_CONTENT_TYPES`: MIME types of the file extensions the service allows for
  ``StartAttachmentUpload``.

ChatJS accepts any of its 42 types for either call and leaves the rest to the service. The
validators here use the service's narrower lists, so a mistake fails at once with a
:class:`~trioconnect.errors.ValidationError` and no request is made.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping

from trioconnect.errors import ValidationError

__all__ = [
    "APPLICATION_DOCX",
    "APPLICATION_JSON",
    "APPLICATION_MSWORD",
    "APPLICATION_PDF",
    "APPLICATION_PPT",
    "APPLICATION_PPTX",
    "APPLICATION_RTF",
    "APPLICATION_XLS",
    "APPLICATION_XLSX",
    "ATTACHMENT_CONTENT_TYPES",
    "ATTACHMENT_EXTENSIONS",
    "ATTACHMENT_MESSAGE",
    "AUDIO_VND_WAVE",
    "AUDIO_WAV",
    "AUDIO_X_WAV",
    "AUTHENTICATION_CANCELLED",
    "AUTHENTICATION_EXPIRED",
    "AUTHENTICATION_FAILED",
    "AUTHENTICATION_INITIATED",
    "AUTHENTICATION_SUCCEEDED",
    "AUTHENTICATION_TIMEOUT",
    "CHATJS_CONTENT_TYPES",
    "CHAT_ENDED",
    "CHAT_REHYDRATED",
    "CONNECTION_ACKNOWLEDGED",
    "EVENT_CONTENT_TYPES",
    "EVENT_PREFIX",
    "IMAGE_HEIC",
    "IMAGE_JPEG",
    "IMAGE_PNG",
    "INTERACTIVE_MESSAGE",
    "INTERACTIVE_RESPONSE",
    "KNOWN_CONTENT_TYPES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_ATTACHMENT_NAME_LENGTH",
    "MAX_MESSAGE_BYTES",
    "MESSAGE_CONTENT_TYPES",
    "MESSAGE_DELIVERED",
    "MESSAGE_READ",
    "PARTICIPANT_ACTIVE",
    "PARTICIPANT_AUTODISCONNECTION",
    "PARTICIPANT_DISPLAYNAME_UPDATED",
    "PARTICIPANT_IDLE",
    "PARTICIPANT_INACTIVE",
    "PARTICIPANT_INVITED",
    "PARTICIPANT_JOINED",
    "PARTICIPANT_LEFT",
    "PARTICIPANT_RETURNED",
    "RECEIPT_CONTENT_TYPES",
    "TEXT_CSV",
    "TEXT_MARKDOWN",
    "TEXT_PLAIN",
    "TRANSFER_FAILED",
    "TRANSFER_SUCCEEDED",
    "TYPING",
    "VIDEO_MP4",
    "VIDEO_QUICKTIME",
    "WORKFLOW_CANCELLED",
    "is_event_content_type",
    "receipt_message_id",
    "validate_attachment",
    "validate_event",
    "validate_message",
]

#: Every event content type starts with this.
EVENT_PREFIX = "application/vnd.amazonaws.connect.event."

# --- messages and attachments (ChatJS's 16 plain MIME types) -------------------------------------
TEXT_PLAIN = "text/plain"
TEXT_MARKDOWN = "text/markdown"
TEXT_CSV = "text/csv"
APPLICATION_JSON = "application/json"
APPLICATION_PDF = "application/pdf"
APPLICATION_MSWORD = "application/msword"
APPLICATION_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APPLICATION_PPT = "application/vnd.ms-powerpoint"
APPLICATION_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
APPLICATION_XLS = "application/vnd.ms-excel"
APPLICATION_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_JPEG = "image/jpeg"
IMAGE_PNG = "image/png"
AUDIO_WAV = "audio/wav"
#: The name Firefox gives ``.wav`` files.
AUDIO_X_WAV = "audio/x-wav"
#: The name Internet Explorer gives ``.wav`` files.
AUDIO_VND_WAVE = "audio/vnd.wave"

# --- interactive messages ------------------------------------------------------------------------
#: A template (quick replies, list picker, time picker, ...) sent by a flow; JSON in ``Content``.
INTERACTIVE_MESSAGE = "application/vnd.amazonaws.connect.message.interactive"
#: The participant's answer to an interactive message, sent with ``SendMessage``; JSON content.
INTERACTIVE_RESPONSE = "application/vnd.amazonaws.connect.message.interactive.response"

# --- events --------------------------------------------------------------------------------------
TYPING = EVENT_PREFIX + "typing"
MESSAGE_READ = EVENT_PREFIX + "message.read"
MESSAGE_DELIVERED = EVENT_PREFIX + "message.delivered"
CONNECTION_ACKNOWLEDGED = EVENT_PREFIX + "connection.acknowledged"
PARTICIPANT_JOINED = EVENT_PREFIX + "participant.joined"
PARTICIPANT_LEFT = EVENT_PREFIX + "participant.left"
PARTICIPANT_ACTIVE = EVENT_PREFIX + "participant.active"
PARTICIPANT_INACTIVE = EVENT_PREFIX + "participant.inactive"
PARTICIPANT_IDLE = EVENT_PREFIX + "participant.idle"
PARTICIPANT_RETURNED = EVENT_PREFIX + "participant.returned"
PARTICIPANT_INVITED = EVENT_PREFIX + "participant.invited"
PARTICIPANT_AUTODISCONNECTION = EVENT_PREFIX + "participant.autodisconnection"
PARTICIPANT_DISPLAYNAME_UPDATED = EVENT_PREFIX + "participant.displayname.updated"
TRANSFER_SUCCEEDED = EVENT_PREFIX + "transfer.succeeded"
TRANSFER_FAILED = EVENT_PREFIX + "transfer.failed"
CHAT_ENDED = EVENT_PREFIX + "chat.ended"
CHAT_REHYDRATED = EVENT_PREFIX + "chat.rehydrated"
WORKFLOW_CANCELLED = EVENT_PREFIX + "workflow.cancelled"
AUTHENTICATION_INITIATED = EVENT_PREFIX + "authentication.initiated"
AUTHENTICATION_SUCCEEDED = EVENT_PREFIX + "authentication.succeeded"
AUTHENTICATION_FAILED = EVENT_PREFIX + "authentication.failed"
AUTHENTICATION_TIMEOUT = EVENT_PREFIX + "authentication.timeout"
AUTHENTICATION_EXPIRED = EVENT_PREFIX + "authentication.expired"
AUTHENTICATION_CANCELLED = EVENT_PREFIX + "authentication.cancelled"

# --- not in ChatJS -------------------------------------------------------------------------------
#: The content type AWS's examples show on ``Type: "ATTACHMENT"`` items.
ATTACHMENT_MESSAGE = "application/vnd.amazonaws.connect.message.attachment"
IMAGE_HEIC = "image/heic"
VIDEO_QUICKTIME = "video/quicktime"
VIDEO_MP4 = "video/mp4"
APPLICATION_RTF = "application/rtf"
_TEXT_RTF = "text/rtf"

#: The 42 content types ChatJS 5 knows.
CHATJS_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        TEXT_PLAIN, TEXT_MARKDOWN, TEXT_CSV, APPLICATION_JSON, APPLICATION_PDF, APPLICATION_MSWORD,
        APPLICATION_DOCX, APPLICATION_PPT, APPLICATION_PPTX, APPLICATION_XLS, APPLICATION_XLSX,
        IMAGE_JPEG, IMAGE_PNG, AUDIO_WAV, AUDIO_X_WAV, AUDIO_VND_WAVE,
        INTERACTIVE_MESSAGE, INTERACTIVE_RESPONSE,
        TYPING, MESSAGE_READ, MESSAGE_DELIVERED, CONNECTION_ACKNOWLEDGED,
        PARTICIPANT_JOINED, PARTICIPANT_LEFT, PARTICIPANT_ACTIVE, PARTICIPANT_INACTIVE,
        PARTICIPANT_IDLE, PARTICIPANT_RETURNED, PARTICIPANT_INVITED, PARTICIPANT_AUTODISCONNECTION,
        PARTICIPANT_DISPLAYNAME_UPDATED,
        TRANSFER_SUCCEEDED, TRANSFER_FAILED, CHAT_ENDED, CHAT_REHYDRATED, WORKFLOW_CANCELLED,
        AUTHENTICATION_INITIATED, AUTHENTICATION_SUCCEEDED, AUTHENTICATION_FAILED,
        AUTHENTICATION_TIMEOUT, AUTHENTICATION_EXPIRED, AUTHENTICATION_CANCELLED,
    }
)  # fmt: skip

#: ChatJS's 42 plus :data:`ATTACHMENT_MESSAGE`.
KNOWN_CONTENT_TYPES: frozenset[str] = CHATJS_CONTENT_TYPES | {ATTACHMENT_MESSAGE}

#: What ``SendMessage`` accepts (Participant Service API reference).
MESSAGE_CONTENT_TYPES: frozenset[str] = frozenset(
    {TEXT_PLAIN, TEXT_MARKDOWN, APPLICATION_JSON, INTERACTIVE_RESPONSE}
)

#: What ``SendEvent`` accepts. ``connection.acknowledged`` is listed as no longer maintained by AWS
#: but is still accepted.
EVENT_CONTENT_TYPES: frozenset[str] = frozenset(
    {TYPING, CONNECTION_ACKNOWLEDGED, MESSAGE_DELIVERED, MESSAGE_READ}
)

#: The two receipt events; their content must be ``{"messageId": "<Id>"}``.
RECEIPT_CONTENT_TYPES: frozenset[str] = frozenset({MESSAGE_DELIVERED, MESSAGE_READ})

#: Allowed attachment file extensions (lower case, no dot) and the MIME types each may carry.
#: Browsers and operating systems disagree on some names (wav, rtf), so each lists every common one.
ATTACHMENT_EXTENSIONS: Mapping[str, frozenset[str]] = {
    "csv": frozenset({TEXT_CSV}),
    "doc": frozenset({APPLICATION_MSWORD}),
    "docx": frozenset({APPLICATION_DOCX}),
    "heic": frozenset({IMAGE_HEIC}),
    "jfif": frozenset({IMAGE_JPEG}),
    "jpeg": frozenset({IMAGE_JPEG}),
    "jpg": frozenset({IMAGE_JPEG}),
    "mov": frozenset({VIDEO_QUICKTIME}),
    "mp4": frozenset({VIDEO_MP4}),
    "pdf": frozenset({APPLICATION_PDF}),
    "png": frozenset({IMAGE_PNG}),
    "ppt": frozenset({APPLICATION_PPT}),
    "pptx": frozenset({APPLICATION_PPTX}),
    "rtf": frozenset({APPLICATION_RTF, _TEXT_RTF}),
    "txt": frozenset({TEXT_PLAIN}),
    "wav": frozenset({AUDIO_WAV, AUDIO_X_WAV, AUDIO_VND_WAVE}),
    "xls": frozenset({APPLICATION_XLS}),
    "xlsx": frozenset({APPLICATION_XLSX}),
}

#: MIME types of the allowed attachment extensions.
ATTACHMENT_CONTENT_TYPES: frozenset[str] = frozenset().union(*ATTACHMENT_EXTENSIONS.values())

#: Largest ``Content`` of ``SendMessage``/``SendEvent``, in UTF-8 bytes, for every content type.
MAX_MESSAGE_BYTES = 16384
#: Largest attachment the service accepts (20 MB).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
#: Longest ``AttachmentName`` the service accepts, in characters.
MAX_ATTACHMENT_NAME_LENGTH = 256


def is_event_content_type(content_type: str | None) -> bool:
    """Return whether ``content_type`` names an event (starts with :data:`EVENT_PREFIX`)."""
    return content_type is not None and content_type.startswith(EVENT_PREFIX)


def _check_size(what: str, content: str) -> None:
    size = len(content.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise ValidationError(
            f"{what} is {size} bytes in UTF-8; the limit is {MAX_MESSAGE_BYTES} bytes"
        )


def validate_message(content: str, content_type: str) -> None:
    """Check a ``SendMessage`` before it is sent.

    Args:
        content: the message text (or JSON text for JSON content types).
        content_type: one of :data:`MESSAGE_CONTENT_TYPES`.

    Raises:
        ValidationError: ``content`` is not a string, is empty or is over
            :data:`MAX_MESSAGE_BYTES` UTF-8 bytes; or ``content_type`` is not accepted by
            ``SendMessage``. JSON content is not parsed: the service does not require it.
    """
    if content_type not in MESSAGE_CONTENT_TYPES:
        raise ValidationError(
            f"content type {content_type!r} cannot be sent as a message; "
            f"use one of {sorted(MESSAGE_CONTENT_TYPES)}"
        )
    if not isinstance(content, str):
        raise ValidationError(f"message content must be a str, not {type(content).__name__}")
    if not content:
        raise ValidationError("message content is empty")
    _check_size("message content", content)


def validate_event(content_type: str, content: str | None) -> None:
    """Check a ``SendEvent`` before it is sent.

    Args:
        content_type: one of :data:`EVENT_CONTENT_TYPES`.
        content: ``None`` (no ``Content`` is sent) or a JSON text. Receipts
            (:data:`RECEIPT_CONTENT_TYPES`) need a JSON object with a non-empty string
            ``messageId``.

    Raises:
        ValidationError: unknown content type; content that is not a string, not JSON, or over
            :data:`MAX_MESSAGE_BYTES`; a receipt without a ``messageId``.
    """
    if content_type not in EVENT_CONTENT_TYPES:
        raise ValidationError(
            f"content type {content_type!r} cannot be sent as an event; "
            f"use one of {sorted(EVENT_CONTENT_TYPES)}"
        )
    if content is None:
        if content_type in RECEIPT_CONTENT_TYPES:
            raise ValidationError('a receipt needs content {"messageId": "<message Id>"}')
        return
    if not isinstance(content, str):
        raise ValidationError(f"event content must be a str or None, not {type(content).__name__}")
    _check_size("event content", content)
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(f"event content is not valid JSON: {exc}") from None
    if content_type in RECEIPT_CONTENT_TYPES:
        _receipt_target(parsed)


def receipt_message_id(content: str) -> str:
    """The ``messageId`` a receipt's content names (content as :func:`validate_event` accepts).

    Raises:
        ValidationError: the content is not JSON or names no message.
    """
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(f"event content is not valid JSON: {exc}") from None
    return _receipt_target(parsed)


def _receipt_target(parsed: object) -> str:
    message_id = parsed.get("messageId") if isinstance(parsed, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise ValidationError(
            'a receipt needs content {"messageId": "<message Id>"} with a non-empty messageId'
        )
    return message_id


def _normalise_mime(content_type: str) -> str:
    # "Text/Plain; charset=utf-8" and "text/plain" name the same type.
    return content_type.split(";", 1)[0].strip().lower()


def validate_attachment(name: str, content_type: str, size: int) -> None:
    """Check an attachment before ``StartAttachmentUpload``.

    Args:
        name: the file name; its extension must be one the service allows (case-insensitive).
        content_type: the file's MIME type; it must match the extension (parameters such as
            ``; charset=utf-8`` and letter case are ignored).
        size: the size in bytes, 1 to :data:`MAX_ATTACHMENT_BYTES`.

    Raises:
        ValidationError: empty or too long name, missing or disallowed extension, disallowed MIME
            type, a MIME type that does not match the extension, or a bad size.
    """
    if not name:
        raise ValidationError("attachment name is empty")
    if len(name) > MAX_ATTACHMENT_NAME_LENGTH:
        raise ValidationError(
            f"attachment name is {len(name)} characters; the limit is {MAX_ATTACHMENT_NAME_LENGTH}"
        )
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValidationError(f"attachment size must be an int, not {type(size).__name__}")
    if size < 1:
        raise ValidationError(f"attachment is empty (size {size})")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"attachment is {size} bytes; the limit is {MAX_ATTACHMENT_BYTES} bytes (20 MB)"
        )
    extension = posixpath.splitext(name)[1].lstrip(".").lower()
    allowed_for_extension = ATTACHMENT_EXTENSIONS.get(extension)
    if allowed_for_extension is None:
        raise ValidationError(
            f"attachment {name!r}: extension {extension!r} is not allowed; "
            f"allowed: {', '.join(sorted(ATTACHMENT_EXTENSIONS))}"
        )
    mime = _normalise_mime(content_type)
    if mime not in ATTACHMENT_CONTENT_TYPES:
        raise ValidationError(f"attachment content type {content_type!r} is not allowed")
    if mime not in allowed_for_extension:
        raise ValidationError(
            f"attachment {name!r}: content type {content_type!r} does not match extension "
            f"{extension!r} (expected one of {sorted(allowed_for_extension)})"
        )
