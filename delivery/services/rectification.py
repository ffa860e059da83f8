"""Rectification (整改): defects go to their contractors in rectification orders, come back fixed,
are verified by the engineer and accepted by the owner at the re-inspection (复验).

    open ──issue──▶ fixing ──fixed──▶ fixed ──verify──▶ verified ──owner accepts──▶ accepted
                      ▲                 │                   │
                      └──── reject ─────┘◀── owner rejects ─┘        (any open one → cancelled)

Every change locks the defect (SELECT … FOR UPDATE), compares the caller's version when one is
given, checks the status on the fresh row, writes a DefectEvent, moves the rectification clock
(delivery.deadlines) and notifies whoever must act next. An order completes when all its defects
are fixed (or further along) and closes when the owner accepted them all.

After handover the owner may report a defect within the warranty; such a defect can become a
repair request (报修) in the complaints desk, linked both ways.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contractor, Role, User
from crm.uploads import CheckedUpload
from customers.services import ConcurrentEditError
from notifications.models import Notification
from properties.models import Unit

from .. import deadlines
from ..models import Defect, DefectEvent, DefectPhoto, Handover, RectificationOrder
from .defects import (
    MAX_PHOTOS_PER_UPLOAD,
    RECORDERS,
    defect_event,
    defect_record,
    handover_refresh_status,
    in_scope,
    photo_add,
    require_engaged,
    require_role,
    validate_photo,
)

# A defect the owner reports within this time after signing for the unit is under warranty (保修期).
WARRANTY = datetime.timedelta(days=2 * 365)

SUPERVISORS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
ENGINEERS = SUPERVISORS | {Role.DELIVERY_ENGINEER}
FRONT_LINE = SUPERVISORS | {Role.CS_AGENT}

# Who may do what; scope is checked separately (outside it the object is a 404 in views and API).
ACTION_ROLES: dict[str, set[str]] = {
    "record": RECORDERS,
    "issue": ENGINEERS,
    # The engineer may record the contractor's work on their behalf (a crew without the app).
    "progress": ENGINEERS | {Role.CONTRACTOR},
    "fixed": ENGINEERS | {Role.CONTRACTOR},
    "photos": RECORDERS | {Role.CONTRACTOR},
    "verify": ENGINEERS,
    "reject": ENGINEERS,
    # Staff at the re-inspection record the owner's decision.
    "owner_accept": RECORDERS,
    "owner_reject": RECORDERS,
    "cancel": SUPERVISORS,
    # Fix what was recorded wrongly (room, trade, severity, contractor...) before the order goes out.
    "correct": RECORDERS,
    "to_complaint": FRONT_LINE,
}
# Which statuses each transition leaves from.
TRANSITIONS: dict[str, set[str]] = {
    "progress": {Defect.Status.FIXING},
    "fixed": {Defect.Status.FIXING},
    "verify": {Defect.Status.FIXED},
    "reject": {Defect.Status.FIXED},
    "owner_accept": {Defect.Status.VERIFIED},
    "owner_reject": {Defect.Status.VERIFIED},
    "cancel": set(Defect.OPEN_STATUSES),
    "correct": {Defect.Status.OPEN},
}
# What a correction may change, and how each is written in the defect's history.
CORRECTABLE = ("room", "location", "trade", "severity", "description", "contractor")
# A contractor uploads work photos; staff add photos of the defect as found or at the re-inspection.
CONTRACTOR_PHOTO_STAGES = {DefectPhoto.Stage.PROGRESS}
STAFF_PHOTO_STAGES = {DefectPhoto.Stage.FOUND, DefectPhoto.Stage.PROGRESS, DefectPhoto.Stage.REINSPECTION}
# An order is complete when every live defect reached one of these; closed when all are accepted.
DONE_BY_CONTRACTOR = (Defect.Status.FIXED, Defect.Status.VERIFIED, Defect.Status.ACCEPTED)


def may(user: User, action: str) -> bool:
    return user.is_active and user.role in ACTION_ROLES[action]


def _require(user: User, action: str) -> None:
    require_role(user, ACTION_ROLES[action])


def _require_status(defect: Defect, action: str) -> None:
    if defect.status not in TRANSITIONS[action]:
        raise ValidationError(
            {
                "status": _("Not possible while the defect is “%(status)s”.")
                % {"status": defect.get_status_display()}
            }
        )


def may_see(user: User, defect: Defect) -> bool:
    """Defect.objects.visible_to for one row (department staff are refused by their role)."""
    if user.role == Role.CONTRACTOR:
        return user.scope.is_firm_work(contractor_id=defect.contractor_id, project_id=defect.project_id)
    return in_scope(user, defect.project_id)


def _lock(defect: Defect, by: User, expected_version: int | None) -> Defect:
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = Defect.objects.select_for_update().get(pk=defect.pk)
    if not may_see(by, locked):
        raise PermissionDenied(_("This defect is outside your scope."))
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


def _save(defect: Defect, fields: Iterable[str]) -> Defect:
    defect.version = F("version") + 1
    defect.save(update_fields=[*set(fields), "version", "updated_at"])
    defect.refresh_from_db(fields=["version"])
    return defect


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _check_photos(photos: Iterable[UploadedFile]) -> list[CheckedUpload]:
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationError({"photos": _("At most %(n)s photos at a time.") % {"n": MAX_PHOTOS_PER_UPLOAD}})
    return [validate_photo(upload) for upload in photos]


# --- who hears about it ----------------------------------------------------------------------------


def contractor_user_ids(contractor_id: int | None, project_id: int) -> list[int]:
    """The company's users working on the project: a colleague elsewhere does not see the defect."""
    from properties.models import Project

    if not contractor_id:
        return []
    project = Project.objects.only("city_company_id").get(pk=project_id)
    return list(
        User.objects.working_on(project)
        .filter(role=Role.CONTRACTOR, contractor_id=contractor_id)
        .values_list("pk", flat=True)
    )


