"""The surveys' webhook event (core.webhooks): a survey answered (submitted)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.webhooks import register_webhook_event, webhook_emit

from .models import Invitation

SURVEY_ANSWERED = "survey.answered"


def register() -> None:
    register_webhook_event(SURVEY_ANSWERED, _("Survey answered"))


def on_response_completed(sender, *, invitation: Invitation, **kwargs) -> None:
    # The answers stay in the CRM (the API's survey results); the event says which survey was answered.
    webhook_emit(
        SURVEY_ANSWERED,
        key=f"{SURVEY_ANSWERED}:{invitation.pk}",
        data={
            "invitation_id": invitation.pk,
            "campaign_id": invitation.campaign_id,
            "customer_id": invitation.customer_id,
            "project_id": invitation.project_id,
            "unit_id": invitation.unit_id,
            "segment": invitation.segment,
            "completed_at": invitation.completed_at,
        },
    )
