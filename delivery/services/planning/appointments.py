"""Appointment slots and owners' bookings: create and generate slots, book, reschedule, cancel; send
an owner their booking link."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.outbox import OutgoingMessage, messages_enqueue
from customers.messaging import owner_message
from customers.models import Customer

from ...models import Appointment, AppointmentSlot, Handover, HandoverBatch
from ...selectors import planning as selectors
from ..defects import require_role
from ._common import (
    PLANNERS,
    _booker_checks,
    _lock,
    _lock_appointment,
    _require_not_closed,
    _require_scope,
    _save,
    batch_allows,
)

MAX_GENERATED_DAYS = 62
MAX_WINDOWS = 16


def slot_starts_at(slot: AppointmentSlot) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(slot.date, slot.starts_at))


def _check_slot_day(batch: HandoverBatch, day: datetime.date, field: str = "date") -> None:
    if not batch.starts_on <= day <= batch.ends_on:
        raise ValidationError(
            {
                field: _("Slots are on the batch's days, %(first)s to %(last)s.")
                % {"first": batch.starts_on, "last": batch.ends_on}
            }
        )


@transaction.atomic
def slot_create(
    *,
    by: User,
    batch: HandoverBatch,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    capacity: int,
) -> AppointmentSlot:
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    _check_slot_day(batch, date)
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": _("The slot ends before it starts.")})
    if AppointmentSlot.objects.filter(batch=batch, date=date, starts_at=starts_at).exists():
        raise ValidationError({"starts_at": _("A slot already starts at this time on that day.")})
    slot = AppointmentSlot(batch=batch, date=date, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    slot.full_clean()
    slot.save()
    return slot


@transaction.atomic
def slots_generate(
    *,
    by: User,
    batch: HandoverBatch,
    first_day: datetime.date,
    last_day: datetime.date,
    windows: Sequence[tuple[datetime.time, datetime.time]],
    capacity: int,
    weekdays: Iterable[int] | None = None,
) -> list[AppointmentSlot]:
    """Days × time windows × capacity, in one go. Slots that already exist (same day and start) are
    left as they are, so generating twice makes no copies. `weekdays` (0 = Monday) limits the days."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    errors: dict[str, str] = {}
    if first_day > last_day:
        errors["last_day"] = _("The last day is before the first day.")
    elif (last_day - first_day).days >= MAX_GENERATED_DAYS:
        errors["last_day"] = _("At most %(n)d days at a time.") % {"n": MAX_GENERATED_DAYS}
    if not windows:
        errors["windows"] = _("Give at least one time window, e.g. 09:00-10:00.")
    elif len(windows) > MAX_WINDOWS:
        errors["windows"] = _("At most %(n)d windows a day.") % {"n": MAX_WINDOWS}
    elif any(start >= end for start, end in windows):
        errors["windows"] = _("Each window must end after it starts.")
    if capacity is None or capacity < 1:
        errors["capacity"] = _("At least one owner per slot.")
    if errors:
        raise ValidationError(errors)
    _check_slot_day(batch, first_day, "first_day")
    _check_slot_day(batch, last_day, "last_day")
    weekdays = set(weekdays) if weekdays is not None else set(range(7))
    days = [
        first_day + datetime.timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if (first_day + datetime.timedelta(days=n)).weekday() in weekdays
    ]
    existing = set(batch.slots.filter(date__in=days).values_list("date", "starts_at"))
    new = [
        AppointmentSlot(batch=batch, date=day, starts_at=start, ends_at=end, capacity=capacity)
        for day in days
        for start, end in sorted(set(windows))
        if (day, start) not in existing
    ]
    return AppointmentSlot.objects.bulk_create(new)


@transaction.atomic
def slot_delete(*, by: User, slot: AppointmentSlot) -> None:
    """Remove a slot nobody ever booked (appointments keep their slot as history)."""
    require_role(by, PLANNERS)
    slot = AppointmentSlot.objects.select_for_update(of=("self",)).select_related("batch").get(pk=slot.pk)
    _require_scope(by, slot.batch.project_id)
    _require_not_closed(slot.batch)
    if slot.appointments.exists():
        raise ValidationError({"slot": _("This slot has appointments; it cannot be deleted.")})
    slot.delete()


def _take_place(slot: AppointmentSlot, handover: Handover, now: datetime.datetime) -> AppointmentSlot:
    """Lock the slot and check that the handover may take one of its places now."""
    slot = AppointmentSlot.objects.select_for_update(of=("self",)).select_related("batch").get(pk=slot.pk)
    if slot.batch_id != handover.batch_id:
        raise ValidationError({"slot": _("This slot belongs to another batch.")})
    if not batch_allows(slot.batch, "book"):
        raise ValidationError({"slot": _("The batch is closed.")})
    if slot_starts_at(slot) <= now:
        raise ValidationError({"slot": _("This slot has already started; choose a later one.")})
    taken = slot.appointments.exclude(status=Appointment.Status.CANCELLED).count()
    if taken >= slot.capacity:
        raise ValidationError({"slot": _("This slot is full; choose another one.")})
    return slot


def _create_appointment(**fields) -> Appointment:
    try:
        with transaction.atomic():
            return Appointment.objects.create(**fields)
    except IntegrityError:
        # one_active_appointment_per_unit: someone booked this unit a moment ago.
        raise ValidationError({"handover": _("This unit already has an appointment.")}) from None


