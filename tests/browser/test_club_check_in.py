"""Issue 15: an agent registers a member for a club event from the event page, then the check-in desk
(a tablet in portrait) finds the member by the last 4 digits of their phone and checks them in.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package."""

import pytest

from membership.models import PointsEntry, Registration
from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium
from tests.membership.factories import EventFactory, MemberFactory

pytestmark = requires_chromium


@pytest.fixture
def tablet(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN", viewport={"width": 800, "height": 1280})
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def test_staff_register_a_member_and_the_desk_checks_them_in_by_phone_tail(
    transactional_db, live_server, agent, project, tablet
):
    event = EventFactory(
        city_company=project.city_company,
        project=project,
        title="中秋业主联谊会",
        capacity=10,
        attendance_points=30,
    )
    member = MemberFactory(
        city_company=project.city_company,
        project=project,
        name="周女士",
        number="WK20260001",
        phone="13966664321",
    )
    page = tablet
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")

    page.goto(f"{live_server.url}/club/events/{event.pk}/")
    page.fill("#register-form input[name=member]", "WK20260001")
    page.fill("#register-form input[name=guests]", "1")
    page.locator("#register-form [type=submit]").click()
    page.wait_for_selector("[data-testid=registration-row]")
    assert "周女士" in page.locator("[data-testid=registration-row]").inner_text()
    assert page.locator("[data-testid=places-taken]").inner_text().strip().startswith("2")

    page.click("#check-in-link")
    page.wait_for_url(f"**/club/events/{event.pk}/check-in/")
    page.fill("#check-in-search input[name=q]", "4321")
    page.locator("#check-in-search [type=submit]").click()
    match = page.locator("[data-testid=check-in-match]")
    match.wait_for()
    assert "周女士" in match.inner_text() and "139****4321" in match.inner_text()
    match.locator("button[name=registration]").click()
    page.wait_for_selector(".alert-success")
    assert "周女士" in page.locator(".alert-success").inner_text()

    registration = Registration.objects.get(member=member)
    assert registration.status == "attended"
    assert PointsEntry.objects.get(member=member).points == 30
