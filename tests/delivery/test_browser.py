"""A unit's handover end to end in a real browser: an agent books the owner; on a tablet the engineer
walks the unit with the checklist and records a defect with a photo over a flaky connection; the
engineer issues the rectification order, the contractor marks it fixed with a photo, the engineer
verifies it, the owner accepts it at the re-inspection (复验) and signs for the unit on the tablet.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package, as
tests/complaints/test_browser.py does; no browser is ever downloaded. Selectors are data-testid,
names and hrefs, never visible text (the UI language is a setting). Screenshots of the tablet's
inspection page and of the sign-off land in var/screenshots/ for a human look.
"""

import re
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from customers.models import Contract
from delivery.models import (
    Appointment,
    ChecklistItem,
    Defect,
    DefectPhoto,
    Handover,
    Inspection,
    InspectionCheck,
    RectificationOrder,
)
from delivery.services.inspection import PNG_MAGIC, default_template
from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}

pytestmark = requires_chromium


@pytest.fixture
def browser(monkeypatch):
    with launched_chromium(monkeypatch) as chromium:
        yield chromium


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A small valid PNG (no Pillow here): one colour, 8-bit RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_MAGIC + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")
    )


def _photo(name: str, rgb: tuple[int, int, int]) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": _png(rgb=rgb)}


