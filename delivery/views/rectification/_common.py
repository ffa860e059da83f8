"""What the rectification pages share: role checks, the handover lookup, kept queries, pins."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role

from ...models import Handover
from ...selectors import rectification as selectors
from ...services import rectification as services


def _require(user, action: str) -> None:
    if not services.may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _not_contractor(user) -> None:
    if user.role in (Role.CONTRACTOR, Role.DEPARTMENT_STAFF):
        raise PermissionDenied(_("Your role may not see this page."))


def _not_department_staff(user) -> None:
    """Defects and orders are the handover team's and the contractors' (their own); department staff,
    who work on complaint work orders, see none of them (Defect.objects.visible_to)."""
    if user.role == Role.DEPARTMENT_STAFF:
        raise PermissionDenied(_("Your role may not see this page."))


def _kept(request) -> str:
    back = request.POST.get("next", "")
    return f"?{back}" if back and "\n" not in back and "\r" not in back else ""


def _pins(defects) -> list[dict]:
    """The pinned defects, numbered by their place in `defects`, with the pin's place in percent."""
    return [
        {"number": number, "defect": d, "left": f"{d.pin_x * 100:.2f}", "top": f"{d.pin_y * 100:.2f}"}
        for number, d in enumerate(defects, start=1)
        if d.pin_x is not None and d.pin_y is not None
    ]


def _handover_or_404(user, pk: int) -> Handover:
    try:
        return selectors.handover_for(user=user, pk=pk)
    except Handover.DoesNotExist:
        raise Http404(_("No such unit handover.")) from None
