"""What the planning pages share: role checks, the batch lookup, safe redirects, the slots still bookable."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ...models import AppointmentSlot, HandoverBatch
from ...selectors import planning as selectors
from ...services import planning as services


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require(user, action: str) -> None:
    if not services.may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _batch_or_404(user, pk: int) -> HandoverBatch:
    _require(user, "read")
    try:
        return selectors.batch_detail(user=user, pk=pk)
    except HandoverBatch.DoesNotExist:
        raise Http404(_("No such handover batch.")) from None


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _error_message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _bookable_slots(batch: HandoverBatch, now=None) -> list[AppointmentSlot]:
    """Slots that have not started, full ones included (shown as full; the service refuses them)."""
    now = timezone.localtime(now or timezone.now())
    slots = selectors.slots_with_fill(batch).order_by("date", "starts_at")
    return [s for s in slots.filter(date__gte=now.date()) if services.slot_starts_at(s) > now]
