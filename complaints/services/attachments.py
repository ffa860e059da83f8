"""Files on a complaint, stored as core.uploads finds them to be (never as the client named them)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

from accounts.models import User
from core.uploads import MAX_UPLOAD_BYTES, CheckedUpload, clean_attachment

from ..models import Attachment, Complaint
from ._common import _require

MAX_ATTACHMENT_BYTES = MAX_UPLOAD_BYTES  # photos, PDF, Word, MP3/WAV, MP4: core.uploads checks which


def attachment_add(
    *,
    complaint: Complaint,
    by: User | None,
    upload: UploadedFile | CheckedUpload,
    check_permission: bool = True,
) -> Attachment:
    """Store a file on the complaint, as core.uploads found it to be (never as the client named it)."""
    if check_permission and by is not None:
        _require(by, "note")
    checked = _checked_attachment(upload)
    return Attachment.objects.create(
        complaint=complaint,
        file=checked.file,
        original_name=checked.display_name[:200],
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=by,
    )


def _checked_attachment(upload: UploadedFile | CheckedUpload) -> CheckedUpload:
    if isinstance(upload, CheckedUpload):
        return upload  # already checked by a caller with a stricter rule (the public form: photos only)
    return clean_attachment(upload, field="attachments", max_bytes=MAX_ATTACHMENT_BYTES)
