"""REST API v1 of the property hierarchy: scope, roles, writes through services, bad input, queries."""

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from properties.models import Building, CityCompany, FinishStandard, Project, Unit
from tests.api import client_for
from tests.factories import (
    BuildingFactory,
    CityCompanyFactory,
    PhaseFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def readonly_manager(city):
    return UserFactory(username="readonly", role=Role.READONLY_MANAGER, city_companies=[city])


@pytest.fixture
def tree(project):
    """One object of each type under 四季花城."""
    phase = PhaseFactory(project=project, name="一期")
    building = BuildingFactory(project=project, phase=phase, number="3", floors=18)
    unit = UnitFactory(building=building, entrance="1", number="502", floor=5)
    return {
        "city-companies": project.city_company,
        "projects": project,
        "phases": phase,
        "buildings": building,
        "units": unit,
    }


# --- Scope --------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["city-companies", "projects", "phases", "buildings", "units"])
def test_user_of_another_city_gets_404_and_an_empty_list(endpoint, tree, other_agent):
    client = client_for(other_agent)

    assert client.get(f"{API}/{endpoint}/{tree[endpoint].pk}/").status_code == 404
    listed = client.get(f"{API}/{endpoint}/").json()["results"]
    assert tree[endpoint].pk not in [row["id"] for row in listed]


@pytest.mark.parametrize("endpoint", ["city-companies", "projects", "phases", "buildings", "units"])
def test_user_in_scope_reads_the_object_and_lists_it(endpoint, tree, agent):
    client = client_for(agent)

    assert client.get(f"{API}/{endpoint}/{tree[endpoint].pk}/").status_code == 200
    listed = client.get(f"{API}/{endpoint}/").json()["results"]
    assert [row["id"] for row in listed] == [tree[endpoint].pk]


def test_city_head_cannot_update_a_project_of_another_city(city_head, other_project):
    response = client_for(city_head).patch(
        f"{API}/projects/{other_project.pk}/", {"name": "改名"}, format="json"
    )

    assert response.status_code == 404
    other_project.refresh_from_db()
    assert other_project.name == "金口花园"


def test_city_head_cannot_create_a_building_under_another_citys_project(city_head, other_project):
    response = client_for(city_head).post(
        f"{API}/buildings/", {"project": other_project.pk, "number": "9", "floors": 10}, format="json"
    )

    assert response.status_code == 400
    assert "within your scope" in response.json()["project"][0]
    assert not Building.objects.filter(project=other_project).exists()


def test_city_head_cannot_create_a_project_in_another_city(city_head, other_city):
    response = client_for(city_head).post(
        f"{API}/projects/", {"city_company": other_city.pk, "code": "x", "name": "越界"}, format="json"
    )

    assert response.status_code == 400
    assert "city_company" in response.json()
    assert not Project.objects.filter(code="x").exists()


def test_city_head_assigned_one_project_only_may_not_create_projects_in_its_city(project):
    head = UserFactory(role=Role.CITY_HEAD, projects=[project])

    response = client_for(head).post(
        f"{API}/projects/",
        {"city_company": project.city_company_id, "code": "new", "name": "新盘"},
        format="json",
    )

    assert response.status_code == 403
    assert "outside your scope" in response.json()["detail"]


# --- Roles --------------------------------------------------------------------------------


def test_readonly_manager_reads_but_may_not_write(readonly_manager, tree):
    client = client_for(readonly_manager)
    project = tree["projects"]

    assert client.get(f"{API}/projects/{project.pk}/").status_code == 200
    assert client.patch(f"{API}/projects/{project.pk}/", {"name": "x"}, format="json").status_code == 403
    created = client.post(
        f"{API}/buildings/", {"project": project.pk, "number": "8", "floors": 3}, format="json"
    )
    assert created.status_code == 403
    assert created.json()["detail"] == "Your role may not edit property data."


def test_agent_may_not_create_units(agent, tree):
    response = client_for(agent).post(
        f"{API}/units/",
        {"building": tree["buildings"].pk, "number": "601", "floor": 6, "floor_area": "88.00"},
        format="json",
    )

    assert response.status_code == 403
    assert not Unit.objects.filter(number="601").exists()


def test_only_group_admin_creates_city_companies(city_head, group_admin):
    payload = {"code": "gz", "name": "广州公司", "city": "广州"}

    assert client_for(city_head).post(f"{API}/city-companies/", payload, format="json").status_code == 403
    response = client_for(group_admin).post(f"{API}/city-companies/", payload, format="json")
    assert response.status_code == 201
    assert CityCompany.objects.get(code="gz").name == response.json()["name"] == "广州公司"


def test_city_head_renames_own_city_company(city_head, city):
    response = client_for(city_head).patch(
        f"{API}/city-companies/{city.pk}/", {"name": "深圳万科"}, format="json"
    )

    assert response.status_code == 200
    city.refresh_from_db()
    assert city.name == "深圳万科"


def test_unauthenticated_request_is_refused(tree):
    assert APIClient().get(f"{API}/projects/").status_code == 401


# --- Happy paths --------------------------------------------------------------------------


def test_city_head_creates_project_phase_building_and_unit(city_head, city):
    client = client_for(city_head)

    project = client.post(
        f"{API}/projects/",
        {"city_company": city.pk, "code": "ysmd", "name": "优诗美地", "launched_on": "2024-05-01"},
        format="json",
    )
    assert project.status_code == 201, project.json()
    # A fresh request: the new project is in the head's scope through the city company.
    client = client_for(city_head)
    phase = client.post(f"{API}/phases/", {"project": project.json()["id"], "name": "一期"}, format="json")
    assert phase.status_code == 201, phase.json()
    building = client.post(
        f"{API}/buildings/",
        {"project": project.json()["id"], "phase": phase.json()["id"], "number": "3", "floors": 18},
        format="json",
    )
    assert building.status_code == 201, building.json()
    unit = client.post(
        f"{API}/units/",
        {
            "building": building.json()["id"],
            "entrance": "1",
            "number": "502",
            "floor": 5,
            "floor_area": "98.50",
            "finish_standard": "furnished",
        },
        format="json",
    )

    assert unit.status_code == 201, unit.json()
    body = unit.json()
    assert body["code"] == "3-1-502"
    assert body["project"] == project.json()["id"]
    assert Unit.objects.get(pk=body["id"]).finish_standard == FinishStandard.FURNISHED


def test_city_head_updates_a_unit_with_put_and_the_code_follows(city_head, tree):
    unit = tree["units"]
    response = client_for(city_head).put(
        f"{API}/units/{unit.pk}/",
        {
            "building": unit.building_id,
            "entrance": "2",
            "number": "1801",
            "floor": 18,
            "floor_area": "120.00",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    unit.refresh_from_db()
    assert (unit.code, unit.floor) == ("3-2-1801", 18)


def test_city_head_patches_a_building(city_head, tree):
    building = tree["buildings"]
    response = client_for(city_head).patch(f"{API}/buildings/{building.pk}/", {"floors": 30}, format="json")

    assert response.status_code == 200
    building.refresh_from_db()
    assert building.floors == 30


def test_moving_a_project_to_another_city_company_is_refused(group_admin, project, other_city):
    response = client_for(group_admin).patch(
        f"{API}/projects/{project.pk}/", {"city_company": other_city.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"city_company": ["A project cannot move to another city company."]}


def test_moving_a_unit_to_a_building_of_another_project_is_refused(group_admin, tree, other_project):
    elsewhere = BuildingFactory(project=other_project)
    response = client_for(group_admin).patch(
        f"{API}/units/{tree['units'].pk}/", {"building": elsewhere.pk}, format="json"
    )

    assert response.status_code == 400
    assert "building" in response.json()


# --- Bad input ----------------------------------------------------------------------------


def test_malformed_json_is_a_400(city_head, project):
    response = client_for(city_head).post(
        f"{API}/buildings/", data='{"project": 1, "number": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "a b", "name": "x"}, "code"),  # not a slug
        ({"code": "ok", "name": ""}, "name"),
        ({"code": "ok", "name": "x", "launched_on": "2024-13-45"}, "launched_on"),
        ({"code": "ok", "name": "x", "launched_on": "10000-01-01"}, "launched_on"),
        ({"code": "ok", "name": "x", "launched_on": 20240101}, "launched_on"),
        ({"code": "sjhc", "name": "重复代码"}, "code"),  # the existing project's code
        ({"code": "ok", "name": "四季花城"}, "non_field_errors"),  # name taken in the city
        ({"code": "ok", "name": "x", "city_company": "abc"}, "city_company"),
        ({"code": "ok", "name": "x", "city_company": 99999999}, "city_company"),
        ({"code": "ok", "name": "x", "city_company": 10**30}, "city_company"),
        ({"code": "ok", "name": "x", "city_company": [1]}, "city_company"),
    ],
)
def test_bad_project_payloads_are_400s_with_field_messages(payload, field, city_head, project):
    payload = {"city_company": project.city_company_id, **payload}

    response = client_for(city_head).post(f"{API}/projects/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"number": "5", "floors": "abc"}, "floors"),
        ({"number": "5", "floors": 0}, "floors"),
        ({"number": "5", "floors": 10**12}, "floors"),
        ({"number": "5"}, "floors"),
        ({"number": "3", "floors": 5}, "non_field_errors"),  # building 3 already exists
        ({"number": "5", "floors": 5, "phase": "nope"}, "phase"),
    ],
)
def test_bad_building_payloads_are_400s(payload, field, city_head, tree):
    payload = {"project": tree["projects"].pk, **payload}

    response = client_for(city_head).post(f"{API}/buildings/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_building_with_a_phase_of_another_project_is_a_400(group_admin, tree, other_project):
    other_phase = PhaseFactory(project=other_project)
    response = client_for(group_admin).post(
        f"{API}/buildings/",
        {"project": tree["projects"].pk, "phase": other_phase.pk, "number": "7", "floors": 5},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"phase": ["The phase belongs to another project."]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"number": "1901", "floor": 19, "floor_area": "90"}, "floor"),  # above the 18 floors
        ({"number": "601", "floor": 6, "floor_area": "-1"}, "floor_area"),
        ({"number": "601", "floor": 6, "floor_area": "1e20"}, "floor_area"),
        ({"number": "601", "floor": 6, "floor_area": "abc"}, "floor_area"),
        ({"number": "601", "floor": 6, "floor_area": "90", "finish_standard": "marble"}, "finish_standard"),
        ({"number": "601", "floor": 99999, "floor_area": "90"}, "floor"),
        ({"entrance": "1", "number": "502", "floor": 5, "floor_area": "90"}, "non_field_errors"),  # taken
        ({"number": "", "floor": 6, "floor_area": "90"}, "number"),
    ],
)
def test_bad_unit_payloads_are_400s(payload, field, city_head, tree):
    payload = {"building": tree["buildings"].pk, **payload}

    response = client_for(city_head).post(f"{API}/units/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "一期"}, "non_field_errors"),  # taken in the project
        ({"name": "二期", "planned_handover_on": "2024-02-30"}, "planned_handover_on"),
        ({"name": "二期", "project": None}, "project"),
    ],
)
def test_bad_phase_payloads_are_400s(payload, field, city_head, tree):
    payload = {"project": tree["projects"].pk, **payload}

    response = client_for(city_head).post(f"{API}/phases/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "深圳", "name": "x", "city": "x"}, "code"),
        ({"code": "sz", "name": "x", "city": "x"}, "code"),  # taken
        ({"code": "bj", "name": "x" * 101, "city": "x"}, "name"),
        ({"code": "bj", "name": "北京公司"}, "city"),
    ],
)
def test_bad_city_company_payloads_are_400s(payload, field, group_admin, city):
    response = client_for(group_admin).post(f"{API}/city-companies/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_huge_or_unknown_id_in_the_url_is_a_404(group_admin, tree):
    client = client_for(group_admin)

    assert client.get(f"{API}/units/{10**30}/").status_code == 404
    assert client.get(f"{API}/units/abc/").status_code == 404


# --- Filters ------------------------------------------------------------------------------


def test_units_filter_by_building_code_and_finish_standard(agent, tree, project):
    other_building = BuildingFactory(project=project, number="5")
    furnished = UnitFactory(
        building=other_building, entrance="", number="301", floor=3, finish_standard="furnished"
    )
    client = client_for(agent)

    def ids(query):
        response = client.get(f"{API}/units/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids({"building": other_building.pk}) == [furnished.pk]
    assert ids({"code": "3-1-502"}) == [tree["units"].pk]
    assert ids({"finish_standard": "furnished"}) == [furnished.pk]
    assert ids({"phase": tree["phases"].pk}) == [tree["units"].pk]
    assert sorted(ids({"project": project.pk})) == sorted([tree["units"].pk, furnished.pk])


def test_buildings_filter_by_phase_and_projects_by_city(group_admin, tree, other_project):
    client = client_for(group_admin)
    second = BuildingFactory(project=tree["projects"], number="9")

    by_phase = client.get(f"{API}/buildings/", {"phase": tree["phases"].pk}).json()["results"]
    by_project = client.get(f"{API}/buildings/", {"project": tree["projects"].pk}).json()["results"]
    by_city = client.get(f"{API}/projects/", {"city_company": other_project.city_company_id}).json()[
        "results"
    ]

    assert [row["id"] for row in by_phase] == [tree["buildings"].pk]
    assert sorted(row["id"] for row in by_project) == sorted([tree["buildings"].pk, second.pk])
    assert [row["id"] for row in by_city] == [other_project.pk]


def test_filtering_on_a_project_outside_scope_is_a_400_not_a_leak(agent, other_project):
    response = client_for(agent).get(f"{API}/units/", {"project": other_project.pk})

    assert response.status_code == 400
    assert "project" in response.json()


def test_list_pages_by_cursor_without_a_count(group_admin, project):
    building = BuildingFactory(project=project, floors=30)
    for floor in range(1, 6):
        UnitFactory(building=building, entrance="", number=f"{floor}01", floor=floor)
    client = client_for(group_admin)

    first = client.get(f"{API}/units/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    assert "count" not in first
    assert len(first["results"]) == 3
    assert len(second["results"]) == 2
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)


# --- Query counts -------------------------------------------------------------------------


def _fill(project, rows: int) -> None:
    for n in range(rows):
        building = BuildingFactory(project=project, number=f"b{n}", floors=20)
        PhaseFactory(project=project, name=f"p{n}")
        UnitFactory(building=building, entrance="", number=f"{n + 1}01", floor=1)


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize("endpoint", ["city-companies", "projects", "phases", "buildings", "units"])
def test_list_query_count_does_not_grow_with_rows(
    endpoint, rows, city_head, project, django_assert_max_num_queries
):
    _fill(project, rows)
    for n in range(rows):
        ProjectFactory(city_company=CityCompanyFactory(), code=f"c{n}")  # other cities: not listed
    client = client_for(city_head)

    # token+user 1, scope: city companies 1, projects 1, city's projects 1, the page 1 = 5; +1 spare.
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/{endpoint}/")

    assert response.status_code == 200
    assert json.loads(response.content)["results"]
