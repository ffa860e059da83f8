"""The 6+2 steps' share of a person's rights (customers.privacy): their touchpoints, the construction
news sent to them and their whole owner timeline in the data-subject export; the touchpoints' outcome
notes replaced by placeholders on anonymisation (statuses and dates kept: the completion rates do not
move); and the retention hold: a customer with a pending touchpoint, or one changed since the cutoff."""

from __future__ import annotations

import datetime

from django.db.models import Q

from customers.privacy import PLACEHOLDER, iso

from .models import NewsDelivery, Touchpoint
from .timeline import MAX_PAGE_SIZE, Position, customer_timeline


def touchpoints_of(customer, user) -> list[dict]:
    touchpoints = Touchpoint.objects.filter(customer=customer).select_related("plan").order_by("due_on", "id")
    return [
        {
            "plan": str(touchpoint.plan),
            "due_on": iso(touchpoint.due_on),
            "status": touchpoint.status,
            "outcome": touchpoint.outcome_note,
            "attempts": touchpoint.attempts,
            "done_at": iso(touchpoint.done_at),
        }
        for touchpoint in touchpoints
    ]


def news_of(customer, user) -> list[dict]:
    deliveries = NewsDelivery.objects.filter(customer=customer).select_related("news").order_by("id")
    return [
        {"news": delivery.news.title, "status": delivery.status, "sent_at": iso(delivery.sent_at)}
        for delivery in deliveries
    ]


def timeline_of(customer, user) -> list[dict]:
    """Every entry of the owner timeline, newest first, page by page (one query per kind per page)."""
    entries, cursor = [], None
    while True:
        page = customer_timeline(
            customer, user=user, before=Position.decode(cursor) if cursor else None, limit=MAX_PAGE_SIZE
        )
        entries.extend(
            {"at": iso(entry.at), "kind": entry.kind, "title": str(entry.title), "detail": str(entry.detail)}
            for entry in page.entries
        )
        if not page.next_cursor:
            return entries
        cursor = page.next_cursor


def touchpoints_anonymise(customer, now: datetime.datetime) -> int:
    return (
        Touchpoint.objects.filter(customer=customer).exclude(outcome_note="").update(outcome_note=PLACEHOLDER)
    )


def customers_with_live_touchpoints(cutoff: datetime.datetime):
    return Touchpoint.objects.filter(Q(status__in=Touchpoint.PENDING) | Q(updated_at__gte=cutoff)).values(
        "customer_id"
    )


def register() -> None:
    from customers.privacy import register_anonymiser, register_retention_hold, register_subject_export_part

    register_subject_export_part("touchpoints", touchpoints_of)
    register_subject_export_part("construction_news", news_of)
    register_subject_export_part("timeline", timeline_of)
    register_anonymiser("touchpoints", touchpoints_anonymise)
    register_retention_hold("touchpoints", customers_with_live_touchpoints)
