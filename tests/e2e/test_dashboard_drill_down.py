"""Journey 5: a manager reads a figure on the dashboards and drills down to the records behind it.

A city company head opens /dashboards/, has the figures counted again, switches the period to the
week, and follows the "complaints received" figure to its list on the SLA board: the list holds as
many complaints as the figure says, and both agree with the database for the period the figure's link
names.
"""

import datetime
import re
from urllib.parse import parse_qs, urlparse

from django.utils import timezone

from complaints.models import Category, Complaint
from complaints.services import complaint_create
from tests.browser.chromium import requires_chromium
from tests.e2e.conftest import assert_fits

pytestmark = requires_chromium

FIGURE = "complaints.received"


def received_between(href: str) -> int:
    """The complaints received in the local days the drill-down link names (received_from/_to)."""
    query = parse_qs(urlparse(href).query)
    first = datetime.date.fromisoformat(query["received_from"][0])
    last = datetime.date.fromisoformat(query["received_to"][0])
    received = [timezone.localdate(at) for at in Complaint.objects.values_list("received_at", flat=True)]
    return sum(first <= day <= last for day in received)


def test_a_figure_switched_to_the_week_drills_down_to_as_many_complaints(
    live_server, seeded_categories, agent, city_head, owner, owned_unit, open_as
):
    from playwright.sync_api import expect

    leak = Category.objects.get(code="leak")
    now = timezone.now()
    # Today, ten days ago (another week, maybe this month) and sixty days ago (another month).
    for n, days_ago in enumerate([0, 0, 0, 10, 10, 60]):
        complaint_create(
            by=agent, customer=owner, unit=owned_unit, category=leak, complaint_type="complaint",
            channel="hotline", title=f"车库漏水{n}", description="地下车库B2层持续漏水",
            received_at=now - datetime.timedelta(days=days_ago),
        )  # fmt: skip

    page = open_as("cityhead")
    page.goto(f"{live_server.url}/dashboards/")
    with page.expect_navigation():
        page.get_by_test_id("recount-form").locator("[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    value = page.get_by_test_id(f"value-{FIGURE}")
    drill = page.get_by_test_id(f"drill-{FIGURE}")
    expect(value).to_have_text(str(received_between(drill.get_attribute("href"))))
    default_label = page.get_by_test_id("period-label").inner_text()

    # The week: the figure is today's three (ten days ago is always another week).
    page.get_by_test_id("period-switcher").get_by_role("link", name="Week", exact=True).click()
    page.wait_for_url(re.compile(r"period=week"))
    expect(page.get_by_test_id("period-switcher").locator("a[aria-current=true]")).to_have_text("Week")
    expect(page.get_by_test_id("period-label")).not_to_have_text(default_label)
    expect(value).to_have_text("3")
    assert_fits(page)
    href = drill.get_attribute("href")
    assert received_between(href) == 3

    # The figure's drill-down: the board lists exactly those complaints.
    drill.click()
    page.wait_for_url(re.compile(r"/complaints/\?"))
    expect(page.get_by_test_id("board-row")).to_have_count(3)
    assert_fits(page)
    expect(page.get_by_test_id("list-count")).to_contain_text("3")
    assert re.findall(r"\d+", page.get_by_test_id("list-count").inner_text()) == ["3"]
    for n in range(3):
        expect(page.get_by_test_id("board-row").filter(has_text=f"车库漏水{n}")).to_have_count(1)
