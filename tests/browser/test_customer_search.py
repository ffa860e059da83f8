"""An agent finds a caller by the last four digits of their phone and opens the 360 page.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package;
no browser is ever downloaded (`playwright install` is not used).
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def browser_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


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
