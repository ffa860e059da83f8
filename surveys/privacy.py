"""Surveys' share of a person's rights (customers.privacy): their invitations with answers, opt-outs
and follow-ups in the data-subject export; the written answers and follow-up notes replaced by
placeholders on anonymisation (scores and choices kept: the results do not move); and the retention
hold: a customer with an unanswered live invitation, an open follow-up, or one since the cutoff."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q

from core.audit import audit_trail_anonymise
from customers.privacy import PLACEHOLDER, iso

from .models import Answer, FollowUp, Invitation, SurveyOptOut

LIVE_INVITATION = (Invitation.Status.SCHEDULED, Invitation.Status.SENT, Invitation.Status.STARTED)


def surveys_of(customer, user) -> dict:
    invitations = (
        Invitation.objects.filter(customer=customer)
        .select_related("campaign")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question").order_by("id"))
        )
        .order_by("created_at", "id")
    )
    return {
        "invitations": [
            {
                "campaign": invitation.campaign.name,
                "about": invitation.subject,
                "status": invitation.status,
                "sent_at": iso(invitation.sent_at),
                "completed_at": iso(invitation.completed_at),
                "answers": [
                    {
                        "question": answer.question.text,
                        "score": answer.score,
                        "choices": answer.choices,
                        "text": answer.text,
                        "final": answer.is_final,
                    }
                    for answer in invitation.answers.all()
                ],
            }
            for invitation in invitations
        ],
        "opt_outs": [
            {"source": opt_out.source, "at": iso(opt_out.created_at)}
            for opt_out in SurveyOptOut.objects.filter(customer=customer).order_by("created_at", "id")
        ],
        "follow_ups": [
            {"reason": follow_up.reason, "status": follow_up.status, "outcome": follow_up.outcome_note}
            for follow_up in FollowUp.objects.filter(customer=customer).order_by("created_at", "id")
        ],
    }


def surveys_anonymise(customer, now: datetime.datetime) -> int:
    changed = Answer.objects.filter(invitation__customer=customer).exclude(text="").update(text=PLACEHOLDER)
    changed += (
        FollowUp.objects.filter(customer=customer).exclude(outcome_note="").update(outcome_note=PLACEHOLDER)
    )
    invitations = Invitation.objects.filter(customer=customer).values_list("pk", flat=True)
    changed += audit_trail_anonymise(Invitation, invitations, placeholder=PLACEHOLDER)
    return changed


def customers_with_live_surveys(cutoff: datetime.datetime):
    return Invitation.objects.filter(Q(status__in=LIVE_INVITATION) | Q(created_at__gte=cutoff)).values(
        "customer_id"
    )


def customers_with_live_follow_ups(cutoff: datetime.datetime):
    return FollowUp.objects.filter(Q(status=FollowUp.Status.OPEN) | Q(updated_at__gte=cutoff)).values(
        "customer_id"
    )


def register() -> None:
    from customers.privacy import register_anonymiser, register_retention_hold, register_subject_export_part

    register_subject_export_part("surveys", surveys_of)
    register_anonymiser("surveys", surveys_anonymise)
    register_retention_hold("surveys.invitations", customers_with_live_surveys)
    register_retention_hold("surveys.follow_ups", customers_with_live_follow_ups)
