"""The complaint desk's measures on hand-built data (tests/dashboards/complaint_data.py): each figure
worked out on paper, the boundaries the issue names (a paused SLA, a reopened complaint, a unit handed
over mid-period, a merged customer, the period's first and last minute), fresh against summary, and the
drill-down lists whose count is the figure's."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from dashboards.measures.base import Period, PeriodKind, measure_by_key
from dashboards.measures.complaints import breakdowns, compute, summary
from dashboards.measures.engine import dashboard_panels, home_scope, scope_from_params
from tests.dashboards.complaint_data import build, now
from tests.factories import UserFactory

MARCH = Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1))
MINE = ("complaints", "complaints_now")  # the complaint desk's sources (the others test theirs)


@pytest.fixture
def travel():
    with time_machine.travel(now(), tick=False):
        yield


@pytest.fixture
def data(travel, project, other_project, group_admin):
    return build(project, other_project, group_admin)


def figures(user, scope, period=MARCH, *, fresh=True) -> dict:
    """measure key → Figure of the scope's headline."""
    return {
        figure.measure.key: figure
        for panel in dashboard_panels(user, scope, period, fresh=fresh, with_rows=False, sources=MINE)
        for figure in panel.figures
    }


def values(found: dict) -> dict:
    return {key: (None if f.value is None else round(f.value, 2)) for key, f in found.items()}


EXPECTED_PROJECT = {
    "complaints.received": 6,
    "complaints.first_response_compliance": 60.0,  # 3 of 5 (the paused-before-due one not counted)
    "complaints.first_response_late": 2,  # a day late; paused after the due time passed
    "complaints.resolution_rate": round(100 / 6, 2),  # the reopened one is not resolved
    "complaints.resolution_hours": 47.0,  # (72 + 22) / 2: resolved in March, one received in February
    "complaints.per_1000_units": 3000.0,  # 6 per 2 units handed over by 31 March (one on 20 March)
    "complaints.repeat_share": round(100 / 6, 2),
    "complaints.group_cases": 1,
    "complaints.improvements_done": 1,
    "complaints.open": 9,
    "complaints.breached": 1,
    "complaints.escalated_1": 0,
    "complaints.escalated_2": 1,
    "complaints.escalated_3": 0,
    "complaints.improvements_open": 1,
}


@pytest.mark.parametrize("fresh", [True, False])
def test_each_figure_of_a_city_company_on_hand_built_data(data, group_admin, city, fresh):
    if not fresh:
        summary.recount(None)
    scope = scope_from_params(group_admin, {"city": str(city.pk)})
    assert values(figures(group_admin, scope, fresh=fresh)) == EXPECTED_PROJECT


@pytest.mark.parametrize("fresh", [True, False])
def test_the_group_adds_up_every_city_company(data, group_admin, fresh):
    if not fresh:
        summary.recount(None)
    found = values(figures(group_admin, home_scope(group_admin), fresh=fresh))
    assert found["complaints.received"] == 7
    assert found["complaints.first_response_compliance"] == 50.0  # 3 of 6: the other city's was late
    assert found["complaints.first_response_late"] == 3
    assert found["complaints.resolution_rate"] == round(200 / 7, 2)
    assert found["complaints.resolution_hours"] == round(142 / 3, 2)
    assert found["complaints.per_1000_units"] == round(7000 / 3, 2)
    assert found["complaints.open"] == 10


def test_previous_period_and_boundaries_to_the_day(data, group_admin, city):
    scope = scope_from_params(group_admin, {"city": str(city.pk)})
    march = figures(group_admin, scope)
    # February: the complaint of its last evening; one unit handed over by its end.
    assert march["complaints.received"].previous == 1
    assert march["complaints.per_1000_units"].previous == 1000.0
    # The trend ends with March; snapshots have none.
    assert march["complaints.received"].trend[-2:] == [1.0, 6.0]
    assert march["complaints.open"].trend == [] and march["complaints.open"].previous is None
    # 1 April 00:00 is April's; the one received at 11:00 today is not due yet.
    april = figures(group_admin, scope, Period.containing(PeriodKind.MONTH, datetime.date(2026, 4, 1)))
    assert april["complaints.received"].value == 2
    assert april["complaints.first_response_compliance"].ratio.denominator == 2  # last minute's and 1 April's
    day = figures(group_admin, scope, Period.containing(PeriodKind.DAY, datetime.date(2026, 3, 31)))
    assert day["complaints.received"].value == 1


def test_resolution_time_median_and_90th_percentile(data, group_admin):
    (panel,) = [
        p
        for p in dashboard_panels(group_admin, home_scope(group_admin), MARCH)
        if p.source.key == "complaints"
    ]
    tables = {b.key: b for b in panel.breakdowns}
    median, p90 = tables["complaints.resolution_time"].rows
    assert median.values == (48.0,) and p90.values == (72.0,)  # of 22, 48 and 72 hours


