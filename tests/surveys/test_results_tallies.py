"""The results' rollup: the submit transaction's signal counts a response once, the counts add up for
answers without a project, and a rebuild from the answers gives the same rows."""

import pytest
from django.utils import timezone

from surveys.models import ResultTally
from surveys.signals import response_completed
from surveys.tallies import tallies_rebuild
from tests.factories import CustomerFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory
from tests.surveys.results_data import answer_row, respond

pytestmark = pytest.mark.django_db


def _tallies(campaign):
    return {
        (t.city_company_id, t.project_key, t.segment, t.question_key, t.measure): t.n
        for t in ResultTally.objects.filter(campaign=campaign)
    }


def test_the_completed_signal_counts_the_response(city):
    campaign = CampaignFactory()
    invitation = InvitationFactory(
        campaign=campaign, customer=CustomerFactory(city_company=city), sent_at=timezone.now()
    )
    questions = {q.code: q for q in campaign.template_version.questions.all()}
    for code, score in (("overall", 5), ("repurchase", 5), ("recommend", 9)):
        answer_row(invitation, questions[code], score=score)
    answer_row(invitation, questions["leak_rooms"], choices=["kitchen", "bathroom"])
    response_completed.send(sender=type(invitation), invitation=invitation)
    tallies = _tallies(campaign)
    assert tallies[(city.pk, 0, "", questions["overall"].pk, "score:5")] == 1
    assert tallies[(city.pk, 0, "", questions["leak_rooms"].pk, "choice:kitchen")] == 1
    assert tallies[(city.pk, 0, "", questions["leak_rooms"].pk, "answered")] == 1
    assert tallies[(city.pk, 0, "", 0, "l3:loyal")] == 1 and tallies[(city.pk, 0, "", 0, "l3:all")] == 1


def test_counts_add_up_without_a_project_and_a_rebuild_agrees(city, project):
    campaign = CampaignFactory()
    for overall in (5, 5, 3):
        respond(campaign, overall=overall, repurchase=5, recommend=10, leaks=["no"],
                invitation_kwargs={"customer": CustomerFactory(city_company=city), "city_company": city})  # fmt: skip
    respond(campaign, overall=4, invitation_kwargs={"customer": CustomerFactory(city_company=city),
                                                    "city_company": city, "project": project})  # fmt: skip
    respond(campaign, final=False, overall=1, invitation_kwargs={"city_company": city})
    incremental = _tallies(campaign)
    overall = campaign.template_version.questions.get(code="overall").pk
    assert incremental[(city.pk, 0, "", overall, "score:5")] == 2
    assert incremental[(city.pk, project.pk, "", overall, "score:4")] == 1
    assert (
        incremental[(city.pk, 0, "", 0, "l3:all")] == 3 and incremental[(city.pk, 0, "", 0, "l3:loyal")] == 2
    )
    assert tallies_rebuild(campaign_ids=[campaign.pk]) == len(incremental)
    assert _tallies(campaign) == incremental
