"""A city head turns on two-factor login in the browser (the QR page, the key, the first code), logs out,
and logs in again with the password and then the authenticator's code; then makes an API token.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package."""

import os

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium
# Where to keep screenshots of the pages, when set (a person looking at the layout).
SHOTS = os.environ.get("CRM_SCREENSHOTS")


@pytest.fixture
def browser_page(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN")
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def _app_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _password_step(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "cityhead")
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()


def test_a_city_head_turns_on_two_factor_login_and_logs_in_with_the_code(
    transactional_db, live_server, city_head, browser_page, time_machine
):
    page = browser_page
    time_machine.move_to("2026-03-02 09:00:00 +08:00", tick=True)
    _password_step(page, live_server)
    page.wait_for_selector("[data-testid=my-account]")

    page.click("[data-testid=my-account]")
    page.locator("[data-testid=two-factor-card] a").click()
    assert page.locator("[data-testid=totp-qr]").is_visible()
    _shot(page, "two_factor_setup")
    device = TOTPDevice.objects.get(user=city_head)
    page.fill("input[name=code]", _app_code(device))
    page.locator("form:has(input[name=code])").locator("[type=submit]").click()
    page.wait_for_selector("[data-testid=two-factor-card] .text-bg-success")

    page.locator("form[action='/logout/'] [type=submit]").click()
    time_machine.shift(30)  # the next code: each is accepted once
    _password_step(page, live_server)
    page.wait_for_selector("[data-testid=login-code]")
    _shot(page, "login_code")
    page.fill("input[name=code]", _app_code(device))
    page.locator("[data-testid=login-code] [type=submit]").click()
    page.wait_for_selector("[data-testid=my-account]")

    page.goto(f"{live_server.url}/account/tokens/")
    page.fill("input[name=name]", "BI 夜间导出")
    page.locator("form:has(input[name=name])").locator("[type=submit]").click()
    page.wait_for_selector("[data-testid=new-token]")
    _shot(page, "api_tokens")
    assert "BI 夜间导出" in page.locator("[data-testid=tokens]").inner_text()
