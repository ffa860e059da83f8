"""The club's API, members: scope, masking (no clear phone or ID number in any answer), roles, the
version (428/409), enrolment's rules as 400 field messages, constant queries."""

import datetime

import pytest

from accounts.models import Role
from membership.models import Consent, Member
from tests.api import client_for
from tests.factories import UserFactory
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/members/"
ID_NUMBER = "440301198505201234"


@pytest.fixture
def readonly_manager(city):
    return UserFactory(username="readonly", role=Role.READONLY_MANAGER, city_companies=[city])


def enrolment(project, **overrides):
    return {
        "name": "王小明",
        "birth_date": "1990-03-04",
        "phone": "13912340001",
        "project": project.pk,
        "club_data_consent": True,
        "marketing_consent": True,
        "id_number": ID_NUMBER,
        **overrides,
    }


def test_a_city_head_sees_only_their_citys_members(city_head, project, other_project):
    mine = MemberFactory(city_company=project.city_company, project=project)
    theirs = MemberFactory(city_company=other_project.city_company, project=other_project)
    client = client_for(city_head)
    ids = [row["id"] for row in client.get(URL).json()["results"]]
    assert ids == [mine.pk]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404


def test_phones_and_id_numbers_never_leave_in_clear(city_head, project):
    member = MemberFactory(
        city_company=project.city_company, project=project, phone="13812345678", id_number=ID_NUMBER
    )
    client = client_for(city_head)
    listed = client.get(URL)
    detail = client.get(f"{URL}{member.pk}/")
    for response in (listed, detail):
        body = response.content.decode()
        assert "13812345678" not in body and ID_NUMBER not in body
    row = detail.json()
    assert row["phone_masked"] == "138****5678"
    assert row["id_number_masked"] == "4403**********1234"
    assert "phone" not in row and "id_number" not in row


def test_search_by_phone_tail_and_filters(agent, project):
    wanted = MemberFactory(city_company=project.city_company, project=project, phone="13900005678")
    MemberFactory(city_company=project.city_company, project=project, phone="13900001111")
    client = client_for(agent)
    assert [r["id"] for r in client.get(URL, {"q": "5678"}).json()["results"]] == [wanted.pk]
    assert client.get(URL, {"tier": "platinum"}).status_code == 400


def test_enrolment_through_the_api_records_consents_and_answers_masked(agent, project):
    response = client_for(agent).post(URL, enrolment(project), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("WK") and response["ETag"] == f'"{body["version"]}"'
    assert body["consents"] == {"club_data": True, "marketing": True}
    assert "13912340001" not in response.content.decode() and ID_NUMBER not in response.content.decode()
    member = Member.objects.get(pk=body["id"])
    assert member.enrolled_by == agent and member.consents.filter(kind=Consent.Kind.CLUB_DATA).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"birth_date": (datetime.date.today() - datetime.timedelta(days=17 * 365)).isoformat()},
            "birth_date",
        ),
        ({"club_data_consent": False}, "club_data_consent"),
        ({"phone": "12345"}, "phone"),
        ({"name": ""}, "name"),
    ],
)
def test_enrolment_rules_come_back_as_field_messages(agent, project, overrides, field):
    response = client_for(agent).post(URL, enrolment(project, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json() and response.json()[field][0]
    assert not Member.objects.exists()


def test_a_phone_already_in_the_club_is_a_phone_error(agent, project):
    MemberFactory(city_company=project.city_company, project=project, phone="13912340001")
    response = client_for(agent).post(URL, enrolment(project), format="json")
    assert response.status_code == 400
    assert "already belongs" in response.json()["phone"][0]


def test_a_project_outside_the_scope_is_an_unknown_project(agent, other_project):
    response = client_for(agent).post(URL, enrolment(other_project), format="json")
    assert response.status_code == 400 and "project" in response.json()


def test_a_read_only_manager_reads_but_may_not_write(readonly_manager, project):
    member = MemberFactory(city_company=project.city_company, project=project)
    client = client_for(readonly_manager)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{member.pk}/").status_code == 200
    assert client.post(URL, enrolment(project), format="json").status_code == 403
    assert client.patch(f"{URL}{member.pk}/", {"name": "改", "version": 1}, format="json").status_code == 403


def test_roles_outside_the_club_are_refused(project):
    contractor = UserFactory(role=Role.CONTRACTOR, projects=[project])
    assert client_for(contractor).get(URL).status_code == 403


def test_an_edit_needs_the_current_version(agent, project):
    member = MemberFactory(city_company=project.city_company, project=project)
    client = client_for(agent)
    url = f"{URL}{member.pk}/"
    assert client.patch(url, {"employer": "万科"}, format="json").status_code == 428
    assert client.patch(url, {"employer": "万科", "version": 9}, format="json").status_code == 409
    edited = client.patch(url, {"employer": "万科"}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200, edited.json()
    assert edited.json()["employer"] == "万科" and edited["ETag"] == '"2"'
    # The rules hold on an edit too: a birth date that makes them a minor is a field message.
    minor = (datetime.date.today() - datetime.timedelta(days=10 * 365)).isoformat()
    refused = client.patch(url, {"birth_date": minor, "version": 2}, format="json")
    assert refused.status_code == 400 and "birth_date" in refused.json()


def test_the_member_list_costs_the_same_for_two_or_twenty(city_head, project, django_assert_max_num_queries):
    client = client_for(city_head)
    client.get(URL)  # the token's first use
    for count in (2, 18):
        for _ in range(count):
            MemberFactory(city_company=project.city_company, project=project, id_number=ID_NUMBER)
        with django_assert_max_num_queries(5):
            assert len(client.get(URL).json()["results"]) in (2, 20)