def test_top_categories_and_root_causes_with_their_lists(data, group_admin, client):
    panels = dashboard_panels(group_admin, home_scope(group_admin), MARCH, fresh=True)
    (panel,) = [p for p in panels if p.source.key == "complaints"]
    tables = {b.key: b for b in panel.breakdowns}
    top = tables["complaints.top_categories"].rows
    # Leaks and cracks are both under 房屋质量 (quality): the top-level category counts its children.
    assert [(row.label, row.values[0]) for row in top] == [("房屋质量", 7)]
    causes = {row.label: row.values[0] for row in tables["complaints.root_causes"].rows}
    assert causes == {"Construction (施工)": 1, "Not recorded": 6}
    client.force_login(group_admin)
    for row in [*top, *tables["complaints.root_causes"].rows]:
        assert client.get(row.drill_url).context["list_count"].count == row.values[0], row.drill_url


def test_a_merged_customer_changes_no_figure(data, group_admin, project):
    from customers.services import customer_merge
    from tests.factories import CustomerFactory

    first = CustomerFactory(city_company=project.city_company)
    second = CustomerFactory(city_company=project.city_company, id_type="", id_number=None)  # the same person
    data["on_time"].__class__.objects.filter(pk=data["on_time"].pk).update(customer=first)
    data["repeat_late"].__class__.objects.filter(pk=data["repeat_late"].pk).update(customer=second)
    before = values(figures(group_admin, home_scope(group_admin)))
    customer_merge(survivor=first, duplicate=second, by=group_admin)
    assert values(figures(group_admin, home_scope(group_admin))) == before
    assert before["complaints.repeat_share"] == round(100 / 7, 2)  # the same unit: a repeat before and after


def test_a_city_head_never_counts_another_city(data, city, other_city):
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    with pytest.raises(PermissionDenied):
        scope_from_params(head, {"city": str(other_city.pk)})
    with pytest.raises(PermissionDenied):
        scope_from_params(head, {"project": str(data["other_city"].project_id)})
    scope = home_scope(head)
    assert scope.city_company_id == city.pk
    assert values(figures(head, scope)) == EXPECTED_PROJECT
    # Even handed the whole estate, a source counts only the projects asked for.
    cells = compute(scope.project_ids, MARCH.trend(), True)["complaints.received"]
    assert {project for (_index, project) in cells} == {data["on_time"].project_id}


@pytest.mark.parametrize(
    "period",
    [
        Period.containing(PeriodKind.DAY, datetime.date(2026, 3, 14)),
        Period.containing(PeriodKind.WEEK, datetime.date(2026, 3, 11)),
        MARCH,
        Period.containing(PeriodKind.QUARTER, datetime.date(2026, 3, 1)),
        Period.containing(PeriodKind.YEAR, datetime.date(2026, 3, 1)),
        Period.custom(datetime.date(2026, 2, 20), datetime.date(2026, 3, 20)),
    ],
    ids=lambda p: p.kind.value,
)
def test_fresh_and_summary_figures_are_equal(data, group_admin, period):
    summary.recount(None)
    periods = period.trend()
    assert compute(None, periods, True) == compute(None, periods, False)
    scope = home_scope(group_admin)
    assert breakdowns.breakdowns(scope, period, True) == breakdowns.breakdowns(scope, period, False)


def test_the_summary_follows_changes_when_refreshed(data, group_admin, city):
    summary.recount(None)
    scope = scope_from_params(group_admin, {"city": str(city.pk)})
    assert figures(group_admin, scope, fresh=False)["complaints.resolution_rate"].ratio.numerator == 1
    # A complaint received on 10 March is resolved today: its day of receipt is counted again.
    with time_machine.travel(now() + datetime.timedelta(minutes=5), tick=False):
        late = data["repeat_late"]
        late.resolved_at, late.status = now(), "resolved"
        late.save()
        assert figures(group_admin, scope, fresh=False)["complaints.resolution_rate"].ratio.numerator == 1
        summary.refresh_recent()
        assert figures(group_admin, scope, fresh=False)["complaints.resolution_rate"].ratio.numerator == 2
        assert compute(None, MARCH.trend(), True) == compute(None, MARCH.trend(), False)
        assert summary.refreshed_at() == now() + datetime.timedelta(minutes=5)


def test_recount_runs_the_task_for_the_projects(data, project, group_admin, city):
    from dashboards.measures.base import registered_sources

    (source,) = [s for s in registered_sources() if s.key == "complaints"]
    assert source.freshness == "summary" and source.refreshed_at() is None
    source.recount(frozenset({project.pk}))  # eager in tests
    assert source.refreshed_at() == now()
    scope = scope_from_params(group_admin, {"city": str(city.pk)})
    assert values(figures(group_admin, scope, fresh=False)) == EXPECTED_PROJECT


def test_every_measure_says_what_it_means(db):
    for key in EXPECTED_PROJECT:
        _source, measure = measure_by_key(key)
        assert len(str(measure.help_text)) > 40 and measure.drill_url is not None, key
        assert measure.better in ("higher", "lower", None)


def test_before_the_first_refresh_the_summary_counts_the_records(data, group_admin, city):
    scope = scope_from_params(group_admin, {"city": str(city.pk)})
    assert summary.refreshed_at() is None
    assert values(figures(group_admin, scope, fresh=False)) == EXPECTED_PROJECT  # not zeros