def engineer_ids(project_id: int) -> list[int]:
    """The project's delivery engineers: assigned to the project or to its city company."""
    from properties.models import Project

    city_id = Project.objects.filter(pk=project_id).values_list("city_company_id", flat=True).first()
    return list(
        User.objects.filter(is_active=True, role=Role.DELIVERY_ENGINEER)
        .filter(Q(projects=project_id) | Q(city_companies=city_id))
        .values_list("pk", flat=True)
        .distinct()
    )


def _notify(user_ids: Iterable[int | None], *, by: User | None, kind: str, title: str, link: str, body=""):
    ids = {uid for uid in user_ids if uid and (by is None or uid != by.pk)}
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, title=title[:200], body=body, link=link) for uid in ids]
    )


def _defect_link(defect: Defect) -> str:
    return reverse("delivery:defect-detail", args=[defect.pk])


# --- rectification orders ----------------------------------------------------------------------------


def order_refresh(order_id: int | None) -> RectificationOrder | None:
    """Complete or close the order from its defects' statuses (or reopen it after a rejection)."""
    if order_id is None:
        return None
    order = RectificationOrder.objects.select_for_update().get(pk=order_id)
    counts = (
        Defect.objects.filter(order_id=order_id)
        .exclude(status=Defect.Status.CANCELLED)
        .aggregate(
            live=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_BY_CONTRACTOR)),
            accepted=Count("pk", filter=Q(status=Defect.Status.ACCEPTED)),
        )
    )
    if counts["live"] == counts["accepted"]:
        status = RectificationOrder.Status.CLOSED
    elif counts["live"] == counts["done"]:
        status = RectificationOrder.Status.COMPLETED
    else:
        status = RectificationOrder.Status.OPEN
    if status != order.status:
        order.completed_at = (
            None if status == RectificationOrder.Status.OPEN else (order.completed_at or timezone.now())
        )
        order.status = status
        order.version = F("version") + 1
        order.save(update_fields=["status", "completed_at", "version", "updated_at"])
        order.refresh_from_db(fields=["version"])
    return order


