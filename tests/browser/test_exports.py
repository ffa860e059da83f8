"""Issue 13: an agent exports the customer list from its Export button, with the filters applied and
the phones masked, small (a download at once) and big (a job page, then a download link); and finds
the import from the customer list.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium
from tests.factories import CustomerFactory, CustomerPhoneFactory

pytestmark = requires_chromium


@pytest.fixture
def browser_page(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN", accept_downloads=True)
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")


def _names_and_phones(download) -> list[tuple]:
    rows = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active.iter_rows(
        values_only=True
    )
    return [tuple(row[:2]) for row in list(rows)[1:]]


@pytest.mark.parametrize("inline_rows", [2000, 0])
def test_agent_exports_the_filtered_customer_list(
    transactional_db, live_server, settings, agent, owned_unit, project, browser_page, inline_rows
):
    settings.EXPORT_INLINE_ROWS = inline_rows  # 0: every export is a background job
    other = CustomerFactory(city_company=project.city_company, registered_project=project, name="李娜")
    CustomerPhoneFactory(customer=other, number="13900001111")
    page = browser_page
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/customers/")
    assert page.locator("#import-link").get_attribute("href") == "/customers/import/"
    page.fill("form.crm-filters input[name=q]", "13812345678")

    if inline_rows:
        with page.expect_download() as downloaded:
            page.click("#export-button")
    else:
        page.click("#export-button")
        page.wait_for_url("**/exports/job/**")
        with page.expect_download() as downloaded:
            page.click("#export-download")
    download = downloaded.value
    assert download.suggested_filename.endswith(".xlsx")
    assert _names_and_phones(download) == [("张伟", "138****5678")]
