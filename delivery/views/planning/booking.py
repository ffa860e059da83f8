"""Booking: an owner into a slot, then rescheduling, cancelling, no-show or the next step in the queue;
sending an owner their booking link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.masking import mask_recipient
from core.models import OutboxMessage
from customers.forms import add_service_errors

from ...forms import planning as forms
from ...models import Appointment, Handover
from ...selectors import planning as selectors
from ...services import planning as services
from ._common import _batch_or_404, _bookable_slots, _error_message, _is_htmx, _next_url, _require
from .queue import queue_day, queue_response


@login_required
@require_http_methods(["GET", "POST"])
def book(request, pk: int):
    """Book an owner (pick a unit and a slot), or change the unit's appointment."""
    user = request.user
    batch = _batch_or_404(user, pk)
    _require(user, "book")
    slots = _bookable_slots(batch)
    raw = request.POST.get("handover") or request.GET.get("handover") or ""
    chosen = (
        get_object_or_404(Handover.objects.select_related("unit"), pk=raw, batch=batch)
        if raw.isdigit()
        else None
    )
    current = selectors.active_appointment(chosen) if chosen else None
    if current is not None:
        owner = current.customer
        return render(
            request,
            "delivery/planning/book.html",
            {
                "batch": batch,
                "handover": chosen,
                "appointment": current,
                "owner": owner,
                "owner_phone": owner.primary_phone.masked if owner and owner.primary_phone else "",
                "reschedule_form": forms.RescheduleForm(
                    slots=[s for s in slots if s.pk != current.slot_id],
                    initial={"version": current.version},
                    auto_id="reschedule-%s",
                ),
                "action_form": forms.AppointmentActionForm(
                    initial={"version": current.version}, auto_id="cancel-%s"
                ),
                "slot_started": services.slot_starts_at(current.slot) <= timezone.now(),
            },
        )
    handovers = selectors.bookable_handovers(batch)
    owners = selectors.owners_of(handovers.values_list("unit_id", flat=True))
    form = forms.BookForm(
        request.POST or None,
        handovers=handovers,
        slots=slots,
        owners=owners,
        initial={"handover": chosen.pk if chosen else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book(
                by=user, handover=data["handover"], slot=data["slot"], note=data.get("note") or ""
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(unit)s booked for %(slot)s.")
                % {"unit": data["handover"].unit.code, "slot": appointment.slot},
            )
            return redirect("delivery:batch-detail", pk=batch.pk)
    return render(
        request,
        "delivery/planning/book.html",
        {"batch": batch, "form": form, "handover": chosen, "no_slots": not slots},
        status=400 if form.errors else 200,
    )


APPOINTMENT_ACTIONS = ("reschedule", "cancel", "no-show", "advance")


@login_required
@require_POST
def appointment_action(request, pk: int, action: str):
    """Reschedule, cancel, no-show or advance in the queue; scope first (404), then role (403)."""
    if action not in APPOINTMENT_ACTIONS:
        raise Http404
    user = request.user
    _require(user, "read")
    appointment = get_object_or_404(selectors.appointment_queryset(user), pk=pk)
    _require(user, "book")
    batch = appointment.slot.batch
    back = _next_url(
        request, reverse("delivery:book", args=[batch.pk]) + f"?handover={appointment.handover_id}"
    )
    try:
        if action == "reschedule":
            form = forms.RescheduleForm(request.POST, slots=_bookable_slots(batch))
            if not form.is_valid():
                raise ValidationError(form.non_field_errors() or {"slot": _("Choose a new slot.")})
            services.appointment_reschedule(
                by=user,
                appointment=appointment,
                slot=form.cleaned_data["slot"],
                version=form.cleaned_data["version"],
            )
            done = _("Appointment moved.")
        elif action == "advance":
            form = forms.AdvanceForm(request.POST)
            if "to_status" in form.errors:
                return HttpResponseBadRequest(_("Unknown step."))
            if not form.is_valid():
                raise ValidationError(form.non_field_errors())
            services.appointment_advance(
                by=user,
                appointment=appointment,
                to_status=form.cleaned_data["to_status"],
                version=form.cleaned_data.get("version"),
            )
            done = _("%(unit)s: %(status)s.") % {
                "unit": appointment.handover.unit.code,
                "status": Appointment.Status(form.cleaned_data["to_status"]).label,
            }
        else:
            form = forms.AppointmentActionForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.non_field_errors() or form.errors.get("reason"))
            data = form.cleaned_data
            if action == "cancel":
                services.appointment_cancel(
                    by=user,
                    appointment=appointment,
                    reason=data.get("reason") or "",
                    version=data.get("version"),
                )
                done = _("Appointment cancelled.")
            else:
                services.appointment_no_show(by=user, appointment=appointment, version=data.get("version"))
                done = _("Marked as no-show.")
    except ValidationError as error:  # a refusal or a stale version (ConcurrentEditError)
        return _action_refused(request, batch, back, error)
    if _is_htmx(request):
        return queue_response(request, batch, appointment.slot.date, message=done)
    messages.success(request, done)
    return redirect(back)


def _action_refused(request, batch, back: str, error: ValidationError):
    if _is_htmx(request):
        # htmx swaps only 2xx answers: the refusal is shown in the queue it replaces.
        return queue_response(request, batch, queue_day(request), error=_error_message(error))
    messages.error(request, _error_message(error))
    return redirect(back)


@login_required
@require_POST
def booking_link_send(request, pk: int, handover_pk: int):
    """Send the unit's owner their booking link on their channel (the page still offers it to copy)."""
    batch = _batch_or_404(request.user, pk)
    _require(request.user, "book")
    handover = get_object_or_404(Handover.objects.select_related("unit"), pk=handover_pk, batch=batch)
    link = request.build_absolute_uri(reverse("delivery:owner-book", args=[handover.booking_token]))
    try:
        message = services.handover_booking_link_send(by=request.user, handover=handover, link=link)
    except ValidationError as error:
        messages.error(request, _error_message(error))
    else:
        messages.success(
            request,
            _("The booking link of %(unit)s is on its way to the owner: %(channel)s %(address)s.")
            % {
                "unit": handover.unit.code,
                "channel": OutboxMessage.Channel(message.channel).label,
                "address": mask_recipient(message.channel, message.recipient),
            },
        )
    return redirect("delivery:batch-detail", pk=batch.pk)