@transaction.atomic
def rectification_orders_issue(
    *, by: User, defects: Iterable[Defect], contractor: Contractor | None = None
) -> list[RectificationOrder]:
    """整改单: put open defects into one order per (project, contractor) and start the work.

    Defects without a contractor take `contractor` when one is given; defects already in an order,
    not open, or without a contractor are left as they are. Raises when none can be issued.
    """
    _require(by, "issue")
    ids = sorted({d.pk for d in defects})
    if not ids:
        raise ValidationError({"defects": _("Choose the defects to put in rectification orders.")})
    if contractor is not None and not contractor.is_active:
        raise ValidationError({"contractor": _("This contractor is no longer active.")})
    # Locked in id order: two issuers picking overlapping defects cannot deadlock.
    locked = list(Defect.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids) or not all(may_see(by, d) for d in locked):
        raise PermissionDenied(_("Some of these defects are outside your projects."))
    groups: dict[tuple[int, int], list[Defect]] = defaultdict(list)
    for defect in locked:
        if defect.status != Defect.Status.OPEN or defect.order_id is not None:
            continue
        if defect.contractor_id is None and contractor is not None:
            defect.contractor = contractor
        if defect.contractor_id is None:
            continue
        groups[(defect.project_id, defect.contractor_id)].append(defect)
    if not groups:
        raise ValidationError(
            {
                "defects": _(
                    "None of these defects can be issued: only open defects with a contractor and "
                    "no rectification order yet."
                )
            }
        )
    for (project_id, _contractor_id), members in groups.items():
        require_engaged(members[0].contractor, project_id)
    now = timezone.now()
    orders = []
    for (project_id, contractor_id), members in sorted(groups.items()):
        order = RectificationOrder.objects.create(
            project_id=project_id,
            contractor_id=contractor_id,
            issued_by=by,
            due_at=max((d.due_at for d in members if d.due_at), default=None),
        )
        order.number = f"RO-{timezone.localtime(now):%Y%m}-{order.pk:06d}"
        RectificationOrder.objects.filter(pk=order.pk).update(number=order.number)
        for defect in members:
            defect.order = order
            defect.status = Defect.Status.FIXING
            _save(defect, ["order", "status", "contractor"])
            defect_event(defect, by, DefectEvent.Kind.ASSIGNED, order.number, order=order.pk)
        _notify(
            contractor_user_ids(contractor_id, project_id),
            by=by,
            kind="rectification_order",
            title=_("Rectification order %(number)s: %(count)d defects to fix")
            % {"number": order.number, "count": len(members)},
            link=reverse("delivery:order-detail", args=[order.pk]),
        )
        orders.append(order)
    return orders


# --- the contractor's part -------------------------------------------------------------------------


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
    photos = _check_photos(photos)
    if not photos:
        raise ValidationError({"photos": _("Choose at least one photo.")})
    if stage == DefectPhoto.Stage.PROGRESS:
        _require(by, "progress")
        return _progress(defect, by, note, photos)
    if not defect.is_open:
        raise ValidationError({"status": _("The defect is no longer open.")})
    return _add_photos(defect, by, photos, stage)


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
    photos = _check_photos(photos)
    if not photos:
        raise ValidationError({"photos": _("Add at least one photo of the fixed defect.")})
    _add_photos(defect, by, photos, DefectPhoto.Stage.FIXED)
    defect.status = Defect.Status.FIXED
    defect.fixed_at = timezone.now()
    _save(defect, ["status", "fixed_at", *deadlines.stop_clock(defect)])
    defect_event(defect, by, DefectEvent.Kind.FIXED, (note or "").strip(), photos=len(photos))
    order_refresh(defect.order_id)
    _notify(
        engineer_ids(defect.project_id) or [defect.reported_by_id],
        by=by,
        kind="defect_fixed",
        title=_("Defect %(number)s fixed: please verify") % {"number": defect.number},
        link=_defect_link(defect),
    )
    return defect


# --- the engineer's verification -----------------------------------------------------------------


@transaction.atomic
def defect_verify(*, by: User, defect: Defect, note: str = "", expected_version: int | None = None) -> Defect:
    """The engineer checked the fix on site: ready for the owner's re-inspection (复验)."""
    _require(by, "verify")
    defect = _lock(defect, by, expected_version)
    _require_status(defect, "verify")
    defect.status = Defect.Status.VERIFIED
    defect.verified_at = timezone.now()
    defect.verified_by = by
    _save(defect, ["status", "verified_at", "verified_by"])
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
    _save(defect, [*fields, *deadlines.start_clock(defect)])
    defect_event(defect, by, kind, reason, rework=defect.rework_count, due_at=defect.due_at.isoformat())
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


# --- the owner's re-inspection (复验) ------------------------------------------------------------------


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
    photos = _check_photos(photos)
    _add_photos(defect, by, photos, DefectPhoto.Stage.REINSPECTION)
    defect.status = Defect.Status.ACCEPTED
    defect.accepted_at = timezone.now()
    _save(defect, ["status", "accepted_at"])
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
    photos = _check_photos(photos)
    _add_photos(defect, by, photos, DefectPhoto.Stage.REINSPECTION)
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
    _save(defect, ["status", *deadlines.stop_clock(defect)])
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
    if defect.order_id is not None:
        raise ValidationError({"status": _("The defect is in a rectification order: ask the engineer.")})
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
        lines.append(f"{field.verbose_name}: {before or '—'} → {_shown(defect, name) or '—'}")
    if "severity" in changed:
        fields += deadlines.start_clock(defect, start=defect.clock_started_at)
    defect.full_clean(exclude=["number", "client_uuid"], validate_constraints=False)
    _save(defect, fields)
    defect_event(defect, by, DefectEvent.Kind.CORRECTED, "\n".join(lines))
    handover_refresh_status(defect.handover_id)
    return defect


