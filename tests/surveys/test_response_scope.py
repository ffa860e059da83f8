"""Who sees which survey invitations (Invitation.visible_to, written as Scope.place): the rows of
`project IN the user's projects OR city company IN theirs`, the rule it replaced, with a city head's
condition on the city company alone (one range of the responses' (city company, id) indexes)."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.urls import reverse

from accounts.models import Role
from accounts.scope import Scope
from surveys.models import Invitation
from surveys.selectors.responses import ResponseFilters, response_list
from tests.factories import CityCompanyFactory, CustomerFactory, ProjectFactory, UserFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, completed_invitation

pytestmark = pytest.mark.django_db


def _response(project, recommend: int) -> Invitation:
    return completed_invitation(
        {"overall": 4, "recommend": recommend},
        campaign=CampaignFactory(),
        customer=CustomerFactory(city_company=project.city_company),
        project=project,
    )


@pytest.fixture
def estate(city, project, other_city, other_project):
    """Responses in two projects of each of three cities, a started one, and completed ones without a
    project (answered by a customer of the city, none of its projects)."""
    third_city = CityCompanyFactory(code="cs", name="长沙公司", city="长沙")
    projects = [
        project,
        ProjectFactory(city_company=city),
        other_project,
        ProjectFactory(city_company=other_city),
    ]
    projects += [ProjectFactory(city_company=third_city), ProjectFactory(city_company=third_city)]
    rows = [_response(p, score) for p in projects for score in (2, 7, 10)]
    rows.append(InvitationFactory(project=project, customer=CustomerFactory(city_company=city)))
    for place in (city, other_city, third_city):
        rows.append(completed_invitation({"overall": 5}, customer=CustomerFactory(city_company=place)))
    return {"projects": projects, "third_city": third_city, "rows": rows}


def _rule_replaced(user) -> set[int]:
    scope = user.scope
    rows = Invitation.objects.filter(
        Q(project_id__in=scope.project_ids) | Q(city_company_id__in=scope.city_company_ids)
    )
    return set(rows.values_list("pk", flat=True))


def _users(city, other_city, estate):
    projects, third_city = estate["projects"], estate["third_city"]
    return {
        "city head": UserFactory(role=Role.CITY_HEAD, city_companies=[city]),
        "city head with a project elsewhere": UserFactory(
            role=Role.CITY_HEAD, city_companies=[city], projects=[projects[2]]
        ),
        "city head with a project of their city": UserFactory(
            role=Role.CITY_HEAD, city_companies=[city], projects=[projects[1]]
        ),
        "two cities": UserFactory(role=Role.CITY_HEAD, city_companies=[city, third_city]),
        "projects only": UserFactory(role=Role.CS_SUPERVISOR, projects=[projects[0], projects[4]]),
        "nothing assigned": UserFactory(role=Role.CS_SUPERVISOR),
    }


def test_each_user_sees_the_rows_of_the_rule_it_replaced(estate, city, other_city):
    for name, user in _users(city, other_city, estate).items():
        visible = set(Invitation.objects.visible_to(user).values_list("pk", flat=True))
        assert visible == _rule_replaced(user), name
        if name != "nothing assigned":
            assert visible, name


def test_a_city_head_reads_their_city_company_alone(estate, city, other_city):
    users = _users(city, other_city, estate)
    assert users["city head"].scope.place() == Q(city_company_id__in=frozenset({city.pk}))
    assert users["city head with a project of their city"].scope.place() == Q(
        city_company_id__in=frozenset({city.pk})
    )
    elsewhere = estate["projects"][2]
    assert users["city head with a project elsewhere"].scope.place() == Q(
        city_company_id__in=frozenset({city.pk})
    ) | Q(project_id__in=frozenset({elsewhere.pk}))
    assert Scope().place() == Q(city_company_id__in=frozenset())


def test_a_project_elsewhere_is_listed_and_no_other_of_its_city(estate, city, other_city, client):
    projects = estate["projects"]
    user = _users(city, other_city, estate)["city head with a project elsewhere"]
    listed = response_list(user=user, filters=ResponseFilters())
    assert {row.project_id for row in listed} == {projects[0].pk, projects[1].pk, projects[2].pk}
    assert listed.count() == 9
    detractors = response_list(user=user, filters=ResponseFilters(nps="detractor"))
    assert sorted(row.project_id for row in detractors) == sorted(p.pk for p in projects[:3])
    client.force_login(user)
    response = client.get(reverse("surveys:responses"), {"nps": "promoter"})
    assert response.status_code == 200
    assert response.context["list_count"].count == 3
    assert {row.project_id for row in response.context["page"]} == {p.pk for p in projects[:3]}


def test_a_city_head_never_sees_another_city(estate, city, other_city):
    head = _users(city, other_city, estate)["city head"]
    visible = Invitation.objects.visible_to(head)
    assert set(visible.values_list("city_company_id", flat=True)) == {city.pk}
    assert set(response_list(user=head, filters=ResponseFilters()).values_list("project_id", flat=True)) == {
        p.pk for p in estate["projects"][:2]
    }


@pytest.mark.parametrize("params", [{}, {"nps": "detractor"}, {"nps": "passive"}, {"nps": "promoter"}])
def test_the_list_of_a_user_with_a_project_elsewhere_keeps_its_query_count(
    estate, city, other_city, client, params, django_assert_max_num_queries
):
    client.force_login(_users(city, other_city, estate)["city head with a project elsewhere"])
    # session + user (2), the scope (1), the estate's names (2, cached after), the campaign choices (1),
    # the page (1), the bounded count (1), the bell (1), the managers' calendar check (1).
    with django_assert_max_num_queries(10):
        response = client.get(reverse("surveys:responses"), params)
    assert response.status_code == 200
    assert len(response.context["page"]) == (9 if not params else 3)
