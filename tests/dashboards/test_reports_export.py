"""The dashboard's Excel workbook: its cells are the figures of dashboard_panels (the page's numbers),
formatted (bold frozen headers, percent / decimals / thousands formats, widths), in the user's scope,
and built with the queries of the figures themselves whatever the number of rows."""

import dataclasses
import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from accounts.models import Role
from complaints.models import Category, Complaint
from complaints.services import complaint_create
from dashboards.measures import base
from dashboards.measures.base import Period, PeriodKind, Ratio
from dashboards.measures.engine import dashboard_panels, scope_from_params
from tests.dashboards.report_sources import HANDLED, HOURS, ON_TIME, OPEN, register_fake_desk
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
MARCH = {"period": "month", "on": "2026-03-01"}
_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


@pytest.fixture
def second_project(city):
    return ProjectFactory(city_company=city, code="xk", name="星空")


@pytest.fixture
def desk(monkeypatch, project, second_project, other_project):
    test_desk = register_fake_desk(monkeypatch)
    test_desk.cells = {
        project.pk: {
            HANDLED.key: (Ratio(1200, 1), Ratio(800, 1)),
            ON_TIME.key: (Ratio(9, 10), Ratio(6, 8)),
            HOURS.key: (Ratio(30, 4), Ratio(20, 2)),
            OPEN.key: (Ratio(3, 1), Ratio(0, 0)),
        },
        second_project.pk: {
            HANDLED.key: (Ratio(5, 1), Ratio(7, 1)),
            ON_TIME.key: (Ratio(1, 2), Ratio(0, 0)),
        },
        other_project.pk: {HANDLED.key: (Ratio(100, 1), Ratio(90, 1)), OPEN.key: (Ratio(50, 1), Ratio(0, 0))},
    }
    return test_desk


def received(project, when, *, by):
    _seed.seed(apps, None)
    complaint = complaint_create(
        by=by,
        customer=None,
        reporter_name="王先生",
        reporter_phone="13900000000",
        project=project,
        category=Category.objects.get(code="leak"),
        complaint_type="complaint",
        channel="hotline",
        title="车库漏水",
        description="地下车库B2层持续漏水",
    )
    Complaint.objects.filter(pk=complaint.pk).update(received_at=when)
    return complaint


def march(day, hour=10):
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour))


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def rows_by_key(sheet):
    header = [cell.value for cell in sheet[1]]
    key_column = header.index("Key")
    return {row[key_column].value: row for row in sheet.iter_rows(min_row=2)}


def test_workbook_headline_cells_are_the_figures_of_dashboard_panels(
    client, city_head, city, project, desk, group_admin
):
    for day in (2, 3, 20):
        received(project, march(day), by=group_admin)
    received(project, march(1) - datetime.timedelta(days=3), by=group_admin)  # February: the previous month
    client.force_login(city_head)
    book = workbook(client.get(reverse("dashboards:export"), {**MARCH, "city": city.pk}))

    scope = scope_from_params(city_head, {"city": str(city.pk)})
    panels = dashboard_panels(
        city_head, scope, Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1))
    )
    rows = rows_by_key(book["Figures"])
    figures = [figure for panel in panels if panel.recording for figure in panel.figures]
    assert set(rows) == {figure.measure.key for figure in figures}
    for figure in figures:
        _panel, measure_label, value, previous, change, _unit, _key = (
            cell.value for cell in rows[figure.measure.key]
        )
        assert measure_label == str(figure.measure.label)
        scale = 100 if figure.measure.unit == "percent" else 1
        assert value == pytest.approx(None if figure.value is None else figure.value / scale)
        assert previous == pytest.approx(None if figure.previous is None else figure.previous / scale)
        assert change == pytest.approx(figure.change)

    # The hand-built numbers of the city company (its two projects; never the other city's 100).
    assert rows[HANDLED.key][2].value == 1205
    assert rows[HANDLED.key][3].value == 807
    assert rows[HANDLED.key][4].value == 398
    assert rows[ON_TIME.key][2].value == pytest.approx(10 / 12)  # 83.3 %, as a fraction
    assert rows[ON_TIME.key][3].value == pytest.approx(6 / 8)
    assert rows[ON_TIME.key][4].value == pytest.approx(100 * (10 / 12 - 6 / 8))  # percentage points
    assert rows[HOURS.key][2].value == pytest.approx(7.5)
    assert rows[OPEN.key][2].value == 3 and rows[OPEN.key][3].value is None  # a snapshot: no previous
    assert any(figure.value for figure in figures if figure.measure.key.startswith("complaints."))


