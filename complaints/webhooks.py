"""The complaint desk's webhook events (core.webhooks): created, escalated, closed. A payload carries
ids, states and times, never the owner's personal data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.webhooks import register_webhook_event, webhook_emit, webhook_subscribed, webhooks_emit

from .models import Complaint

CREATED, ESCALATED, CLOSED = "complaint.created", "complaint.escalated", "complaint.closed"


def register() -> None:
    register_webhook_event(CREATED, _("Complaint created"))
    register_webhook_event(ESCALATED, _("Complaint escalated"))
    register_webhook_event(CLOSED, _("Complaint closed"))


def complaint_data(complaint: Complaint) -> dict:
    return {
        "id": complaint.pk,
        "number": complaint.number,
        "type": complaint.complaint_type,
        "channel": complaint.channel,
        "category_id": complaint.category_id,
        "severity": complaint.severity,
        "status": complaint.status,
        "project_id": complaint.project_id,
        "unit_id": complaint.unit_id,
        "customer_id": complaint.customer_id,
        "received_at": complaint.received_at,
        "escalation_level": complaint.escalation_level,
        "closed_at": complaint.closed_at,
        "root_cause": complaint.root_cause,
    }


def complaint_created(complaint: Complaint) -> None:
    webhook_emit(CREATED, key=f"{CREATED}:{complaint.pk}", data=complaint_data(complaint))


def complaints_escalated(escalations: list[tuple[Complaint, str, int]]) -> None:
    """(complaint, SLA target, level) per escalation fired in a sweep batch; each once per round. The
    sweep's rows carry only its own fields: the payloads are read in one query, and only when some
    endpoint wants them."""
    if not escalations or not webhook_subscribed(ESCALATED):
        return
    complaints = Complaint.objects.in_bulk({complaint.pk for complaint, _target, _level in escalations})
    webhooks_emit(
        ESCALATED,
        [
            (
                f"{ESCALATED}:{complaint.pk}:{target}:{complaint.reopen_count}:{level}",
                {**complaint_data(complaints[complaint.pk]), "sla_target": target, "escalation_level": level},
            )
            for complaint, target, level in escalations
        ],
    )


def on_complaint_closed(sender, *, complaint: Complaint, **kwargs) -> None:
    # A reopened complaint closes again in a new round: a new event.
    webhook_emit(
        CLOSED, key=f"{CLOSED}:{complaint.pk}:{complaint.reopen_count}", data=complaint_data(complaint)
    )
