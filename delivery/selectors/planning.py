"""Reads for planning: the batch list and page, slots with their fill level, bookable units, the
day's arrival queue and the owner's booking page. Each is scoped to the user (404 outside)."""

from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import Contract, Customer, CustomerPhone, HouseholdMember, HouseholdRole
from properties.models import Unit

from ..models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem

# Cancelled appointments free their place; every other one (even a no-show or a done one) used it.
TAKING_A_PLACE = ~Q(status=Appointment.Status.CANCELLED)
QUEUE_STATUSES = (
    Appointment.Status.CHECKED_IN,
    Appointment.Status.INSPECTING,
    Appointment.Status.SIGNING,
    Appointment.Status.DONE,
)


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) per batch as a subquery: no join, so several counts never multiply."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("batch_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def batches_visible_to(user) -> QuerySet[HandoverBatch]:
    return HandoverBatch.objects.visible_to(user)


def batch_list(*, user, filters: dict | None = None) -> QuerySet[HandoverBatch]:
    """Batches in scope with what a list row shows: project, lead, unit count, unsettled readiness."""
    filters = filters or {}
    batches = (
        batches_visible_to(user)
        .select_related("project", "phase", "lead")
        .annotate(
            unit_count=_count(Handover.objects.filter(batch_id=OuterRef("pk"))),
            handed_over_count=_count(
                Handover.objects.filter(batch_id=OuterRef("pk"), status=Handover.Status.HANDED_OVER)
            ),
            unsettled_count=_count(
                ReadinessItem.objects.filter(batch_id=OuterRef("pk")).exclude(
                    status__in=[ReadinessItem.Status.DONE, ReadinessItem.Status.NOT_APPLICABLE]
                )
            ),
        )
    )
    if filters.get("project"):
        batches = batches.filter(project=filters["project"])
    if filters.get("status"):
        batches = batches.filter(status=filters["status"])
    return batches


def batch_detail(*, user, pk: int) -> HandoverBatch:
    """One batch with its buildings, team and readiness items (raises DoesNotExist outside the scope)."""
    return (
        batches_visible_to(user)
        .select_related("project", "phase", "lead")
        .prefetch_related(
            "buildings",
            "team",
            Prefetch("readiness_items", queryset=ReadinessItem.objects.select_related("owner")),
        )
        .get(pk=pk)
    )


def active_appointments() -> Prefetch:
    """Prefetch each handover's active appointment (at most one) as `active_appointments`."""
    return Prefetch(
        "appointments",
        queryset=Appointment.objects.filter(status__in=Appointment.ACTIVE).select_related("slot"),
        to_attr="active_appointments",
    )


def batch_handovers(batch: HandoverBatch) -> QuerySet[Handover]:
    """The batch's units in building order, each with its active appointment."""
    return (
        Handover.objects.filter(batch=batch)
        .select_related("unit", "unit__building")
        .prefetch_related(active_appointments())
        .order_by("unit__building__number", "unit__entrance", "unit__floor", "unit__number")
    )


def slots_with_fill(batch: HandoverBatch) -> QuerySet[AppointmentSlot]:
    """The batch's slots, each annotated with `taken` (places used) and `appointment_count`."""
    return AppointmentSlot.objects.filter(batch=batch).annotate(
        taken=Count("appointments", filter=Q(appointments__status__in=_taking_statuses())),
        appointment_count=Count("appointments"),
    )


def _taking_statuses() -> list[str]:
    return [s for s in Appointment.Status.values if s != Appointment.Status.CANCELLED]


def free_slots(batch: HandoverBatch, now: datetime.datetime | None = None) -> list[AppointmentSlot]:
    """Slots that have not started and still have a place, soonest first."""
    now = timezone.localtime(now or timezone.now())
    slots = slots_with_fill(batch).filter(
        Q(date__gt=now.date()) | Q(date=now.date(), starts_at__gt=now.time())
    )
    return [slot for slot in slots.order_by("date", "starts_at") if slot.taken < slot.capacity]  # type: ignore[attr-defined]  # slots_with_fill() annotates it


def bookable_handovers(batch: HandoverBatch) -> QuerySet[Handover]:
    """Units of the batch that can be booked: not handed over, no active appointment."""
    return (
        Handover.objects.filter(batch=batch)
        .exclude(status=Handover.Status.HANDED_OVER)
        .exclude(appointments__status__in=Appointment.ACTIVE)
        .select_related("unit")
        .order_by("unit__building__number", "unit__entrance", "unit__floor", "unit__number")
    )


def owner_of(unit: Unit) -> Customer | None:
    """The unit's owner: the customer of its primary household member, else its active contract's buyer."""
    member = (
        HouseholdMember.objects.filter(unit=unit, role=HouseholdRole.OWNER).select_related("customer").first()
    )
    if member is not None:
        return member.customer
    contract = (
        Contract.objects.filter(unit=unit, status=Contract.Status.ACTIVE)
        .select_related("primary_buyer")
        .first()
    )
    return contract.primary_buyer if contract is not None else None


def owners_of(unit_ids) -> dict[int, Customer]:
    """owner_of for many units, in two queries."""
    unit_ids = list(unit_ids)
    owners = {
        m.unit_id: m.customer
        for m in HouseholdMember.objects.filter(
            unit_id__in=unit_ids, role=HouseholdRole.OWNER
        ).select_related("customer")
    }
    missing = [pk for pk in unit_ids if pk not in owners]
    if missing:
        for contract in Contract.objects.filter(
            unit_id__in=missing, status=Contract.Status.ACTIVE
        ).select_related("primary_buyer"):
            owners[contract.unit_id] = contract.primary_buyer
    return owners


def appointment_queryset(user) -> QuerySet[Appointment]:
    """Appointments in the user's scope with what a row shows (the customer's phones prefetched)."""
    appointments = Appointment.objects.select_related(
        "slot", "slot__batch", "handover", "handover__unit", "customer"
    ).prefetch_related(
        Prefetch(
            "customer__phones",
            queryset=CustomerPhone.objects.only("id", "customer_id", "number", "is_primary"),
        )
    )
    scope = user.scope
    if scope.is_unrestricted:
        return appointments
    return appointments.filter(handover__project_id__in=scope.project_ids)


def queue(batch: HandoverBatch, day: datetime.date) -> dict[str, list[Appointment]]:
    """The day's arrival queue of the batch, by stage: the ones still expected (booked), waiting
    (checked in, by queue number), in the unit (inspecting), signing, and done."""
    appointments = (
        Appointment.objects.filter(slot__batch=batch, slot__date=day)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("slot", "handover__unit")
        .order_by("queue_number", "slot__starts_at", "id")
    )
    lanes: dict[str, list[Appointment]] = {status: [] for status in Appointment.Status.values}
    for appointment in appointments:
        lanes[appointment.status].append(appointment)
    lanes[Appointment.Status.BOOKED].sort(key=lambda a: (a.slot.starts_at, a.pk))
    return lanes


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough for an owner to recognise, nothing for a stranger."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def handover_for_token(token) -> Handover:
    """The unit behind an owner's booking link (raises DoesNotExist for an unknown token)."""
    return Handover.objects.select_related("unit", "project", "batch").get(booking_token=token)


def active_appointment(handover: Handover) -> Appointment | None:
    return (
        handover.appointments.filter(status__in=Appointment.ACTIVE).select_related("slot", "customer").first()
    )
