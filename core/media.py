"""Uploaded files (photos of owners' homes, signatures, complaint attachments) served only to users
who may see the record they belong to; everyone else gets a 404, as for the record itself.

Each upload folder is registered by the app whose model owns its files (register_upload_folder, from
the app's AppConfig.ready()); a folder nobody registered, or a file no row owns, is a 404 too.

A stored file is served on the CRM's own origin, so it must never act as a page there (finding 10.1):
its type comes from the extension core.uploads gave it after checking the content (anything else is
application/octet-stream), nosniff stops the browser guessing otherwise, the CSP sandbox runs no
script even if it tried, and only images are shown inline: every other file is a download.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from core.uploads import IMAGE_EXTENSIONS, STORED_TYPES

# No script, no plugin, no form, no frame; `sandbox` gives the file an opaque origin on its own.
# Inline styles only for the browser's own image viewer page.
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class UploadFolder:
    """Who may read a file of one upload folder, and what a download of it is called."""

    may_read: Callable[[object, str], bool]  # (user, stored name) → does a row they may see own it?
    # (stored name) → the client's file name, if the owning row keeps one; else the stored stem is used
    original_name: Callable[[str], str | None] | None = None


# upload folder → its owner; filled by the apps' AppConfig.ready() (register_upload_folder)
UPLOAD_FOLDERS: dict[str, UploadFolder] = {}


def register_upload_folder(
    folder: str,
    may_read: Callable[[object, str], bool],
    *,
    original_name: Callable[[str], str | None] | None = None,
) -> None:
    """Serve files stored under `folder/` to the users `may_read` lets through (everyone else: 404).

    Called from the owning app's AppConfig.ready(): the kernel serves the files, the app knows the rows.
    """
    existing = UPLOAD_FOLDERS.get(folder)
    if existing is not None and existing.may_read is not may_read:
        raise ImproperlyConfigured(f"Upload folder {folder!r} is registered twice.")
    UPLOAD_FOLDERS[folder] = UploadFolder(may_read=may_read, original_name=original_name)


@require_GET
@login_required
def protected_media(request, name: str):
    folder = name.split("/", 1)[0]
    owner = UPLOAD_FOLDERS.get(folder)
    if owner is None or not request.user.is_active or not owner.may_read(request.user, name):
        raise Http404
    try:
        # The default storage (STORAGES): the local folder or the bucket every machine shares; a name
        # reaching outside it (../) is refused by the storage (SuspiciousFileOperation).
        handle = default_storage.open(name, "rb")
    except (OSError, ValueError, SuspiciousFileOperation) as exc:
        raise Http404 from exc
    extension = PurePath(name).suffix.lower().lstrip(".")
    extension = "jpg" if extension == "jpeg" else extension  # older uploads kept the client's extension
    inline = extension in IMAGE_EXTENSIONS
    response = FileResponse(
        handle,
        content_type=STORED_TYPES.get(extension, "application/octet-stream"),
        as_attachment=not inline,
        filename=None if inline else _download_name(owner, name, extension),
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    return response


def _download_name(owner: UploadFolder, name: str, extension: str) -> str:
    """The name the file is saved under: the client's (an attachment's original_name) with the real type's
    extension, so that opening the download cannot run it as something else."""
    original = owner.original_name(name) if owner.original_name else None
    stem = PurePath(original).stem if original else PurePath(name).stem
    return f"{stem}.{extension if extension in STORED_TYPES else 'bin'}"
