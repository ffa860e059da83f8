"""The dashboards' engine: periods, the dashboard's scope, and the panels' cost (a constant number of
queries whatever the rows)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from dashboards.measures import base
from dashboards.measures.base import Level, Period, PeriodKind, Ratio, period_from_params, sum_cells
from dashboards.measures.complaints import summary
from dashboards.measures.engine import child_scopes, dashboard_panels, home_scope, scope_from_params
from tests.dashboards.complaint_data import at, complaint, now
from tests.factories import ProjectFactory, UserFactory


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("day", "2026-03-31", "2026-03-31", "2026-04-01"),
        ("week", "2026-03-11", "2026-03-09", "2026-03-16"),  # Monday to Monday
        ("month", "2026-02-14", "2026-02-01", "2026-03-01"),
        ("quarter", "2026-05-20", "2026-04-01", "2026-07-01"),
        ("year", "2026-12-31", "2026-01-01", "2027-01-01"),
    ],
)
def test_calendar_periods(kind, day, start, end):
    period = period_from_params({"period": kind, "on": day})
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    trend = period.trend()
    assert trend[-1] == period and trend[-2] == period.previous() and len(trend) == 12
    assert all(a.end == b.start for a, b in zip(trend, trend[1:], strict=False))  # they follow each other


def test_custom_ranges_and_bad_input():
    period = period_from_params({"period": "custom", "start": "2026-02-20", "end": "2026-03-20"})
    assert period.days == 29 and period.previous().end == period.start and period.previous().days == 29
    for params in (
        {"period": "fortnight"},
        {"period": "month", "on": "14/02/2026"},
        {"period": "custom", "start": "2026-03-20", "end": "2026-02-20"},
        {"period": "custom", "start": "2020-01-01", "end": "2026-01-01"},
        {"period": "custom", "start": "2026-01-01"},
    ):
        with pytest.raises(ValidationError):
            period_from_params(params)


def test_sum_cells_adds_the_scopes_projects_only():
    cells = {(0, 1): Ratio(1, 2), (0, 2): Ratio(3, 4), (1, 1): Ratio(5, 5)}
    assert sum_cells(cells, 2, None) == [Ratio(4, 6), Ratio(5, 5)]
    assert sum_cells(cells, 2, {2}) == [Ratio(3, 4), Ratio(0, 0)]


def test_scopes_of_each_level(project, other_project, city, other_city, group_admin):
    assert home_scope(group_admin).level == Level.GROUP and home_scope(group_admin).project_ids is None
    cities = child_scopes(group_admin, home_scope(group_admin))
    assert {c.city_company_id for c in cities} == {city.pk, other_city.pk}
    city_scope = scope_from_params(group_admin, {"city": str(city.pk)})
    assert city_scope.project_ids == frozenset({project.pk})
    assert [c.project_id for c in child_scopes(group_admin, city_scope)] == [project.pk]
    assert scope_from_params(group_admin, {"project": str(other_project.pk)}).level == Level.PROJECT
    with pytest.raises(ValidationError):
        scope_from_params(group_admin, {"city": "shenzhen"})
    with pytest.raises(PermissionDenied):
        scope_from_params(group_admin, {"city": "999999"})


def test_a_city_head_sees_their_city_and_its_projects_only(project, other_project, city, other_city):
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    second = ProjectFactory(city_company=city)
    scope = home_scope(head)
    assert scope.level == Level.CITY and scope.project_ids == frozenset({project.pk, second.pk})
    assert {c.project_id for c in child_scopes(head, scope)} == {project.pk, second.pk}
    for params in ({"city": str(other_city.pk)}, {"project": str(other_project.pk)}):
        with pytest.raises(PermissionDenied):
            scope_from_params(head, params)


@pytest.mark.parametrize("fresh", [True, False])
@pytest.mark.parametrize("rows", [2, 20])
def test_dashboard_panels_cost_the_same_whatever_the_rows(
    project, other_project, group_admin, fresh, rows, django_assert_num_queries, monkeypatch
):
    # The complaint desk's two sources only (the other apps' sources are counted in their own tests).
    mine = {key: source for key, source in base._SOURCES.items() if key.startswith("complaints")}
    monkeypatch.setattr(base, "_SOURCES", mine)
    with time_machine.travel(now(), tick=False):
        for n in range(rows):
            complaint(
                project if n % 2 else other_project,
                received=at(2026, 3, 1 + n % 28),
                resolved_at=at(2026, 4, 1),
            )
        summary.recount(None)
        period = Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1))
        scope = home_scope(group_admin)
        # Cached reference lists first (projects, city companies, categories), as on a warm server.
        dashboard_panels(group_admin, scope, period, fresh=fresh)
        # complaints: recording (1), the counters — fresh: six grouped queries + delivered units (7),
        # summary: when it was counted (1; the sums and the units handed over are kept in the cache under
        # that time since the first call) — and its tables:
        # categories (1, and when the summary was counted: 1), the resolution-time percentiles (1); the
        # desk now: recording (1), open complaints (1), improvement items (1).
        with django_assert_num_queries(13 if fresh else 8):
            panels = dashboard_panels(group_admin, scope, period, fresh=fresh)
    received = {f.measure.key: f for p in panels for f in p.figures}["complaints.received"]
    assert received.value == rows


@pytest.mark.parametrize(
    "params", [{"period": "year", "on": "0001-06-01"}, {"period": "month", "on": "9999-12-15"}]
)
def test_a_day_the_trend_cannot_reach_is_refused_not_a_crash(params):
    with pytest.raises(ValidationError) as refused:
        period_from_params(params)
    assert "on" in refused.value.message_dict
