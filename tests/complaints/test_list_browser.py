"""Issue 13, "lists behave like lists", in a real browser: on the SLA board j/k and the arrows move a
highlighted row and Enter opens it (never while typing in a field); a header sorts the list, with its
arrow and aria-sort; the count of matching complaints shows above the list.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package; no browser is
ever downloaded."""

import pytest

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium


@pytest.fixture
def page(monkeypatch, live_server, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the desk's language (the test settings default to English)
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")
    if page.locator("html[lang=zh-hans]").count() == 0:  # the user's own choice wins: switch once
        page.locator(".crm-lang button[value=zh-hans]").first.click()
        page.wait_for_selector("html[lang=zh-hans]")


def test_the_keyboard_moves_through_the_board_and_enter_opens_the_complaint(
    transactional_db, live_server, agent, make_complaint, page
):
    from playwright.sync_api import expect

    complaints = [make_complaint(title=f"投诉{n}") for n in range(3)]
    _log_in(page, live_server, "agent")
    page.goto(f"{live_server.url}/complaints/")
    rows = page.locator("[data-testid=board-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-testid=list-count]")).to_have_text("共 3 条")

    # Typing a j in the board's search field moves nothing.
    page.fill("form.crm-filters input[name=q]", "")
    page.press("form.crm-filters input[name=q]", "j")
    expect(page.locator("[data-testid=board-row][aria-current=true]")).to_have_count(0)
    page.locator("form.crm-filters input[name=q]").evaluate("field => field.blur()")

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    expect(rows.nth(0)).to_have_class("crm-row-on_time crm-row-active")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_attribute("aria-current", "true")
    expect(page.locator("[data-testid=board-row][aria-current=true]")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(rows.nth(2)).to_have_attribute("aria-current", "true")
    page.keyboard.press("ArrowUp")
    # The highlighted row's link holds the focus: a screen reader reads the complaint's title.
    focused = page.evaluate("document.activeElement.textContent.trim()")
    expect(rows.nth(1).locator("a.crm-row-link")).to_have_text(focused)

    target = rows.nth(1).locator("a.crm-row-link").get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")
    assert target in {f"/complaints/{complaint.pk}/" for complaint in complaints}

    # "/" still focuses the global search box.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"


def test_a_header_sorts_the_board_both_ways(transactional_db, live_server, agent, make_complaint, page):
    from playwright.sync_api import expect

    complaints = [make_complaint(title=f"投诉{n}") for n in range(3)]
    _log_in(page, live_server, "agent")
    page.goto(f"{live_server.url}/complaints/")
    titles = page.locator("[data-testid=board-row] a.crm-row-link")
    header = page.locator("th[data-sort]", has_text="投诉").first

    header.locator("a").click()
    page.wait_for_url("**sort=-number**")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("↓")
    expect(titles).to_have_text([c.title for c in reversed(complaints)])

    page.locator("th[aria-sort=descending] a").click()
    page.wait_for_url("**sort=number**")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("↑")
    expect(titles).to_have_text([c.title for c in complaints])

    # Filtering keeps the order chosen.
    page.locator("form.crm-filters [type=submit]").first.click()
    page.wait_for_url("**sort=number**")
    expect(titles).to_have_text([c.title for c in complaints])
