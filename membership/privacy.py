"""The club's share of a person's rights (customers.privacy): the memberships linked to the customer,
with consents, points, event registrations, referrals made and purchase intentions, in the data-subject
export (a referred friend's phone masked: it is someone else's data); the members' personal data and
free texts replaced by placeholders on anonymisation (tiers, points, consents, dates kept: the club's
figures do not move); and the retention hold: a customer still in the club, or a member changed since
the cutoff, is kept."""

from __future__ import annotations

import datetime

from django.db.models import Q

from core.audit import audit_trail_anonymise
from core.masking import mask_phone
from customers.privacy import PLACEHOLDER, iso

from .models import Consent, Member, PointsEntry, PurchaseIntention, Referral, Registration


def _member_data(member: Member) -> dict:
    return {
        "number": member.number,
        "name": member.name,
        "gender": member.gender,
        "birth_date": iso(member.birth_date),
        "nationality": member.nationality,
        "employer": member.employer,
        "education": member.education,
        "phone": member.phone,
        "id_number": member.id_number or "",
        "email": member.email,
        "interests": member.interests,
        "care_wish": member.care_wish,
        "tier": member.tier,
        "points": member.points_balance,
        "enrolled_at": iso(member.enrolled_at),
        "channel": member.channel,
        "left_at": iso(member.left_at),
        "consents": [
            {
                "kind": consent.kind,
                "granted": consent.granted,
                "text_version": consent.text_version,
                "channel": consent.channel,
                "at": iso(consent.recorded_at),
            }
            for consent in Consent.objects.filter(member=member).order_by("recorded_at", "id")
        ],
        "points_entries": [
            {"kind": entry.kind, "points": entry.points, "reason": entry.reason, "at": iso(entry.created_at)}
            for entry in PointsEntry.objects.filter(member=member).order_by("created_at", "id")
        ],
        "event_registrations": [
            {
                "event": registration.event.title,
                "status": registration.status,
                "registered_at": iso(registration.registered_at),
                "checked_in_at": iso(registration.checked_in_at),
            }
            for registration in Registration.objects.filter(member=member)
            .select_related("event")
            .order_by("id")
        ],
        "referrals_made": [
            {
                "friend_name": referral.friend_name,
                "friend_phone": mask_phone(referral.friend_phone),
                "status": referral.status,
                "at": iso(referral.created_at),
            }
            for referral in Referral.objects.filter(referrer=member).order_by("id")
        ],
        "purchase_intentions": [
            {"unit_type": intention.unit_type, "notes": intention.notes, "at": iso(intention.created_at)}
            for intention in PurchaseIntention.objects.filter(member=member).order_by("id")
        ],
    }


def club_of(customer, user) -> list[dict]:
    return [_member_data(member) for member in Member.objects.filter(customer=customer).order_by("id")]


def placeholder_member_phone(member: Member) -> str:
    """Eleven digits no mobile number has (they start with 1), unique per member (the active-phone
    constraint)."""
    return f"0{member.pk:010d}"[-11:]


def club_anonymise(customer, now: datetime.datetime) -> int:
    changed = 0
    for member in Member.objects.filter(customer=customer):
        member.name = PLACEHOLDER
        member.phone = placeholder_member_phone(member)
        member.id_number = None
        member.id_number_hash = ""
        member.email = ""
        member.employer = ""
        member.care_wish = ""
        member.birth_date = member.birth_date.replace(month=1, day=1)
        member.save(
            update_fields=[
                "name",
                "phone",
                "phone_last4",
                "id_number",
                "id_number_hash",
                "email",
                "employer",
                "care_wish",
                "birth_date",
            ]
        )
        changed += 1
        intentions = PurchaseIntention.objects.filter(member=member)
        changed += intentions.update(name=PLACEHOLDER, phone=placeholder_member_phone(member), notes="")
        changed += audit_trail_anonymise(Member, [member.pk], placeholder=PLACEHOLDER)
    return changed


def customers_in_the_club(cutoff: datetime.datetime):
    return (
        Member.objects.filter(customer__isnull=False)
        .filter(Q(left_at__isnull=True) | Q(updated_at__gte=cutoff))
        .values("customer_id")
    )


def register() -> None:
    from customers.privacy import register_anonymiser, register_retention_hold, register_subject_export_part

    register_subject_export_part("club", club_of)
    register_anonymiser("club", club_anonymise)
    register_retention_hold("club", customers_in_the_club)
