"""The audit trail of survey answers, kept on their invitation: each save that changes an answer
records it (the agent's name on an interview, nobody's on the owner's own page)."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from surveys.services.responses import response_save
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(owner, project):
    return InvitationFactory(customer=owner, project=project)


def entries(record):
    return list(LogEntry.objects.get_for_object(record).order_by("id"))


def test_an_interview_records_each_answer_old_to_new_and_the_agent(invitation, agent):
    response_save(invitation, {"overall": "3"}, submit=False, interviewer=agent)
    response_save(invitation, {"overall": "4", "leaks": "no"}, submit=False, interviewer=agent)
    first, second = entries(invitation)
    assert first.actor == agent and first.changes["answer:overall"] == ["None", "3"]
    assert first.changes["mode"][1] == "interviewer"
    assert second.changes == {"answer:overall": ["3", "4"], "answer:leaks": ["None", '["no"]']}


def test_the_owners_own_save_names_no_one(invitation):
    response_save(invitation, {"overall": "5"}, submit=False)
    (entry,) = entries(invitation)
    assert entry.actor is None and entry.changes["answer:overall"] == ["None", "5"]


def test_a_save_that_changes_nothing_writes_no_entry(invitation, agent):
    response_save(invitation, {"overall": "3"}, submit=False, interviewer=agent)
    response_save(invitation, {"overall": "3"}, submit=False, interviewer=agent)
    assert len(entries(invitation)) == 1


def test_the_interview_page_shows_the_answers_history(client, agent, invitation):
    response_save(invitation, {"overall": "3"}, submit=False, interviewer=agent)
    url = reverse("audit:history", args=["surveys.invitation", invitation.pk])
    client.force_login(agent)
    page = client.get(reverse("surveys:interview", args=[invitation.pk])).content.decode()
    assert f'hx-get="{url}"' in page and "History of the answers" in page
    html = client.get(url).content.decode()
    assert "Answer to overall" in html and str(agent) in html


def test_another_projects_agent_gets_a_404(client, other_agent, invitation, agent):
    response_save(invitation, {"overall": "3"}, submit=False, interviewer=agent)
    client.force_login(other_agent)
    assert client.get(reverse("audit:history", args=["surveys.invitation", invitation.pk])).status_code == 404
