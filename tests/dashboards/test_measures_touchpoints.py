"""The touchpoints' figures on the dashboards: done on time (of those due in the period), overdue now;
boundaries to the day, scoping, not recording, query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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
