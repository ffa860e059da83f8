"""A defect's path: the contractor's fix, the engineer's check, the owner's 复验, cancelling, correcting."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.uploads import CheckedUpload

from ... import deadlines
from ...models import Defect, DefectEvent, DefectPhoto, RectificationOrder
from ...webhooks import defect_fixed
from ..defects import defect_event, handover_refresh_status, photo_add, require_engaged
from ._common import (
    CONTRACTOR_PHOTO_STAGES,
    STAFF_PHOTO_STAGES,
    _check_photos,
    _defect_link,
    _lock,
    _notify,
    _require,
    _require_status,
    _save,
    _text,
    contractor_user_ids,
    engineer_ids,
)
from .orders import order_refresh

# What a correction may change, and how each is written in the defect's history.
CORRECTABLE = ("room", "location", "trade", "severity", "description", "contractor")


def _add_photos(defect: Defect, by: User, photos: list[CheckedUpload], stage: str) -> list[DefectPhoto]:
    return [photo_add(defect=defect, by=by, photo=photo, stage=stage) for photo in photos]


def _progress(defect: Defect, by: User, note: str, photos: list[CheckedUpload]) -> list[DefectPhoto]:
    _require_status(defect, "progress")
    note = (note or "").strip()
    if not note and not photos:
        raise ValidationError({"note": _("Write what was done or add a photo.")})
    added = _add_photos(defect, by, photos, DefectPhoto.Stage.PROGRESS)
    defect_event(defect, by, DefectEvent.Kind.PROGRESS, note, photos=len(photos))
    return added


@transaction.atomic
def defect_progress(
    *,
    by: User,
    defect: Defect,
    note: str = "",
    photos: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
) -> Defect:
    """A progress report from the site: a note and/or work photos. Not a state change (no new version)."""
    _require(by, "progress")
    defect = _lock(defect, by, expected_version)
    _progress(defect, by, note, _check_photos(photos))
    return defect


@transaction.atomic
def defect_photos_add(
    *,
    by: User,
    defect: Defect,
    photos: Iterable[UploadedFile],
    stage: str = DefectPhoto.Stage.FOUND,
    note: str = "",
    expected_version: int | None = None,
) -> list[DefectPhoto]:
    """More photos of a defect: staff as found or at the re-inspection, the contractor of the work."""
    _require(by, "photos")
    allowed = CONTRACTOR_PHOTO_STAGES if by.role == Role.CONTRACTOR else STAFF_PHOTO_STAGES
    if stage not in allowed:
        raise ValidationError({"stage": _("You may not add photos of this stage.")})
    defect = _lock(defect, by, expected_version)
    checked = _check_photos(photos)
    if not checked:
        raise ValidationError({"photos": _("Choose at least one photo.")})
    if stage == DefectPhoto.Stage.PROGRESS:
        _require(by, "progress")
        return _progress(defect, by, note, checked)
    _require_status(defect, "photos")
    return _add_photos(defect, by, checked, stage)


@transaction.atomic
def defect_mark_fixed(
    *,
    by: User,
    defect: Defect,
    photos: Iterable[UploadedFile],
    note: str = "",
    expected_version: int | None = None,
) -> Defect:
    """The contractor says it is fixed, with photos of the result; the clock stops, the engineer verifies."""
    _require(by, "fixed")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "fixed")
    checked = _check_photos(photos)
    if not checked:
        raise ValidationError({"photos": _("Add at least one photo of the fixed defect.")})
    _add_photos(defect, by, checked, DefectPhoto.Stage.FIXED)
    defect.status = Defect.Status.FIXED
    defect.fixed_at = timezone.now()
    _save(defect, ["status", "fixed_at", *deadlines.stop_clock(defect)], by=by)
    defect_event(defect, by, DefectEvent.Kind.FIXED, (note or "").strip(), photos=len(checked))
    defect_fixed(defect)
    order_refresh(defect.order_id)
    _notify(
        engineer_ids(defect.project_id) or [defect.reported_by_id],
        by=by,
        kind="defect_fixed",
        title=_("Defect %(number)s fixed: please verify") % {"number": defect.number},
        link=_defect_link(defect),
    )
    return defect


@transaction.atomic
def defect_verify(*, by: User, defect: Defect, note: str = "", expected_version: int | None = None) -> Defect:
    """The engineer checked the fix on site: ready for the owner's re-inspection (复验)."""
    _require(by, "verify")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "verify")
    defect.status = Defect.Status.VERIFIED
    defect.verified_at = timezone.now()
    defect.verified_by = by
    _save(defect, ["status", "verified_at", "verified_by"], by=by)
    defect_event(defect, by, DefectEvent.Kind.VERIFIED, (note or "").strip())
    order_refresh(defect.order_id)
    _notify(
        [defect.reported_by_id],
        by=by,
        kind="defect_verified",
        title=_("Defect %(number)s verified: arrange the owner's re-inspection") % {"number": defect.number},
        link=_defect_link(defect),
    )
    return defect


def _back_to_contractor(defect: Defect, by: User, *, kind: str, reason: str, title: str) -> Defect:
    """Rework: fixing again, on a fresh clock, in a new escalation round, and the contractor hears of it."""
    defect.status = Defect.Status.FIXING
    defect.rework_count += 1
    defect.fixed_at = None
    defect.verified_at = None
    defect.verified_by = None
    fields = ["status", "rework_count", "fixed_at", "verified_at", "verified_by"]
    _save(defect, [*fields, *deadlines.start_clock(defect)], by=by)
    defect_event(defect, by, kind, reason, rework=defect.rework_count, due_at=defect.due_at.isoformat())  # type: ignore[union-attr]  # start_clock() just set it
    order = order_refresh(defect.order_id)
    if order is not None and defect.due_at and (order.due_at is None or order.due_at < defect.due_at):
        RectificationOrder.objects.filter(pk=order.pk).update(due_at=defect.due_at)
    _notify(
        contractor_user_ids(defect.contractor_id, defect.project_id),
        by=by,
        kind="defect_rework",
        title=title,
        body=reason[:500],
        link=_defect_link(defect),
    )
    return defect


