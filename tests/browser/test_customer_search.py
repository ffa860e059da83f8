"""An agent finds a caller by the last four digits of their phone and opens the 360 page.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package;
no browser is ever downloaded (`playwright install` is not used).
"""

import pytest

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium


@pytest.fixture
def browser_page(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN")
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def test_agent_finds_owner_by_phone_tail_and_sees_the_phone_masked(
    transactional_db, live_server, agent, owned_unit, browser_page
):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")

    page.fill("#global-search", "5678")
    page.press("#global-search", "Enter")
    page.wait_for_url("**/search/**")
    page.get_by_role("link", name="张伟", exact=True).first.click()

    phone = page.locator("[data-testid=customer-phone]")
    expect(phone).to_contain_text("138****5678")
    assert "/customers/" in page.url
    assert "13812345678" not in page.content()