def test_workbook_has_a_sheet_per_side_by_side_table_and_breakdown(
    client, group_admin, city, other_city, desk
):
    client.force_login(group_admin)
    book = workbook(client.get(reverse("dashboards:export"), MARCH))
    assert book.sheetnames[:2] == ["Figures", "Trend"]
    assert {"Test desk", "Top causes", "About"} <= set(book.sheetnames)

    scope = scope_from_params(group_admin, {})
    panels = dashboard_panels(
        group_admin, scope, Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1))
    )
    panel = next(panel for panel in panels if panel.source.key == "testdesk")
    sheet = book["Test desk"]
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "City company",
        "Cases handled (count)",
        "Answered on time (%)",
        "Mean time to close (h)",
        "Open now (count)",
    ]
    table = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[0] for row in table] == [child.label for child, _figures in panel.rows]
    for row, (_child, figures) in zip(table, panel.rows, strict=True):
        expected = [
            None if f.value is None else (f.value / 100 if f.measure.unit == "percent" else f.value)
            for f in figures
        ]
        assert row[1:] == pytest.approx(expected)
    by_city = {row[0]: row for row in table}
    assert by_city["深圳公司"][1] == 1205 and by_city["武汉公司"][1] == 100 and by_city["武汉公司"][4] == 50

    causes = book["Top causes"]
    assert [cell.value for cell in causes[1]] == ["Cause", "Cases", "Share"]
    assert [[cell.value for cell in row] for row in causes.iter_rows(min_row=2)] == [
        ['=HYPERLINK("http://x")', 12, 0.5],
        ["渗漏", 9, 0.375],
    ]
    formula_like = causes["A2"]
    assert formula_like.data_type == "s" and formula_like.quotePrefix  # text, never a live formula


def test_workbook_is_formatted(client, city_head, city, desk):
    client.force_login(city_head)
    book = workbook(client.get(reverse("dashboards:export"), {**MARCH, "city": city.pk}))
    figures = book["Figures"]
    assert figures.freeze_panes == "A2"
    assert all(cell.font.bold for cell in figures[1])
    assert all(not cell.font.bold for cell in figures[2])
    rows = rows_by_key(figures)
    assert rows[ON_TIME.key][2].number_format == "0.0%"
    assert rows[ON_TIME.key][4].number_format == '+#,##0.0" pp";-#,##0.0" pp";#,##0.0" pp"'
    assert rows[HANDLED.key][2].number_format == "#,##0"  # thousands: 1,205
    assert rows[HOURS.key][2].number_format == "#,##0.0"
    assert rows[HOURS.key][5].value == "h"
    assert figures.column_dimensions["B"].width >= len("Mean time to close")

    side = book["Test desk"]
    assert side.freeze_panes == "B2"
    assert [cell.value for cell in side["A"]][1:] == ["四季花城", "星空"]  # the city company's projects
    assert side["C2"].number_format == "0.0%" and side["C2"].value == pytest.approx(0.9)

    trend = book["Trend"]
    assert trend.freeze_panes == "C2"
    assert [cell.value for cell in trend[1]][2:] == [
        period.short_label
        for period in Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1)).trend()
    ]
    handled = next(row for row in trend.iter_rows(min_row=2) if row[0].value == "Cases handled")
    assert [cell.value for cell in handled[-2:]] == [807, 1205]
    assert all(row[0].value != "Open now" for row in trend.iter_rows(min_row=2))  # a snapshot has no trend

    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Scope"] == "深圳公司"
    assert about["Period"] == "2026-03"
    assert about["Test desk"] == "counted live"


