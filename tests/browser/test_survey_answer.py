"""An owner answers their survey on a phone: questions appear as they answer (skip logic), each
answer is saved as they go, a reload in the middle loses nothing, the submit ends on the thank-you
page, and the link opened again says the survey is already answered.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package.
"""

import pytest

from surveys.models import Answer, Invitation
from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium
from tests.surveys.factories import InvitationFactory

pytestmark = requires_chromium

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone_page(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def pick(page, code: str, value: str) -> None:
    page.locator(f'[data-testid=question-{code}] label:has(input[value="{value}"])').click()


def test_an_owner_answers_on_a_phone_with_a_reload_in_the_middle(
    transactional_db, live_server, owner, project, phone_page
):
    from playwright.sync_api import expect

    invitation = InvitationFactory(customer=owner, project=project)
    page = phone_page
    url = f"{live_server.url}/s/{invitation.token}/"
    page.goto(url)
    expect(page.get_by_test_id("project-name")).to_have_text("四季花城")
    saved = page.locator("[data-save-status]")

    pick(page, "overall", "4")
    expect(saved).to_have_text("Saved")
    rooms = page.get_by_test_id("question-leak_rooms")
    expect(rooms).to_be_hidden()
    pick(page, "leaks", "yes")
    expect(rooms).to_be_visible()  # shown by the page's script, before any reload
    pick(page, "leak_rooms", "bathroom")
    page.get_by_test_id("question-comments").locator("textarea").fill("卫生间墙角返潮")
    page.get_by_test_id("question-comments").locator("textarea").blur()
    expect(saved).to_have_text("Saved")
    page.wait_for_function("() => document.querySelector('[data-save-status]').textContent === 'Saved'")
    _wait_for_answers(invitation, {"overall", "leaks", "leak_rooms", "comments"})

    page.reload()
    expect(page.locator('[data-testid=question-overall] input[value="4"]')).to_be_checked()
    expect(page.locator('[data-testid=question-leak_rooms] input[value="bathroom"]')).to_be_checked()
    expect(rooms).to_be_visible()
    expect(page.get_by_test_id("question-comments").locator("textarea")).to_have_value("卫生间墙角返潮")
    # The page fits the phone: nothing wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    pick(page, "repurchase", "5")
    pick(page, "recommend", "9")
    pick(page, "quality", "3")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("thanks")).to_be_visible()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.COMPLETED
    assert Answer.objects.filter(invitation=invitation, is_final=True).count() == 7

    page.goto(url)
    expect(page.get_by_test_id("already-answered")).to_be_visible()


def _wait_for_answers(invitation, codes, attempts=200):
    """The autosave's rows, read from the database (the status text shows the last request ended)."""
    import time

    for _ in range(attempts):
        stored = set(Answer.objects.filter(invitation=invitation).values_list("question__code", flat=True))
        if stored >= codes:
            return
        time.sleep(0.05)
    raise AssertionError(f"saved: {stored}, expected {codes}")
