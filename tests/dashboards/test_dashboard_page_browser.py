"""Issue 17 in a real browser: a group administrator opens the dashboards, reads a figure and its trend
chart (Chart.js, under the page's CSP), switches the period (week, then the previous one and back), goes
one level down to a city company and follows the figure to the SLA board, which lists as many complaints
as the figure counted.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package; no browser is
ever downloaded."""

import importlib
import re

import pytest
from django.apps import apps
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode

from complaints.models import Category, Complaint
from complaints.services import complaint_create
from dashboards.measures import base
from dashboards.measures.base import Level, Measure, Ratio, Source, Unit
from dashboards.measures.sql import in_periods, period_bucket
from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium

_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


def _board(scope, period):
    query = {"status": "all", **({"project": scope.project_id} if scope.level == Level.PROJECT else {})}
    return reverse("complaints:board") + "?" + urlencode(query)


RECEIVED = Measure(key="browser.received", label="Received", unit=Unit.COUNT, decimals=0, drill_url=_board)


def _received(project_ids, periods, fresh):
    rows = Complaint.objects.filter(in_periods("received_at", periods))
    if project_ids is not None:
        rows = rows.filter(project_id__in=project_ids)
    grouped = (
        rows.annotate(bucket=period_bucket("received_at", periods))
        .values("bucket", "project_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {RECEIVED.key: {(r["bucket"], r["project_id"]): Ratio(r["n"], 1) for r in grouped}}


@pytest.fixture
def received_source(monkeypatch):
    """A source whose one figure is the complaints received, drilling to the board (the complaint desk's
    own source grows on its own; this test is about the page)."""
    source = Source(key="browser", panel_label="Received", order=0, measures=[RECEIVED], compute=_received)
    monkeypatch.setitem(base._SOURCES, "browser", source)


@pytest.fixture
def page(monkeypatch, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with launched_chromium(monkeypatch) as chromium:
        # A tablet's width: the cards sit two a row and the tables scroll inside their cards.
        page = chromium.new_page(locale="zh-CN", viewport={"width": 1024, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")
    if page.locator("html[lang=zh-hans]").count() == 0:
        page.locator(".crm-lang button[value=zh-hans]").first.click()
        page.wait_for_selector("html[lang=zh-hans]")


def test_open_switch_the_period_and_drill_down_to_the_board(
    transactional_db,
    live_server,
    group_admin,
    agent,
    owner,
    owned_unit,
    project,
    other_project,
    received_source,
    page,
):
    from playwright.sync_api import expect

    _seed.seed(apps, None)
    leak = Category.objects.get(code="leak")
    for n in range(3):
        complaint_create(
            by=agent, customer=owner, unit=owned_unit, category=leak, complaint_type="complaint",
            channel="hotline", title=f"投诉{n}", description="地下车库B2层持续漏水",
        )  # fmt: skip

    _log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/dashboards/")
    value = page.locator("[data-testid='value-browser.received']")
    expect(value).to_have_text("3")
    # The trend is drawn by Chart.js from the json_script data (the CSP refuses inline scripts).
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))"
    )

    # This week, then the week before (nothing), then back.
    page.locator("[data-testid=period-switcher] a", has_text=re.compile("^周$")).click()
    page.wait_for_url(re.compile(r"period=week"))
    expect(page.locator("[data-testid=period-switcher] a[aria-current=true]")).to_have_text("周")
    expect(value).to_have_text("3")
    week_label = page.locator("[data-testid=period-label]").inner_text()
    page.locator("[data-testid=period-previous]").click()
    expect(page.locator("[data-testid=period-label]")).not_to_have_text(week_label)
    expect(value).to_have_text("0")
    page.locator("[data-testid=period-next]").click()
    expect(page.locator("[data-testid=period-label]")).to_have_text(week_label)
    expect(value).to_have_text("3")

    # One level down: the city company's row, then its dashboard keeps the week.
    page.locator("[data-testid='children-browser'] [data-testid=child-link]", has_text="深圳公司").click()
    page.wait_for_url(re.compile(rf"city={project.city_company_id}.*period=week"))
    expect(page.locator("[data-testid=breadcrumb] .active")).to_have_text("深圳公司")
    expect(value).to_have_text("3")

    # The project's row drills to its complaints on the board: as many as the figure.
    page.locator("[data-testid='children-browser'] tbody a[href^='/complaints/']").first.click()
    page.wait_for_url(re.compile(rf"/complaints/\?status=all&project={project.pk}"))
    expect(page.locator("[data-testid=board-row]")).to_have_count(3)
    expect(page.locator("[data-testid=list-count]")).to_have_text("共 3 条")
