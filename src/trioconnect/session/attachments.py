"""A session's attachments: upload (start, PUT, complete), download URL and download."""

from __future__ import annotations

import mimetypes
import pathlib
from typing import Any

import trio

from trioconnect import errors
from trioconnect.protocol import content_types as ct
from trioconnect.session.base import SessionCore
from trioconnect.session.results import AttachmentResult

__all__ = ["AttachmentCalls"]


class AttachmentCalls(SessionCore):
    """Sending and fetching attachments."""

    # ------------------------------------------------------------------ attachments
    async def send_attachment(
        self,
        data: bytes | str | pathlib.Path,
        *,
        name: str | None = None,
        content_type: str | None = None,
        metadata: Any = None,
    ) -> AttachmentResult:
        """Upload an attachment: StartAttachmentUpload, PUT, CompleteAttachmentUpload.

        Args:
            data: the bytes, or a path to read them from.
            name: the file name (default: the path's name).
            content_type: its MIME type (default: guessed from the name).

        Raises:
            ValidationError: over 20 MB or a type the service does not accept (before any call).
        """
        if isinstance(data, str | pathlib.Path):
            path = pathlib.Path(data)
            name = name or path.name
            data = await trio.Path(path).read_bytes()
        if not name:
            raise errors.ValidationError("an attachment needs a name")
        content_type = content_type or mimetypes.guess_type(name)[0] or ""
        ct.validate_attachment(name, content_type, len(data))
        self._require_callable("send_attachment")
        sup = self._supervisor
        token = sup.connection_token()
        upload = await self._guarded(
            "StartAttachmentUpload",
            sup.client.start_attachment_upload(
                token, content_type=content_type, size=len(data), name=name
            ),
            metadata,
        )
        await self._guarded(
            "UploadAttachment", sup.client.upload_attachment_bytes(upload, data), metadata
        )
        await self._guarded(
            "CompleteAttachmentUpload",
            sup.client.complete_attachment_upload(token, attachment_ids=[upload.attachment_id]),
            metadata,
        )
        return AttachmentResult(
            attachment_id=upload.attachment_id,
            name=name,
            content_type=content_type,
            size=len(data),
            metadata=metadata,
        )

    async def get_attachment_url(self, attachment_id: str, *, metadata: Any = None) -> str:
        """A download URL for an attachment (ChatJS ``getAttachmentURL``)."""
        self._require_callable("get_attachment_url")
        sup = self._supervisor
        result = await self._guarded(
            "GetAttachment",
            sup.client.get_attachment(sup.connection_token(), attachment_id=attachment_id),
            metadata,
        )
        return str(result.url)

    async def download_attachment(self, attachment_id: str, *, metadata: Any = None) -> bytes:
        """Download an attachment's bytes (ChatJS ``downloadAttachment``)."""
        url = await self.get_attachment_url(attachment_id, metadata=metadata)
        return bytes(
            await self._guarded(
                "DownloadAttachment", self._supervisor.client.download(url), metadata
            )
        )
