"""The complaint desk's share of a person's rights (customers.privacy): their complaints with events,
return visits and work orders in the data-subject export; the free texts and contact details of those
rows replaced by placeholders on anonymisation (categories, statuses, dates and SLA figures kept); and
the retention hold: a customer with an open complaint, or one changed since the cutoff, is kept."""

from __future__ import annotations

import datetime

from django.db.models import Q

from core.audit import audit_trail_anonymise
from customers.privacy import PLACEHOLDER, iso

from .models import Complaint, ComplaintEvent, ReturnVisit, Status, WorkOrder, WorkOrderNote


def complaints_of(customer, user) -> list[dict]:
    complaints = (
        Complaint.objects.filter(customer=customer)
        .select_related("category", "project", "unit")
        .prefetch_related("events", "return_visits", "work_orders")
        .order_by("created_at", "id")
    )
    return [
        {
            "number": complaint.number,
            "type": complaint.complaint_type,
            "channel": complaint.channel,
            "category": str(complaint.category) if complaint.category_id else None,
            "severity": complaint.severity,
            "status": complaint.status,
            "project": str(complaint.project) if complaint.project_id else None,
            "unit": str(complaint.unit) if complaint.unit_id else None,
            "reporter_name": complaint.reporter_name,
            "reporter_phone": complaint.reporter_phone,
            "title": complaint.title,
            "description": complaint.description,
            "plan": complaint.plan,
            "resolution": complaint.resolution,
            "created_at": iso(complaint.created_at),
            "events": [
                {"kind": event.kind, "note": event.note, "at": iso(event.created_at)}
                for event in sorted(complaint.events.all(), key=lambda event: (event.created_at, event.pk))
            ],
            "return_visits": [
                {
                    "attempt": visit.attempt,
                    "reached": visit.reached,
                    "satisfaction": visit.satisfaction,
                    "comment": visit.comment,
                    "at": iso(visit.visited_at),
                }
                for visit in complaint.return_visits.all()
            ],
            "work_orders": [
                {"number": order.number, "task": order.description, "status": order.status}
                for order in complaint.work_orders.all()
            ],
        }
        for complaint in complaints
    ]


def _blank_or_placeholder(model, rows, *fields: str) -> int:
    """Each non-empty field of `rows` becomes the placeholder (an empty one stays empty)."""
    changed = 0
    for field in fields:
        changed += model.objects.filter(pk__in=rows).exclude(**{field: ""}).update(**{field: PLACEHOLDER})
    return changed


def complaints_anonymise(customer, now: datetime.datetime) -> int:
    complaints = Complaint.objects.filter(customer=customer).values("pk")
    changed = _blank_or_placeholder(
        Complaint, complaints, "reporter_name", "title", "description", "plan", "resolution"
    )
    changed += (
        Complaint.objects.filter(customer=customer).exclude(reporter_phone="").update(reporter_phone="")
    )
    changed += _blank_or_placeholder(
        ComplaintEvent, ComplaintEvent.objects.filter(complaint__customer=customer).values("pk"), "note"
    )
    changed += _blank_or_placeholder(
        ReturnVisit, ReturnVisit.objects.filter(complaint__customer=customer).values("pk"), "comment"
    )
    orders = WorkOrder.objects.filter(complaint__customer=customer).values("pk")
    changed += _blank_or_placeholder(WorkOrder, orders, "description", "completion_note")
    changed += _blank_or_placeholder(
        WorkOrderNote, WorkOrderNote.objects.filter(work_order__in=orders).values("pk"), "note"
    )
    ids = Complaint.objects.filter(customer=customer).values_list("pk", flat=True)
    changed += audit_trail_anonymise(Complaint, ids, placeholder=PLACEHOLDER)
    return changed


def customers_with_live_complaints(cutoff: datetime.datetime):
    return (
        Complaint.objects.filter(customer__isnull=False)
        .filter(~Q(status=Status.CLOSED) | Q(updated_at__gte=cutoff))
        .values("customer_id")
    )


def register() -> None:
    from customers.privacy import register_anonymiser, register_retention_hold, register_subject_export_part

    register_subject_export_part("complaints", complaints_of)
    register_anonymiser("complaints", complaints_anonymise)
    register_retention_hold("complaints", customers_with_live_complaints)
