"""Drill-down: every complaint figure links to the filtered list of the records behind it, and the list
counts what the figure counts (its numerator, or the denominator where its help text says so)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from dashboards.measures.engine import dashboard_panels, home_scope, scope_from_params
from tests.dashboards.complaint_data import build, now
from tests.dashboards.test_measures_complaints import EXPECTED_PROJECT, MARCH
from tests.factories import UserFactory

# The figures whose list holds the denominator (said in their help text).
BY_DENOMINATOR = {"complaints.first_response_compliance", "complaints.resolution_hours"}


@pytest.fixture
def data(project, other_project, group_admin):
    with time_machine.travel(now(), tick=False):
        yield build(project, other_project, group_admin)


def _list_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if "list_count" in response.context and response.context["list_count"] is not None:
        return response.context["list_count"].count
    return len(response.context["cases"])


def _figures_and_rows(user, scope):
    panels = dashboard_panels(user, scope, MARCH, fresh=True, sources=("complaints", "complaints_now"))
    for panel in panels:
        if not panel.source.key.startswith("complaints"):
            continue
        yield from panel.figures
        for _child, row in panel.rows:
            yield from row


@pytest.mark.parametrize("level", ["group", "city"])
def test_each_lists_count_is_its_figure(data, client, group_admin, city, level):
    scope = (
        home_scope(group_admin)
        if level == "group"
        else scope_from_params(group_admin, {"city": str(city.pk)})
    )
    client.force_login(group_admin)
    checked = set()
    with time_machine.travel(now(), tick=False):
        for figure in _figures_and_rows(group_admin, scope):
            expected = (
                figure.ratio.denominator if figure.measure.key in BY_DENOMINATOR else figure.ratio.numerator
            )
            assert _list_count(client, figure.drill_url) == expected, (figure.measure.key, figure.drill_url)
            checked.add(figure.measure.key)
    assert checked == set(EXPECTED_PROJECT)


def test_a_city_head_drills_into_their_city_only(data, client, city, other_city):
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    client.force_login(head)
    with time_machine.travel(now(), tick=False):
        for figure in _figures_and_rows(head, home_scope(head)):
            expected = (
                figure.ratio.denominator if figure.measure.key in BY_DENOMINATOR else figure.ratio.numerator
            )
            assert _list_count(client, figure.drill_url) == expected, figure.measure.key
        # Another city's list: not a choice of theirs, refused with the field's message (the board then
        # shows their own open complaints, never the other city's).
        url = reverse("complaints:board") + f"?status=all&city={other_city.pk}"
        response = client.get(url)
        assert response.status_code == 400 and response.context["filter_errors"]
        assert data["other_city"].pk not in {row.pk for row in response.context["page"]}
        assert client.get(reverse("complaints:group-cases") + f"?city={other_city.pk}").status_code == 400
        assert client.get(reverse("complaints:improvements") + f"?city={other_city.pk}").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "received_from=2026-03-31&received_to=2026-03-01",
        "received_from=yesterday",
        "first_response=late",  # without the days it fell due
        "first_response=sometimes&due_from=2026-03-01",
        "escalation_level=7",
        "root_cause=weather",
        "repeat=yes",
    ],
)
def test_unreadable_drill_down_filters_are_a_400_with_the_fields_message(data, client, group_admin, query):
    client.force_login(group_admin)
    response = client.get(reverse("complaints:board") + "?" + query)
    assert response.status_code == 400
    assert response.context["filter_errors"]


def test_the_board_shows_the_drill_down_it_was_opened_with(data, client, group_admin):
    client.force_login(group_admin)
    response = client.get(reverse("complaints:board") + "?status=all&repeat=1&received_from=2026-03-01")
    body = response.content.decode()
    assert 'data-testid="drill-down"' in body and "repeat=1" in body
    assert '<input type="hidden" name="repeat" value="1">' in body
