# ruff: noqa: F811 - the shared fixtures are imported from test_rectification_services by name
"""Reports of rectification: the printable unit report, the Excel export (opened with openpyxl),
and the statistics on a small known data set, with the improvement items they feed."""

import datetime
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from complaints.models import ImprovementItem
from delivery import exports
from delivery.models import Defect, Handover, Inspection
from delivery.selectors.rectification import defect_stats
from delivery.services import rectification as services
from delivery.services.defects import defect_record
from tests.delivery.test_rectification_services import (  # noqa: F401 - fixtures
    _media,
    fresh,
    issued,
    make_defect,
    photo,
)
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPORT = reverse("delivery:defect-export")


def at(day, hour=10):
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


# --- the unit report ----------------------------------------------------------------------------------


def test_unit_report_lists_defects_with_photos_for_printing(client, agent, make_defect, handover, owner):
    first = make_defect()
    second = make_defect(
        room="kitchen", trade="equipment", description="燃气表未装", photos=[photo(), photo()]
    )
    client.force_login(agent)
    response = client.get(reverse("delivery:unit-report", args=[handover.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # Print styles and the print button without inline CSS or script (the Content-Security-Policy).
    assert "delivery/unit_report.css" in html and "data-print" in html
    css = Path(finders.find("delivery/unit_report.css")).read_text()
    assert "@media print" in css and "break-inside: avoid" in css
    assert first.number in html and second.number in html and "燃气表未装" in html
    assert owner.name in html and "3-1-502" in html
    assert html.count('class="report-photo') == 3
    assert "2 defects" in html


def test_unit_report_is_for_staff_in_scope(client, contractor_user, other_agent, handover, make_defect):
    make_defect()
    url = reverse("delivery:unit-report", args=[handover.pk])
    for user in (contractor_user, other_agent):
        client.force_login(user)
        assert client.get(url).status_code == 404


# --- the Excel export -------------------------------------------------------------------------------------


def test_export_writes_the_filtered_defects(client, engineer, make_defect, other_contractor):
    first = make_defect(description="墙面空鼓", trade="civil")
    make_defect(trade="painting")
    second = make_defect(contractor=other_contractor, trade="civil", photos=[photo(), photo()])
    client.force_login(engineer)
    sheet = workbook(client.get(EXPORT, {"trade": "civil"}))
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Number", "Project", "Building", "Unit")
    assert "Deadline" in header and "Photos" in header
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_number) == {first.number, second.number}
    row = by_number[first.number]
    assert row["Unit"] == "3-1-502" and row["Project"] == "四季花城" and row["Description"] == "墙面空鼓"
    assert row["Status"] == "Open" and row["Deadline"] == "On time" and row["Photos"] == 1
    found = fresh(first).found_at.astimezone(SHANGHAI)
    assert row["Found at"].replace(microsecond=0) == found.replace(tzinfo=None, microsecond=0)
    assert by_number[second.number]["Contractor"] == other_contractor.name
    assert by_number[second.number]["Photos"] == 2


def test_export_writes_formula_like_text_as_text_finding_10_4(client, engineer, make_defect):
    """Finding 10.4: a description typed as "=cmd|' /C calc'!A0" (or +, -, @) is exported as a text
    cell showing the original text, never as a live formula."""
    payloads = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1"]
    for text in payloads:
        make_defect(description=text, location='=HYPERLINK("http://evil.example","x")')
    client.force_login(engineer)
    response = client.get(EXPORT)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    description, location = header.index("Description") + 1, header.index("Location") + 1
    cells = [sheet.cell(row=row, column=description) for row in range(2, sheet.max_row + 1)]
    assert sorted(cell.value for cell in cells) == sorted(payloads)
    for cell in [*cells, *(sheet.cell(row=r, column=location) for r in range(2, sheet.max_row + 1))]:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value  # text, shown as typed
        assert isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t"))


def test_contractor_exports_only_their_own(client, contractor_user, make_defect, other_contractor):
    mine = make_defect()
    make_defect(contractor=other_contractor)
    client.force_login(contractor_user)
    rows = list(workbook(client.get(EXPORT)).iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [mine.number]


def test_export_above_the_cap_is_refused_with_a_message(client, engineer, make_defect, monkeypatch):
    make_defect()
    make_defect()
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    client.force_login(engineer)
    response = client.get(EXPORT, {"status": "open"})
    assert response.status_code == 302 and response.url.startswith(reverse("delivery:defect-list"))
    page = client.get(response.url).content.decode()
    assert "More than 1 defects match: narrow the filters" in page


# --- statistics on a known data set ------------------------------------------------------------------------


@pytest.fixture
def known(
    seeded_checklist,
    project,
    batch,
    handover,
    owned_unit,
    engineer,
    agent,
    contractor,
    other_contractor,
    contractor_user,
):
    """Three units (two in building 3, one in building 8); three live defects and a cancelled one.

    D1 waterproofing, contractor A, fixed after 2 days, accepted after 4, first time.
    D2 painting, contractor A, rejected once by the owner, fixed (again) after 3 days, accepted after 5.
    D3 waterproofing, contractor B, still open. D4 cancelled (left out).
    The formal inspection of unit 1 found D1; the one of unit 2 found nothing.
    """
    from accounts.models import Role
    from tests.factories import UserFactory

    neighbour = UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)
    far = UnitFactory(building__project=project, building__number="8", entrance="1", number="101", floor=1)
    handover_2 = Handover.objects.create(batch=batch, project=project, unit=neighbour)
    Handover.objects.create(batch=batch, project=project, unit=far)
    formal_1 = Inspection.objects.create(handover=handover, kind="handover", inspector=engineer)
    formal_2 = Inspection.objects.create(handover=handover_2, kind="handover", inspector=engineer)
    other_crew = UserFactory(role=Role.CONTRACTOR, contractor=other_contractor, projects=[project])

    def record(**fields):
        return defect_record(by=engineer, room="living", severity="normal", description="x", **fields)

    with time_machine.travel(at(2), tick=False):
        d1 = record(unit=owned_unit, trade="waterproofing", contractor=contractor, inspection=formal_1)
        d2 = record(unit=owned_unit, trade="painting", contractor=contractor)
        d3 = record(unit=far, trade="waterproofing", contractor=other_contractor)
        d4 = record(unit=neighbour, trade="civil", contractor=contractor)
        services.rectification_orders_issue(by=engineer, defects=[d1, d2, d3])
        services.defect_cancel(by=_supervisor(project), defect=d4, reason="重复")
    Inspection.objects.filter(pk__in=[formal_1.pk, formal_2.pk]).update(status="completed")

    def step(day, action, defect, **kwargs):
        with time_machine.travel(at(day), tick=False):
            action(defect=fresh(defect), **kwargs)

    step(3, services.defect_mark_fixed, d2, by=contractor_user, photos=[photo()])
    step(3, services.defect_verify, d2, by=engineer)
    step(4, services.defect_mark_fixed, d1, by=contractor_user, photos=[photo()])
    step(4, services.defect_verify, d1, by=engineer)
    step(4, services.defect_owner_reject, d2, by=agent, reason="仍有色差")
    step(5, services.defect_mark_fixed, d2, by=contractor_user, photos=[photo()])
    step(5, services.defect_verify, d2, by=engineer)
    step(6, services.defect_owner_accept, d1, by=agent)
    step(7, services.defect_owner_accept, d2, by=agent)
    assert other_crew  # contractor B has a user; nothing fixed by them
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4}


def _supervisor(project):
    from tests.factories import UserFactory

    return UserFactory(role="cs_supervisor", projects=[project])


def test_statistics_on_a_known_data_set(known, supervisor, contractor, other_contractor):
    with time_machine.travel(at(8), tick=False):
        stats = defect_stats(user=supervisor)
    totals = stats["totals"]
    assert (totals.defects, totals.units, totals.per_unit) == (3, 3, 1.0)
    assert totals.open == 1 and totals.accepted == 2 and totals.accepted_first_time == 1
    assert totals.avg_fix_days == 2.5  # D1 2 days, D2 3 days (its last fix)
    assert totals.avg_accept_days == 4.5  # D1 4 days, D2 5 days
    assert stats["defect_first_time_pass"] == 50.0
    assert (stats["units_inspected"], stats["units_clean"], stats["unit_first_time_pass"]) == (2, 1, 50.0)
    assert (stats["owner_decisions"], stats["owner_rejections"]) == (3, 1)
    assert stats["owner_rejection_rate"] == 33.3

    trades = {row.key: row for row in stats["by_trade"]}
    assert trades["waterproofing"].defects == 2 and trades["waterproofing"].per_unit == 0.67
    assert trades["painting"].defects == 1 and trades["painting"].first_time_pass == 0.0
    contractors = {row.key: row for row in stats["by_contractor"]}
    assert contractors[contractor.pk].defects == 2 and contractors[contractor.pk].first_time_pass == 50.0
    assert contractors[other_contractor.pk].defects == 1 and contractors[other_contractor.pk].open == 1
    buildings = {row.label: row for row in stats["by_building"]}
    assert buildings["四季花城 3"].defects == 2 and buildings["四季花城 3"].units == 2
    assert buildings["四季花城 8"].per_unit == 1.0
    (project_row,) = stats["by_project"]
    assert project_row.per_unit == 1.0


def test_statistics_are_scoped_and_filtered_by_date(known, other_agent, supervisor):
    empty = defect_stats(user=other_agent)
    assert empty["totals"].defects == 0 and empty["units"] == 0 and empty["totals"].per_unit is None
    later = defect_stats(user=supervisor, found_from=datetime.date(2026, 11, 3))
    assert later["totals"].defects == 0


def test_statistics_page_shows_the_figures_and_their_definitions(client, known, supervisor):
    client.force_login(supervisor)
    with time_machine.travel(at(8), tick=False):
        response = client.get(reverse("delivery:stats"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="kpi-per-unit">1.0<' in html
    assert 'data-testid="kpi-fix-days">2.5<' in html
    assert 'data-testid="kpi-rejection">33.3 %<' in html
    assert 'data-testid="stats-definitions"' in html and "first-time pass" in html
    assert html.count('data-testid="improve-form"') == 4  # two trades + two contractors


def test_contractors_do_not_see_statistics(client, contractor_user):
    client.force_login(contractor_user)
    assert client.get(reverse("delivery:stats")).status_code == 403


@pytest.mark.parametrize("count", [2, 20])
def test_statistics_page_query_count_is_constant(
    client, supervisor, make_defect, count, django_assert_max_num_queries
):
    for i in range(count):
        make_defect(trade=["civil", "painting", "waterproofing"][i % 3])
    client.force_login(supervisor)
    # session + user 2, scope 2, nine grouped queries, bell 1, project choices (filter and
    # improvement form) 2 = 16.
    with django_assert_max_num_queries(16):
        assert client.get(reverse("delivery:stats")).status_code == 200


def test_a_statistics_row_becomes_an_improvement_item(client, supervisor, engineer, project):
    client.force_login(supervisor)
    response = client.post(
        reverse("delivery:stats-improvement"),
        {
            "title": "防水缺陷: 0.67/户",
            "department": "engineering",
            "root_cause": "construction",
            "description": "From the defect statistics",
            "project": project.pk,
        },
    )
    assert response.status_code == 302
    item = ImprovementItem.objects.get()
    assert item.title == "防水缺陷: 0.67/户" and item.project == project and item.created_by == supervisor
    client.force_login(engineer)
    response = client.post(reverse("delivery:stats-improvement"), {"title": "x", "department": "engineering"})
    assert response.status_code == 403
    assert ImprovementItem.objects.count() == 1


def test_statistics_leave_cancelled_defects_out(issued, supervisor):
    services.defect_cancel(by=supervisor, defect=issued, reason="重复")
    assert defect_stats(user=supervisor)["totals"].defects == 0
    assert Defect.objects.count() == 1
