"""Issue 13: the read-only manager opens the supervisor view in the browser (it was a 403): the
figures and the proposed group cases, no button that creates one, and no CSP violation."""

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium


def test_the_manager_reads_the_supervisor_view_in_the_browser(
    transactional_db, live_server, monkeypatch, settings, city, make_complaint
):
    from playwright.sync_api import expect

    from accounts.models import Role
    from tests.factories import UserFactory

    settings.GROUP_CASE_MIN_COMPLAINTS = 2
    for n in range(3):
        make_complaint(title=f"外墙渗水 {n}")
    UserFactory(username="manager", role=Role.READONLY_MANAGER, city_companies=[city])
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(viewport={"width": 1024, "height": 1366})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", "pass-1234")
        page.locator("form:has(input[name=password])").locator("[type=submit]").click()
        page.wait_for_selector(".crm-nav")

        page.goto(f"{live_server.url}/complaints/")
        page.locator("a.nav-link[href='/complaints/supervisor/']").click()

        expect(page.locator("h1")).to_have_text("Supervisor view")
        expect(page.locator("[data-testid=group-proposal]")).to_have_count(1)
        expect(page.locator("form[action='/complaints/group-cases/new/']")).to_have_count(0)
        expect(page.locator("button:has-text('Create group case')")).to_have_count(0)
