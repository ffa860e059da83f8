"""Journey 2: a handover from the owner's appointment to the keys, on the engineer's tablet.

The owner books a time of the handover batch on their booking link; on a tablet (1024×768, touch)
the engineer runs the pre-inspection (预验收) with the owner and records a defect at its location;
the rectification order goes to the contractor, who marks it fixed; the engineer verifies it, the owner
accepts it at the re-inspection (复验), and the engineer hands over the keys against the owner's
drawn signature (交房). Checked on the pages and in the database.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Contract
from delivery.models import (
    Appointment,
    AppointmentSlot,
    ChecklistItem,
    Defect,
    Handover,
    HandoverBatch,
    Inspection,
    RectificationOrder,
)
from delivery.services.inspection import default_template
from tests.browser.chromium import TIMEOUT_MS, requires_chromium
from tests.e2e.conftest import TABLET, assert_fits
from tests.factories import image_bytes

pytestmark = requires_chromium


@pytest.fixture
def handover(project, owned_unit, supervisor):
    """A batch of 3栋 a week ahead with one morning slot, and the unit's handover in it."""
    starts = timezone.localdate() + datetime.timedelta(days=7)
    batch = HandoverBatch.objects.create(
        project=project,
        name="四季花城一期3栋交付",
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=2),
        site="3栋大堂交付中心",
        lead=supervisor,
    )
    batch.buildings.add(owned_unit.building)
    AppointmentSlot.objects.create(
        batch=batch, date=starts, starts_at=datetime.time(9, 0), ends_at=datetime.time(10, 0), capacity=4
    )
    return Handover.objects.create(batch=batch, project=project, unit=owned_unit)


