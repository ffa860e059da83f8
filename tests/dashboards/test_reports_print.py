"""The printable monthly report and its PDF: the dashboard's figures, tables and trend charts on a page
made for A4 (no navigation, a print stylesheet), and the same in a PDF made by reportlab."""

import base64
import datetime
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from accounts.models import Role
from dashboards.measures.base import Figure, Period, PeriodKind, Ratio, registered_sources
from dashboards.reports.charts import trend_drawing, trend_svg
from tests.dashboards.report_sources import HANDLED, HOURS, ON_TIME, OPEN, register_fake_desk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"period": "month", "on": "2026-03-01"}


@pytest.fixture
def desk(monkeypatch, project, other_project):
    test_desk = register_fake_desk(monkeypatch)
    test_desk.cells = {
        project.pk: {
            HANDLED.key: (Ratio(1205, 1), Ratio(807, 1)),
            ON_TIME.key: (Ratio(9, 10), Ratio(6, 8)),
            HOURS.key: (Ratio(30, 4), Ratio(20, 2)),
            OPEN.key: (Ratio(3, 1), Ratio(0, 0)),
        },
        other_project.pk: {HANDLED.key: (Ratio(777, 1), Ratio(90, 1))},
    }
    return test_desk


@pytest.fixture
def april():
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def test_the_printable_report_shows_last_months_figures_tables_and_charts(
    client, april, city_head, city, desk
):
    client.force_login(city_head)
    response = client.get(reverse("dashboards:report"), {"city": city.pk})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.period.label, report.scope.label) == ("2026-03", "深圳公司")  # last month by default
    html = response.content.decode()
    row = html[html.index('data-measure="testdesk.handled"') :]
    assert "1,205" in row[: row.index("</tr>")] and "+398" in row[: row.index("</tr>")]
    assert "90.0%" in html and "+15.0 pp" in html and "7.5 h" in html
    assert "四季花城" in html  # the side-by-side table: the city company's projects
    assert "777" not in html  # nor another city company's figures
    assert "Top causes" in html and "渗漏" in html
    assert html.count('src="data:image/svg+xml;base64,') == 3  # a trend chart per figure but the snapshot
    # Made for paper: no navigation, the print stylesheet (A4, a page per panel).
    assert "crm-nav" not in html
    assert "dashboards/report.css" in html
    assert f"{reverse('dashboards:report-pdf')}?period=month&amp;on=2026-03-01&amp;city={city.pk}" in html


def test_the_print_stylesheet_sets_a4_and_a_page_per_panel():
    css = Path(finders.find("dashboards/report.css")).read_text(encoding="utf-8")
    assert "size: A4" in css
    assert "break-before: page" in css
    assert ".report-toolbar, .crm-nav" in css


def test_a_panel_not_recording_yet_says_so_on_the_report(client, april, city_head, city, desk):
    desk.recording = False
    client.force_login(city_head)
    html = client.get(reverse("dashboards:report"), {"city": city.pk}).content.decode()
    start = html.index("Test desk")
    assert "Not recording yet" in html[start : start + 400]


def test_the_pdf_holds_the_figures_in_chinese_and_latin_text(client, city_head, city, desk):
    client.force_login(city_head)
    response = client.get(reverse("dashboards:report-pdf"), {**MARCH, "city": city.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Dashboard report",
        "深圳公司 · 2026-03",
        "Test desk",
        "Cases handled",
        "1,205",
        "807",
        "+398",
    ):
        assert expected in text
    assert "90.0%" in text and "+15.0 pp" in text and "7.5 h" in text
    assert "四季花城" in text and "渗漏" in text
    assert "777" not in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("STSong-Light" in font for font in fonts)  # reportlab's CID font: no font file embedded
    # Each panel starts a page of its own.
    assert len(reader.pages) >= len(registered_sources())


@pytest.mark.parametrize("name", ["dashboards:report", "dashboards:report-pdf"])
@pytest.mark.parametrize(
    ("role", "params", "status"),
    [
        (Role.CS_AGENT, {}, 403),
        (Role.CITY_HEAD, {"city": "other"}, 403),
        (Role.CITY_HEAD, {"period": "month", "on": "last month"}, 400),
        (Role.CITY_HEAD, {"period": "custom", "start": "2026-03-09", "end": "2026-03-01"}, 400),
        (Role.READONLY_MANAGER, {}, 200),
    ],
)
def test_report_access_rules(client, city, other_city, project, desk, name, role, params, status):
    user = UserFactory(role=role, city_companies=[city])
    params = {key: other_city.pk if value == "other" else value for key, value in params.items()}
    client.force_login(user)
    assert client.get(reverse(name), params).status_code == status


def test_the_report_links_carry_the_dashboards_period_and_scope(city_head):
    request = RequestFactory().get("/dashboards/", {"period": "week", "on": "2026-03-02", "city": "7"})
    html = Template('{% include "dashboards/_report_links.html" %}').render(Context({"request": request}))
    query = "?period=week&amp;on=2026-03-02&amp;city=7"
    for name in ("dashboards:export", "dashboards:report", "dashboards:report-pdf"):
        assert f'href="{reverse(name)}{query}"' in html


def test_a_rate_with_no_value_in_any_period_is_an_empty_chart_not_an_error():
    """Nothing to divide by in any month (a new scope): no line is drawn. Joining zero points raised in
    reportlab, a 500 on the report page and its PDF (found by tests/test_access_matrix.py)."""
    period = Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 15))
    figure = Figure(
        measure=ON_TIME, value=None, previous=None, trend=[None] * len(period.trend()), ratio=Ratio(0, 0)
    )
    svg = base64.b64decode(trend_svg(figure, period).removeprefix("data:image/svg+xml;base64,")).decode()
    assert svg.startswith("<?xml") and "polyline" not in svg
    assert renderPDF.drawToString(trend_drawing(figure, period)).startswith(b"%PDF")
