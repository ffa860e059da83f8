"""Issue 13: at 1024 px (a tablet in landscape) the navbar wrapped one character per line for the
administrator and the engineer. The main pages at a tablet's, a laptop's and a phone's width: every
menu link on one line, the navbar one row high where it is expanded, and nothing wider than the window."""

import pytest

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium, requires_cjk_font

pytestmark = requires_chromium

WIDTHS = (1024, 1280, 390)
PAGES = ("/", "/customers/", "/complaints/", "/complaints/work-orders/", "/handover/", "/property/")

# How many lines each visible menu link's text takes, and whether the page is wider than the window.
MEASURE = """() => {
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  };
  // The user's name and role are two lines by design: each must stay one.
  const links = [...document.querySelectorAll('.crm-nav .nav-link, .crm-user-name small, .crm-brand-text')]
    .filter(el => el.offsetParent !== null);
  return {
    wrapped: links.filter(el => lines(el) > 1).map(el => el.textContent.trim()),
    navHeight: document.querySelector('.crm-nav').getBoundingClientRect().height,
    expanded: getComputedStyle(document.querySelector('.crm-nav .navbar-toggler')).display === 'none',
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector(".crm-nav")


def _inspection_in_progress(engineer, unit) -> str:
    """The path of an inspection the engineer walks: the page a tablet shows in portrait at 1024×1366."""
    import datetime
    import importlib

    from django.apps import apps

    from delivery.models import Handover, HandoverBatch
    from delivery.services.inspection import inspection_start

    # The standard checklist of the data migration, which a transactional test's flush removed.
    importlib.import_module("delivery.migrations.0002_seed_checklist_and_deadlines").seed(apps, None)
    today = datetime.date.today()
    batch = HandoverBatch.objects.create(
        project=unit.building.project,
        name="一期交付",
        starts_on=today,
        ends_on=today,
        site="大堂",
        lead=engineer,
    )
    handover = Handover.objects.create(batch=batch, project=batch.project, unit=unit)
    inspection = inspection_start(by=engineer, handover=handover, kind="handover")
    return f"/handover/inspections/{inspection.pk}/"


# Chinese labels are measured in a real CJK font (fonts-noto-cjk), as an agent's browser draws them.
@pytest.mark.parametrize("language", [pytest.param("zh-hans", marks=requires_cjk_font), "en"])
def test_the_navbar_stays_on_one_line_for_the_admin_and_the_engineer(
    transactional_db, live_server, monkeypatch, city, owned_unit, language
):
    from accounts.models import Role
    from notifications.models import Notification
    from tests.factories import UserFactory

    # The longest menus: the administrator's (with Admin) and the engineer's (with Handover), with the
    # demo's names and an unread count beside the bell.
    admin = UserFactory(
        username="admin", display_name="集团管理员", role=Role.GROUP_ADMIN, is_staff=True, is_superuser=True
    )
    engineer = UserFactory(
        username="engineer",
        display_name="交付工程师 周强",
        role=Role.DELIVERY_ENGINEER,
        city_companies=[city],
    )
    pages = {"admin": PAGES, "engineer": (*PAGES, _inspection_in_progress(engineer, owned_unit))}
    for user in (admin, engineer):
        Notification.objects.bulk_create(
            Notification(recipient=user, kind="sla", title=f"提醒 {n}") for n in range(120)
        )
    problems = []
    with launched_chromium(monkeypatch) as chromium:
        for username in ("admin", "engineer"):
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            _log_in(page, live_server.url, username)
            page.locator(f".crm-lang button[value={language}]").first.click()
            page.wait_for_selector(f"html[lang={language}]")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 1366 if width == 1024 else 900})
                for path in pages[username]:
                    assert page.goto(f"{live_server.url}{path}").ok, path
                    where = f"{username} {language} {width}px {path}"
                    # Expanded or folded, the bar is one row: brand, search, then the menu or its toggler.
                    closed = page.evaluate(MEASURE)
                    if closed["navHeight"] > 80:
                        problems.append(f"{where}: navbar {closed['navHeight']}px high")
                    if not closed["expanded"]:
                        page.locator(".crm-nav .navbar-toggler").click()
                        page.wait_for_selector("#crm-nav-menu.show")
                    measured = page.evaluate(MEASURE)
                    if measured["wrapped"]:
                        problems.append(f"{where}: wrapped {measured['wrapped']}")
                    if measured["overflow"] > 0:
                        problems.append(f"{where}: {measured['overflow']}px wider than the window")
            page.close()
    assert not problems, "\n".join(problems)
