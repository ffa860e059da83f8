"""The handover day at the site: the staff's queue and the owners' screen."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ...models import Appointment, HandoverBatch
from ...selectors import planning as selectors
from ...services import planning as services
from ._common import _batch_or_404, _is_htmx

QUEUE_LANES = (
    (Appointment.Status.CHECKED_IN, gettext_lazy("Waiting")),
    (Appointment.Status.INSPECTING, gettext_lazy("Inspecting the unit")),
    (Appointment.Status.SIGNING, gettext_lazy("Signing")),
)
ADVANCE_LABELS = {
    Appointment.Status.CHECKED_IN: gettext_lazy("Check in"),
    Appointment.Status.INSPECTING: gettext_lazy("Start inspection"),
    Appointment.Status.SIGNING: gettext_lazy("Start signing"),
    Appointment.Status.DONE: gettext_lazy("Done"),
}


def queue_day(request) -> datetime.date:
    raw = request.GET.get("day") or request.POST.get("day") or ""
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


def _queue_context(request, batch: HandoverBatch, day: datetime.date) -> dict:
    lanes = selectors.queue(batch, day)
    now = timezone.now()
    for appointment in lanes[Appointment.Status.BOOKED]:
        appointment.slot_started = services.slot_starts_at(appointment.slot) <= now
    for status in services.QUEUE_ORDER:
        for appointment in lanes[status]:
            appointment.next_status = services.NEXT_STATUS.get(appointment.status)
            appointment.next_label = ADVANCE_LABELS.get(appointment.next_status, "")
    return {
        "batch": batch,
        "day": day,
        "queue_url": f"{reverse('delivery:queue', args=[batch.pk])}?day={day.isoformat()}",
        "is_today": day == timezone.localdate(),
        "expected": lanes[Appointment.Status.BOOKED],
        "lanes": [(status, label, lanes[status]) for status, label in QUEUE_LANES],
        "done": lanes[Appointment.Status.DONE],
        "no_shows": lanes[Appointment.Status.NO_SHOW],
        "may_book": "book" in services.batch_actions(batch, request.user),
    }


def queue_response(request, batch, day, *, message: str = "", error: str = ""):
    context = _queue_context(request, batch, day)
    context.update(flash=message, flash_error=error)
    return render(request, "delivery/planning/_queue.html", context)


@login_required
@require_GET
def queue(request, pk: int):
    """The staff's queue on the day: big buttons to check owners in and move them along."""
    batch = _batch_or_404(request.user, pk)
    day = queue_day(request)
    if _is_htmx(request):
        return queue_response(request, batch, day)
    return render(request, "delivery/planning/queue.html", _queue_context(request, batch, day))


@login_required
@require_GET
def queue_screen(request, pk: int):
    """The site screen: queue numbers and unit codes only (never names or phones), polled every 10 s."""
    batch = _batch_or_404(request.user, pk)
    lanes = selectors.queue(batch, timezone.localdate())
    context = {
        "batch": batch,
        "waiting": lanes[Appointment.Status.CHECKED_IN],
        "inspecting": lanes[Appointment.Status.INSPECTING],
        "signing": lanes[Appointment.Status.SIGNING],
        "done_count": len(lanes[Appointment.Status.DONE]),
        "now": timezone.localtime(),
        "calendar_warning": None,  # an owners' screen: no staff banners
    }
    template = (
        "delivery/planning/_screen_board.html" if _is_htmx(request) else "delivery/planning/queue_screen.html"
    )
    return render(request, template, context)
