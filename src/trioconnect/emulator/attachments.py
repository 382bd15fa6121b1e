"""Attachments: the allowed types and sizes, the domain rules, and the upload/download endpoints.

Flow (as ChatJS drives it): StartAttachmentUpload returns an upload URL on the emulator
(``/_emulator/upload/<id>?X-Amz-Signature=...``) and the headers to send; the client PUTs the raw
bytes there (no bearer, no SigV4); CompleteAttachmentUpload approves it and an ``ATTACHMENT`` item
appears; GetAttachment returns a short-lived ``/_emulator/download/<id>?X-Amz-Signature=...`` URL
that serves the bytes with their content type.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from trioconnect.emulator import items as it
from trioconnect.emulator.api_error import (
    ApiError,
    access_denied,
    conflict,
    quota_exceeded,
    validation,
)
from trioconnect.emulator.asgi import Receive, Request, Response, json_response, read_body
from trioconnect.emulator.clock import iso_ms
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.records import Attachment, AttachmentStatus
from trioconnect.emulator.state import Caller, ChatState

__all__ = [
    "ALLOWED_TYPES",
    "complete_upload",
    "download",
    "get_attachment",
    "start_upload",
    "upload",
]

#: File extension → MIME types the service accepts for it (Connect administrator guide).
ALLOWED_TYPES: Mapping[str, frozenset[str]] = {
    "csv": frozenset({"text/csv"}),
    "doc": frozenset({"application/msword"}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    "heic": frozenset({"image/heic"}),
    "jfif": frozenset({"image/jpeg", "image/pjpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "jpg": frozenset({"image/jpeg"}),
    "mov": frozenset({"video/quicktime"}),
    "mp4": frozenset({"video/mp4"}),
    "pdf": frozenset({"application/pdf"}),
    "png": frozenset({"image/png"}),
    "ppt": frozenset({"application/vnd.ms-powerpoint"}),
    "pptx": frozenset(
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation"}
    ),
    "rtf": frozenset({"application/rtf", "text/rtf"}),
    "txt": frozenset({"text/plain"}),
    "wav": frozenset({"audio/wav", "audio/x-wav", "audio/vnd.wave", "audio/wave"}),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
}
_ALL_MIME = frozenset().union(*ALLOWED_TYPES.values())


def _check_type(name: str, content_type: str) -> None:
    if content_type not in _ALL_MIME:
        raise validation(f"Attachment content type {content_type!r} is not supported")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and (
        extension not in ALLOWED_TYPES or content_type not in ALLOWED_TYPES[extension]
    ):
        raise validation(f"Attachment extension .{extension} does not match {content_type!r}")


def start_upload(
    state: ChatState, caller: Caller, params: Mapping[str, Any], http_base: str
) -> dict[str, Any]:
    """StartAttachmentUpload: validate, reserve an id, hand out a presigned upload URL.

    Raises:
        ApiError: ValidationException (type, size), ServiceQuotaExceededException (count).
    """
    name, content_type = str(params["AttachmentName"]), str(params["ContentType"])
    size = int(params["AttachmentSizeInBytes"])
    if size > state.config.attachment_max_bytes:
        raise validation(f"Attachment exceeds {state.config.attachment_max_bytes} bytes")
    _check_type(name, content_type)
    key = (
        caller.participant.participant_id,
        "StartAttachmentUpload",
        str(params["ClientToken"]),
        name,
        content_type,
        str(size),
    )
    attachment = state.store.recall(key)
    if not isinstance(attachment, Attachment):
        count = sum(1 for _ in state.store.attachments(caller.contact.contact_id))
        if count >= state.config.attachments_per_contact:
            raise quota_exceeded("Too many attachments for this contact")
        attachment = Attachment(
            attachment_id=str(uuid.uuid4()),
            contact_id=caller.contact.contact_id,
            participant_id=caller.participant.participant_id,
            name=name,
            content_type=content_type,
            size=size,
            upload_secret=secrets.token_hex(32),
            upload_expires_mono=state.clock.monotonic() + state.config.attachment_url_ttl,
        )
        state.store.add(attachment)
        state.store.remember(key, attachment)
    url = (
        f"{http_base}/_emulator/upload/{attachment.attachment_id}"
        f"?X-Amz-Signature={attachment.upload_secret}"
    )
    return {
        "AttachmentId": attachment.attachment_id,
        "UploadMetadata": {
            "Url": url,
            "UrlExpiry": iso_ms(state.clock.wall_at(attachment.upload_expires_mono)),
            "HeadersToInclude": {
                "Content-Type": content_type,
                "x-amz-meta-attachment-id": attachment.attachment_id,
            },
        },
    }


def _own_attachment(state: ChatState, caller: Caller, attachment_id: str) -> Attachment:
    attachment = state.store.attachment(attachment_id)
    if attachment is None or attachment.contact_id != caller.contact.contact_id:
        raise validation(f"Unknown attachment {attachment_id!r}")
    return attachment


def complete_upload(state: ChatState, caller: Caller, params: Mapping[str, Any]) -> dict[str, Any]:
    """CompleteAttachmentUpload: approve uploaded attachments; each becomes an ATTACHMENT item.

    Raises:
        ApiError: ValidationException (unknown id), ConflictException (bytes not uploaded).
    """
    found = [_own_attachment(state, caller, str(i)) for i in params["AttachmentIds"]]
    for attachment in found:
        if attachment.status is AttachmentStatus.PENDING_UPLOAD:
            raise conflict(f"Attachment {attachment.attachment_id} has not been uploaded")
    for attachment in found:
        if attachment.status is AttachmentStatus.APPROVED:
            continue  # a retried completion: already announced
        attachment.status = AttachmentStatus.APPROVED
        state.store.save(attachment)
        item = it.attachment_item(
            caller.contact,
            caller.participant,
            attachment.attachment_id,
            attachment.name,
            attachment.content_type,
            state.now(),
        )
        state.publish(caller.contact, item)
    return {}


def get_attachment(
    state: ChatState, caller: Caller, params: Mapping[str, Any], http_base: str
) -> dict[str, Any]:
    """GetAttachment: a presigned download URL for an approved attachment of this chat.

    Raises:
        ApiError: ValidationException (unknown or not approved attachment).
    """
    attachment = state.store.attachment(str(params["AttachmentId"]))
    chain = {c.contact_id for c in state.chain(caller.contact)}
    if attachment is None or attachment.contact_id not in chain:
        raise validation("Unknown attachment")
    if attachment.status is not AttachmentStatus.APPROVED:
        raise validation("The attachment is not available yet")
    now = state.clock.monotonic()
    ttl = params.get("UrlExpiryInSeconds") or state.config.attachment_url_ttl
    for old, expiry in list(attachment.download_secrets.items()):
        if expiry <= now:
            del attachment.download_secrets[old]
    secret = secrets.token_hex(32)
    attachment.download_secrets[secret] = now + ttl
    state.store.save(attachment)
    path = f"/_emulator/download/{attachment.attachment_id}"
    return {
        "Url": f"{http_base}{path}?X-Amz-Signature={secret}",
        "UrlExpiry": iso_ms(state.clock.wall_at(now + ttl)),
        "AttachmentSizeInBytes": attachment.size,
    }


def _error(error: ApiError) -> Response:
    return json_response(
        error.status, {"message": error.message}, [("x-amzn-errortype", error.code)]
    )


async def upload(
    ctx: EmulatorContext, request: Request, receive: Receive, attachment_id: str
) -> Response:
    """``PUT /_emulator/upload/<id>``: store the bytes (size must match the declared size)."""
    state = ctx.state
    attachment = state.store.attachment(attachment_id)
    signature = request.query_value("X-Amz-Signature") or ""
    if attachment is None or not secrets.compare_digest(signature, attachment.upload_secret):
        return _error(access_denied("Invalid upload URL"))
    if state.clock.monotonic() >= attachment.upload_expires_mono:
        return _error(access_denied("The upload URL has expired"))
    if attachment.status is AttachmentStatus.APPROVED:
        return _error(conflict("The attachment was already completed"))
    try:
        body = await read_body(receive, request, attachment.size, ctx.config.body_timeout)
    except ApiError as error:
        return _error(error)
    if len(body) != attachment.size:
        return _error(validation(f"Uploaded {len(body)} bytes, declared {attachment.size}"))
    sent_type = request.headers.get("content-type")
    if sent_type is not None and sent_type.split(";")[0].strip() != attachment.content_type:
        return _error(validation("Content-Type differs from StartAttachmentUpload's"))
    attachment.data = body
    attachment.status = AttachmentStatus.UPLOADED
    state.store.save(attachment)
    etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
    return Response(200, b"", [("etag", f'"{etag}"')], content_type=None)


def download(ctx: EmulatorContext, request: Request, attachment_id: str) -> Response:
    """``GET /_emulator/download/<id>``: the bytes, with the attachment's content type."""
    attachment = ctx.state.store.attachment(attachment_id)
    signature = request.query_value("X-Amz-Signature") or ""
    expiry = attachment.download_secrets.get(signature) if attachment else None
    if attachment is None or expiry is None or attachment.data is None:
        return _error(access_denied("Invalid download URL"))
    if ctx.state.clock.monotonic() >= expiry:
        return _error(access_denied("The download URL has expired"))
    disposition = f'attachment; filename="{attachment.name.replace(chr(34), "")}"'
    headers = [("content-disposition", disposition.encode("ascii", "replace").decode())]
    return Response(200, attachment.data, headers, content_type=attachment.content_type)
