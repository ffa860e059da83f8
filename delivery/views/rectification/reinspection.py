"""The owner's re-inspection (复验): each verified defect accepted or sent back, with photos."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from ...forms import rectification as forms
from ...models import Defect, DefectPhoto, Handover
from ...selectors import rectification as selectors
from ...services import rectification as services
from ._common import _handover_or_404, _require


def _render_reinspection(request, handover: Handover, bound=None, status: int = 200):
    user = request.user
    defects = list(selectors.unit_defects(user=user, handover=handover))
    to_decide = []
    for defect in defects:
        if "owner_accept" not in services.allowed_actions(defect, user):
            continue  # not (or no longer) waiting for the owner's decision
        defect.fixed_photos = [p for p in defect.photos.all() if p.stage == DefectPhoto.Stage.FIXED]
        defect.found_photos = [p for p in defect.photos.all() if p.stage == DefectPhoto.Stage.FOUND]
        is_bound = bool(bound and bound[0] == defect.pk)
        defect.accept_form = (
            bound[2]
            if is_bound and bound[1] == "accept"
            else forms.OwnerAcceptForm(initial={"version": defect.version}, auto_id=f"accept-{defect.pk}-%s")
        )
        defect.reject_form = (
            bound[2]
            if is_bound and bound[1] == "reject"
            else forms.OwnerRejectForm(initial={"version": defect.version}, auto_id=f"reject-{defect.pk}-%s")
        )
        defect.reject_open = is_bound and bound[1] == "reject"
        to_decide.append(defect)
    counts = Counter(d.status for d in defects)
    return render(
        request,
        "delivery/rectification/reinspection.html",
        {
            "handover": handover,
            "to_decide": to_decide,
            "accepted": counts[Defect.Status.ACCEPTED],
            "being_fixed": counts[Defect.Status.OPEN]
            + counts[Defect.Status.FIXING]
            + counts[Defect.Status.FIXED],
        },
        status=status,
    )


@login_required
@require_GET
def reinspection(request, pk: int):
    handover = _handover_or_404(request.user, pk)
    _require(request.user, "owner_accept")
    return _render_reinspection(request, handover)


REINSPECTION_DECISIONS = {"accept": forms.OwnerAcceptForm, "reject": forms.OwnerRejectForm}


@login_required
@require_POST
def reinspection_decide(request, pk: int, defect_pk: int, decision: str):
    user = request.user
    if decision not in REINSPECTION_DECISIONS:
        raise Http404
    handover = _handover_or_404(user, pk)
    defect = Defect.objects.visible_to(user).filter(handover=handover, pk=defect_pk).first()
    if defect is None:
        raise Http404(_("No such defect."))
    _require(user, "owner_accept" if decision == "accept" else "owner_reject")
    form = REINSPECTION_DECISIONS[decision](request.POST, request.FILES, auto_id=f"{decision}-{defect.pk}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if decision == "accept":
                services.defect_owner_accept(
                    by=user,
                    defect=defect,
                    note=data["note"],
                    photos=data["photos"],
                    expected_version=data.get("version"),
                )
            else:
                services.defect_owner_reject(
                    by=user,
                    defect=defect,
                    reason=data["reason"],
                    photos=data["photos"],
                    expected_version=data.get("version"),
                )
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            return _render_reinspection(request, handover, bound=(defect.pk, decision, form), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = (
                _("%(number)s accepted by the owner.")
                if decision == "accept"
                else _("%(number)s sent back to the contractor.")
            )
            messages.success(request, done % {"number": defect.number})
            return redirect("delivery:reinspection", pk=handover.pk)
    return _render_reinspection(request, handover, bound=(defect.pk, decision, form), status=400)
