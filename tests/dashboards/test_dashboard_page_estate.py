"""The dashboards page's estate panel (the figures the page had before issue 17): units, the share sold and
handed over per project, customers per lifecycle stage per scope; counted for the whole estate, kept for
DASHBOARD_CACHE_SECONDS, counted anew by the managers' recount button (POST, dashboards:recount)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import Role
from customers.models import Contract, Stage
from dashboards.measures.base import Level
from tests.factories import (
    BuildingFactory,
    ContractFactory,
    CustomerFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

URL = reverse("dashboards")
RECOUNT = reverse("dashboards:recount")


def _estate(response):
    (panel,) = [view for view in response.context["panels"] if view.source.key == "estate"]
    return panel


def _figures(panel) -> dict[str, str]:
    return {card.measure.key: card.value_text for card in panel.cards}


def _stages(panel) -> dict[str, tuple[str, str | None]]:
    (table,) = panel.tables
    return {label: (values[0], url) for label, values, url in table.rows}


def _handed_over_contract(unit, buyer):
    return ContractFactory(
        unit=unit,
        primary_buyer=buyer,
        subscribed_on=datetime.date(2019, 12, 1),
        signed_on=datetime.date(2020, 1, 1),
        contractual_handover_on=datetime.date(2021, 1, 1),
        handed_over_on=datetime.date(2021, 1, 1),
    )


def test_units_sold_and_handed_over_per_project(client, city_head, project, owned_unit, other_project):
    building = BuildingFactory(project=project, number="90")
    resold = UnitFactory(building=building)  # cancelled, then sold again: one sold unit
    ContractFactory(unit=resold, status=Contract.Status.CANCELLED)
    ContractFactory(unit=resold)
    cancelled = UnitFactory(building=building)
    ContractFactory(unit=cancelled, status=Contract.Status.CANCELLED)
    UnitFactory(building=building)  # never sold
    _handed_over_contract(UnitFactory(building=building), CustomerFactory())
    sibling = ProjectFactory(city_company=project.city_company, name="万科城")
    UnitFactory(building__project=sibling)
    UnitFactory.create_batch(3, building__project=other_project)  # another city: never counted here
    client.force_login(city_head)
    panel = _estate(client.get(URL))
    # 6 units in the city: 5 in 四季花城 (3 sold, 1 of them handed over) and 1 in 万科城.
    assert _figures(panel) == {"estate.units": "6", "estate.sold": "50.0%", "estate.handed_over": "16.7%"}
    assert [card.ratio_text for card in panel.cards] == ["", "3 / 6", "1 / 6"]
    rows = {row.scope.label: [cell.text for cell in row.cells] for row in panel.children}
    assert rows == {"万科城": ["1", "0.0%", "0.0%"], "四季花城": ["5", "60.0%", "20.0%"]}
    # The project's figures drill to its page in the property browser, whose totals are the same.
    project_url = reverse("properties:project-detail", args=[project.pk])
    (row,) = [row for row in panel.children if row.scope.project_id == project.pk]
    assert row.cells[0].drill_url == project_url
    totals = client.get(project_url).context["totals"]
    assert (totals["units"], totals["sold"]) == (5, 3)


@pytest.mark.parametrize("who", ["supervisor", "city_head", "group_admin"])
def test_customers_by_stage_per_scope_agree_with_the_customer_list(
    client, request, who, project, owner, other_project
):
    """Each stage's count links to the customer list filtered the same way, which lists as many."""
    CustomerFactory(city_company=project.city_company, registered_project=project)  # a prospect
    handed = CustomerFactory(city_company=project.city_company, registered_project=project)
    _handed_over_contract(UnitFactory(building=BuildingFactory(project=project, number="90")), handed)
    CustomerFactory(city_company=other_project.city_company, registered_project=other_project)
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(URL)
    stages = _stages(_estate(response))
    expected = {"supervisor": 3, "city_head": 3, "group_admin": 4}[who]
    assert stages["All customers"][0] == str(expected)
    assert stages[str(Stage.PROSPECT.label)][0] == str(expected - 2)
    assert stages[str(Stage.ESTABLISHED.label)][0] == "1"
    level = response.context["scope"].level
    assert level == {"supervisor": Level.PROJECT, "city_head": Level.CITY, "group_admin": Level.GROUP}[who]
    for label, (value, url) in stages.items():
        if url is None:
            continue
        listed = client.get(url).context["list_count"]
        assert (label, listed.count) == (label, int(value))


def test_the_estate_is_kept_until_recounted_by_a_manager(client, city_head, project, other_project):
    UnitFactory(building__project=project)
    client.force_login(city_head)
    assert _figures(_estate(client.get(URL)))["estate.units"] == "1"
    UnitFactory(building__project=project)
    assert _figures(_estate(client.get(URL)))["estate.units"] == "1"  # the kept count
    assert _figures(_estate(client.get(URL, {"fresh": "1"})))["estate.units"] == "1"  # a summary still

    period = {"period": "week", "on": "2026-11-02"}
    response = client.post(RECOUNT, {"project": project.pk, **period})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?{urlencode({'project': project.pk, **period})}"
    response = client.get(response["Location"])
    assert _figures(_estate(response))["estate.units"] == "2"
    assert "The figures were counted anew." in response.content.decode()

    # The count is one for the whole estate: another scope reads the same, newly counted one.
    client.force_login(UserFactory(role=Role.CITY_HEAD, city_companies=[other_project.city_company]))
    UnitFactory(building__project=other_project)
    assert _figures(_estate(client.get(URL)))["estate.units"] == "0"


def test_the_count_expires(client, city_head, project, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # expired at once: every view counts
    client.force_login(city_head)
    client.get(URL)
    UnitFactory(building__project=project)
    assert _figures(_estate(client.get(URL)))["estate.units"] == "1"


def test_the_recount_is_a_managers_post_with_its_csrf_token_in_their_scope(
    client, city_head, agent, project, other_project
):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(city_head)
    assert csrf_client.post(RECOUNT).status_code == 403  # no token
    page = csrf_client.get(URL)
    token = page.context["csrf_token"]
    assert 'data-testid="recount-form"' in page.content.decode()
    assert csrf_client.post(RECOUNT, {"csrfmiddlewaretoken": str(token)}).status_code == 302

    client.force_login(city_head)
    assert client.get(RECOUNT).status_code == 405
    assert client.post(RECOUNT, {"city": other_project.city_company_id}).status_code == 403
    response = client.post(RECOUNT, {"period": "year", "on": "yesterday"})
    assert response.status_code == 400 and "Enter a date as YYYY-MM-DD." in response.content.decode()
    client.force_login(agent)
    assert client.post(RECOUNT).status_code == 403


def test_the_page_reads_in_chinese(client, city_head, project, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    UnitFactory(building__project=project)
    client.force_login(city_head)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for text in ("看板", "楼盘与客户", "按阶段的客户", "已售房屋", "重新统计", "摘要", "月", "上一期"):
        assert text in html, text