@transaction.atomic
def appointment_book(
    *,
    by: User | None,
    handover: Handover,
    slot: AppointmentSlot,
    customer: Customer | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book the unit's owner into a slot. `by` is None when the owner books through the link."""
    _booker_checks(by, handover.project_id)
    now = now or timezone.now()
    handover = Handover.objects.select_related("unit").get(pk=handover.pk)
    if not handover_bookable(handover):
        raise ValidationError({"handover": _("This unit is already handed over.")})
    slot = _take_place(slot, handover, now)
    if handover.appointments.filter(status__in=Appointment.ACTIVE).exists():
        raise ValidationError({"handover": _("This unit already has an appointment.")})
    customer = customer or selectors.owner_of(handover.unit)
    if customer is None:
        raise ValidationError({"handover": _("This unit has no owner on record (household or contract).")})
    return _create_appointment(
        slot=slot,
        handover=handover,
        customer=customer,
        channel=Appointment.Channel.AGENT if by is not None else Appointment.Channel.OWNER_LINK,
        booked_by=by,
        note=(note or "").strip()[:200],
    )


def handover_bookable(handover: Handover) -> bool:
    """Whether the unit may still get an appointment (not once it is handed over)."""
    return handover.status != Handover.Status.HANDED_OVER


def appointment_movable(appointment: Appointment) -> bool:
    """Whether the appointment may still be rescheduled, cancelled or marked no-show."""
    return appointment.status == Appointment.Status.BOOKED


def _require_booked(appointment: Appointment, message: str) -> None:
    if not appointment_movable(appointment):
        raise ValidationError({"status": message % {"status": appointment.get_status_display()}})


@transaction.atomic
def appointment_reschedule(
    *,
    by: User | None,
    appointment: Appointment,
    slot: AppointmentSlot,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """A new appointment in another slot; the old one is cancelled and named in `rescheduled_from`."""
    _booker_checks(by, appointment.handover.project_id)
    now = now or timezone.now()
    old = _lock_appointment(appointment, version)
    _require_booked(old, _("Only a booked appointment can be rescheduled; this one is “%(status)s”."))
    if slot.pk == old.slot_id:
        raise ValidationError({"slot": _("This is the slot already booked.")})
    new_slot = _take_place(slot, old.handover, now)
    old.status = Appointment.Status.CANCELLED
    old.note = _append_note(old.note, _("Rescheduled to %(slot)s") % {"slot": new_slot})
    _save(old, ["status", "note"])
    return _create_appointment(
        slot=new_slot,
        handover=old.handover,
        customer=old.customer,
        channel=Appointment.Channel.AGENT if by is not None else Appointment.Channel.OWNER_LINK,
        booked_by=by or old.booked_by,
        rescheduled_from=old,
        note="",
    )


def _append_note(note: str, addition: str) -> str:
    return " · ".join(part for part in (note, addition) if part)[:200]


@transaction.atomic
def appointment_cancel(
    *, by: User, appointment: Appointment, reason: str = "", version: int | None = None
) -> Appointment:
    _booker_checks(by, appointment.handover.project_id)
    appointment = _lock_appointment(appointment, version)
    _require_booked(appointment, _("Only a booked appointment can be cancelled; this one is “%(status)s”."))
    appointment.status = Appointment.Status.CANCELLED
    appointment.note = _append_note(appointment.note, (reason or "").strip())
    return _save(appointment, ["status", "note"])


@transaction.atomic
def appointment_no_show(
    *,
    by: User,
    appointment: Appointment,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """The owner did not come: only once the slot has started."""
    _booker_checks(by, appointment.handover.project_id)
    now = now or timezone.now()
    appointment = _lock_appointment(appointment, version)
    _require_booked(
        appointment, _("Only a booked appointment can be marked no-show; this one is “%(status)s”.")
    )
    if slot_starts_at(appointment.slot) > now:
        raise ValidationError({"status": _("The slot has not started yet; the owner may still come.")})
    appointment.status = Appointment.Status.NO_SHOW
    return _save(appointment, ["status"])


@transaction.atomic
def handover_booking_link_send(
    *, by: User, handover: Handover, link: str, now: datetime.datetime | None = None
) -> OutgoingMessage:
    """Send the unit's owner their booking link (`link`: the absolute URL of /handover/book/<token>/)
    on their preferred channel, through the outbox. Pressing twice within a minute sends one message;
    later presses send again (the owner lost it). Returns the message (channel, address) queued."""
    _booker_checks(by, handover.project_id)
    handover = Handover.objects.select_related("unit", "batch", "project").get(pk=handover.pk)
    _require_not_closed(handover.batch)
    if handover.status == Handover.Status.HANDED_OVER:
        raise ValidationError({"handover": _("This unit is handed over already.")})
    owner = selectors.owner_of(handover.unit)
    if owner is None:
        raise ValidationError({"handover": _("This unit has no owner on record.")})
    now = now or timezone.now()
    facts = {"name": owner.name, "project": handover.project.name, "unit": handover.unit.code, "link": link}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Choose the time of your handover: %(project)s %(unit)s") % facts
        text = (
            _(
                "Dear %(name)s, your home %(project)s %(unit)s is ready to be handed over. "
                "Choose the time that suits you here: %(link)s"
            )
            % facts
        )
    message = owner_message(
        owner,
        kind="handover_booking_link",
        idempotency_key=f"handover-booking-link.{handover.pk}.{now:%Y%m%d%H%M}",
        subject=subject,
        text=text,
        template_params=facts,
    )
    if message is None:
        raise ValidationError({"handover": _("The owner has no mobile number or email on record.")})
    messages_enqueue([message])
    return message
