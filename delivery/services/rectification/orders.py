"""Rectification orders (整改单): one per project and contractor, completed and closed by their defects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contractor, User
from core.audit import audit_snapshot

from ...models import Defect, DefectEvent, RectificationOrder
from ..defects import defect_event, require_engaged
from ._common import _notify, _require, _save, contractor_user_ids, may_see, state_refusal

# An order is complete when every live defect reached one of these; closed when all are accepted.
DONE_BY_CONTRACTOR = (Defect.Status.FIXED, Defect.Status.VERIFIED, Defect.Status.ACCEPTED)


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
        audit_snapshot(defect)
        if state_refusal(defect, "issue") is not None:
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
            _save(defect, ["order", "status", "contractor"], by=by)
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
