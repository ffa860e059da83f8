"""The handover day at the site: the arrival queue, and the reminders sent the day before."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.outbox import messages_enqueue
from customers.messaging import owner_message
from notifications.models import Notification

from ...models import Appointment, HandoverBatch
from ._common import _booker_checks, _lock_appointment, _save, batch_allows

# The day's queue: each status leads to exactly one next one.
QUEUE_ORDER = (
    Appointment.Status.BOOKED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.INSPECTING,
    Appointment.Status.SIGNING,
    Appointment.Status.DONE,
)
NEXT_STATUS: dict[str, Appointment.Status] = dict(zip(QUEUE_ORDER, QUEUE_ORDER[1:], strict=False))
QUEUE_TIMESTAMPS: dict[str, str] = {
    Appointment.Status.CHECKED_IN: "checked_in_at",
    Appointment.Status.INSPECTING: "inspection_started_at",
    Appointment.Status.SIGNING: "signing_started_at",
    Appointment.Status.DONE: "done_at",
}
REMINDER_AHEAD = datetime.timedelta(hours=24)


@transaction.atomic
def appointment_advance(
    *,
    by: User,
    appointment: Appointment,
    to_status: str,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """The day's queue: booked → checked in → inspecting → signing → done, one step at a time.

    Checking in happens on the appointment's day, in an open batch, and draws the next queue
    number of that batch and day (the batch row is locked so two desks never draw the same one).
    """
    _booker_checks(by, appointment.handover.project_id)
    now = now or timezone.now()
    current = Appointment.objects.select_related("slot").get(pk=appointment.pk)
    if to_status == Appointment.Status.CHECKED_IN:
        # Lock order batch → appointment, the same for every check-in.
        batch = HandoverBatch.objects.select_for_update().get(pk=current.slot.batch_id)
    appointment = _lock_appointment(appointment, version)
    expected = NEXT_STATUS.get(appointment.status)
    if to_status not in QUEUE_TIMESTAMPS or expected != to_status:
        raise ValidationError(
            {
                "status": _("“%(status)s” cannot go to “%(to)s”; the next step is “%(next)s”.")
                % {
                    "status": appointment.get_status_display(),
                    "to": Appointment.Status(to_status).label
                    if to_status in Appointment.Status.values
                    else to_status,
                    "next": expected.label if expected else "—",
                }
            }
        )
    fields = ["status", QUEUE_TIMESTAMPS[to_status]]
    if to_status == Appointment.Status.CHECKED_IN:
        if not batch_allows(batch, "check_in"):
            raise ValidationError(
                {"status": _("The batch is not open: complete its readiness checklist and open it.")}
            )
        day = timezone.localdate(now)
        if appointment.slot.date != day:
            raise ValidationError(
                {
                    "status": _("Check-in is on the appointment's day (%(day)s); reschedule it instead.")
                    % {"day": appointment.slot.date}
                }
            )
        last = (
            Appointment.objects.filter(slot__batch_id=batch.pk, slot__date=day, queue_number__isnull=False)
            .order_by("-queue_number")
            .values_list("queue_number", flat=True)
            .first()
        )
        appointment.queue_number = (last or 0) + 1
        fields.append("queue_number")
    appointment.status = to_status
    setattr(appointment, QUEUE_TIMESTAMPS[to_status], now)
    return _save(appointment, fields)


def appointment_reminders_send(now: datetime.datetime | None = None) -> int:
    """Remind each booked appointment whose slot starts within the next 24 hours, exactly once.

    Each appointment is claimed with a conditional UPDATE (reminder_sent_at IS NULL), so two
    sweeps running together never remind anyone twice. The claim, the staff's notifications and the
    owner's message (on their preferred channel, through the outbox: retried until it goes) commit
    together.
    """
    now = now or timezone.now()
    start, end = timezone.localtime(now), timezone.localtime(now + REMINDER_AHEAD)
    window = Q(slot__date=start.date(), slot__starts_at__gte=start.time())
    if end.date() > start.date():
        window |= Q(slot__date__gt=start.date(), slot__date__lt=end.date())
        window |= Q(slot__date=end.date(), slot__starts_at__lte=end.time())
    else:
        window &= Q(slot__starts_at__lte=end.time())
    due = (
        Appointment.objects.filter(status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True)
        .filter(window)
        .select_related("slot", "slot__batch", "slot__batch__project", "handover__unit", "customer")
        .prefetch_related("customer__phones")
        .order_by("slot__date", "slot__starts_at", "id")
    )
    sent = 0
    for appointment in due:
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue  # another sweep got there first, or the appointment moved on
            _notify_staff(appointment)
            _remind_owner(appointment)
        sent += 1
    return sent


def _reminder_text(appointment: Appointment) -> dict[str, str]:
    slot, batch = appointment.slot, appointment.slot.batch
    return {
        "project": batch.project.name,
        "unit": appointment.handover.unit.code,
        "date": f"{slot.date:%Y-%m-%d}",
        "window": f"{slot.starts_at:%H:%M}-{slot.ends_at:%H:%M}",
        "site": batch.site,
    }


def _notify_staff(appointment: Appointment) -> None:
    batch = appointment.slot.batch
    recipients = {uid for uid in (appointment.booked_by_id, batch.lead_id) if uid}
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Handover appointment %(date)s %(window)s: %(project)s %(unit)s") % _reminder_text(
            appointment
        )
    link = reverse("delivery:batch-detail", args=[batch.pk])
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, kind="handover_reminder", title=title[:200], link=link)
            for uid in sorted(recipients)
        ]
    )


def _remind_owner(appointment: Appointment) -> None:
    customer = appointment.customer
    if customer is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        facts = _reminder_text(appointment)
        subject = _("Your handover appointment: %(date)s %(window)s") % facts
        text = _(
            "Dear %(name)s,\n\nthis is a reminder of your handover appointment for %(project)s %(unit)s "
            "on %(date)s, %(window)s, at %(site)s. Please bring your ID card and the purchase contract.\n\n"
            "We look forward to welcoming you home."
        ) % {**facts, "name": customer.name}
    message = owner_message(
        customer,
        kind="handover_reminder",
        idempotency_key=f"handover-reminder.{appointment.pk}.slot-{appointment.slot_id}",
        subject=subject,
        text=text,
        template_params={**facts, "name": customer.name},
    )
    if message is not None:
        messages_enqueue([message])
