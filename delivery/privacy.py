"""Handover's share of a person's rights (customers.privacy): their handover appointments and the
defects of their homes that they reported (after handover, or through a complaint) in the data-subject
export; the appointment notes, the signer's name and the texts of the defects they reported replaced by
placeholders on anonymisation (statuses, dates, trades and severities kept); and the retention hold:
a customer with an active appointment, or one changed since the cutoff, is kept."""

from __future__ import annotations

import datetime

from django.db.models import Q

from core.audit import audit_trail_anonymise
from customers.privacy import PLACEHOLDER, iso

from .models import Appointment, Defect, Handover


def _reported_defects(customer):
    """The defects the person reported: through their complaints, or after handover on a home they hold."""
    return Defect.objects.filter(
        Q(complaint__customer=customer) | Q(after_handover=True, unit__household__customer=customer)
    ).distinct()


def handover_of(customer, user) -> dict:
    appointments = (
        Appointment.objects.filter(customer=customer)
        .select_related("slot", "handover__unit__building")
        .order_by("slot__date", "slot__starts_at", "id")
    )
    defects = _reported_defects(customer).select_related("unit__building").order_by("found_at", "id")
    return {
        "appointments": [
            {
                "unit": str(appointment.handover.unit),
                "date": iso(appointment.slot.date),
                "from": appointment.slot.starts_at.isoformat(),
                "to": appointment.slot.ends_at.isoformat(),
                "status": appointment.status,
                "channel": appointment.channel,
                "note": appointment.note,
                "signed_by": appointment.handover.signed_by_name,
            }
            for appointment in appointments
        ],
        "reported_defects": [
            {
                "number": defect.number,
                "unit": str(defect.unit),
                "room": defect.room,
                "location": defect.location,
                "trade": defect.trade,
                "severity": defect.severity,
                "description": defect.description,
                "status": defect.status,
                "found_at": iso(defect.found_at),
                "accepted_at": iso(defect.accepted_at),
            }
            for defect in defects
        ],
    }


def handover_anonymise(customer, now: datetime.datetime) -> int:
    changed = Appointment.objects.filter(customer=customer).exclude(note="").update(note=PLACEHOLDER)
    handovers = Appointment.objects.filter(customer=customer).values("handover_id")
    changed += (
        Handover.objects.filter(pk__in=handovers)
        .exclude(signed_by_name="")
        .update(signed_by_name=PLACEHOLDER)
    )
    reported = list(_reported_defects(customer).values_list("pk", flat=True))
    changed += Defect.objects.filter(pk__in=reported).update(description=PLACEHOLDER)
    changed += audit_trail_anonymise(Defect, reported, placeholder=PLACEHOLDER)
    return changed


def customers_with_live_appointments(cutoff: datetime.datetime):
    return (
        Appointment.objects.filter(customer__isnull=False)
        .filter(Q(status__in=Appointment.ACTIVE) | Q(updated_at__gte=cutoff))
        .values("customer_id")
    )


def register() -> None:
    from customers.privacy import register_anonymiser, register_retention_hold, register_subject_export_part

    register_subject_export_part("handover", handover_of)
    register_anonymiser("handover", handover_anonymise)
    register_retention_hold("handover", customers_with_live_appointments)
