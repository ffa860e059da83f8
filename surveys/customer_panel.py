"""The customer 360 page's surveys section (registered with customers.panels): the customer's survey
history with their overall and recommend scores, the latest answered one highlighted, and their open
invitations with a link to the phone interview. Three queries, whatever the history's length."""

from __future__ import annotations

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Answer, Invitation, QuestionRole
from .permissions import may_interview, may_view_surveys

HISTORY_ROWS = 10
OPEN_ROWS = 5
OPEN_STATUSES = (Invitation.Status.SCHEDULED, Invitation.Status.SENT, Invitation.Status.STARTED)


def customer_survey_history(*, user, customer, now=None) -> dict:
    now = now or timezone.now()
    invitations = Invitation.objects.visible_to(user).filter(customer=customer).select_related("campaign")
    history = list(invitations.order_by("-created_at", "-id")[:HISTORY_ROWS])
    scores: dict[int, dict[str, int]] = {}
    answered = [i.pk for i in history if i.completed_at]
    if answered:
        for invitation_id, role, score in Answer.objects.filter(
            invitation_id__in=answered,
            is_final=True,
            role__in=[QuestionRole.OVERALL, QuestionRole.RECOMMEND],
        ).values_list("invitation_id", "role", "score"):
            scores.setdefault(invitation_id, {})[role] = score
    latest = max((i for i in history if i.completed_at), key=lambda i: i.completed_at, default=None)
    for invitation in history:
        invitation.overall = scores.get(invitation.pk, {}).get(QuestionRole.OVERALL)
        invitation.recommend = scores.get(invitation.pk, {}).get(QuestionRole.RECOMMEND)
        invitation.is_latest = invitation is latest
    open_invitations = list(
        invitations.filter(status__in=OPEN_STATUSES)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")[:OPEN_ROWS]
    )
    return {"history": history, "open_invitations": open_invitations, "latest": latest}


def customer_surveys(request, customer) -> str:
    user = request.user
    if not (may_view_surveys(user) or may_interview(user)):
        return ""
    context = customer_survey_history(user=user, customer=customer)
    context.update(customer=customer, may_interview=may_interview(user), may_view=may_view_surveys(user))
    return render_to_string("surveys/_customer_surveys.html", context, request=request)
