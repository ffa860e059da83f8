"""Uploaded files (photos of owners' homes, signatures, complaint attachments) served only to users
who may see the record they belong to; everyone else gets a 404, as for the record itself.

Each upload folder names the model that owns its files; a file no row owns is a 404 too.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_GET


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
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
