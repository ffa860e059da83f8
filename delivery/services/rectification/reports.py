"""After handover: owners' warranty defects, repair requests (报修), improvement items from the statistics."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from properties.models import Unit

from ...models import Defect, DefectEvent, Handover
from ..defects import defect_event, defect_record, in_scope, takes_warranty_defects
from ._common import _lock, _require, _require_status, _save

# A defect the owner reports within this time after signing for the unit is under warranty (保修期).
WARRANTY = datetime.timedelta(days=2 * 365)


def warranty_ends(handover: Handover) -> datetime.datetime | None:
    return handover.signed_at + WARRANTY if handover.signed_at else None


def defect_report_after_handover(*, by: User, unit: Unit, **fields) -> Defect:
    """An owner reports a defect after moving in: recorded when the unit is still under warranty."""
    handover = Handover.objects.filter(unit=unit).first()
    if takes_warranty_defects(handover):
        ends = warranty_ends(handover)  # type: ignore[arg-type]  # takes_warranty_defects() is False for None
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
    _require_status(defect, "to_complaint")
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
    _save(defect, ["complaint"], by=by)
    defect_event(defect, by, DefectEvent.Kind.COMPLAINT_LINKED, complaint.number, complaint=complaint.pk)  # type: ignore[arg-type]  # numbered on creation: never None here
    return complaint


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