def _login(browser, live_server, username: str, *, tablet: bool = False):
    """A fresh browser context (its own cookies) logged in as `username`, on a laptop or a tablet."""
    if tablet:
        context = browser.new_context(locale="zh-CN", viewport=TABLET, has_touch=True)
    else:
        context = browser.new_context(locale="zh-CN", viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def _screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _url(live_server, name: str, *args) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


@pytest.mark.django_db(transaction=True)
def test_book_inspect_rectify_reinspect_sign_off(
    live_server,
    browser,
    seeded_checklist,
    batch,
    handover,
    slot,
    owner,
    agent,
    engineer,
    contractor,
    contractor_user,
):
    from playwright.sync_api import expect

    template = default_template()
    items = list(ChecklistItem.objects.filter(template=template).order_by("pk"))
    defect_line, gas_line = items[0], next(i for i in items if i.area == "gas")

    # 1. The agent books the owner into the batch's first slot on the booking page.
    desk = _login(browser, live_server, "agent")
    desk.goto(_url(live_server, "delivery:book", batch.pk))
    booking = desk.locator("[data-testid=book-form]")
    booking.locator("select[name=handover]").select_option(str(handover.pk))
    booking.locator("select[name=slot]").select_option(str(slot.pk))
    booking.locator("input[name=note]").fill("业主要求上午")
    booking.locator("[type=submit]").click()
    desk.wait_for_url(_url(live_server, "delivery:batch-detail", batch.pk))
    appointment = Appointment.objects.get(handover=handover)
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.slot_id == slot.pk
    assert appointment.customer_id == owner.pk
    assert appointment.channel == Appointment.Channel.AGENT
    assert appointment.booked_by_id == agent.pk
    desk.context.close()

    # 2. On the tablet the engineer opens the unit and starts the pre-inspection (预验收).
    tablet = _login(browser, live_server, "engineer", tablet=True)
    tablet.goto(_url(live_server, "delivery:handover-detail", handover.pk))
    expect(tablet.locator("[data-testid=appointment]")).to_contain_text(slot.date.strftime("%Y-%m-%d"))
    tablet.locator("[data-testid=start-inspection]").tap()
    tablet.wait_for_url("**/inspections/*/")
    inspection = Inspection.objects.get(handover=handover)
    assert inspection.kind == Inspection.Kind.PRE_INSPECTION
    assert inspection.template_id == template.pk
    sync = tablet.locator("[data-testid=sync-status]")
    expect(tablet.locator("[data-testid=check-line]")).to_have_count(len(items))

    # Taps: a defect on the entrance door, N/A for gas, OK for every other line.
    tablet.locator(f"[data-testid=check-{defect_line.pk}-fail]").tap()
    modal = tablet.locator("[data-testid=defect-modal]")
    expect(modal).to_be_visible()
    expect(modal.locator("input[name=checklist_item]")).to_have_value(str(defect_line.pk))
    expect(modal.locator("select[name=room]")).to_have_value(defect_line.room_type)
    modal.locator("label[for=defect-severity-major]").tap()
    expect(modal.locator("[data-testid=severity-major]")).to_be_checked()
    modal.locator("input[name=location]").fill("入户门锁")
    modal.locator("textarea[name=description]").fill("入户门锁芯卡滞，门框右上角掉漆")
    modal.locator("select[name=contractor]").select_option(str(contractor.pk))
    modal.locator("[data-testid=defect-photos]").set_input_files([_photo("door.png", (200, 60, 40))])
    expect(modal.locator("#defect-photo-previews img")).to_have_count(1)

    # The connection drops just as the defect is saved: it waits on the tablet.
    expect(sync).to_have_attribute("data-pending", "0")  # the Defect tap went through before
    tablet.context.set_offline(True)
    modal.locator("[data-testid=defect-save]").tap()
    expect(modal).to_be_hidden()
    expect(tablet.locator("[data-testid=defect-pending]")).to_have_count(1)
    expect(sync).to_have_attribute("data-pending", "1")
    assert not Defect.objects.exists()

    # Back online, the upload reaches the server but its answer is lost on the way back.
    delivered = []

    def lose_the_answer(route):
        delivered.append(route.fetch().status)
        route.abort("connectionreset")

    defect_url = "**" + reverse("delivery:inspection-defect", args=[inspection.pk])
    tablet.route(defect_url, lose_the_answer)
    with tablet.expect_event("requestfailed", lambda request: request.method == "POST"):
        tablet.context.set_offline(False)
        tablet.evaluate("window.dispatchEvent(new Event('online'))")  # whether or not Chromium fired one
    assert delivered == [201]
    expect(tablet.locator("#sync-warning")).to_be_visible()  # "offline: kept on the tablet"
    assert Defect.objects.count() == 1
    expect(tablet.locator("[data-testid=defect-pending]")).to_have_count(1)

    # The tablet sends it again with the same client UUID: the server answers with the same defect.
    tablet.unroute(defect_url)
    defect_post = reverse("delivery:inspection-defect", args=[inspection.pk])
    with tablet.expect_response(
        lambda r: r.url.endswith(defect_post) and r.request.method == "POST"
    ) as replay:
        tablet.locator("[data-testid=sync-retry]").tap()
    assert replay.value.status == 200  # 200, not 201: the defect already made
    expect(sync).to_have_attribute("data-pending", "0")
    expect(tablet.locator("[data-testid=defect-pending]")).to_have_count(0)
    expect(
        tablet.locator(f"[data-testid=line-defects-{defect_line.pk}] [data-testid=defect-item]")
    ).to_have_count(1)

    for item in items:
        if item == defect_line:
            continue
        result = "na" if item == gas_line else "pass"
        tablet.locator(f"[data-testid=check-{item.pk}-{result}]").tap()
    expect(tablet.locator("[data-testid=progress-done]")).to_have_text(str(len(items)))
    expect(sync).to_have_attribute("data-pending", "0")

    # A reload shows what the server has: the one defect with its photo, every line answered.
    tablet.reload()
    line_defects = tablet.locator(f"[data-testid=line-defects-{defect_line.pk}] [data-testid=defect-item]")
    expect(line_defects).to_have_count(1)
    expect(line_defects).to_contain_text("入户门锁芯卡滞")
    expect(line_defects).to_contain_text("📷 1")
    expect(tablet.locator("[data-testid=defect-pending]")).to_have_count(0)
    expect(tablet.locator("[data-testid=progress-done]")).to_have_text(str(len(items)))
    defect = Defect.objects.get()
    assert defect.client_uuid is not None
    assert defect.inspection_id == inspection.pk
    assert defect.checklist_item_id == defect_line.pk
    assert defect.severity == "major"
    assert defect.contractor_id == contractor.pk
    assert defect.status == Defect.Status.OPEN
    photo = DefectPhoto.objects.get(defect=defect)
    assert photo.stage == DefectPhoto.Stage.FOUND
    assert photo.image.read(len(PNG_MAGIC)) == PNG_MAGIC
    photo.image.close()
    checks = dict(InspectionCheck.objects.filter(inspection=inspection).values_list("item_id", "result"))
    assert len(checks) == len(items)
    assert checks[defect_line.pk] == "fail"
    assert checks[gas_line.pk] == "na"
    _screenshot(tablet, "handover-inspection-tablet")

    tablet.locator("[data-testid=complete-inspection]").tap()
    tablet.wait_for_url(_url(live_server, "delivery:handover-detail", handover.pk))
    expect(tablet.locator("[data-testid=handover-status]")).to_have_class(
        re.compile(r"crm-handover-rectifying")
    )
    expect(tablet.locator("[data-testid=sign-off-link]")).to_be_visible()  # shown; refused while blocking
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.COMPLETED

    # 3. The engineer issues the rectification order from the defect list.
    tablet.goto(_url(live_server, "delivery:defect-list"))
    tablet.locator(f"input[name=defects][value='{defect.pk}']").check()
    tablet.locator("[data-testid=issue-orders]").tap()
    tablet.wait_for_url("**/handover/orders/*/")
    order = RectificationOrder.objects.get()
    assert order.contractor_id == contractor.pk
    defect.refresh_from_db()
    assert defect.status == Defect.Status.FIXING
    assert defect.order_id == order.pk

    # The contractor sees the order, opens the defect and marks it fixed with a photo.
    crew = _login(browser, live_server, "contractor")
    crew.goto(_url(live_server, "delivery:order-list"))
    rows = crew.locator("[data-testid=order-row]")
    expect(rows).to_have_count(1)
    rows.locator("a.crm-row-link").click()
    crew.wait_for_url(_url(live_server, "delivery:order-detail", order.pk))
    crew.locator(
        f"[data-testid=order-defects] a[href='{reverse('delivery:defect-detail', args=[defect.pk])}']"
    ).click()
    crew.wait_for_url(_url(live_server, "delivery:defect-detail", defect.pk))
    expect(crew.locator("[data-testid=action-verify]")).to_have_count(0)
    crew.locator("[data-testid=action-fixed]").click()
    fixed_form = crew.locator("[data-testid=form-fixed]")
    expect(fixed_form).to_be_visible()
    fixed_form.locator("input[name=photos]").set_input_files([_photo("door-fixed.png", (40, 160, 60))])
    fixed_form.locator("textarea[name=note]").fill("已更换锁芯并补漆")
    fixed_form.locator("[type=submit]").first.click()
    expect(crew.locator("[data-testid=defect-status] [data-status]")).to_have_attribute(
        "data-status", "fixed"
    )
    defect.refresh_from_db()
    assert defect.status == Defect.Status.FIXED
    assert defect.photos.filter(stage=DefectPhoto.Stage.FIXED).count() == 1
    crew.context.close()

    # 4. The engineer verifies the fix on the defect page ...
    tablet.goto(_url(live_server, "delivery:defect-detail", defect.pk))
    tablet.locator("[data-testid=action-verify]").tap()
    verify_form = tablet.locator("[data-testid=form-verify]")
    expect(verify_form).to_be_visible()
    verify_form.locator("[type=submit]").first.tap()
    expect(tablet.locator("[data-testid=defect-status] [data-status]")).to_have_attribute(
        "data-status", "verified"
    )

    # ... and, at the re-inspection with the owner, records the owner's acceptance.
    tablet.goto(_url(live_server, "delivery:handover-detail", handover.pk))
    reinspection_url = reverse("delivery:reinspection", args=[handover.pk])
    tablet.locator(f"[data-testid=handover-links] a[href='{reinspection_url}']").tap()
    tablet.wait_for_url(_url(live_server, "delivery:reinspection", handover.pk))
    expect(tablet.locator("[data-testid=to-decide]")).to_have_text("1")
    accept = tablet.locator(f"[data-testid=accept-{defect.pk}]")
    accept.locator("input[name=note]").fill("业主现场确认已修好")
    accept.locator("[type=submit]").tap()
    expect(tablet.locator("[data-testid=to-decide]")).to_have_text("0")
    defect.refresh_from_db()
    assert defect.status == Defect.Status.ACCEPTED
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED

    # 5. The sign-off (交房) on the tablet: documents, meters, keys and the owner's drawn signature.
    tablet.goto(_url(live_server, "delivery:handover-detail", handover.pk))
    tablet.locator("[data-testid=sign-off-link]").tap()
    tablet.wait_for_url(_url(live_server, "delivery:sign-off", handover.pk))
    form = tablet.locator("[data-testid=sign-off-form]")
    expect(tablet.locator("[data-testid=blocking-defects]")).to_have_count(0)
    documents = ["quality_guarantee", "user_manual", "handover_form", "key_receipt"]
    for code in documents:
        form.locator(f"input[name=documents_handed][value={code}]").check()
    form.locator("input[name=water_meter]").fill("12.5")
    form.locator("input[name=electricity_meter]").fill("308.25")
    form.locator("input[name=gas_meter]").fill("0.8")
    form.locator("input[name=keys_handed]").fill("3")
    expect(form.locator("input[name=signed_by_name]")).to_have_value("张伟")

    canvas = tablet.locator("[data-testid=signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    left, top = box["x"] + 20, box["y"] + box["height"] / 2
    tablet.mouse.move(left, top)
    tablet.mouse.down()
    for step in range(1, 9):
        x = left + step * (box["width"] - 40) / 8
        y = top + (-1) ** step * box["height"] / 5
        tablet.mouse.move(x, y, steps=4)
    tablet.mouse.up()
    expect(tablet.locator("[data-testid=signature-pad]")).to_have_class(re.compile(r"has-ink"))
    _screenshot(tablet, "handover-sign-off-tablet")

    form.locator("[data-testid=sign-off-submit]").tap()
    tablet.wait_for_url(_url(live_server, "delivery:handover-detail", handover.pk))
    expect(tablet.locator("[data-testid=handover-status]")).to_have_class(
        re.compile(r"crm-handover-handed_over")
    )
    expect(tablet.locator("[data-testid=sign-off-link]")).to_have_count(0)

    handover = Handover.objects.get(pk=handover.pk)
    assert handover.status == Handover.Status.HANDED_OVER
    assert handover.handed_over_by_id == engineer.pk
    assert handover.documents_handed == documents
    assert handover.water_meter == Decimal("12.50")
    assert handover.electricity_meter == Decimal("308.25")
    assert handover.gas_meter == Decimal("0.80")
    assert handover.keys_handed == 3
    assert handover.signed_by_name == "张伟"
    assert handover.override_reason == ""
    assert handover.signature.name.endswith(".png")
    with handover.signature.open("rb") as signature:
        drawn = signature.read()
    assert drawn.startswith(PNG_MAGIC) and len(drawn) > 500
    contract = Contract.objects.get(unit=handover.unit)
    assert contract.handed_over_on == timezone.localdate()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.DONE
    tablet.context.close()
