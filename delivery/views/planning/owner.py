"""The owner's booking link, /handover/book/<token>/: public, no login, rate-limited per address."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from ...forms import planning as forms
from ...models import Handover
from ...selectors import planning as selectors
from ...services import planning as services
from ._common import _bookable_slots, _error_message

# The owner's booking page, per IP address (django-ratelimit syntax); settings may override both.
OWNER_VIEW_RATE, OWNER_BOOK_RATE = "60/h", "10/h"


def _usage(request, group: str, rate: str, *, method: str, increment: bool):
    return get_usage(request, group=group, key="ip", rate=rate, method=method, increment=increment)


def _view_rate() -> str:
    return getattr(settings, "HANDOVER_OWNER_VIEW_RATE", OWNER_VIEW_RATE)


def _book_rate() -> str:
    return getattr(settings, "HANDOVER_OWNER_BOOK_RATE", OWNER_BOOK_RATE)


@require_http_methods(["GET", "POST"])
def owner_book(request, token):
    """/handover/book/<token>/: the owner sees the project, unit and free slots and picks one."""
    viewed = _usage(request, "handover-owner-view", _view_rate(), method="GET", increment=True)
    if viewed and viewed["should_limit"]:
        return render(request, "delivery/planning/public/rate_limited.html", status=429)
    try:
        handover = selectors.handover_for_token(token)
    except Handover.DoesNotExist:
        raise Http404(_("This booking link is not valid.")) from None
    batch = handover.batch
    current = selectors.active_appointment(handover)
    owner = current.customer if current else selectors.owner_of(handover.unit)
    now = timezone.now()
    bookable_batch = services.batch_allows(batch, "book")
    slots = _bookable_slots(batch, now) if bookable_batch else []
    if current is not None:
        slots = [s for s in slots if s.pk != current.slot_id]
    # What appointment_book / appointment_reschedule check before the slot itself.
    may_change = services.handover_bookable(handover) and (
        current is None or services.appointment_movable(current)
    )
    form = forms.OwnerBookForm(request.POST or None, slots=slots)
    status = 200
    if request.method == "POST" and may_change:
        usage = _usage(request, "handover-owner-book", _book_rate(), method="POST", increment=False)
        if usage and usage["count"] >= usage["limit"]:
            return render(request, "delivery/planning/public/rate_limited.html", status=429)
        if form.is_valid():
            try:
                if current is None:
                    services.appointment_book(
                        by=None, handover=handover, slot=form.cleaned_data["slot"], now=now
                    )
                else:
                    services.appointment_reschedule(
                        by=None, appointment=current, slot=form.cleaned_data["slot"], now=now
                    )
            except ValidationError as error:
                form.add_error(None, _error_message(error))
            else:
                _usage(request, "handover-owner-book", _book_rate(), method="POST", increment=True)
                messages.success(request, _("Thank you: your appointment is booked."))
                return redirect("delivery:owner-book", token=handover.booking_token)
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "delivery/planning/public/owner_book.html",
        {
            "handover": handover,
            "batch": batch,
            "project": handover.project,
            "unit": handover.unit,
            "owner_name": selectors.mask_name(owner.name) if owner else "",
            "appointment": current,
            "slots": slots,
            "form": form,
            "may_change": may_change and bookable_batch,
            "closed": not bookable_batch,
        },
        status=status,
    )
