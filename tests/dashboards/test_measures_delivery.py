"""The handover desk's figures on the dashboards: defects per unit at handover, first-time pass,
rectification orders on time, days to fix; boundaries to the day, scoping, drill-down == figure."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.measures.engine import dashboard_panels, scope_from_params
from delivery.models import Defect, Handover, HandoverBatch, Inspection, RectificationOrder
from tests.dashboards.conftest import MARCH, at, figures_of, panel_of
from tests.factories import ContractorFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _handover(project, lead):
    batch = HandoverBatch.objects.create(
        project=project,
        name=f"{project.name} 交付",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
        site="大堂",
        lead=lead,
    )
    unit = UnitFactory(building__project=project)
    return Handover.objects.create(batch=batch, project=project, unit=unit)


def _inspection(handover, by, kind, started, completed=None):
    return Inspection.objects.create(
        handover=handover,
        kind=kind,
        inspector=by,
        started_at=started,
        completed_at=completed,
        status=Inspection.Status.COMPLETED if completed else Inspection.Status.IN_PROGRESS,
    )


def _defect(handover, by, found, **fields):
    return Defect.objects.create(
        project=handover.project,
        unit=handover.unit,
        handover=handover,
        room="living",
        trade="civil",
        severity="normal",
        description="墙面开裂",
        reported_by=by,
        found_at=found,
        **fields,
    )


@pytest.fixture
def desk(project, other_project, group_admin):
    """March 2026 at 四季花城: three units walked, defects around the month's edges; one unit handed
    over mid-month (then a warranty defect); and the same in another city, which a city head never counts."""
    by = group_admin
    a, b, c = (_handover(project, by) for _ in range(3))
    _inspection(a, by, Inspection.Kind.PRE_INSPECTION, at("2026-03-01", 0, 0))  # first minute of March
    _inspection(b, by, Inspection.Kind.PRE_INSPECTION, at("2026-03-31", 23, 59))  # last minute
    _inspection(c, by, Inspection.Kind.PRE_INSPECTION, at("2026-02-28", 23, 59))  # February
    formal_a = _inspection(a, by, Inspection.Kind.HANDOVER, at("2026-03-10"), at("2026-03-10", 15))
    _inspection(b, by, Inspection.Kind.HANDOVER, at("2026-03-12"), at("2026-03-12", 15))
    _inspection(
        c, by, Inspection.Kind.HANDOVER, at("2026-03-13"), at("2026-04-01", 0, 0)
    )  # completed in April
    _defect(a, by, at("2026-03-01", 0, 0))
    _defect(a, by, at("2026-03-10", 14), inspection=formal_a)
    _defect(b, by, at("2026-03-31", 23, 59))
    _defect(c, by, at("2026-02-28", 23, 59))  # February
    _defect(c, by, at("2026-04-01", 0, 0))  # April
    _defect(b, by, at("2026-03-05"), status=Defect.Status.CANCELLED)  # recorded by mistake
    # Unit a is handed over on the 15th; the owner reports a warranty defect on the 20th: not at handover.
    Handover.objects.filter(pk=a.pk).update(status=Handover.Status.HANDED_OVER, signed_at=at("2026-03-15"))
    _defect(a, by, at("2026-03-20"), after_handover=True)
    # Fixes: two in March (3 days and 1 day after being found), one in February.
    _defect(b, by, at("2026-03-02", 9), fixed_at=at("2026-03-05", 9), status=Defect.Status.FIXED)
    _defect(b, by, at("2026-03-30", 9), fixed_at=at("2026-03-31", 9), status=Defect.Status.FIXED)
    _defect(b, by, at("2026-02-01", 9), fixed_at=at("2026-02-28", 9), status=Defect.Status.FIXED)
    contractor = ContractorFactory(projects=[project])

    def order(due, completed=None, status=RectificationOrder.Status.OPEN):
        return RectificationOrder.objects.create(
            project=project,
            contractor=contractor,
            issued_by=by,
            due_at=due,
            completed_at=completed,
            status=status,
        )

    done = RectificationOrder.Status.COMPLETED
    order(at("2026-03-10"), at("2026-03-09"), done)  # on time
    order(at("2026-03-31", 23, 59), at("2026-03-31", 23, 59), done)  # on time, to the minute
    order(at("2026-03-05"), at("2026-03-06"), done)  # late
    order(at("2026-03-20"))  # still open: late
    order(at("2026-04-01", 0, 0))  # due in April
    # Another city's desk: one unit, two defects, one late order.
    x = _handover(other_project, by)
    _inspection(x, by, Inspection.Kind.PRE_INSPECTION, at("2026-03-03"))
    _defect(x, by, at("2026-03-03"))
    _defect(x, by, at("2026-03-03"))
    RectificationOrder.objects.create(
        project=other_project,
        contractor=ContractorFactory(projects=[other_project]),
        issued_by=by,
        due_at=at("2026-03-03"),
    )
    return formal_a


def test_defects_per_unit_counts_handover_defects_of_march_per_unit_walked(desk, city_head):
    figure = figures_of(city_head, "delivery")["delivery.defects_per_unit"]
    # Defects: the first and last minute of March, the formal inspection's, the two fixed in March → 5
    # (not February's, April's, the cancelled one, nor the warranty defect after the mid-month handover).
    # Units walked in March: a and b, and c (its pre-inspection was in February, its formal inspection
    # started on 13 March).
    assert (figure.ratio.numerator, figure.ratio.denominator) == (5, 3)
    assert figure.value == pytest.approx(5 / 3)


def test_first_time_pass_is_of_units_whose_formal_inspection_completed_in_the_period(desk, city_head):
    figure = figures_of(city_head, "delivery")["delivery.first_time_pass"]
    # a's found a defect, b's found none, c's completed on 1 April.
    assert (figure.ratio.numerator, figure.ratio.denominator) == (1, 2)
    assert figure.value == 50.0


def test_rectification_on_time_and_days_to_fix(desk, city_head):
    figures = figures_of(city_head, "delivery")
    on_time = figures["delivery.rectification_on_time"]
    assert (on_time.ratio.numerator, on_time.ratio.denominator) == (2, 4)
    days = figures["delivery.days_to_fix"]
    assert days.ratio.denominator == 2
    assert days.value == pytest.approx(2.0)  # (3 + 1) / 2


def test_group_counts_every_city_and_the_city_rows_add_up(desk, group_admin):
    panel = panel_of(group_admin, "delivery")
    figures = {f.measure.key: f for f in panel.figures}
    assert (
        figures["delivery.defects_per_unit"].ratio.numerator,
        figures["delivery.defects_per_unit"].ratio.denominator,
    ) == (7, 4)
    assert figures["delivery.rectification_on_time"].ratio.denominator == 5
    rows = {scope.label: {f.measure.key: f.ratio for f in row} for scope, row in panel.rows}
    assert rows["深圳公司"]["delivery.defects_per_unit"].numerator == 5
    assert rows["武汉公司"]["delivery.defects_per_unit"].numerator == 2


def test_trend_puts_february_in_the_previous_period(desk, city_head):
    figure = figures_of(city_head, "delivery")["delivery.days_to_fix"]
    assert figure.previous == pytest.approx(27.0)  # 1 → 28 February


@pytest.mark.parametrize("user_fixture", ["city_head", "group_admin"])
def test_drill_down_lists_count_what_the_figures_count(desk, request, client, user_fixture, project):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    for params in ({}, {"project": str(project.pk)}):
        figures = figures_of(user, "delivery", params=params)
        defects = figures["delivery.defects_per_unit"]
        response = client.get(defects.drill_url)
        assert response.status_code == 200
        assert response.context["list_count"].count == defects.ratio.numerator
        orders = figures["delivery.rectification_on_time"]
        response = client.get(orders.drill_url)
        assert response.context["list_count"].count == orders.ratio.denominator
        fixed = figures["delivery.days_to_fix"]
        response = client.get(fixed.drill_url)
        assert response.context["list_count"].count == fixed.ratio.denominator
        passed = figures["delivery.first_time_pass"]
        response = client.get(passed.drill_url)
        assert response.context["list_count"].count == passed.ratio.denominator
        response = client.get(passed.drill_url + "&passed_first_time=1")
        assert response.context["list_count"].count == passed.ratio.numerator


def test_drill_down_filters_are_validated(desk, client, city_head):
    client.force_login(city_head)
    response = client.get(reverse("delivery:defect-list") + "?found_from=2026-03-31&found_to=2026-03-01")
    assert response.status_code == 200
    assert "found_to" in response.context["form"].errors
    response = client.get(reverse("delivery:order-list") + "?due_from=not-a-date")
    assert response.status_code == 200
    assert "due_from" in response.context["form"].errors


def test_a_city_head_cannot_drill_into_another_city(desk, client, city_head, other_city):
    client.force_login(city_head)
    response = client.get(reverse("delivery:defect-list") + f"?city={other_city.pk}&status=recorded")
    assert response.context["list_count"].count == 0  # the list reads the user's projects only


def test_not_recording_before_the_first_handover(db, group_admin):
    panel = panel_of(group_admin, "delivery")
    assert panel.recording is False
    assert panel.figures == []


@pytest.mark.parametrize("extra_projects", [0, 3])
def test_query_count_does_not_grow_with_projects_or_periods(desk, group_admin, city, extra_projects):
    from tests.factories import ProjectFactory

    for _ in range(extra_projects):
        extra = ProjectFactory(city_company=city)
        _handover(extra, group_admin)
    scope = scope_from_params(group_admin, {})
    with CaptureQueriesContext(connection) as queries:
        dashboard_panels(group_admin, scope, MARCH)
    delivery = [q for q in queries.captured_queries if "delivery_" in q["sql"]]
    # is_recording (1) + five grouped queries.
    assert len(delivery) == 6


# --- the list behind the first-time pass: units by their formal handover inspection ------------------


def _formal_list(client, **params):
    return client.get(reverse("delivery:formal-inspection-list"), params)


def test_formal_inspection_list_counts_units_as_the_figure_does(desk, client, city_head, group_admin):
    """A unit inspected formally twice in March (defects, then none) is one unit, and it passed, as the
    figure counts it; the rows that failed are the denominator less the numerator."""
    second_walk = _inspection(desk.handover, group_admin, Inspection.Kind.HANDOVER, at("2026-03-20"))
    Inspection.objects.filter(pk=second_walk.pk).update(
        status=Inspection.Status.COMPLETED, completed_at=at("2026-03-20", 16)
    )
    figure = figures_of(city_head, "delivery")["delivery.first_time_pass"]
    assert (figure.ratio.numerator, figure.ratio.denominator) == (2, 2)
    client.force_login(city_head)
    response = client.get(figure.drill_url)
    assert response.context["list_count"].count == 2
    assert {row.pk for row in response.context["page"]} == {desk.handover_id, _clean_unit_of_march(desk)}
    response = client.get(figure.drill_url + "&passed_first_time=0")
    assert response.context["list_count"].count == 0


def _clean_unit_of_march(desk) -> int:
    """Unit b: its formal inspection on 12 March found nothing."""
    return Inspection.objects.get(
        kind=Inspection.Kind.HANDOVER, completed_at=at("2026-03-12", 15)
    ).handover_id


def test_formal_inspection_list_shows_the_result_of_each_unit(desk, client, city_head):
    client.force_login(city_head)
    response = _formal_list(client, completed_from="2026-03-01", completed_to="2026-03-31")
    assert response.status_code == 200
    rows = {row.pk: row for row in response.context["page"]}
    assert rows[desk.handover_id].passed is False
    assert rows[_clean_unit_of_march(desk)].passed is True
    assert "Passed the first time" in response.content.decode()
    response = _formal_list(client, completed_from="2026-04-01", completed_to="2026-04-30")
    assert response.context["list_count"].count == 1  # unit c, completed at April's first minute


@pytest.mark.parametrize(
    "params, field",
    [
        ({"completed_from": "not-a-date"}, "completed_from"),
        ({"completed_from": "2026-03-31", "completed_to": "2026-03-01"}, "completed_to"),
        ({"passed_first_time": "maybe"}, "passed_first_time"),
        ({"project": "x"}, "project"),
    ],
)
def test_formal_inspection_list_answers_bad_filters_with_a_form_error(desk, client, city_head, params, field):
    client.force_login(city_head)
    response = _formal_list(client, **params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert list(response.context["page"]) == []


def test_formal_inspection_list_never_shows_another_city(desk, client, city_head, other_city, other_project):
    x = Handover.objects.get(project=other_project)
    _inspection(x, city_head, Inspection.Kind.HANDOVER, at("2026-03-04"), at("2026-03-04", 15))
    client.force_login(city_head)
    response = _formal_list(client)
    assert response.context["list_count"].count == 3  # a, b, c of 四季花城
    assert x.pk not in {row.pk for row in response.context["page"]}
    response = _formal_list(client, city=str(other_city.pk))
    assert response.status_code == 400
    assert "city" in response.context["form"].errors


def test_formal_inspection_list_is_for_handover_readers(desk, client, project):
    from accounts.models import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, projects=[project]))
    assert _formal_list(client).status_code == 403


@pytest.mark.parametrize("units", [2, 20])
def test_formal_inspection_list_queries_do_not_grow_with_rows(
    db, client, group_admin, project, units, django_assert_max_num_queries
):
    for n in range(units):
        handover = _handover(project, group_admin)
        formal = _inspection(
            handover, group_admin, Inspection.Kind.HANDOVER, at("2026-03-02"), at("2026-03-02", 9)
        )
        if n % 2:
            _defect(handover, group_admin, at("2026-03-02", 8), inspection=formal)
    client.force_login(group_admin)
    # session + user (2), the estate's names for the filters and rows (2, cached after), the page (1),
    # its units' formal inspections with their inspectors (1), the bounded count (1), the bell (1), the
    # administrator's calendar check (1).
    with django_assert_max_num_queries(9):
        response = _formal_list(client, completed_from="2026-03-01", project=str(project.pk))
    assert len(response.context["page"]) == units
