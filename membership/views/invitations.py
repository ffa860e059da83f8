"""Inviting members to an event by message: start a round from the event page, follow its progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..forms.growth import InvitationAudienceForm
from ..selectors.events import event_for, latest_invitation_round
from ..services.invitations import audience_filters, invitation_round_start, round_progress
from ._growth import require_run, require_view


def _event_or_404(user, pk: int):
    event = event_for(user=user, pk=pk)
    if event is None:
        raise Http404(_("No such event."))
    return event


@login_required
@require_POST
def event_invitations_start(request, pk: int):
    require_run(request.user)
    event = _event_or_404(request.user, pk)
    form = InvitationAudienceForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("club:event", pk=pk)
    try:
        invitation_round_start(by=request.user, event=event, filters=audience_filters(**form.cleaned_data))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Invitations are being sent to the members with marketing consent; progress below.")
        )
    return redirect("club:event", pk=pk)


@login_required
@require_GET
def event_invitations_progress(request, pk: int):
    """The latest round's progress, polled by the event page (static/js/import-job.js)."""
    require_view(request.user)
    event = _event_or_404(request.user, pk)
    progress = round_progress(latest_invitation_round(event=event))
    return JsonResponse(progress or {"running": False, "percent": 0, "done": 0, "total": 0})
