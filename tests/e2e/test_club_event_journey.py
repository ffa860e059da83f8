"""Journey 4: a club (万客会) event from its opening to the check-in at the door.

A supervisor creates the event as a draft and opens it for registration; an agent makes a member's
own registration link; the member registers on their phone (with a guest) and gets the confirmation
with its QR code; at the door the agent scans the code (a scanner types the address it carries) on
the check-in page and checks them in. Checked on the pages and in the database (the registration,
the points earned).
"""

import datetime
import re

from django.utils import timezone

from membership.models import Event, PointsEntry, Registration
from membership.services.events import confirmation_url
from membership.views.public_growth import qr_svg
from tests.browser.chromium import TIMEOUT_MS, requires_chromium
from tests.e2e.conftest import assert_fits
from tests.membership.factories import MemberFactory

pytestmark = requires_chromium


def test_an_event_opened_a_member_registers_and_is_checked_in_by_qr_code(
    live_server, chromium, city, project, supervisor, agent, open_as
):
    from playwright.sync_api import expect

    member = MemberFactory(
        city_company=city, project=project, name="陈静", number="WK20261234", phone="13955557788"
    )
    starts = timezone.localtime() + datetime.timedelta(days=5)

    # The supervisor creates the event as a draft, then opens it for registration.
    boss = open_as("supervisor")
    boss.goto(f"{live_server.url}/club/events/")
    boss.get_by_role("link", name="New event").click()
    boss.fill("#id_title", "重阳节长者茶话会")
    boss.select_option("#id_kind", "festival")
    boss.select_option("#id_city_company", str(city.pk))
    boss.select_option("#id_project", str(project.pk))
    boss.fill("#id_place", "四季花城会所二楼")
    boss.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    boss.fill("#id_ends_at", (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    boss.fill("#id_capacity", "20")
    boss.fill("#id_attendance_points", "40")
    boss.select_option("#id_status", "draft")
    with boss.expect_navigation():
        boss.locator("form:has(#id_title) [type=submit]").click()
    event = Event.objects.get()
    assert event.status == Event.Status.DRAFT and event.project_id == project.pk
    boss.goto(f"{live_server.url}/club/events/{event.pk}/edit/")
    boss.select_option("#id_status", "open")
    with boss.expect_navigation():
        boss.locator("form:has(#id_title) [type=submit]").click()
    expect(boss.locator(".alert-success")).to_be_visible()
    event.refresh_from_db()
    assert event.status == Event.Status.OPEN

    # The agent makes the member's own registration link (to text or read out to them).
    desk = open_as("agent")
    desk.goto(f"{live_server.url}/club/events/{event.pk}/")
    invite = desk.locator(f"form[action='/club/events/{event.pk}/invite/']")
    invite.locator("input[name=member]").fill("WK20261234")
    with desk.expect_navigation():
        invite.locator("[type=submit]").click()
    shown = desk.locator(".alert-info").inner_text()
    link = re.search(r"/club/e/[^/\s]+/", shown).group(0)

    # The member opens it on their phone, registers with one guest, and sees the QR code.
    phone = chromium.new_page(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone.set_default_timeout(TIMEOUT_MS)
    phone.goto(f"{live_server.url}{link}")
    phone.fill("input[name=guests]", "1")
    with phone.expect_navigation():
        phone.locator("form:has(input[name=guests]) [type=submit]").click()
    expect(phone.get_by_test_id("registration")).to_contain_text("陈静")
    expect(phone.get_by_test_id("registration-status")).to_have_text("Confirmed")
    expect(phone.get_by_test_id("qr").locator("svg")).to_be_visible()
    assert_fits(phone)
    registration = Registration.objects.get(event=event, member=member)
    assert (registration.status, registration.guests) == (Registration.Status.CONFIRMED, 1)
    # The code on the page carries the confirmation's address.
    address = confirmation_url(registration)
    assert qr_svg(address) in phone.request.get(phone.url).text()

    # At the door: the agent's scanner types that address into the check-in page; one tap checks in.
    desk.goto(f"{live_server.url}/club/events/{event.pk}/")
    expect(desk.get_by_test_id("registration-row")).to_contain_text("陈静")
    expect(desk.get_by_test_id("places-taken")).to_contain_text("2 / 20")
    desk.click("#check-in-link")
    desk.wait_for_url(f"**/club/events/{event.pk}/check-in/")
    desk.fill("#check-in-search input[name=q]", address)
    desk.locator("#check-in-search [type=submit]").click()
    match = desk.get_by_test_id("check-in-match")
    expect(match).to_have_count(1)
    expect(match).to_contain_text("陈静")
    assert_fits(desk)
    match.locator("button[name=registration]").click()
    expect(desk.locator(".alert-success")).to_contain_text("陈静 checked in (party of 2)")

    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED
    assert PointsEntry.objects.get(member=member).points == 40
    phone.reload()
    expect(phone.get_by_test_id("registration-status")).to_have_text("Attended")
