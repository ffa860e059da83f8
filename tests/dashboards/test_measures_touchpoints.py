"""The touchpoints' figures on the dashboards: done on time (of those due in the period), overdue now;
boundaries to the day, scoping, not recording, query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards.measures.engine import dashboard_panels, scope_from_params
from lifecycle.models import Touchpoint
from tests.dashboards.conftest import MARCH, at, figures_of, panel_of
from tests.factories import ContractFactory, ProjectFactory, UnitFactory
from tests.lifecycle.factories import TouchpointFactory

pytestmark = pytest.mark.django_db


def _touchpoint(project, due_on: datetime.date, done_at=None, status=None):
    fields = {
        "done_at": done_at,
        "status": status or (Touchpoint.Status.DONE if done_at else Touchpoint.Status.OPEN),
    }
    return TouchpointFactory(
        contract=ContractFactory(unit=UnitFactory(building__project=project)), due_on=due_on, **fields
    )


@pytest.fixture
def calls(project, other_project):
    """Due in March at 四季花城: on the 1st done that morning, on the 31st reached at its due time to the
    second, one done a day late, one declined, one still open; one due on 28 February and one on 1 April;
    overdue now: the open March one and one due yesterday (not one due today). In another city: one due
    in March, open."""
    first = _touchpoint(project, datetime.date(2026, 3, 1), done_at=at("2026-03-01", 9))
    last = _touchpoint(project, datetime.date(2026, 3, 31))
    Touchpoint.objects.filter(pk=last.pk).update(
        status=Touchpoint.Status.REACHED, done_at=last.due_at
    )  # to the second
    _touchpoint(project, datetime.date(2026, 3, 10), done_at=at("2026-03-11", 9))  # late
    _touchpoint(project, datetime.date(2026, 3, 12), status=Touchpoint.Status.DECLINED)
    _touchpoint(project, datetime.date(2026, 3, 20))  # still open: late, and overdue now
    _touchpoint(project, datetime.date(2026, 2, 28), done_at=at("2026-02-28", 9))
    _touchpoint(project, datetime.date(2026, 4, 1), done_at=at("2026-04-01", 9))
    today = timezone.localdate()
    _touchpoint(project, today - datetime.timedelta(days=1))  # overdue now
    _touchpoint(project, today)  # due today: not overdue yet
    _touchpoint(other_project, datetime.date(2026, 3, 5))
    return first


def test_done_on_time_of_those_due_in_the_period_and_overdue_now(calls, city_head):
    figures = figures_of(city_head, "touchpoints")
    on_time = figures["touchpoints.on_time"]
    assert (on_time.ratio.numerator, on_time.ratio.denominator) == (2, 5)
    assert on_time.previous == 100.0  # February's one, done on its day
    overdue = figures["touchpoints.overdue"]
    assert overdue.value == 2
    assert overdue.previous is None


def test_the_group_adds_the_other_city(calls, group_admin):
    panel = panel_of(group_admin, "touchpoints")
    figures = {f.measure.key: f for f in panel.figures}
    assert figures["touchpoints.on_time"].ratio.denominator == 6
    assert figures["touchpoints.overdue"].value == 3
    rows = {scope.label: {f.measure.key: f.value for f in row} for scope, row in panel.rows}
    assert rows["武汉公司"]["touchpoints.overdue"] == 1
    assert rows["深圳公司"]["touchpoints.overdue"] == 2


def test_not_recording_before_the_first_touchpoint(db, group_admin):
    panel = panel_of(group_admin, "touchpoints")
    assert panel.recording is False
    assert panel.figures == []


@pytest.mark.parametrize("extra_projects", [0, 3])
def test_query_count_does_not_grow_with_projects(calls, group_admin, city, extra_projects):
    for _ in range(extra_projects):
        _touchpoint(ProjectFactory(city_company=city), datetime.date(2026, 3, 2))
    scope = scope_from_params(group_admin, {})
    with CaptureQueriesContext(connection) as queries:
        dashboard_panels(group_admin, scope, MARCH)
    assert len([q for q in queries.captured_queries if "lifecycle_touchpoint" in q["sql"]]) == 2


# --- the list behind the figures: every touchpoint in scope ------------------------------------------


def _listed(client, url_or_params):
    if isinstance(url_or_params, str):
        return client.get(url_or_params)
    return client.get(reverse("lifecycle:touchpoint_list"), url_or_params)


@pytest.mark.parametrize("user_fixture", ["city_head", "group_admin"])
def test_drill_down_lists_count_what_the_figures_count(calls, request, client, user_fixture, project):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    for params in ({}, {"project": str(project.pk)}):
        figures = figures_of(user, "touchpoints", params=params)
        on_time = figures["touchpoints.on_time"]
        response = _listed(client, on_time.drill_url)
        assert response.status_code == 200
        assert response.context["list_count"].count == on_time.ratio.denominator
        assert _listed(client, on_time.drill_url + "&on_time=1").context["list_count"].count == (
            on_time.ratio.numerator
        )
        assert _listed(client, on_time.drill_url + "&on_time=0").context["list_count"].count == (
            on_time.ratio.denominator - on_time.ratio.numerator
        )
        overdue = figures["touchpoints.overdue"]
        assert _listed(client, overdue.drill_url).context["list_count"].count == overdue.value


def test_the_city_rows_of_the_group_drill_to_their_city(calls, client, group_admin):
    panel = panel_of(group_admin, "touchpoints")
    client.force_login(group_admin)
    for _scope, row in panel.rows:
        for figure in row:
            count = _listed(client, figure.drill_url).context["list_count"].count
            expected = (
                figure.ratio.denominator if figure.measure.key == "touchpoints.on_time" else figure.value
            )
            assert count == expected


def test_the_list_filters_by_step_and_status(calls, client, city_head):
    client.force_login(city_head)
    march = {"due_from": "2026-03-01", "due_to": "2026-03-31"}
    assert _listed(client, {**march, "status": "completed"}).context["list_count"].count == 3
    assert _listed(client, {**march, "status": "pending"}).context["list_count"].count == 1
    assert _listed(client, {**march, "status": "declined"}).context["list_count"].count == 1
    assert _listed(client, {**march, "step": calls.plan.step}).context["list_count"].count == 5
    assert _listed(client, {**march, "step": "+2"}).context["list_count"].count == 0


def test_a_city_head_never_lists_another_city(calls, client, city_head, other_city, other_project):
    client.force_login(city_head)
    response = _listed(client, {})
    assert response.context["list_count"].count == 9  # 四季花城's nine
    assert all(tp.project_id != other_project.pk for tp in response.context["page"])
    response = _listed(client, {"city": str(other_city.pk)})
    assert response.status_code == 400
    assert "city" in response.context["form"].errors


@pytest.mark.parametrize(
    "params, field",
    [
        ({"due_from": "31/03/2026"}, "due_from"),
        ({"due_from": "2026-03-31", "due_to": "2026-03-01"}, "due_to"),
        ({"on_time": "yes"}, "on_time"),
        ({"overdue": "0"}, "overdue"),
        ({"step": "9"}, "step"),
        ({"status": "lost"}, "status"),
    ],
)
def test_bad_filters_are_form_errors(calls, client, city_head, params, field):
    client.force_login(city_head)
    response = _listed(client, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_the_list_is_for_supervisors_and_managers(calls, client, agent):
    client.force_login(agent)
    assert _listed(client, {}).status_code == 403


def test_the_menu_links_the_list_for_those_who_read_rates(db, city_head, agent):
    from lifecycle.menu import lifecycle_menu

    assert "lifecycle:touchpoint_list" in [link.url_name for link in lifecycle_menu(city_head).links]
    assert "lifecycle:touchpoint_list" not in [link.url_name for link in lifecycle_menu(agent).links]


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_queries_do_not_grow_with_rows(
    db, client, city_head, project, rows, django_assert_max_num_queries
):
    for n in range(rows):
        _touchpoint(project, datetime.date(2026, 3, 1 + n), done_at=at("2026-03-01", 9) if n % 2 else None)
    client.force_login(city_head)
    # session + user (2), the scope's city companies and projects (2), the estate's names (2, cached
    # after), the page with its plans, customers and units (1), the bounded count (1), the bell (1), the
    # managers' calendar check (1).
    with django_assert_max_num_queries(10):
        response = _listed(client, {"due_from": "2026-03-01"})
    assert len(response.context["page"]) == rows