def url(live_server, name: str, *args) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def test_a_handover_from_the_appointment_to_the_keys_on_a_tablet(
    live_server, chromium, seeded_checklist, handover, owner, engineer, contractor, contractor_user, open_as
):
    from playwright.sync_api import expect

    slot = handover.batch.slots.get()

    # The owner books the morning slot on the link sent to them (no login).
    phone = chromium.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.set_default_timeout(TIMEOUT_MS)
    phone.goto(url(live_server, "delivery:owner-book", handover.booking_token))
    expect(phone.get_by_test_id("owner-unit")).to_contain_text(handover.unit.code)
    phone.locator(f"label[for=slot-{slot.pk}]").click()
    phone.get_by_test_id("owner-book-form").locator("[type=submit]").click()
    expect(phone.get_by_test_id("owner-appointment")).to_contain_text(slot.date.strftime("%Y-%m-%d"))
    appointment = Appointment.objects.get(handover=handover)
    assert (appointment.status, appointment.slot_id, appointment.customer_id, appointment.channel) == (
        Appointment.Status.BOOKED,
        slot.pk,
        owner.pk,
        Appointment.Channel.OWNER_LINK,
    )

    # On the tablet the engineer opens the unit, sees the appointment and starts the pre-inspection.
    tablet = open_as("engineer", viewport=TABLET, touch=True)
    tablet.goto(url(live_server, "delivery:handover-detail", handover.pk))
    expect(tablet.get_by_test_id("appointment")).to_contain_text(slot.date.strftime("%Y-%m-%d"))
    tablet.get_by_test_id("start-inspection").tap()
    tablet.wait_for_url("**/inspections/*/")
    inspection = Inspection.objects.get(handover=handover)
    assert inspection.kind == Inspection.Kind.PRE_INSPECTION and inspection.inspector == engineer
    items = list(ChecklistItem.objects.filter(template=default_template()).order_by("pk"))
    expect(tablet.get_by_test_id("check-line")).to_have_count(len(items))
    assert_fits(tablet)

    # A defect at the kitchen window's location; every other line passes.
    defect_line = items[0]
    tablet.get_by_test_id(f"check-{defect_line.pk}-fail").tap()
    modal = tablet.get_by_test_id("defect-modal")
    expect(modal).to_be_visible()
    # Open: the form has been reset for this line and the description takes the focus.
    expect(modal.locator("textarea[name=description]")).to_be_focused()
    modal.locator("input[name=location]").fill("入户门右侧门框")
    modal.locator("textarea[name=description]").fill("门框右上角掉漆约5cm")
    modal.locator("select[name=contractor]").select_option(str(contractor.pk))
    expect(modal.locator("input[name=location]")).to_have_value("入户门右侧门框")
    modal.get_by_test_id("defect-save").tap()
    expect(modal).to_be_hidden()
    line = tablet.get_by_test_id(f"line-defects-{defect_line.pk}").get_by_test_id("defect-item")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("门框右上角掉漆约5cm")
    for item in items[1:]:
        tablet.get_by_test_id(f"check-{item.pk}-pass").tap()
    expect(tablet.get_by_test_id("progress-done")).to_have_text(str(len(items)))
    expect(tablet.get_by_test_id("sync-status")).to_have_attribute("data-pending", "0")
    tablet.get_by_test_id("complete-inspection").tap()
    tablet.wait_for_url(url(live_server, "delivery:handover-detail", handover.pk))
    defect_row = tablet.get_by_test_id("defect-row")
    expect(defect_row).to_contain_text("入户门右侧门框")
    defect = Defect.objects.get()
    assert (defect.inspection_id, defect.checklist_item_id, defect.location, defect.status) == (
        inspection.pk,
        defect_line.pk,
        "入户门右侧门框",
        Defect.Status.OPEN,
    )
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.COMPLETED

    # The engineer issues the rectification order from the defect list.
    tablet.goto(url(live_server, "delivery:defect-list"))
    tablet.locator(f"input[name=defects][value='{defect.pk}']").check()
    tablet.get_by_test_id("issue-orders").tap()
    tablet.wait_for_url("**/handover/orders/*/")
    order = RectificationOrder.objects.get()
    assert order.contractor_id == contractor.pk

    # The contractor, at the office, marks the defect fixed.
    crew = open_as("contractor")
    crew.goto(url(live_server, "delivery:order-list"))
    crew.get_by_test_id("order-row").locator("a.crm-row-link").click()
    crew.wait_for_url(url(live_server, "delivery:order-detail", order.pk))
    crew.get_by_test_id("order-defects").locator(
        f"a[href='{reverse('delivery:defect-detail', args=[defect.pk])}']"
    ).click()
    crew.get_by_test_id("action-fixed").click()
    fixed = crew.get_by_test_id("form-fixed")
    expect(fixed).to_be_visible()
    fixed.locator("input[name=photos]").set_input_files(
        [{"name": "door-fixed.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(width=64, height=48)}]
    )
    fixed.locator("textarea[name=note]").fill("已打磨补漆")
    fixed.locator("[type=submit]").first.click()
    expect(crew.locator("[data-testid=defect-status] [data-status]")).to_have_attribute(
        "data-status", "fixed"
    )

    # The engineer verifies it; at the re-inspection (复验) the owner accepts it.
    tablet.goto(url(live_server, "delivery:defect-detail", defect.pk))
    tablet.get_by_test_id("action-verify").tap()
    expect(tablet.get_by_test_id("form-verify")).to_be_visible()
    tablet.get_by_test_id("form-verify").locator("[type=submit]").first.tap()
    expect(tablet.locator("[data-testid=defect-status] [data-status]")).to_have_attribute(
        "data-status", "verified"
    )
    tablet.goto(url(live_server, "delivery:reinspection", handover.pk))
    expect(tablet.get_by_test_id("to-decide")).to_have_text("1")
    accept = tablet.get_by_test_id(f"accept-{defect.pk}")
    accept.locator("input[name=note]").fill("业主确认已修好")
    accept.locator("[type=submit]").tap()
    expect(tablet.get_by_test_id("to-decide")).to_have_text("0")
    defect.refresh_from_db()
    order.refresh_from_db()
    assert defect.photos.filter(stage="fixed").count() == 1
    assert defect.status == Defect.Status.ACCEPTED and order.status == RectificationOrder.Status.CLOSED

    # The sign-off (交房): documents, meters, three keys and the owner's signature drawn on the tablet.
    tablet.goto(url(live_server, "delivery:handover-detail", handover.pk))
    tablet.get_by_test_id("sign-off-link").tap()
    tablet.wait_for_url(url(live_server, "delivery:sign-off", handover.pk))
    expect(tablet.get_by_test_id("blocking-defects")).to_have_count(0)
    form = tablet.get_by_test_id("sign-off-form")
    for code in ("quality_guarantee", "user_manual", "handover_form", "key_receipt"):
        form.locator(f"input[name=documents_handed][value={code}]").check()
    form.locator("input[name=water_meter]").fill("3.5")
    form.locator("input[name=electricity_meter]").fill("120.75")
    form.locator("input[name=gas_meter]").fill("0")
    form.locator("input[name=keys_handed]").fill("3")
    expect(form.locator("input[name=signed_by_name]")).to_have_value("张伟")
    canvas = tablet.get_by_test_id("signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    left, middle = box["x"] + 20, box["y"] + box["height"] / 2
    tablet.mouse.move(left, middle)
    tablet.mouse.down()
    for step in range(1, 9):
        tablet.mouse.move(
            left + step * (box["width"] - 40) / 8, middle + (-1) ** step * box["height"] / 5, steps=3
        )
    tablet.mouse.up()
    expect(tablet.get_by_test_id("signature-pad")).to_have_class(re.compile(r"has-ink"))
    form.get_by_test_id("sign-off-submit").tap()
    tablet.wait_for_url(url(live_server, "delivery:handover-detail", handover.pk))
    expect(tablet.get_by_test_id("handover-status")).to_have_class(re.compile(r"crm-handover-handed_over"))
    expect(tablet.get_by_test_id("sign-off-link")).to_have_count(0)
    assert_fits(tablet)

    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER
    assert handover.handed_over_by == engineer and handover.keys_handed == 3
    assert handover.signed_by_name == "张伟" and handover.signature.name.endswith(".png")
    assert Contract.objects.get(unit=handover.unit).handed_over_on == timezone.localdate()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.DONE
    # The owner's link now says the home is theirs, and offers no more times.
    phone.reload()
    expect(phone.locator(".alert-success")).to_contain_text("Your home has been handed over")
    expect(phone.get_by_test_id("owner-book-form")).to_have_count(0)
