"""A hotline call end to end in a real browser: the agent finds the caller by the last four digits,
records the complaint; a supervisor dispatches it on its page; it shows on the SLA board.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package; no browser is
ever downloaded. Screenshots of the board and the complaint page (laptop 1366×768, tablet 768×1024)
land in var/screenshots/ for a human look.
"""

from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Department
from complaints.models import Complaint, Status
from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "tablet": {"width": 768, "height": 1024}}

pytestmark = requires_chromium


@pytest.fixture
def browser(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        yield chromium


def _logged_in_page(browser, live_server, username: str):
    page = browser.new_page(locale="zh-CN", viewport=VIEWPORTS["laptop"])
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")
    return page


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(VIEWPORTS["laptop"])


def test_hotline_call_to_dispatch_to_board(
    transactional_db, live_server, agent, supervisor, owned_unit, browser
):
    from playwright.sync_api import expect

    from complaints.models import Category

    # An earlier transactional test may have flushed the seeded tree: make sure the category is there.
    quality, _created = Category.objects.get_or_create(
        code="quality", defaults={"name": "房屋质量", "default_department": Department.ENGINEERING}
    )
    leak, _created = Category.objects.get_or_create(code="leak", defaults={"name": "渗漏", "parent": quality})

    # The agent takes the call.
    page = _logged_in_page(browser, live_server, "agent")
    page.goto(f"{live_server.url}/complaints/hotline/")
    page.fill("#id_q", "5678")
    page.press("#id_q", "Enter")
    page.locator("[data-testid=pick-unit]").first.click()
    expect(page.locator("[data-testid=caller-name]")).to_have_text("张伟")
    expect(page.locator("#id_unit")).to_have_value(str(owned_unit.pk))
    page.select_option("#id_category", str(leak.pk))
    page.fill("#id_title", "车库漏水")
    page.fill("#id_description", "地下车库B2层持续漏水")
    page.locator("[data-testid=save-complaint]").click()
    page.wait_for_url("**/complaints/*/")
    complaint = Complaint.objects.get()
    assert complaint.received_by.username == "agent"
    assert complaint.unit_id == owned_unit.pk
    assert "13812345678" not in page.content()

    # The supervisor dispatches it from its page.
    boss = _logged_in_page(browser, live_server, "supervisor")
    boss.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    boss.locator("[data-testid=action-dispatch]").click()
    # Bootstrap's collapse animates the panel open (its content clipped meanwhile): wait until it is open.
    expect(boss.locator("#action-dispatch.show:not(.collapsing)")).to_be_visible()
    form = boss.locator("[data-testid=form-dispatch]")
    form.locator("select[name=department]").select_option(Department.ENGINEERING)
    form.locator("select[name=handler]").select_option(str(supervisor.pk))
    invalid = form.evaluate(
        "f => [...f.elements].filter(e => !e.checkValidity()).map(e => `${e.name}: ${e.validationMessage}`)"
    )
    assert invalid == [], invalid
    try:
        with boss.expect_navigation():  # the post answers with a redirect back to the complaint
            form.locator("[type=submit]").first.click()
    except Exception:
        _screenshot(boss, "failed-dispatch")  # for the CI log's reader: what the browser showed
        (SCREENSHOTS / "failed-dispatch.html").write_text(boss.content(), encoding="utf-8")
        raise
    expect(boss.locator("[data-testid=complaint-handler]")).to_contain_text("supervisor")
    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED
    _screenshot(boss, "complaint-detail")

    # It is on the SLA board, on time.
    boss.goto(f"{live_server.url}/complaints/")
    row = boss.locator("[data-testid=board-row]", has_text="车库漏水")
    expect(row).to_have_count(1)
    expect(row.locator("[data-sla]")).to_have_attribute("data-sla", "on_time")
    expect(boss.locator("[data-testid=counter-on_time] .crm-stat-value")).to_have_text("1")
    _screenshot(boss, "sla-board")


def test_the_search_box_opens_a_complaint_by_its_number_and_finds_it_by_words(
    transactional_db, live_server, browser, agent, make_complaint
):
    """Issue 13: `TS-…` in the global search box opens the complaint; `渗水` lists it."""
    from playwright.sync_api import expect

    complaint = make_complaint(title="卫生间天花板渗水")
    page = _logged_in_page(browser, live_server, "agent")

    page.fill("#global-search", complaint.number.lower())
    page.press("#global-search", "Enter")
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    expect(page.locator("body")).to_contain_text(complaint.number)

    page.fill("#global-search", "渗水")
    page.press("#global-search", "Enter")
    page.wait_for_url("**/search/**")
    page.get_by_role("link", name=f"{complaint.number}卫生间天花板渗水").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
