"""The timeline's sources for what the apps below already record (registered in LifecycleConfig.ready()).

One function per kind, `fn(customer, *, before, limit)`, each one query on its own table: the
customer's rows older than the cursor, newest first, `limit + 1` at most (see lifecycle/timeline.py).
Rows reached through a complaint (its events, work orders, return visits) are read by the complaint's
customer (index complaint_customer_recent, then each table's complaint index); a unit's handover
rows (inspections, defects) through the customer's active contracts' units.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint, ComplaintEvent, ReturnVisit, WorkOrder
from core.masking import mask_name
from customers.models import Contract
from delivery.models import Appointment, Defect, Handover, Inspection
from membership.models import Event, Member, PointsEntry, Referral, Registration
from surveys.models import Campaign, Invitation

from .models import Touchpoint
from .timeline import TimelineEntry, day_start, older_than, older_than_date, register_timeline_source

DETAIL_CHARS = 120

# Complaint events that have their own kind of entry (the complaint itself, work orders, return visits).
EVENTS_SHOWN_ELSEWHERE = (
    ComplaintEvent.Kind.CREATED,
    ComplaintEvent.Kind.WORK_ORDER,
    ComplaintEvent.Kind.RETURN_VISIT,
)


def _short(text: str) -> str:
    return Truncator(text or "").chars(DETAIL_CHARS)


def _page(queryset, before, kind: str, at_field: str, limit: int):
    return queryset.filter(older_than(before, kind, at_field)).order_by(f"-{at_field}", "-pk")[: limit + 1]


def _customer_units(customer):
    return Contract.objects.filter(primary_buyer=customer, status=Contract.Status.ACTIVE).values("unit_id")


# --- customers -----------------------------------------------------------------------------------------

CONTRACT_EVENTS = (
    (0, "subscribed_on", gettext_lazy("Subscribed (认购), contract %(number)s")),
    (1, "signed_on", gettext_lazy("Contract %(number)s signed")),
    (2, "handed_over_on", gettext_lazy("Home handed over, contract %(number)s")),
)


def contract_entries(customer, *, before, limit):
    """Subscribed, signed, handed over: up to three entries per contract, at the day's start (their
    columns are dates). A person buys a handful of homes: their contracts are read whole."""
    dated = Q()
    for _n, field, _title in CONTRACT_EVENTS:
        dated |= older_than_date(before, "contract", field) if before else Q(**{f"{field}__isnull": False})
    contracts = Contract.objects.filter(dated, primary_buyer=customer).only(
        "pk", "number", "status", "subscribed_on", "signed_on", "handed_over_on"
    )
    entries = []
    for contract in contracts:
        for n, field, title in CONTRACT_EVENTS:
            day = getattr(contract, field)
            if day is None:
                continue
            detail = _("Cancelled (退房)") if contract.status == Contract.Status.CANCELLED else ""
            entries.append(
                TimelineEntry(
                    at=day_start(day),
                    kind="contract",
                    id=contract.pk * 3 + n,
                    title=str(title) % {"number": contract.number},
                    detail=detail,
                )
            )
    entries.sort(key=lambda entry: (entry.at, entry.id), reverse=True)
    return entries


# --- complaints -----------------------------------------------------------------------------------------


def _complaint_link(complaint_id: int) -> dict:
    return {"url": reverse("complaints:detail", args=[complaint_id]), "record": (Complaint, complaint_id)}


def complaint_entries(customer, *, before, limit):
    rows = _page(
        Complaint.objects.filter(customer=customer).only("pk", "number", "title", "status", "received_at"),
        before,
        "complaint",
        "received_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.received_at,
            kind="complaint",
            id=row.pk,
            title=_("Complaint %(number)s received: %(title)s")
            % {"number": row.number or "—", "title": row.title},
            detail=row.get_status_display(),
            **_complaint_link(row.pk),
        )
        for row in rows
    ]


def complaint_event_entries(customer, *, before, limit):
    rows = _page(
        ComplaintEvent.objects.filter(complaint__customer=customer)
        .exclude(kind__in=EVENTS_SHOWN_ELSEWHERE)
        .select_related("complaint")
        .only("pk", "kind", "note", "created_at", "complaint__number"),
        before,
        "complaint_event",
        "created_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.created_at,
            kind="complaint_event",
            id=row.pk,
            title=f"{row.complaint.number or '—'} · {row.get_kind_display()}",
            detail=_short(row.note),
            **_complaint_link(row.complaint_id),
        )
        for row in rows
    ]


def work_order_entries(customer, *, before, limit):
    rows = _page(
        WorkOrder.objects.filter(complaint__customer=customer).only(
            "pk", "number", "status", "description", "created_at"
        ),
        before,
        "work_order",
        "created_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.created_at,
            kind="work_order",
            id=row.pk,
            title=_("Work order %(number)s issued · %(status)s")
            % {"number": row.number or "—", "status": row.get_status_display()},
            detail=_short(row.description),
            url=reverse("complaints:work-order", args=[row.pk]),
            record=(WorkOrder, row.pk),
        )
        for row in rows
    ]


def return_visit_entries(customer, *, before, limit):
    rows = _page(
        ReturnVisit.objects.filter(complaint__customer=customer)
        .select_related("complaint")
        .only("pk", "attempt", "reached", "satisfaction", "comment", "visited_at", "complaint__number"),
        before,
        "return_visit",
        "visited_at",
        limit,
    )
    entries = []
    for row in rows:
        outcome = (
            _("reached, satisfaction %(score)s/5") % {"score": row.satisfaction}
            if row.reached
            else _("not reached")
        )
        entries.append(
            TimelineEntry(
                at=row.visited_at,
                kind="return_visit",
                id=row.pk,
                title=_("Return visit %(attempt)s on %(number)s: %(outcome)s")
                % {"attempt": row.attempt, "number": row.complaint.number or "—", "outcome": outcome},
                detail=_short(row.comment),
                **_complaint_link(row.complaint_id),
            )
        )
    return entries


# --- delivery -------------------------------------------------------------------------------------------


def _handover_link(handover_id: int, url: str | None = None) -> dict:
    url = url or reverse("delivery:handover-detail", args=[handover_id])
    return {"url": url, "record": (Handover, handover_id)}


def appointment_entries(customer, *, before, limit):
    rows = _page(
        Appointment.objects.filter(customer=customer)
        .select_related("slot")
        .only("pk", "status", "created_at", "handover_id", "slot__date", "slot__starts_at"),
        before,
        "handover_appointment",
        "created_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.created_at,
            kind="handover_appointment",
            id=row.pk,
            title=_("Handover appointment booked for %(day)s %(time)s · %(status)s")
            % {
                "day": row.slot.date.isoformat(),
                "time": row.slot.starts_at.strftime("%H:%M"),
                "status": row.get_status_display(),
            },
            **_handover_link(row.handover_id),
        )
        for row in rows
    ]


def inspection_entries(customer, *, before, limit):
    rows = _page(
        Inspection.objects.filter(handover__unit__in=_customer_units(customer)).only(
            "pk", "kind", "status", "started_at", "owner_present", "handover_id"
        ),
        before,
        "inspection",
        "started_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.started_at,
            kind="inspection",
            id=row.pk,
            title=f"{row.get_kind_display()} · {row.get_status_display()}",
            detail="" if row.owner_present else _("Owner not present"),
            **_handover_link(row.handover_id, reverse("delivery:inspection", args=[row.pk])),
        )
        for row in rows
    ]


def defect_entries(customer, *, before, limit):
    rows = _page(
        Defect.objects.filter(unit__in=_customer_units(customer)).only(
            "pk", "number", "trade", "severity", "status", "description", "found_at"
        ),
        before,
        "defect",
        "found_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.found_at,
            kind="defect",
            id=row.pk,
            title=_("Defect %(number)s (%(trade)s, %(severity)s) · %(status)s")
            % {
                "number": row.number or "—",
                "trade": row.get_trade_display(),
                "severity": row.get_severity_display(),
                "status": row.get_status_display(),
            },
            detail=_short(row.description),
            url=reverse("delivery:defect-detail", args=[row.pk]),
            record=(Defect, row.pk),
        )
        for row in rows
    ]


# --- surveys --------------------------------------------------------------------------------------------


def _survey_entries(customer, *, before, limit, kind, at_field, title):
    queryset = Invitation.objects.filter(customer=customer)
    if at_field != "created_at":
        queryset = queryset.filter(**{f"{at_field}__isnull": False})
    rows = _page(
        queryset.select_related("campaign").only("pk", "status", at_field, "campaign__name", "subject"),
        before,
        kind,
        at_field,
        limit,
    )
    return [
        TimelineEntry(
            at=getattr(row, at_field),
            kind=kind,
            id=row.pk,
            title=str(title) % {"campaign": row.campaign.name, "status": row.get_status_display()},
            detail=row.subject,
            url=reverse("surveys:campaign", args=[row.campaign_id]),
            record=(Campaign, row.campaign_id),
        )
        for row in rows
    ]


def survey_invitation_entries(customer, *, before, limit):
    title = gettext_lazy("Survey invitation: %(campaign)s · %(status)s")
    return _survey_entries(
        customer, before=before, limit=limit, kind="survey_invitation", at_field="created_at", title=title
    )


def survey_answer_entries(customer, *, before, limit):
    title = gettext_lazy("Survey answered: %(campaign)s")
    return _survey_entries(
        customer, before=before, limit=limit, kind="survey_answer", at_field="completed_at", title=title
    )


# --- the club -------------------------------------------------------------------------------------------


def _member_link(member_id: int) -> dict:
    return {"url": reverse("club:member", args=[member_id]), "record": (Member, member_id)}


def enrolment_entries(customer, *, before, limit):
    rows = _page(
        Member.objects.filter(customer=customer).only("pk", "number", "enrolled_at", "left_at"),
        before,
        "club_enrolment",
        "enrolled_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.enrolled_at,
            kind="club_enrolment",
            id=row.pk,
            title=_("Joined the club as member %(number)s") % {"number": row.number},
            detail=_("Left the club on %(day)s") % {"day": row.left_at.date().isoformat()}
            if row.left_at
            else "",
            **_member_link(row.pk),
        )
        for row in rows
    ]


def registration_entries(customer, *, before, limit):
    rows = _page(
        Registration.objects.filter(member__customer=customer)
        .select_related("event")
        .only("pk", "status", "registered_at", "event__title", "event__starts_at"),
        before,
        "club_registration",
        "registered_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.registered_at,
            kind="club_registration",
            id=row.pk,
            title=_("Club event %(event)s on %(day)s · %(status)s")
            % {
                "event": row.event.title,
                "day": row.event.starts_at.date().isoformat(),
                "status": row.get_status_display(),
            },
            url=reverse("club:event", args=[row.event_id]),
            record=(Event, row.event_id),
        )
        for row in rows
    ]


def points_entries(customer, *, before, limit):
    rows = _page(
        PointsEntry.objects.filter(member__customer=customer).only(
            "pk", "member_id", "kind", "points", "reason", "created_at"
        ),
        before,
        "club_points",
        "created_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.created_at,
            kind="club_points",
            id=row.pk,
            title=_("%(points)+d points: %(kind)s") % {"points": row.points, "kind": row.get_kind_display()},
            detail=_short(row.reason),
            **_member_link(row.member_id),
        )
        for row in rows
    ]


def referral_entries(customer, *, before, limit):
    rows = _page(
        Referral.objects.filter(referrer__customer=customer)
        .select_related("project")
        .only("pk", "referrer_id", "friend_name", "status", "created_at", "project__name"),
        before,
        "club_referral",
        "created_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.created_at,
            kind="club_referral",
            id=row.pk,
            # The friend is someone else: their name masked, as on the referral board.
            title=_("Referred %(friend)s to %(project)s · %(status)s")
            % {
                "friend": mask_name(row.friend_name),
                "project": row.project.name,
                "status": row.get_status_display(),
            },
            **_member_link(row.referrer_id),
        )
        for row in rows
    ]


# --- the lifecycle's own touchpoints ---------------------------------------------------------------------


def touchpoint_entries(customer, *, before, limit):
    """Touchpoints worked (reached, done, declined, or a call not answered), at the time recorded."""
    rows = _page(
        Touchpoint.objects.filter(customer=customer, done_at__isnull=False)
        .select_related("plan")
        .only("pk", "status", "outcome_note", "done_at", "plan__name_zh", "plan__name_en"),
        before,
        "touchpoint",
        "done_at",
        limit,
    )
    return [
        TimelineEntry(
            at=row.done_at,
            kind="touchpoint",
            id=row.pk,
            title=f"{row.plan.name} · {row.get_status_display()}",
            detail=_short(row.outcome_note),
            record=(Touchpoint, row.pk),
        )
        for row in rows
    ]


def register_builtin_sources() -> None:
    """Called from LifecycleConfig.ready(): the kinds in the order of the filter's choices."""
    for kind, label, fn in (
        ("contract", gettext_lazy("Contracts"), contract_entries),
        ("complaint", gettext_lazy("Complaints"), complaint_entries),
        ("complaint_event", gettext_lazy("Complaint progress"), complaint_event_entries),
        ("work_order", gettext_lazy("Work orders"), work_order_entries),
        ("return_visit", gettext_lazy("Return visits"), return_visit_entries),
        ("handover_appointment", gettext_lazy("Handover appointments"), appointment_entries),
        ("inspection", gettext_lazy("Inspections"), inspection_entries),
        ("defect", gettext_lazy("Defects"), defect_entries),
        ("survey_invitation", gettext_lazy("Survey invitations"), survey_invitation_entries),
        ("survey_answer", gettext_lazy("Survey answers"), survey_answer_entries),
        ("club_enrolment", gettext_lazy("Club membership"), enrolment_entries),
        ("club_registration", gettext_lazy("Club events"), registration_entries),
        ("club_points", gettext_lazy("Club points"), points_entries),
        ("club_referral", gettext_lazy("Referrals"), referral_entries),
        ("touchpoint", gettext_lazy("Touchpoints"), touchpoint_entries),
    ):
        register_timeline_source(kind, label, fn)
