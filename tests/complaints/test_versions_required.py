"""Every form of the complaint desk that changes a versioned row refuses a post without `version`, as the
API answers 428: a clear message on the form, and nothing saved (no last-writer-wins)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department
from complaints import services
from complaints.models import Complaint, ComplaintEvent, WorkOrder
from complaints.services import public_complaint_submit

pytestmark = pytest.mark.django_db
MISSING = "Reload the page and try again."


def _complaint(make_complaint, supervisor, state):
    """A complaint where the action under test is legal, its handler the supervisor."""
    complaint = make_complaint(severity="major" if state == "major" else "normal")
    if state in ("received", "major"):
        return complaint
    complaint = services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING, handler=supervisor
    )
    if state == "paused":
        return services.complaint_pause(complaint=complaint, by=supervisor, reason="业主出差")
    complaint = services.complaint_agree_plan(complaint=complaint, by=supervisor, plan="修补")
    if state == "plan_agreed":
        return complaint
    complaint = services.complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")
    if state == "visited":
        services.complaint_return_visit(complaint=complaint, by=supervisor, reached=True, satisfaction=5)
    return complaint


DUE = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
ACTIONS = {
    "dispatch": ("received", {"department": Department.ENGINEERING}),
    "respond": ("received", {"method": "call", "content": "已致电"}),
    "plan": ("paused", {"plan": "三天内修补"}),
    "work-order": (
        "plan_agreed",
        {"department": Department.ENGINEERING, "description": "修补", "due_at": DUE},
    ),
    "resolve": ("plan_agreed", {"resolution": "已修复"}),
    "return-visit": ("resolved", {"reached": "yes", "satisfaction": "5"}),
    "close": ("visited", {"root_cause": "construction"}),
    "reopen": ("resolved", {"reason": "又漏了"}),
    "pause": ("received", {"reason": "业主出差"}),
    "resume": ("paused", {"note": "回来了"}),
    "reclassify": ("received", {"complaint_type": "complaint", "severity": "major", "reason": "升级"}),
    "major-report": ("major", {"cause": "防水", "handling": "返修", "lessons": "验收"}),
    "note": ("received", {"note": "备注"}),
}


@pytest.mark.parametrize(("action", "version"), [(a, v) for a in ACTIONS for v in ("", None)])
def test_a_complaint_action_without_its_version_is_refused(
    client, make_complaint, supervisor, action, version
):
    state, data = ACTIONS[action]
    complaint = _complaint(make_complaint, supervisor, state)
    if action == "reclassify":
        data = {**data, "category": complaint.category_id}
    if version is not None:
        data = {**data, "version": version}  # sent empty rather than left out
    before = Complaint.objects.get(pk=complaint.pk)
    events = ComplaintEvent.objects.filter(complaint=complaint).count()
    client.force_login(supervisor)
    response = client.post(reverse("complaints:action", args=[complaint.pk, action]), data)
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    after = Complaint.objects.get(pk=complaint.pk)
    assert (after.version, after.status, after.severity) == (before.version, before.status, before.severity)
    assert ComplaintEvent.objects.filter(complaint=complaint).count() == events
    assert not WorkOrder.objects.filter(complaint=complaint).exists()


def test_joining_a_group_case_without_the_version_is_refused(client, make_complaint, supervisor):
    case = services.group_case_create(
        by=supervisor, title="车库", complaints=[make_complaint(), make_complaint()]
    )
    newcomer = make_complaint()
    client.force_login(supervisor)
    response = client.post(
        reverse("complaints:action", args=[newcomer.pk, "group-case"]), {"group_case": case.pk}
    )
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_linking_a_customer_without_the_version_is_refused(client, agent, project, leak, owner):
    unmatched = public_complaint_submit(
        name="张先生",
        phone="13812345678",
        project=project,
        category=leak,
        complaint_type="complaint",
        description="漏水",
    )
    client.force_login(agent)
    response = client.post(
        reverse("complaints:action", args=[unmatched.pk, "link-customer"]), {"customer": owner.pk}
    )
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert Complaint.objects.get(pk=unmatched.pk).customer_id is None


@pytest.mark.parametrize(
    ("action", "data"), [("accept", {}), ("progress", {"note": "已开工"}), ("complete", {"note": "完成"})]
)
def test_a_work_order_action_without_its_version_is_refused(client, make_complaint, supervisor, action, data):
    complaint = _complaint(make_complaint, supervisor, "plan_agreed")
    order = services.work_order_create(
        complaint=complaint,
        by=supervisor,
        description="修补",
        department=Department.ENGINEERING,
        due_at=timezone.now() + datetime.timedelta(days=2),
    )
    client.force_login(supervisor)
    response = client.post(reverse("complaints:work-order-action", args=[order.pk, action]), data)
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    after = WorkOrder.objects.get(pk=order.pk)
    assert (after.version, after.status, after.notes.count()) == (order.version, order.status, 0)


def test_an_attachment_needs_no_version(client, make_complaint, agent):
    """A file is added to the complaint; its row does not change, so there is nothing to overwrite."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import image_bytes

    complaint = make_complaint()
    client.force_login(agent)
    upload = SimpleUploadedFile("leak.png", image_bytes("PNG"), content_type="image/png")
    response = client.post(reverse("complaints:action", args=[complaint.pk, "attachment"]), {"file": upload})
    assert response.status_code == 302
