"""The property browser: scoping, the building grid and query counts."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import (
    BuildingFactory,
    ContractFactory,
    CustomerFactory,
    HouseholdMemberFactory,
    PhaseFactory,
    UnitFactory,
    UserFactory,
)


def property_pages(unit):
    return [
        reverse("properties:project-detail", args=[unit.project_id]),
        reverse("properties:building-detail", args=[unit.building_id]),
        reverse("properties:unit-detail", args=[unit.pk]),
    ]


def test_property_pages_require_login(client, owned_unit):
    for url in [reverse("properties:project-list"), *property_pages(owned_unit)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


def test_each_property_page_renders_for_an_agent_of_the_project(client, agent, owned_unit, owner):
    client.force_login(agent)
    for url in [reverse("properties:project-list"), *property_pages(owned_unit)]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "张伟" in client.get(reverse("properties:unit-detail", args=[owned_unit.pk])).content.decode()


def test_agent_of_another_city_gets_404_on_this_citys_property(client, other_agent, owned_unit):
    client.force_login(other_agent)
    for url in property_pages(owned_unit):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("properties:project-list")).context["city_companies"]
    assert [p.name for _city, projects in listed for p in projects] == ["金口花园"]


def test_contractor_sees_the_building_grid_without_owner_names(client, project, owned_unit):
    client.force_login(UserFactory(role=Role.CONTRACTOR, projects=[project]))
    response = client.get(reverse("properties:building-detail", args=[owned_unit.building_id]))
    assert response.status_code == 200
    assert "3-1-502" in response.content.decode()
    assert "张伟" not in response.content.decode()
    unit_page = client.get(reverse("properties:unit-detail", args=[owned_unit.pk])).content.decode()
    assert "张伟" not in unit_page


def test_building_grid_colours_units_by_sale_and_handover(client, agent, project):
    building = BuildingFactory(project=project, number="8", floors=3)
    vacant = UnitFactory(building=building, number="101", floor=1)
    sold = UnitFactory(building=building, number="102", floor=1)
    handed = UnitFactory(building=building, number="301", floor=3)
    ContractFactory(unit=sold)
    ContractFactory(unit=handed, handed_over_on=datetime.date(2025, 1, 10))
    HouseholdMemberFactory(
        unit=handed, customer=CustomerFactory(city_company=project.city_company, name="陈静")
    )
    client.force_login(agent)
    response = client.get(reverse("properties:building-detail", args=[building.pk]))
    statuses = {unit.pk: unit.status for _floor, units in response.context["floors"] for unit in units}
    assert statuses == {vacant.pk: "vacant", sold.pk: "sold", handed.pk: "handed_over"}
    assert [floor for floor, _units in response.context["floors"]] == [3, 2, 1]
    assert "陈静" in response.content.decode()


def test_project_page_groups_buildings_by_phase_with_counts(client, agent, project):
    phase = PhaseFactory(project=project, name="一期")
    building = BuildingFactory(project=project, phase=phase, number="5")
    ContractFactory(unit=UnitFactory(building=building))
    UnitFactory(building=building)
    client.force_login(agent)
    response = client.get(reverse("properties:project-detail", args=[project.pk]))
    [(shown_phase, buildings)] = response.context["phases"]
    assert shown_phase == phase
    assert [(b.unit_count, b.sold_count) for b in buildings] == [(2, 1)]


def test_a_resold_unit_counts_once_on_the_project_page(client, agent, project):
    building = BuildingFactory(project=project, number="6")
    resold = UnitFactory(building=building)
    ContractFactory(unit=resold, status="cancelled")
    ContractFactory(unit=resold)
    ContractFactory(unit=UnitFactory(building=building), status="cancelled")
    client.force_login(agent)
    response = client.get(reverse("properties:project-detail", args=[project.pk]))
    assert (response.context["totals"]["units"], response.context["totals"]["sold"]) == (2, 1)


def make_buildings(project, count):
    for n in range(count):
        building = BuildingFactory(project=project, number=f"{n + 1}", floors=3)
        unit = UnitFactory(building=building, number="101", floor=1)
        ContractFactory(unit=unit)
        HouseholdMemberFactory(unit=unit, customer__city_company=project.city_company)


# Session + user (2), the user's scope: city companies, projects (2), project + buildings + phases (3),
# the notification bell (1) → 8.
PROJECT_QUERIES = 8
# Session + user (2), scope (2), building + units + owners + active contracts (4), the bell (1) → 9.
BUILDING_QUERIES = 9


@pytest.mark.parametrize("rows", [2, 20])
def test_project_page_query_count_does_not_grow_with_buildings(
    client, agent, project, rows, django_assert_max_num_queries
):
    make_buildings(project, rows)
    client.force_login(agent)
    with django_assert_max_num_queries(PROJECT_QUERIES):
        response = client.get(reverse("properties:project-detail", args=[project.pk]))
    assert len(response.context["unphased"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_building_page_query_count_does_not_grow_with_units(
    client, agent, project, rows, django_assert_max_num_queries
):
    building = BuildingFactory(project=project, number="9", floors=rows)
    for floor in range(1, rows + 1):
        for room in (1, 2):
            unit = UnitFactory(building=building, number=f"{floor}0{room}", floor=floor)
            ContractFactory(unit=unit)
            HouseholdMemberFactory(unit=unit, customer__city_company=project.city_company)
    client.force_login(agent)
    with django_assert_max_num_queries(BUILDING_QUERIES):
        response = client.get(reverse("properties:building-detail", args=[building.pk]))
    assert sum(len(units) for _floor, units in response.context["floors"]) == 2 * rows
