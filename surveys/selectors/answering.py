"""The reads of the answer page and the phone interview: an invitation with what its page shows."""

from __future__ import annotations

from ..models import Invitation, Question
from ..refusals import refuses_surveys

TOKEN_MAX_LENGTH = 64


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation of a link (None for an unknown one), with its campaign, questionnaire and
    project: one query. Nothing personal is read beyond the customer id."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Invitation.objects.select_related("campaign__template_version__template", "project")
        .filter(token=token)
        .first()
    )


def invitation_for_interview(user, pk: int) -> Invitation | None:
    """An invitation the agent may see, with the customer they are calling."""
    return (
        Invitation.objects.visible_to(user)
        .select_related("campaign__template_version__template", "project", "customer")
        .filter(pk=pk)
        .first()
    )


def invitation_questions(invitation: Invitation) -> list[Question]:
    return list(invitation.campaign.template_version.questions.order_by("position", "id"))


def customer_opted_out(invitation: Invitation) -> bool:
    return refuses_surveys(invitation.customer_id)
