"""Journey 1: a hotline complaint from the call to its closure and the return visit (回访).

An agent takes the call and finds the owner by the last four digits of their phone; a supervisor
dispatches it, records the contact and the agreed plan, and sends a work order to the contractor; the
contractor accepts and completes it on their own login; the supervisor resolves it, records the
satisfied return visit and closes it. The page's status and timeline, and the database, are checked.
"""

import datetime

from django.utils import timezone

from accounts.models import Department
from complaints.models import Category, Complaint, ComplaintEvent, Status, WorkOrder
from tests.browser.chromium import requires_chromium
from tests.e2e.conftest import assert_fits

pytestmark = requires_chromium


def act(page, slug: str, fill) -> None:
    """Open one action's panel on the complaint page, fill it (`fill(form)`), post it and wait for the
    redirect back to the complaint."""
    from playwright.sync_api import expect

    page.locator(f"[data-testid=action-{slug}]").click()
    # Bootstrap's collapse animates the panel open (its content clipped meanwhile): wait until it is open.
    expect(page.locator(f"#action-{slug}.show:not(.collapsing)")).to_be_visible()
    form = page.locator(f"[data-testid=form-{slug}]")
    fill(form)
    with page.expect_navigation():
        form.locator("[type=submit]").first.click()
    expect(page.locator(".alert-danger, .invalid-feedback.d-block")).to_have_count(0)


def test_a_hotline_complaint_to_closure_with_the_return_visit(
    live_server, seeded_categories, agent, supervisor, contractor_user, owned_unit, owner, open_as
):
    from playwright.sync_api import expect

    leak = Category.objects.get(code="leak")

    # The agent takes the call: finds the owner by the phone's last four digits, picks the home, records.
    desk = open_as("agent")
    desk.goto(f"{live_server.url}/complaints/hotline/")
    desk.fill("#id_q", "5678")
    desk.press("#id_q", "Enter")
    expect(desk.get_by_test_id("hotline-results")).to_contain_text("张伟")
    desk.get_by_test_id("pick-unit").first.click()
    expect(desk.get_by_test_id("caller-name")).to_have_text("张伟")
    expect(desk.locator("#id_unit")).to_have_value(str(owned_unit.pk))
    desk.select_option("#id_category", str(leak.pk))
    desk.fill("#id_title", "主卧窗台渗水")
    desk.fill("#id_description", "下雨后主卧窗台内侧渗水，墙面起皮")
    desk.get_by_test_id("save-complaint").click()
    desk.wait_for_url("**/complaints/*/")
    complaint = Complaint.objects.get()
    assert (complaint.customer_id, complaint.unit_id, complaint.channel) == (
        owner.pk,
        owned_unit.pk,
        "hotline",
    )
    assert complaint.received_by == agent and complaint.status == Status.RECEIVED
    expect(desk.get_by_test_id("complaint-status")).to_contain_text("Received")
    expect(desk.locator(".alert-success")).to_contain_text(complaint.number)
    assert_fits(desk)

    # The supervisor dispatches it to engineering, calls the owner, agrees the plan, sends a work order.
    boss = open_as("supervisor")
    boss.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    act(
        boss,
        "dispatch",
        lambda form: (
            form.locator("select[name=department]").select_option(Department.ENGINEERING),
            form.locator("select[name=handler]").select_option(str(supervisor.pk)),
        ),
    )
    expect(boss.get_by_test_id("complaint-handler")).to_contain_text("supervisor")
    act(
        boss,
        "respond",
        lambda form: form.locator("textarea[name=content]").fill("已致电业主，约明早上门查看"),
    )
    act(boss, "plan", lambda form: form.locator("textarea[name=plan]").fill("重新打胶并修补窗台防水"))
    expect(boss.get_by_test_id("complaint-status")).to_contain_text("Plan agreed")
    due = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    act(
        boss,
        "work-order",
        lambda form: (
            form.locator("select[name=contractor]").select_option(label="中建三局"),
            form.locator("textarea[name=description]").fill("主卧窗台打胶、修补防水"),
            form.locator("input[name=due_at]").fill(due),
        ),
    )
    expect(boss.get_by_test_id("complaint-status")).to_contain_text("In progress")
    order = WorkOrder.objects.get(complaint=complaint)
    assert order.contractor == contractor_user.contractor and order.status == WorkOrder.Status.ISSUED

    # The contractor finds the order in their list, accepts it and completes it.
    site = open_as("contractor")
    site.goto(f"{live_server.url}/complaints/work-orders/")
    site.get_by_role("link", name=order.number).click()
    site.wait_for_url(f"**/complaints/work-orders/{order.pk}/")
    with site.expect_navigation():
        site.get_by_test_id("wo-accept").locator("[type=submit]").click()
    site.get_by_test_id("wo-complete").locator("textarea[name=note]").fill("已打胶，淋水试验无渗漏")
    with site.expect_navigation():
        site.get_by_test_id("wo-complete").locator("[type=submit]").click()
    expect(site.get_by_test_id("work-order-status")).to_have_text("Done")
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DONE and order.completion_note == "已打胶，淋水试验无渗漏"

    # Back on the complaint: the supervisor resolves it, calls the owner back (回访), and closes it.
    boss.reload()
    act(
        boss,
        "resolve",
        lambda form: form.locator("textarea[name=resolution]").fill("窗台重新打胶，淋水试验合格"),
    )
    expect(boss.get_by_test_id("complaint-status")).to_contain_text("Resolved")
    act(
        boss,
        "return-visit",
        lambda form: (
            form.locator("input[name=reached][value=yes]").check(),
            form.locator("select[name=satisfaction]").select_option("5"),
            form.locator("textarea[name=comment]").fill("业主满意，感谢及时处理"),
        ),
    )
    act(boss, "close", lambda form: form.locator("select[name=root_cause]").select_option(index=1))

    expect(boss.get_by_test_id("complaint-status")).to_contain_text("Closed")
    assert_fits(boss)
    timeline = boss.get_by_test_id("timeline")
    for kind in ("Received", "Dispatched", "Owner contacted", "Plan agreed", "Work order", "Resolved",
                 "Return visit", "Closed"):  # fmt: skip
        expect(timeline).to_contain_text(kind)
    expect(boss.locator("body")).to_contain_text("业主满意，感谢及时处理")

    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.satisfaction == 5 and complaint.closed_at is not None
    assert complaint.resolution == "窗台重新打胶，淋水试验合格"
    visit = complaint.return_visits.get()
    assert visit.reached and visit.satisfaction == 5 and visit.visited_by == supervisor
    kinds = list(complaint.events.order_by("created_at", "pk").values_list("kind", flat=True))
    K = ComplaintEvent.Kind
    expected = [K.CREATED, K.DISPATCHED, K.RESPONDED, K.PLAN_AGREED, K.WORK_ORDER, K.RESOLVED,
                K.RETURN_VISIT, K.CLOSED]  # fmt: skip
    # In order, once each (a work order writes one event when issued and one when done).
    path = [kind for kind in kinds if kind in expected]
    assert [kind for i, kind in enumerate(path) if i == 0 or kind != path[i - 1]] == expected, kinds
    assert path.count(K.WORK_ORDER) == 2