def _shown(defect: Defect, name: str) -> str:
    value = getattr(defect, name)
    if name == "contractor":
        return value.name if value else ""
    display = getattr(defect, f"get_{name}_display", None)
    return str(display()) if display else str(value or "")


# --- after handover: warranty defects and repair requests (报修) ------------------------------------------


def warranty_ends(handover: Handover) -> datetime.datetime | None:
    return handover.signed_at + WARRANTY if handover.signed_at else None


def defect_report_after_handover(*, by: User, unit: Unit, **fields) -> Defect:
    """An owner reports a defect after moving in: recorded when the unit is still under warranty."""
    handover = Handover.objects.filter(unit=unit).first()
    if handover is not None and handover.status == Handover.Status.HANDED_OVER:
        ends = warranty_ends(handover)
        if ends is not None and timezone.now() > ends:
            raise ValidationError(
                {
                    "after_handover": _("The warranty of this unit ended on %(date)s.")
                    % {"date": timezone.localdate(ends).isoformat()}
                }
            )
    return defect_record(by=by, unit=unit, after_handover=True, **fields)


# Trade → the complaint category of the seeded tree (complaints/migrations/0002); "quality" otherwise.
TRADE_CATEGORIES = {
    "civil": "crack",
    "plumbing_electrical": "plumbing-electric",
    "doors_windows": "doors-windows",
    "painting": "hollow-plaster",
    "waterproofing": "leak",
    "equipment": "equipment",
}


def unit_owner(unit: Unit):
    """The unit's primary owner (household), else the buyer on its active contract."""
    from customers.models import Contract, HouseholdMember, HouseholdRole

    member = HouseholdMember.objects.filter(unit=unit, role=HouseholdRole.OWNER).select_related("customer")
    owner = next((m.customer for m in member[:1]), None)
    if owner is None:
        contract = (
            Contract.objects.filter(unit=unit, status=Contract.Status.ACTIVE)
            .select_related("primary_buyer")
            .first()
        )
        owner = contract.primary_buyer if contract else None
    return owner


@transaction.atomic
def defect_to_complaint(*, by: User, defect: Defect, channel: str = "hotline"):
    """Turn a defect reported after handover into a repair request (报修), linked both ways.

    Idempotent: a defect already linked returns its complaint.
    """
    from complaints.models import Category, ComplaintType
    from complaints.services import complaint_create

    _require(by, "to_complaint")
    defect = _lock(defect, by, None)
    if defect.complaint_id:
        return defect.complaint
    if not defect.after_handover:
        raise ValidationError(
            {"after_handover": _("Only defects reported after handover become repair requests.")}
        )
    if defect.status == Defect.Status.CANCELLED:
        raise ValidationError({"status": _("The defect is cancelled.")})
    unit = Unit.objects.select_related("building").get(pk=defect.unit_id)
    owner = unit_owner(unit)
    if owner is None:
        raise ValidationError({"customer": _("This unit has no owner on record.")})
    code = TRADE_CATEGORIES.get(defect.trade, "quality")
    category = (
        Category.objects.filter(code=code, is_active=True).first()
        or Category.objects.filter(code="quality", is_active=True).first()
    )
    if category is None:
        raise ValidationError({"category": _("No active complaint category for house quality.")})
    location = " ".join(p for p in (defect.get_room_display(), defect.location) if p)
    complaint = complaint_create(
        by=by,
        customer=owner,
        category=category,
        complaint_type=ComplaintType.REPAIR,
        channel=channel,
        title=f"{unit.code} {defect.get_trade_display()}: {defect.description}"[:200],
        description=_("Defect %(number)s (%(location)s), reported after handover:\n%(description)s")
        % {"number": defect.number, "location": location, "description": defect.description},
        unit=unit,
        received_at=defect.found_at,
    )
    defect.complaint = complaint
    _save(defect, ["complaint"])
    defect_event(defect, by, DefectEvent.Kind.COMPLAINT_LINKED, complaint.number, complaint=complaint.pk)
    return complaint


# --- 缺陷反馈: statistics feed the complaints desk's improvement items -----------------------------------


@transaction.atomic
def improvement_item_from_stats(
    *,
    by: User,
    title: str,
    department: str,
    description: str = "",
    root_cause: str = "",
    project=None,
):
    """An improvement item (complaints.ImprovementItem) from a row of the defect statistics."""
    from complaints.models import ImprovementItem
    from complaints.services import improvement_item_create

    if project is not None and not in_scope(by, project.pk):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    item = improvement_item_create(
        by=by, title=title, department=department, description=description, root_cause=root_cause
    )
    if project is not None:
        # The complaints service takes the project from linked complaints; this item has none.
        ImprovementItem.objects.filter(pk=item.pk).update(project=project)
        item.project = project
    return item
