"""The red-line register: items, their photos, publishing a disclosure version, recording a buyer's
signed acknowledgement of a version."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.uploads import clean_attachment, clean_image
from customers.models import Contract
from properties.models import Project

from ..models import Acknowledgement, Disclosure, RedLineItem, RedLinePhoto
from ._common import lock, require_acknowledger, require_writer, save

_UNSET = object()
FIELDS = ("side", "kind", "location", "distance_m", "description", "material")


def _check(item: RedLineItem) -> None:
    errors = {}
    if item.side not in RedLineItem.Side.values:
        errors["side"] = _("Choose inside or outside the red line.")
    if item.kind not in RedLineItem.Kind.values:
        errors["kind"] = _("Unknown type.")
    if not (item.location or "").strip():
        errors["location"] = _("Say where it is.")
    if item.distance_m is not None and Decimal(item.distance_m) < 0:
        errors["distance_m"] = _("A distance is not negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def red_line_item_create(
    *, by: User, project: Project, photo: UploadedFile | None = None, **fields
) -> RedLineItem:
    """Record an item (with its first photo, if any: both or neither)."""
    require_writer(by, project.pk)
    item = RedLineItem(project=project, **{k: v for k, v in fields.items() if k in FIELDS})
    _check(item)
    checked = clean_image(photo, field="photo") if photo else None
    item.save()
    if checked:
        RedLinePhoto.objects.create(item=item, image=checked.file)
    return item


@transaction.atomic
def red_line_item_update(*, by: User, item: RedLineItem, version: int | None, **fields) -> RedLineItem:
    require_writer(by, item.project_id)
    item = lock(RedLineItem, item.pk, version)
    changed = [name for name in FIELDS if name in fields]
    for name in changed:
        setattr(item, name, fields[name])
    _check(item)
    return save(item, changed)


@transaction.atomic
def red_line_photo_add(*, by: User, item: RedLineItem, upload: UploadedFile) -> RedLinePhoto:
    require_writer(by, item.project_id)
    checked = clean_image(upload, field="photo")
    return RedLinePhoto.objects.create(item=item, image=checked.file)


def _snapshot(item: RedLineItem) -> dict:
    return {
        "id": item.pk,
        "side": item.side,
        "kind": item.kind,
        "location": item.location,
        "distance_m": str(item.distance_m) if item.distance_m is not None else None,
        "material": item.material,
        "description": item.description,
    }


@transaction.atomic
def disclosure_publish(*, by: User, project: Project) -> Disclosure:
    """Freeze the project's current items as its next disclosure version."""
    require_writer(by, project.pk)
    # Lock the project row: two publishers at once would both take the same next number.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    items = list(RedLineItem.objects.filter(project=project).order_by("side", "kind", "id"))
    if not items:
        raise ValidationError({"items": _("The project has no red-line items to disclose.")})
    number = (Disclosure.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
    disclosure = Disclosure.objects.create(
        project=project,
        number=number,
        snapshot=[_snapshot(item) for item in items],
        published_at=timezone.now(),
        published_by=by,
    )
    disclosure.items.set(items)
    return disclosure


@transaction.atomic
def acknowledgement_record(
    *,
    by: User,
    contract: Contract,
    disclosure: Disclosure,
    signed_by_name: str,
    signed_on: datetime.date,
    signed_file: UploadedFile | None = None,
) -> Acknowledgement:
    """The buyer of `contract` signed `disclosure` (a version of their own project's list)."""
    project_id = contract.unit.project_id
    require_acknowledger(by, project_id)
    errors = {}
    if disclosure.project_id != project_id:
        errors["disclosure"] = _("This disclosure belongs to another project.")
    if not (signed_by_name or "").strip():
        errors["signed_by_name"] = _("Say who signed.")
    if signed_on and signed_on > timezone.localdate():
        errors["signed_on"] = _("The signing date is in the future.")
    if errors:
        raise ValidationError(errors)
    checked = clean_attachment(signed_file, field="signed_file") if signed_file else None
    try:
        with transaction.atomic():
            return Acknowledgement.objects.create(
                contract=contract,
                disclosure=disclosure,
                signed_by_name=signed_by_name.strip(),
                signed_on=signed_on,
                signed_file=checked.file if checked else "",
                recorded_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"disclosure": _("This contract has already acknowledged this version.")}
        ) from None
