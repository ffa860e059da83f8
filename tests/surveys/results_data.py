"""Answers written directly (the answering helper's submit service is not needed to test results):
each row repeats its invitation's and question's keys, as the submit service writes them."""

from __future__ import annotations

from django.utils import timezone

from surveys.models import Answer, Invitation, Question
from surveys.tallies import response_tally
from tests.surveys.factories import InvitationFactory


def answer_row(invitation: Invitation, question: Question, *, final: bool = True, **values) -> Answer:
    return Answer.objects.create(
        invitation=invitation,
        question=question,
        campaign_id=invitation.campaign_id,
        city_company_id=invitation.city_company_id,
        project_id=invitation.project_id,
        segment=invitation.segment,
        dimension=question.dimension,
        role=question.role,
        is_final=final,
        **values,
    )


def respond(campaign, *, final: bool = True, invitation: Invitation | None = None, **answers) -> Invitation:
    """An invitation of `campaign` answered: `overall=5, leaks=["yes"], comments="…"` by question code.
    `invitation_kwargs` go to the factory (customer, city_company, project, segment)."""
    extra = answers.pop("invitation_kwargs", {})
    invitation = invitation or InvitationFactory(campaign=campaign, sent_at=timezone.now(), **extra)
    questions = {q.code: q for q in Question.objects.filter(template_version_id=campaign.template_version_id)}
    for code, value in answers.items():
        question = questions[code]
        if isinstance(value, list):
            answer_row(invitation, question, final=final, choices=value)
        elif isinstance(value, str):
            answer_row(invitation, question, final=final, text=value)
        else:
            answer_row(invitation, question, final=final, score=value)
    if final:
        invitation.status = Invitation.Status.COMPLETED
        invitation.completed_at = timezone.now()
        invitation.save(update_fields=["status", "completed_at"])
        # What the submit service's response_completed signal does in its transaction.
        response_tally(invitation=invitation)
    return invitation
