"""Finding 10.1: the pages that tests/complaints and tests/delivery's browser tests do not open still run
under the Content-Security-Policy (tests/browser/chromium.py fails a test whose pages meet a violation):
the Swagger UI, the admin and the public complaint form."""

from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

pytestmark = requires_chromium


def test_swagger_ui_the_admin_the_public_form_and_an_uploaded_photo_run_under_the_csp(
    transactional_db, live_server, monkeypatch, project, settings, tmp_path
):
    from django.core.files.base import ContentFile
    from playwright.sync_api import expect

    from delivery.models import FloorPlan
    from tests.factories import UserFactory, image_bytes

    settings.MEDIA_ROOT = tmp_path
    UserFactory(username="root", role="group_admin", is_staff=True, is_superuser=True)
    plan = FloorPlan(project=project, layout="3室2厅2卫")
    plan.image.save("plan.png", ContentFile(image_bytes("PNG", width=64, height=48)), save=True)
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(locale="zh-CN")
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/public/")
        expect(page.locator("form input[name=phone]")).to_be_visible()

        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "root")
        page.fill("input[name=password]", "pass-1234")
        page.locator("form:has(input[name=password])").locator("[type=submit]").click()
        page.wait_for_selector("#global-search")

        page.goto(f"{live_server.url}/api/docs/")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("CRM API")
        expect(page.locator(".opblock").first).to_be_visible()

        page.goto(f"{live_server.url}/admin/delivery/floorplan/add/")
        expect(page.locator("#floorplan_form")).to_be_visible()
        page.goto(f"{live_server.url}/admin/accounts/user/")
        expect(page.locator("#changelist")).to_be_visible()

        # An image opened on its own shows under the media's sandboxing policy.
        page.goto(f"{live_server.url}{plan.image.url}")
        assert page.evaluate("document.images[0].naturalWidth") == 64
        assert not chromium.csp_violations, chromium.csp_violations
