"""Recording a defect and its photos: used by the tablet inspection, the API and after-handover reports.

Every other change of a defect (rectification orders, fixes, verification, the owner's
re-inspection) lives in delivery.services.rectification.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contractor, Role, User
from core.audit import audit_created
from core.uploads import MAX_UPLOAD_BYTES, CheckedUpload, clean_image
from properties.models import Unit

from .. import deadlines
from ..models import Defect, DefectEvent, DefectPhoto, Handover, Inspection
from ..webhooks import defect_created

MAX_PHOTO_BYTES = MAX_UPLOAD_BYTES
MAX_PHOTOS_PER_UPLOAD = 10

# Who records defects: the handover team and the front line (an owner's call after handover).
RECORDERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT, Role.DELIVERY_ENGINEER}


def in_scope(user: User, project_id: int) -> bool:
    return user.scope.is_unrestricted or project_id in user.scope.project_ids


def require_engaged(contractor: Contractor | None, project_id: int) -> None:
    """A defect goes only to a company engaged on its project (Contractor.projects)."""
    if (
        contractor is not None
        and not Contractor.objects.working_on(project_id).filter(pk=contractor.pk).exists()
    ):
        raise ValidationError(
            {"contractor": _("%(name)s does not work on this project.") % {"name": contractor.name}}
        )


def require_role(user: User, roles: Collection[str]) -> None:
    if not user.is_active or user.role not in roles:
        raise PermissionDenied(_("Your role may not do this."))


def validate_photo(upload: UploadedFile) -> CheckedUpload:
    """The photo as Pillow re-encoded it (JPEG, PNG or WebP), or a ValidationError naming the file."""
    return clean_image(upload, field="photos", max_bytes=MAX_PHOTO_BYTES)


def photo_add(
    *, defect: Defect, by: User, photo: CheckedUpload, stage: str = DefectPhoto.Stage.FOUND
) -> DefectPhoto:
    """Store a photo that validate_photo passed."""
    return DefectPhoto.objects.create(
        defect=defect,
        image=photo.file,
        stage=stage,
        content_type=photo.content_type,
        size=photo.size,
        uploaded_by=by,
    )


def defect_event(defect: Defect, by: User | None, kind: str, note: str = "", **data) -> DefectEvent:
    return DefectEvent.objects.create(defect=defect, actor=by, kind=kind, note=note, data=data)


def defect_record(
    *,
    by: User,
    unit: Unit,
    room: str,
    trade: str,
    severity: str,
    description: str,
    location: str = "",
    inspection: Inspection | None = None,
    contractor: Contractor | None = None,
    pin_x: Decimal | None = None,
    pin_y: Decimal | None = None,
    photos: Iterable[UploadedFile] = (),
    client_uuid: uuid.UUID | None = None,
    after_handover: bool = False,
    checklist_item=None,
) -> Defect:
    """Record a defect and start its rectification clock.

    `client_uuid` makes the call idempotent: the tablet sends the same one when it retries an
    upload whose answer it never got, and gets back the defect it already made.
    """
    require_role(by, RECORDERS)
    if not in_scope(by, unit.project_id):
        raise PermissionDenied(_("This unit is outside your projects."))
    if client_uuid is not None:
        existing = Defect.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.unit_id != unit.pk:
                raise ValidationError(
                    {"client_uuid": _("This defect was already recorded for another unit.")}
                )
            return existing
    photos = list(photos)
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationError({"photos": _("At most %(n)s photos at a time.") % {"n": MAX_PHOTOS_PER_UPLOAD}})
    checked = [validate_photo(upload) for upload in photos]
    if inspection is not None:
        if inspection.handover.unit_id != unit.pk:
            raise ValidationError({"inspection": _("The inspection is of another unit.")})
        if inspection.status != Inspection.Status.IN_PROGRESS:
            raise ValidationError({"inspection": _("The inspection is already completed.")})
    if (pin_x is None) != (pin_y is None):
        raise ValidationError({"pin_x": _("A pin needs both coordinates.")})
    require_engaged(contractor, unit.project_id)
    handover = Handover.objects.filter(unit=unit).first()
    if after_handover and not takes_warranty_defects(handover):
        raise ValidationError({"after_handover": _("This unit has not been handed over yet.")})
    now = timezone.now()
    defect = Defect(
        client_uuid=client_uuid,
        project_id=unit.project_id,
        unit=unit,
        handover=handover,
        inspection=inspection,
        checklist_item=checklist_item,
        room=room,
        location=location,
        pin_x=pin_x,
        pin_y=pin_y,
        trade=trade,
        severity=severity,
        description=description,
        contractor=contractor,
        reported_by=by,
        found_at=now,
        after_handover=after_handover,
    )
    deadlines.start_clock(defect, start=now)
    defect.full_clean(exclude=["number", "client_uuid"])
    try:
        with transaction.atomic():
            defect.save()
            defect.number = f"DF-{timezone.localtime(now):%Y%m}-{defect.pk:06d}"
            Defect.objects.filter(pk=defect.pk).update(number=defect.number)
            for photo in checked:
                photo_add(defect=defect, by=by, photo=photo)
            defect_event(defect, by, DefectEvent.Kind.CREATED, description[:200])
            audit_created(defect, by=by)
            defect_created(defect)
            if handover is not None:
                handover_refresh_status(handover.pk)
    except IntegrityError:
        # Two retries of one upload raced: the other one made it.
        if client_uuid is not None:
            return Defect.objects.get(client_uuid=client_uuid)
        raise
    return defect


def takes_warranty_defects(handover: Handover | None) -> bool:
    """Whether the owner's defects are recorded as after handover (保修): once the unit is handed over."""
    return handover is not None and handover.status == Handover.Status.HANDED_OVER


def handover_refresh_status(handover_id: int | None) -> None:
    """Where the unit stands, from its walks and defects (a handed-over unit stays handed over).

    pending: nothing yet; inspecting: a walk in progress (or defects recorded before any walk
    was finished); after a finished walk, rectifying while any defect is open, else ready.
    """
    if handover_id is None:
        return
    handover = Handover.objects.select_for_update().filter(pk=handover_id).first()
    if handover is None or handover.status == Handover.Status.HANDED_OVER:
        return
    walks = handover.inspections.exclude(kind=Inspection.Kind.RE_INSPECTION)
    has_open = Defect.objects.open().filter(unit_id=handover.unit_id).exists()
    if walks.filter(status=Inspection.Status.COMPLETED).exists():
        status = Handover.Status.RECTIFYING if has_open else Handover.Status.READY
    elif walks.exists() or has_open:
        status = Handover.Status.INSPECTING
    else:
        status = Handover.Status.PENDING
    if status != handover.status:
        Handover.objects.filter(pk=handover.pk).update(
            status=status, version=F("version") + 1, updated_at=timezone.now()
        )
