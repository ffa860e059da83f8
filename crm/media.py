"""Uploaded files (photos of owners' homes, signatures, complaint attachments) served only to users
who may see the record they belong to; everyone else gets a 404, as for the record itself.

Each upload folder names the model that owns its files; a file no row owns is a 404 too.

A stored file is served on the CRM's own origin, so it must never act as a page there (finding 10.1):
its type comes from the extension crm.uploads gave it after checking the content (anything else is
application/octet-stream), nosniff stops the browser guessing otherwise, the CSP sandbox runs no
script even if it tried, and only images are shown inline: every other file is a download.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_GET

from crm.uploads import IMAGE_EXTENSIONS, STORED_TYPES

# No script, no plugin, no form, no frame; `sandbox` gives the file an opaque origin on its own.
# Inline styles only for the browser's own image viewer page.
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _complaint_attachment(user, name: str) -> bool:
    from complaints.models import Attachment, Complaint

    return Attachment.objects.filter(
        file=name, complaint__in=Complaint.objects.visible_to(user).values("pk")
    ).exists()


def _work_order_photo(user, name: str) -> bool:
    from complaints.models import WorkOrder, WorkOrderNote

    return WorkOrderNote.objects.filter(
        photo=name, work_order__in=WorkOrder.objects.visible_to(user).values("pk")
    ).exists()


def _defect_photo(user, name: str) -> bool:
    from delivery.models import Defect, DefectPhoto

    return DefectPhoto.objects.filter(
        image=name, defect__in=Defect.objects.visible_to(user).values("pk")
    ).exists()


def _signature(user, name: str) -> bool:
    from delivery.models import Handover

    return Handover.objects.visible_to(user).filter(signature=name).exists()


def _floor_plan(user, name: str) -> bool:
    from delivery.models import FloorPlan

    return FloorPlan.objects.visible_to(user).filter(image=name).exists()


# upload folder → who may read a file in it
OWNERS: dict[str, Callable[[object, str], bool]] = {
    "complaints": _complaint_attachment,
    "work_orders": _work_order_photo,
    "defects": _defect_photo,
    "handover_signatures": _signature,
    "floor_plans": _floor_plan,
}


@require_GET
@login_required
def protected_media(request, name: str):
    folder = name.split("/", 1)[0]
    may_read = OWNERS.get(folder)
    if may_read is None or not request.user.is_active or not may_read(request.user, name):
        raise Http404
    try:
        path = safe_join(str(settings.MEDIA_ROOT), name)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    extension = PurePath(name).suffix.lower().lstrip(".")
    extension = "jpg" if extension == "jpeg" else extension  # older uploads kept the client's extension
    inline = extension in IMAGE_EXTENSIONS
    response = FileResponse(
        handle,
        content_type=STORED_TYPES.get(extension, "application/octet-stream"),
        as_attachment=not inline,
        filename=None if inline else _download_name(folder, name, extension),
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    return response


def _download_name(folder: str, name: str, extension: str) -> str:
    """The name the file is saved under: the client's (an attachment's original_name) with the real type's
    extension, so that opening the download cannot run it as something else."""
    stem = PurePath(name).stem
    if folder == "complaints":
        from complaints.models import Attachment

        original = Attachment.objects.filter(file=name).values_list("original_name", flat=True).first()
        stem = PurePath(original).stem if original else stem
    return f"{stem}.{extension if extension in STORED_TYPES else 'bin'}"
