"""The dashboards page: customers per lifecycle stage and units per project, counted per scope and kept
(moved from the home page, which is now the user's work queue)."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import ContractFactory, CustomerFactory, UnitFactory, UserFactory


def test_dashboards_counts_the_agents_visible_customers_by_stage(
    client, agent, project, owner, other_project
):
    CustomerFactory(city_company=project.city_company, registered_project=project)  # a prospect
    handed = CustomerFactory(city_company=project.city_company, registered_project=project)
    ContractFactory(
        unit=UnitFactory(building__project=project),
        primary_buyer=handed,
        subscribed_on=datetime.date(2019, 12, 1),
        signed_on=datetime.date(2020, 1, 1),
        contractual_handover_on=datetime.date(2021, 1, 1),
        handed_over_on=datetime.date(2021, 1, 1),
    )
    CustomerFactory(city_company=other_project.city_company, registered_project=other_project)  # not visible
    client.force_login(agent)
    response = client.get(reverse("dashboards"))
    counts = {stage.value: n for stage, n in response.context["stage_counts"]}
    assert counts == {"prospect": 1, "buyer": 1, "settling_in": 0, "stable": 0, "established": 1}
    assert response.context["customer_total"] == 3
    assert [p.name for p in response.context["projects"]] == ["四季花城"]
    assert response.context["projects"][0].unit_count == 2


def test_dashboards_counts_units_and_sold_units_per_project(client, agent, project, owned_unit):
    from customers.models import Contract

    resold = UnitFactory(building__project=project)  # cancelled, then sold again: one sold unit
    ContractFactory(unit=resold, status=Contract.Status.CANCELLED)
    ContractFactory(unit=resold)
    cancelled = UnitFactory(building__project=project)
    ContractFactory(unit=cancelled, status=Contract.Status.CANCELLED)
    UnitFactory(building__project=project)  # never sold
    client.force_login(agent)
    (row,) = client.get(reverse("dashboards")).context["projects"]
    assert (row.unit_count, row.sold_count) == (4, 2)


@pytest.mark.parametrize("rows", [2, 20])
def test_dashboards_query_count_is_constant(client, agent, project, rows, django_assert_max_num_queries):
    for _ in range(rows):
        CustomerFactory(city_company=project.city_company, registered_project=project)
    client.force_login(agent)
    # Session + user (2), scope (2), the five stage counts in one query over the customers' own
    # columns (1), projects (1), their unit and sold counts in one grouped query (1), the bell (1) → 8.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("dashboards")).status_code == 200
    # Counted once per scope for DASHBOARD_CACHE_SECONDS: the two counts are not run again.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("dashboards")).status_code == 200


def test_dashboard_counts_are_kept_per_scope_until_they_expire_or_are_counted_again(
    client, agent, project, other_project, settings
):
    CustomerFactory(city_company=project.city_company, registered_project=project)
    client.force_login(agent)
    first = client.get(reverse("dashboards"))
    assert first.context["customer_total"] == 1
    assert 'data-testid="counted-at"' in first.content.decode()

    CustomerFactory(city_company=project.city_company, registered_project=project)
    assert client.get(reverse("dashboards")).context["customer_total"] == 1  # the kept count
    assert client.get(reverse("dashboards") + "?refresh=1").context["customer_total"] == 2
    assert client.get(reverse("dashboards")).context["customer_total"] == 2

    # Another scope has counts of its own, never the agent's.
    other = UserFactory(role=Role.CS_AGENT, projects=[other_project])
    client.force_login(other)
    assert client.get(reverse("dashboards")).context["customer_total"] == 0

    settings.DASHBOARD_CACHE_SECONDS = 0  # expired at once: every view counts
    client.force_login(agent)
    client.get(reverse("dashboards") + "?refresh=1")
    CustomerFactory(city_company=project.city_company, registered_project=project)
    assert client.get(reverse("dashboards")).context["customer_total"] == 3


def test_contractor_dashboards_shows_no_customer_figures(client, project, owner):
    client.force_login(UserFactory(role=Role.CONTRACTOR, projects=[project]))
    response = client.get(reverse("dashboards"))
    assert response.status_code == 200
    assert response.context["stage_counts"] is None
    html = response.content.decode()
    assert reverse("customers:list") not in html
    assert 'id="global-search"' not in html
