"""The end-to-end suite (issue 18): each test is one user journey through the real pages, driven in
Debian's Chromium (/usr/bin/chromium) through Playwright, as the browser tests in tests/browser/ are
(same launcher, same skip where Chromium is absent). Starting data comes from the test factories;
everything the journey is about is done by clicks and form fills, and checked on the page and in the
database.

Desks are worked on a laptop (1280×800); the handover inspection on a tablet (1024×768, touch).
"""

import importlib

import pytest
from django.apps import apps

from accounts.models import Role
from tests.browser.chromium import TIMEOUT_MS, launched_chromium
from tests.factories import ContractorFactory, UserFactory

LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 1024, "height": 768}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Photos and signatures uploaded during a journey land in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def chromium(monkeypatch):
    with launched_chromium(monkeypatch) as browser:
        yield browser


@pytest.fixture
def open_as(chromium, live_server):
    """`open_as("agent")`: a new browser context (its own cookies) logged in as that user through the
    login page, at the laptop size unless `viewport=` (and `touch=True` for a tablet) says otherwise."""

    def open_page(username: str, *, viewport=LAPTOP, touch: bool = False):
        context = chromium.new_context(locale="zh-CN", viewport=viewport, has_touch=touch, is_mobile=touch)
        context.on("console", chromium._console)  # CSP violations fail the test, as on new_page()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pass-1234")
        page.locator("form:has(input[name=password])").locator("[type=submit]").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return open_page


@pytest.fixture
def seeded_categories(transactional_db):
    """The complaint categories and SLA policies of the data migration: a transactional test's flush
    removes them, so put them back (the seed is idempotent)."""
    importlib.import_module("complaints.migrations.0002_seed_categories_and_policies").seed(apps, None)


@pytest.fixture
def seeded_checklist(transactional_db):
    """The handover checklist and rectification deadlines of the data migration (idempotent)."""
    importlib.import_module("delivery.migrations.0002_seed_checklist_and_deadlines").seed(apps, None)


@pytest.fixture
def contractor(project):
    return ContractorFactory(name="中建三局", trade="civil", projects=[project])


@pytest.fixture
def contractor_user(contractor, project):
    return UserFactory(username="contractor", role=Role.CONTRACTOR, contractor=contractor, projects=[project])


@pytest.fixture
def engineer(project):
    return UserFactory(username="engineer", role=Role.DELIVERY_ENGINEER, projects=[project])


def assert_fits(page) -> None:
    """Nothing on the page is wider than the window: no sideways scrolling at the device's size."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        widest = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .slice(0, 8).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)""",
            width,
        )
        raise AssertionError(f"{page.url} is {scroll_width} px wide in a {width} px window: {widest}")