def test_a_panel_not_recording_yet_is_named_not_filled_with_zeros(client, city_head, city, desk):
    desk.recording = False
    client.force_login(city_head)
    book = workbook(client.get(reverse("dashboards:export"), {**MARCH, "city": city.pk}))
    assert not any(key.startswith("testdesk.") for key in rows_by_key(book["Figures"]))
    assert "Test desk" not in book.sheetnames and desk.calls == []
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Test desk"] == "not recording yet"


@pytest.mark.parametrize(
    ("role", "params", "status"),
    [
        (Role.CS_AGENT, {}, 403),  # no dashboards for agents
        (Role.CITY_HEAD, {"city": "other"}, 403),  # another city company's figures
        (Role.CITY_HEAD, {"project": "other"}, 403),
        (Role.CITY_HEAD, {"period": "fortnight"}, 400),
        (Role.CITY_HEAD, {"period": "custom", "start": "2026-03-01"}, 400),  # no end
        (Role.CITY_HEAD, {"on": "2026-13-01"}, 400),
        (Role.CITY_HEAD, {"city": "abc"}, 400),
        (Role.CITY_HEAD, {"city": "own"}, 200),
    ],
)
def test_export_access_rules(client, city, project, other_city, other_project, desk, role, params, status):
    user = UserFactory(role=role, city_companies=[city], projects=[project])
    ids = {"own": city.pk, "other": other_city.pk if "city" in params else other_project.pk}
    params = {name: ids.get(value, value) for name, value in params.items()}
    client.force_login(user)
    response = client.get(reverse("dashboards:export"), params)
    assert response.status_code == status
    if status == 400:
        assert response.context["message"]  # the field's message, not a bare error


def test_export_needs_a_login(client, desk):
    response = client.get(reverse("dashboards:export"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("extra_projects", [2, 20])
def test_export_queries_are_those_of_the_figures(
    client, group_admin, city, desk, project, extra_projects, django_assert_max_num_queries
):
    for number in range(extra_projects):
        extra = ProjectFactory(city_company=city, code=f"p{number}", name=f"项目{number}")
        desk.cells[extra.pk] = {HANDLED.key: (Ratio(number, 1), Ratio(1, 1))}
        received(extra, march(5), by=group_admin)
    cache.clear()
    user = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    period = Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1))
    with CaptureQueriesContext(connection) as figures:
        dashboard_panels(user, scope_from_params(user, {"city": str(city.pk)}), period)
    cache.clear()
    client.force_login(user)
    # Session and user (2), the user's scope (2: city companies, projects), then the figures' own
    # queries (every source's is_recording and compute, the cached estate lists) and nothing per row.
    with django_assert_max_num_queries(len(figures) + 4):
        book = workbook(client.get(reverse("dashboards:export"), {**MARCH, "city": city.pk}))
    assert book["Test desk"].max_row == 1 + 2 + extra_projects


def test_a_translated_unit_suffix_is_written_as_text(client, monkeypatch, city_head, city, desk):
    """A measure's suffix may be lazy (gettext_lazy(" d"), the handover's days to fix): openpyxl refused
    it, a 500 on the export (found by tests/test_access_matrix.py)."""
    source = base._SOURCES["testdesk"]
    lazy_hours = dataclasses.replace(HOURS, suffix=gettext_lazy("h"))
    measures = [lazy_hours if measure.key == HOURS.key else measure for measure in source.measures]
    monkeypatch.setitem(base._SOURCES, "testdesk", dataclasses.replace(source, measures=measures))
    client.force_login(city_head)
    sheet = workbook(client.get(reverse("dashboards:export"), {**MARCH, "city": city.pk}))["Figures"]
    assert rows_by_key(sheet)[HOURS.key][5].value == "h"
