"""An owner on their phone: confirms the phone with the texted code, sees their cases and opens one, then
signs out. In Debian's Chromium (tests/browser/chromium.py), which fails the test on any CSP violation;
a screenshot of the list and the case (phone 390×844) lands in var/screenshots/ for a human look."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE_SCREEN = {"width": 390, "height": 844}

pytestmark = requires_chromium


@pytest.fixture
def browser(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        yield chromium


def test_an_owner_signs_in_with_the_code_and_follows_a_case(
    transactional_db, live_server, browser, make_complaint, sms_outbox, settings
):
    from playwright.sync_api import expect

    settings.LANGUAGE_CODE = "zh-hans"  # what an owner gets without choosing
    cache.clear()
    complaint = make_complaint()
    page = browser.new_page(locale="zh-CN", viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(f"{live_server.url}/public/track/")
    page.locator("[data-testid=nav-mine]").click()
    page.fill("#id_phone", "138 1234 5678")
    page.locator("form[action$='/mine/code/'] [type=submit]").click()
    page.wait_for_url("**/public/mine/confirm/")
    expect(page.locator("body")).to_contain_text("138****5678")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.fill("#id_code", code)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/public/mine/")

    card = page.locator("[data-testid=my-case]")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(complaint.number)
    assert "13812345678" not in page.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "owner-cases-phone.png"), full_page=True)

    card.click()
    page.wait_for_url(f"**/public/mine/{complaint.number}/")
    expect(page.locator("[data-testid=promise-first_response]")).to_contain_text("我们承诺在")
    expect(page.locator("[data-testid=case-history]")).to_contain_text("我们已收到您的投诉")
    page.screenshot(path=str(SCREENSHOTS / "owner-case-phone.png"), full_page=True)

    page.locator("[data-testid=sign-out]").click()
    page.wait_for_url("**/public/mine/")
    expect(page.locator("#id_phone")).to_be_visible()
    cache.clear()
