"""The phone interview: an agent of the owner's project enters the answers in the owner's form;
they are saved as interviewer-entered. Others get a 403 or a 404."""

import pytest
from django.urls import reverse

from surveys.models import AnswerMode, Invitation
from tests.factories import UserFactory
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db

COMPLETE = {"q-overall": "4", "q-repurchase": "4", "q-recommend": "8", "q-quality": "3", "q-leaks": "no"}


@pytest.fixture
def invitation(owner, project):
    return InvitationFactory(customer=owner, project=project)


def url(invitation):
    return reverse("surveys:interview", args=[invitation.pk])


def test_an_agent_sees_the_form_with_the_owner_masked(client, agent, invitation, owner):
    client.force_login(agent)
    page = client.get(url(invitation))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="question-overall"' in html
    assert owner.name in html and "138****5678" in html and "13812345678" not in html


def test_the_agent_saves_then_submits_as_interviewer(client, agent, invitation):
    client.force_login(agent)
    assert client.post(url(invitation), {"q-overall": "4", "save": "1"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED and invitation.mode == AnswerMode.INTERVIEWER
    response = client.post(url(invitation), {"submit": "1", "q-overall": "4"})
    assert response.status_code == 400 and 'data-testid="error-recommend"' in response.content.decode()
    assert client.post(url(invitation), {**COMPLETE, "submit": "1"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.COMPLETED
    assert invitation.mode == AnswerMode.INTERVIEWER and invitation.interviewer == agent
    page = client.get(url(invitation))
    assert 'data-testid="interview-closed"' in page.content.decode()
    assert client.post(url(invitation), {**COMPLETE, "submit": "1"}).status_code == 409


def test_an_agent_of_another_project_gets_a_404(client, other_agent, invitation):
    client.force_login(other_agent)
    assert client.get(url(invitation)).status_code == 404


def test_a_role_that_may_not_interview_gets_a_403(client, project, invitation):
    client.force_login(UserFactory(role="readonly_manager", projects=[project]))
    assert client.get(url(invitation)).status_code == 403


def test_the_interview_page_needs_a_login(client, invitation):
    response = client.get(url(invitation))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_interview_page_reads_a_constant_number_of_queries(
    client, agent, invitation, django_assert_max_num_queries
):
    client.force_login(agent)
    client.get(url(invitation))
    # 10: session, user, the user's scope (city companies, projects), the invitation with its
    # campaign, version, template, project and customer, the questions, the opt-out check, the
    # answers, the phone, the base page's unread notifications.
    with django_assert_max_num_queries(10):
        assert client.get(url(invitation)).status_code == 200
