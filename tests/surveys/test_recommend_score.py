"""The final recommend score kept on the invitation: written by the submit (and by the fill for bulk loads),
what the responses list's promoter / passive / detractor filter reads, counted as the dashboards count it."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from surveys.models import Answer, DayTally, Invitation
from surveys.selectors.responses import ResponseFilters, response_list
from surveys.services.responses import recommend_scores_fill, response_save
from surveys.signals import response_completed
from tests.factories import CustomerFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, completed_invitation

pytestmark = pytest.mark.django_db

ANSWERS = {"overall": "4", "repurchase": "4", "quality": "4", "leaks": "no"}


def _submitted(campaign, project, recommend: str) -> Invitation:
    invitation = InvitationFactory(
        campaign=campaign, project=project, customer=CustomerFactory(city_company=project.city_company)
    )
    response_save(invitation, dict(ANSWERS, recommend=recommend), submit=True)
    invitation.refresh_from_db()
    return invitation


def _listed(user, nps: str) -> set[int]:
    return set(response_list(user=user, filters=ResponseFilters(nps=nps)).values_list("pk", flat=True))


def test_the_submit_keeps_the_recommend_score_and_a_partial_save_does_not(project):
    invitation = InvitationFactory(project=project)
    response_save(invitation, {"recommend": "3"}, submit=False)
    invitation.refresh_from_db()
    assert invitation.recommend_score is None  # not final: never counted, never filtered

    response_save(invitation, dict(ANSWERS, recommend="8"), submit=True)
    invitation.refresh_from_db()
    assert invitation.recommend_score == 8


def test_each_class_lists_its_responses_and_adds_up_to_the_dashboards_counts(project, city_head):
    campaign = CampaignFactory()
    by_score = {score: _submitted(campaign, project, str(score)) for score in (0, 6, 7, 8, 9, 10)}
    # A questionnaire without the recommend question (written directly, then what the submit signals).
    unanswered = completed_invitation({"overall": 4}, campaign=campaign, project=project)
    response_completed.send(sender=Invitation, invitation=unanswered)
    assert unanswered.recommend_score is None

    promoters, passives, detractors = (
        _listed(city_head, nps) for nps in ("promoter", "passive", "detractor")
    )
    assert promoters == {by_score[9].pk, by_score[10].pk}
    assert passives == {by_score[7].pk, by_score[8].pk}
    assert detractors == {by_score[0].pk, by_score[6].pk}
    assert unanswered.pk not in promoters | passives | detractors
    # The dashboards' day tallies, kept by the same submit from the answers, count the same responses.
    tally = DayTally.objects.aggregate(
        rated=Sum("recommend_rated"), promoters=Sum("promoters"), detractors=Sum("detractors")
    )
    assert tally == {
        "rated": len(promoters | passives | detractors),
        "promoters": len(promoters),
        "detractors": len(detractors),
    }
    # And each row shows the score its class was filtered on.
    rows = {row.pk: row.recommend for row in response_list(user=city_head, filters=ResponseFilters())}
    assert {pk: rows[pk] for pk in detractors} == {by_score[0].pk: 0, by_score[6].pk: 6}


def test_the_fill_writes_the_highest_final_score_of_completed_invitations_only(project):
    campaign = CampaignFactory()
    done = _submitted(campaign, project, "9")
    started = InvitationFactory(campaign=campaign, project=project)
    response_save(started, {"recommend": "2"}, submit=False)
    Invitation.objects.update(recommend_score=None)  # as a bulk load leaves them
    # A questionnaire asking it twice: the figures take the highest final answer.
    twice = Answer.objects.get(invitation=done, role="recommend")
    Answer.objects.filter(pk=twice.pk).update(score=4)
    extra = Answer.objects.get(invitation=done, question__code="quality")
    Answer.objects.filter(pk=extra.pk).update(role="recommend", score=7)

    assert recommend_scores_fill() == 1
    assert dict(Invitation.objects.values_list("pk", "recommend_score")) == {done.pk: 7, started.pk: None}