@transaction.atomic
def defect_reject(*, by: User, defect: Defect, reason: str, expected_version: int | None = None) -> Defect:
    """The engineer does not accept the fix: back to the contractor."""
    _require(by, "reject")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "reject")
    reason = _text(reason, "reason", _("Say what is still wrong."))
    return _back_to_contractor(
        defect,
        by,
        kind=DefectEvent.Kind.VERIFY_REJECTED,
        reason=reason,
        title=_("Defect %(number)s rejected by the engineer: fix it again") % {"number": defect.number},
    )


@transaction.atomic
def defect_owner_accept(
    *,
    by: User,
    defect: Defect,
    note: str = "",
    photos: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
) -> Defect:
    _require(by, "owner_accept")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "owner_accept")
    checked = _check_photos(photos)
    _add_photos(defect, by, checked, DefectPhoto.Stage.REINSPECTION)
    defect.status = Defect.Status.ACCEPTED
    defect.accepted_at = timezone.now()
    _save(defect, ["status", "accepted_at"], by=by)
    defect_event(defect, by, DefectEvent.Kind.ACCEPTED, (note or "").strip())
    order_refresh(defect.order_id)
    handover_refresh_status(defect.handover_id)
    return defect


@transaction.atomic
def defect_owner_reject(
    *,
    by: User,
    defect: Defect,
    reason: str,
    photos: Iterable[UploadedFile] = (),
    expected_version: int | None = None,
) -> Defect:
    """The owner is not satisfied at the re-inspection: back to the contractor with the owner's reason."""
    _require(by, "owner_reject")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "owner_reject")
    reason = _text(reason, "reason", _("Write down why the owner does not accept the fix."))
    checked = _check_photos(photos)
    _add_photos(defect, by, checked, DefectPhoto.Stage.REINSPECTION)
    return _back_to_contractor(
        defect,
        by,
        kind=DefectEvent.Kind.OWNER_REJECTED,
        reason=reason,
        title=_("Defect %(number)s rejected by the owner at the re-inspection: fix it again")
        % {"number": defect.number},
    )


@transaction.atomic
def defect_cancel(*, by: User, defect: Defect, reason: str, expected_version: int | None = None) -> Defect:
    """A supervisor withdraws a defect (recorded twice, not a defect after all...)."""
    _require(by, "cancel")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "cancel")
    reason = _text(reason, "reason", _("Say why the defect is cancelled."))
    defect.status = Defect.Status.CANCELLED
    _save(defect, ["status", *deadlines.stop_clock(defect)], by=by)
    defect_event(defect, by, DefectEvent.Kind.CANCELLED, reason)
    order_refresh(defect.order_id)
    handover_refresh_status(defect.handover_id)
    if defect.order_id:
        _notify(
            contractor_user_ids(defect.contractor_id, defect.project_id),
            by=by,
            kind="defect_cancelled",
            title=_("Defect %(number)s cancelled: no work needed") % {"number": defect.number},
            body=reason[:500],
            link=_defect_link(defect),
        )
    return defect


@transaction.atomic
def defect_correct(*, by: User, defect: Defect, expected_version: int | None = None, **changes) -> Defect:
    """Correct what was recorded, while the defect is open and not yet in a rectification order: the
    room, location, trade, severity, description or contractor. A new severity gives a new due date
    from when the clock started, unless the deadline has already warned or escalated (then cancel the
    defect and record it again). Writes one history entry naming every change."""
    _require(by, "correct")
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "correct")
    if "description" in changes:
        changes["description"] = _text(changes["description"], "description", _("Describe the defect."))
    if "location" in changes:
        changes["location"] = (changes["location"] or "").strip()
    changed = {name: value for name, value in changes.items() if getattr(defect, name) != value}
    if not changed:
        return defect
    if "contractor" in changed:
        require_engaged(changed["contractor"], defect.project_id)
    fields = list(changed)
    if "severity" in changed and (defect.warned or defect.escalation_level):
        raise ValidationError(
            {
                "severity": _(
                    "The deadline has already warned or escalated: cancel the defect and record it again."
                )
            }
        )
    lines = []
    for name, value in changed.items():
        field = Defect._meta.get_field(name)
        before = _shown(defect, name)
        setattr(defect, name, value)
        lines.append(f"{field.verbose_name}: {before or '—'} → {_shown(defect, name) or '—'}")  # type: ignore[union-attr]  # a concrete field by name, never a reverse relation
    if "severity" in changed:
        fields += deadlines.start_clock(defect, start=defect.clock_started_at)
    defect.full_clean(exclude=["number", "client_uuid"], validate_constraints=False)
    _save(defect, fields, by=by)
    defect_event(defect, by, DefectEvent.Kind.CORRECTED, "\n".join(lines))
    handover_refresh_status(defect.handover_id)
    return defect


def _shown(defect: Defect, name: str) -> str:
    value = getattr(defect, name)
    if name == "contractor":
        return value.name if value else ""
    display = getattr(defect, f"get_{name}_display", None)
    return str(display()) if display else str(value or "")
