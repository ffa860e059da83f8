"""Every upload is judged by what it contains, never by the name or the Content-Type the client sent.

Finding 10.1: an HTML page posted as `photo.jpg; type=image/jpeg` was stored as it came and served
back as a page on the CRM's own origin, where its script read customers' phone and ID numbers under
the name of whoever opened it. So, on every upload path (pages, API, admin, the public form):

- an image is opened and written again by Pillow: what is stored is pixels Pillow wrote, so no script,
  no trailing polyglot payload and no EXIF (GPS position, camera serial) survive. The EXIF rotation is
  applied to the pixels first, so the photo still stands the right way up;
- any other attachment must be one of ATTACHMENT_TYPES, recognised by its first bytes (filetype);
- SVG, HTML and anything not recognised are refused;
- the stored name is a fresh uuid with the extension of the detected type; the client's file name is
  kept only as display text (the Attachment's original_name).

core.media serves what is stored with nosniff, a sandboxing CSP and, for anything but an image,
Content-Disposition: attachment.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import NamedTuple, NoReturn

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Far beyond a phone photo or a floor plan, and it keeps one decoded image under ~200 MB of memory.
MAX_IMAGE_PIXELS = 50_000_000


class FileType(NamedTuple):
    content_type: str
    extension: str
    label: str


# Pillow's format name → what is stored. HEIC is not here: Pillow cannot decode it to check it (and
# iOS hands a browser's file input a JPEG anyway).
IMAGE_FORMATS: dict[str, FileType] = {
    "JPEG": FileType("image/jpeg", "jpg", "JPEG"),
    "PNG": FileType("image/png", "png", "PNG"),
    "WEBP": FileType("image/webp", "webp", "WebP"),
}
# What filetype recognises from the first bytes → what is stored.
DOCUMENT_TYPES: dict[str, FileType] = {
    "application/pdf": FileType("application/pdf", "pdf", "PDF"),
    "application/msword": FileType("application/msword", "doc", "Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word"
    ),
    "audio/mpeg": FileType("audio/mpeg", "mp3", "MP3"),
    "audio/x-wav": FileType("audio/wav", "wav", "WAV"),
    "video/mp4": FileType("video/mp4", "mp4", "MP4"),
}
# Extension → content type of every file this module stores; core.media serves a stored file by these.
STORED_TYPES: dict[str, str] = {
    kind.extension: kind.content_type for kind in [*IMAGE_FORMATS.values(), *DOCUMENT_TYPES.values()]
}
IMAGE_EXTENSIONS = frozenset(kind.extension for kind in IMAGE_FORMATS.values())


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed: `file` is what to store (named <uuid>.<ext>), the rest describes it."""

    file: ContentFile
    content_type: str
    display_name: str  # the client's file name with the detected type's extension, for pages only

    @property
    def size(self) -> int:
        return self.file.size


def clean_image(
    upload: UploadedFile,
    *,
    field: str | None = None,
    formats: tuple[str, ...] = tuple(IMAGE_FORMATS),
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> CheckedUpload:
    """The upload re-encoded by Pillow if it is an image in one of `formats` (Pillow's names), else a
    ValidationError (under `field` when given)."""
    data = _read(upload, field=field, max_bytes=max_bytes)
    checked = _reencoded(upload, data, formats, field)
    if checked is None:
        _refuse(
            _("%(name)s is not an image of an accepted type (%(types)s).")
            % {"name": upload.name, "types": ", ".join(IMAGE_FORMATS[name].label for name in formats)},
            field,
        )
    return checked


def clean_attachment(
    upload: UploadedFile, *, field: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES
) -> CheckedUpload:
    """A photo (re-encoded as by clean_image) or a document of DOCUMENT_TYPES, else a ValidationError."""
    data = _read(upload, field=field, max_bytes=max_bytes)
    checked = _reencoded(upload, data, tuple(IMAGE_FORMATS), field)
    if checked is not None:
        return checked
    kind = filetype.guess(data)
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        _refuse(_("%(name)s: photos, PDF, Word, audio or video files only.") % {"name": upload.name}, field)
    return _checked(upload, data, DOCUMENT_TYPES[kind.mime])


# --- the steps ---------------------------------------------------------------------------------------


def _refuse(message: str, field: str | None) -> NoReturn:
    raise ValidationError({field: message} if field else message)


def _read(upload: UploadedFile, *, field: str | None, max_bytes: int) -> bytes:
    too_large = _("%(name)s is larger than %(size)d MB.") % {
        "name": upload.name,
        "size": max_bytes // (1024 * 1024),
    }
    if upload.size is not None and upload.size > max_bytes:
        _refuse(too_large, field)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(data) > max_bytes:
        _refuse(too_large, field)
    if not data:
        _refuse(_("%(name)s is empty.") % {"name": upload.name}, field)
    return data


def _reencoded(
    upload: UploadedFile, data: bytes, formats: tuple[str, ...], field: str | None
) -> CheckedUpload | None:
    """The image written again by Pillow; None when it is not an image in `formats` at all."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    with image:
        if image.width * image.height > MAX_IMAGE_PIXELS:
            _refuse(
                _("%(name)s has too many pixels (at most %(limit)d million).")
                % {"name": upload.name, "limit": MAX_IMAGE_PIXELS // 1_000_000},
                field,
            )
        # A phone's JPEG with a depth map or a second frame opens as "MPO": stored as a plain JPEG.
        image_format = "JPEG" if image.format == "MPO" else image.format
        kind = IMAGE_FORMATS[image_format]
        output = io.BytesIO()
        try:
            image.load()  # a truncated or corrupt image fails here, not in someone's browser
            # No exif=… and no text chunks: Pillow writes the pixels and the colour profile only.
            _save(ImageOps.exif_transpose(image), output, image_format, image.info.get("icc_profile"))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            _refuse(_("%(name)s could not be read as an image.") % {"name": upload.name}, field)
    return _checked(upload, output.getvalue(), kind)


def _save(image: Image.Image, output: io.BytesIO, image_format: str, icc_profile: bytes | None) -> None:
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(output, "JPEG", quality=90, **options)
    elif image_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        image.save(output, "WEBP", quality=90, **options)
    else:
        image.save(output, image_format, **options)


def _checked(upload: UploadedFile, data: bytes, kind: FileType) -> CheckedUpload:
    stem = PurePath(upload.name or "").stem.strip()[:150] or "file"
    return CheckedUpload(
        file=ContentFile(data, name=f"{uuid.uuid4().hex}.{kind.extension}"),
        content_type=kind.content_type,
        display_name=f"{stem}.{kind.extension}",
    )
