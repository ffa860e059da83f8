"""The surveys API: scope, roles, versions, masking, constant queries; the owner's link by token."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from complaints.models import Complaint
from surveys.models import Campaign, FollowUp, Invitation
from surveys.services import follow_ups as follow_up_services
from tests.api import client_for
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory
from tests.surveys.factories import (
    CampaignFactory,
    InvitationFactory,
    completed_invitation,
    owner_home,
    questionnaire,
)

pytestmark = pytest.mark.django_db

LOW = {"overall": 5, "repurchase": 5, "recommend": 3, "quality": 2, "leaks": "no"}
ALL_GOOD = {"overall": 5, "repurchase": 5, "recommend": 10, "quality": 5, "leaks": "no"}


def follow_up_for(project) -> FollowUp:
    owner = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerPhoneFactory(customer=owner, number="13912345678")
    invitation = completed_invitation(LOW, customer=owner, project=project, city_company=project.city_company)
    return follow_up_services.follow_up_open(invitation=invitation)


# --- templates and campaigns ---------------------------------------------------------------------------


def test_templates_list_their_versions_and_questions_for_survey_viewers(agent):
    response = client_for(agent).get("/api/v1/survey-templates/")
    assert response.status_code == 200
    shipped = {row["code"]: row for row in response.json()["results"]}
    half_yearly = shipped["owner-half-yearly"]
    roles = {q["role"] for q in half_yearly["versions"][0]["questions"]}
    assert {"overall", "repurchase", "recommend"} <= roles


def test_roles_outside_surveys_are_refused(project):
    contractor = UserFactory(role=Role.CONTRACTOR, projects=[project])
    for url in ("/api/v1/survey-templates/", "/api/v1/survey-campaigns/", "/api/v1/survey-responses/"):
        assert client_for(contractor).get(url).status_code == 403


def test_a_city_head_creates_a_draft_in_their_city_and_is_refused_another(city_head, city, other_city):
    version = questionnaire()
    client = client_for(city_head)
    created = client.post(
        "/api/v1/survey-campaigns/",
        {
            "name": "2026 下半年",
            "template_version": version.pk,
            "city_company": city.pk,
            "segments": ["stable"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"' and created.json()["status"] == "draft"
    refused = client.post(
        "/api/v1/survey-campaigns/",
        {"name": "别人的", "template_version": version.pk, "city_company": other_city.pk},
        format="json",
    )
    assert refused.status_code == 400 and "city_company" in refused.json()


def test_campaigns_are_scoped(city_head, city, other_city):
    mine = CampaignFactory(city_company=city)
    CampaignFactory(city_company=other_city)
    ids = [row["id"] for row in client_for(city_head).get("/api/v1/survey-campaigns/").json()["results"]]
    assert ids == [mine.pk]


def test_preview_counts_and_sending_needs_the_version(
    city_head, project, city, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    owner_home(
        project, signed=today - datetime.timedelta(days=400), handed=today - datetime.timedelta(days=200)
    )
    campaign = CampaignFactory(city_company=city, created_by=city_head)
    client = client_for(city_head)
    preview = client.get(f"/api/v1/survey-campaigns/{campaign.pk}/preview/").json()
    assert preview["total"]["to_send"] == 1
    settling = next(row for row in preview["segments"] if row["segment"] == "settling_in")
    assert settling["eligible"] == 1

    url = f"/api/v1/survey-campaigns/{campaign.pk}/send/"
    assert client.post(url, {}, format="json").status_code == 428
    assert client.post(url, {"version": 7}, format="json").status_code == 409
    with django_capture_on_commit_callbacks(execute=True):  # the send job starts on commit
        sent = client.post(url, {"version": 1}, format="json")
    assert sent.status_code == 200, sent.json()
    campaign.refresh_from_db()
    assert campaign.status in (Campaign.Status.SENDING, Campaign.Status.OPEN)
    assert Invitation.objects.filter(campaign=campaign).count() == 1
    assert client.post(url, {"version": campaign.version}, format="json").status_code == 400  # not twice


def test_an_agent_may_read_campaigns_but_not_run_them(agent, project):
    version = questionnaire()
    response = client_for(agent).post(
        "/api/v1/survey-campaigns/",
        {"name": "x", "template_version": version.pk, "project": project.pk},
        format="json",
    )
    assert response.status_code == 403


# --- responses ------------------------------------------------------------------------------------------


def test_responses_in_scope_carry_answers_but_no_phone(
    agent, project, other_project, django_assert_max_num_queries
):
    owner = CustomerFactory(city_company=project.city_company, name="李娜")
    CustomerPhoneFactory(customer=owner, number="13800001111")
    mine = completed_invitation(ALL_GOOD, customer=owner, project=project, city_company=project.city_company)
    completed_invitation(ALL_GOOD, project=other_project, city_company=other_project.city_company)
    InvitationFactory(project=project, city_company=project.city_company)  # not answered: not a response
    client = client_for(agent)
    client.get("/api/v1/survey-responses/")  # the token's first use
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/survey-responses/")
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["customer_name"] == "李娜" and "13800001111" not in response.content.decode()
    assert {a["question"]: a["score"] for a in rows[0]["answers"]}["recommend"] == 10


def test_the_responses_list_costs_the_same_for_two_or_twenty(agent, project, django_assert_max_num_queries):
    client = client_for(agent)
    for count in (2, 20):
        for _ in range(count):
            completed_invitation(ALL_GOOD, project=project, city_company=project.city_company)
        with django_assert_max_num_queries(6):
            assert len(client.get("/api/v1/survey-responses/").json()["results"]) in (2, 22)


# --- follow-ups -----------------------------------------------------------------------------------------


def test_follow_ups_are_scoped_and_an_outcome_needs_the_current_version(agent, project, other_project):
    mine, theirs = follow_up_for(project), follow_up_for(other_project)
    client = client_for(agent)
    ids = [row["id"] for row in client.get("/api/v1/survey-follow-ups/").json()["results"]]
    assert mine.pk in ids and theirs.pk not in ids
    assert client.get(f"/api/v1/survey-follow-ups/{theirs.pk}/").status_code == 404
    url = f"/api/v1/survey-follow-ups/{mine.pk}/record/"
    assert client.post(url, {"outcome": "resolved", "note": "已上门"}, format="json").status_code == 428
    assert (
        client.post(url, {"outcome": "resolved", "note": "已上门", "version": 9}, format="json").status_code
        == 409
    )
    assert client.post(url, {"outcome": "open", "note": "x", "version": 1}, format="json").status_code == 400
    done = client.post(url, {"outcome": "resolved", "note": "已上门", "version": mine.version}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "resolved"


def test_a_follow_up_raises_one_complaint(agent, project):
    from complaints.migrations import __name__ as _  # noqa: F401 - the categories are seeded by migration

    follow_up = follow_up_for(project)
    client = client_for(agent)
    url = f"/api/v1/survey-follow-ups/{follow_up.pk}/raise-complaint/"
    first = client.post(url, {}, format="json")
    assert first.status_code == 201, first.json()
    assert Complaint.objects.filter(pk=first.json()["complaint"], customer=follow_up.customer).exists()
    assert client.post(url, {}, format="json").status_code == 400


def test_a_read_only_manager_reads_follow_ups_but_may_not_act(project):
    follow_up = follow_up_for(project)
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    client = client_for(manager)
    assert client.get(f"/api/v1/survey-follow-ups/{follow_up.pk}/").status_code == 200
    url = f"/api/v1/survey-follow-ups/{follow_up.pk}/record/"
    assert (
        client.post(url, {"outcome": "resolved", "note": "x", "version": 1}, format="json").status_code == 403
    )


# --- the owner's link -----------------------------------------------------------------------------------


@pytest.fixture
def link(project):
    owner = CustomerFactory(city_company=project.city_company, name="王芳")
    return InvitationFactory(customer=owner, project=project, city_company=project.city_company)


def test_the_link_reads_the_questions_without_personal_data(api_client, link):
    response = api_client.get(f"/api/v1/public/surveys/{link.token}/")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "open" and body["project"] == link.project.name
    assert [q["code"] for q in body["questions"]][:3] == ["overall", "repurchase", "recommend"]
    assert "王芳" not in response.content.decode()


def test_an_unknown_link_is_a_404(api_client):
    assert api_client.get("/api/v1/public/surveys/not-a-real-token/").status_code == 404


def test_the_link_saves_as_it_goes_then_submits_once(api_client, link):
    url = f"/api/v1/public/surveys/{link.token}/"
    saved = api_client.put(url, {"answers": {"overall": 4}}, format="json")
    assert saved.status_code == 200 and saved.json()["answers"] == {"overall": 4}
    bad = api_client.put(url, {"answers": {"recommend": 11}}, format="json")
    assert bad.status_code == 400 and "recommend" in bad.json()
    incomplete = api_client.post(url, {"answers": {}}, format="json")
    assert incomplete.status_code == 400 and "repurchase" in incomplete.json()
    done = api_client.post(url, {"answers": {**ALL_GOOD, "overall": 4}}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "completed"
    again = api_client.post(url, {"answers": ALL_GOOD}, format="json")
    assert again.status_code == 409 and again.json()["state"] == "completed"
    link.refresh_from_db()
    assert link.status == Invitation.Status.COMPLETED
    assert link.answers.filter(is_final=True, question__code="overall").get().score == 4


# --- results --------------------------------------------------------------------------------------------


def test_campaign_results_on_hand_computed_answers(city_head, project, other_project):
    from surveys.tallies import tallies_rebuild

    campaign = CampaignFactory(city_company=project.city_company)
    here = {"campaign": campaign, "project": project, "city_company": project.city_company}
    completed_invitation({**ALL_GOOD, "recommend": 10}, **here)  # promoter, L3
    completed_invitation({**ALL_GOOD, "recommend": 9, "overall": 4}, **here)  # promoter, not L3 (overall 4)
    completed_invitation({**LOW, "recommend": 3}, **here)  # detractor
    completed_invitation({**ALL_GOOD, "recommend": 7}, **here)  # passive, not L3 (recommend 7)
    tallies_rebuild(campaign_ids=[campaign.pk])
    response = client_for(city_head).get(f"/api/v1/survey-campaigns/{campaign.pk}/results/")
    assert response.status_code == 200, response.json()
    current = response.json()["current"]
    assert current["completed"] == 4
    assert current["l3"]["count"] == 1 and current["l3"]["n"] == 4 and current["l3"]["value"] == 0.25
    # (2 promoters − 1 detractor) / 4 = +25 points
    assert current["recommend"]["n"] == 4 and round(current["recommend"]["value"]) == 25
    low, high = current["l3"]["low"], current["l3"]["high"]
    assert 0 < low < 0.25 < high < 1  # Wilson: never a negative share, never above 1
    assert response.json()["follow_ups"] == {"open": 0, "overdue": 0, "closed": 0}
    bad = client_for(city_head).get(f"/api/v1/survey-campaigns/{campaign.pk}/results/?segment=nonsense")
    assert bad.status_code == 400 and "segment" in bad.json()
