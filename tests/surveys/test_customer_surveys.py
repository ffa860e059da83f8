"""The customer 360 page's surveys section: history with scores, the latest highlighted, open
invitations with the interview link, scoped, in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from customers.panels import customer_panels
from surveys.customer_panel import customer_survey_history
from surveys.models import Invitation
from tests.factories import UserFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory
from tests.surveys.results_data import respond

pytestmark = pytest.mark.django_db


def _for(owner, project):
    return {"customer": owner, "city_company": project.city_company, "project": project}


def _answered(owner, project, days_ago, overall, recommend):
    invitation = respond(
        CampaignFactory(), overall=overall, recommend=recommend, invitation_kwargs=_for(owner, project)
    )
    invitation.completed_at = timezone.now() - datetime.timedelta(days=days_ago)
    invitation.created_at = invitation.completed_at - datetime.timedelta(days=1)
    invitation.save(update_fields=["completed_at", "created_at"])
    return invitation


def test_history_shows_scores_and_marks_the_latest(agent, owner, project):
    older = _answered(owner, project, 200, overall=3, recommend=6)
    newer = _answered(owner, project, 10, overall=5, recommend=9)
    pending = InvitationFactory(
        campaign=CampaignFactory(), status=Invitation.Status.SENT, **_for(owner, project)
    )
    data = customer_survey_history(user=agent, customer=owner)
    rows = {i.pk: i for i in data["history"]}
    assert (rows[older.pk].overall, rows[older.pk].recommend) == (3, 6)
    assert rows[newer.pk].is_latest and not rows[older.pk].is_latest
    assert data["latest"].pk == newer.pk
    assert [i.pk for i in data["open_invitations"]] == [pending.pk]


def test_expired_and_completed_invitations_are_not_open(agent, owner, project):
    InvitationFactory(
        campaign=CampaignFactory(),
        expires_at=timezone.now() - datetime.timedelta(days=1),
        **_for(owner, project),
    )
    _answered(owner, project, 1, overall=4, recommend=8)
    assert customer_survey_history(user=agent, customer=owner)["open_invitations"] == []


def test_the_360_page_shows_the_section_with_the_interview_link_when_the_view_exists(
    client, agent, owner, project
):
    _answered(owner, project, 10, overall=5, recommend=10)
    pending = InvitationFactory(campaign=CampaignFactory(), **_for(owner, project))
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="customer-surveys"' in html and 'data-testid="latest-survey"' in html
    try:
        interview = reverse("surveys:interview", args=[pending.pk])
    except Exception:  # the answering helper's view is merged separately; the link appears with it
        interview = None
    if interview:
        assert interview in html


def test_roles_without_survey_rights_see_no_section(rf, owner, project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    request = rf.get("/")
    request.user = engineer
    # Other apps' sections (the owner timeline) may show; the surveys section does not.
    assert not any('data-testid="customer-surveys"' in html for html in customer_panels(request, owner))


def test_invitations_outside_scope_are_not_shown(other_agent, owner, project, other_project):
    _answered(owner, project, 10, overall=5, recommend=10)
    assert customer_survey_history(user=other_agent, customer=owner)["history"] == []


@pytest.mark.parametrize("surveys", [2, 20])
def test_the_section_costs_three_queries(agent, owner, project, surveys, django_assert_max_num_queries):
    for n in range(surveys):
        _answered(owner, project, n + 1, overall=4, recommend=7)
        InvitationFactory(campaign=CampaignFactory(), **_for(owner, project))
    agent.scope  # noqa: B018 - the scope is read once per request, before the panels
    with django_assert_max_num_queries(3):  # history, its scores, the open invitations
        data = customer_survey_history(user=agent, customer=owner)
    assert len(data["history"]) == min(2 * surveys, 10) and len(data["open_invitations"]) == min(surveys, 5)
