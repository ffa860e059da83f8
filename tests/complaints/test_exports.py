"""The desk's Excel exports (complaints.exports through core.exports): the SLA board, work orders, the
supervisor view's alerts and improvement items, each with its page's filters and the user's scope,
phones masked, an Export button carrying the filters, and queries that do not grow with the rows."""

import datetime
import io

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Department, Role
from complaints import services
from complaints.models import ImprovementItem, SlaAlert, WorkOrder
from core import exports
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def readonly_manager(project):
    return UserFactory(username="reader", role=Role.READONLY_MANAGER, projects=[project])


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)
    return [
        tuple(r)
        for r in load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    ]


def export(client, name, **params):
    return rows_of(client.get(reverse("exports:start", args=[name]), params))


def test_board_export_keeps_filters_scope_and_masks_phones(
    client, supervisor, make_complaint, other_agent, other_project
):
    leak = make_complaint(title="车库漏水", channel="wechat")
    make_complaint(title="门窗变形")
    client.force_login(supervisor)

    rows = export(client, "complaints-board")
    header = rows[0]
    number, title, phone = header.index("Number"), header.index("Title"), header.index("Phone")
    assert sorted(row[title] for row in rows[1:]) == ["车库漏水", "门窗变形"]
    assert {row[phone] for row in rows[1:]} == {"138****5678"}

    wechat = export(client, "complaints-board", channel="wechat", after="ignored-cursor")
    assert [row[number] for row in wechat[1:]] == [leak.number]

    client.force_login(other_agent)  # another project: sees none of them
    assert export(client, "complaints-board")[1:] == []


def test_board_has_an_export_button_with_the_filters(client, supervisor, make_complaint):
    make_complaint()
    client.force_login(supervisor)
    page = client.get(reverse("complaints:board"), {"channel": "wechat"}).content.decode()
    assert f'href="{reverse("exports:start", args=["complaints-board"])}?channel=wechat"' in page


def _order(complaint, supervisor, description, days=2):
    complaint = services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING, handler=supervisor
    )
    complaint = services.complaint_agree_plan(complaint=complaint, by=supervisor, plan="修补")
    return services.work_order_create(
        complaint=complaint,
        by=supervisor,
        description=description,
        department=Department.ENGINEERING,
        due_at=timezone.now() + datetime.timedelta(days=days),
    )


def test_work_order_export_open_or_all(client, supervisor, make_complaint, other_agent):
    open_order = _order(make_complaint(), supervisor, "修补车库顶板")
    done = _order(make_complaint(title="外墙"), supervisor, "=外墙修补")
    WorkOrder.objects.filter(pk=done.pk).update(status=WorkOrder.Status.DONE)
    client.force_login(supervisor)

    rows = export(client, "work-orders")
    assert rows[0][:2] == ("Number", "Complaint")
    assert [row[0] for row in rows[1:]] == [open_order.number]
    every = export(client, "work-orders", show="all")
    assert sorted(row[3] for row in every[1:]) == ["=外墙修补", "修补车库顶板"]

    client.force_login(other_agent)
    assert export(client, "work-orders", show="all")[1:] == []


def test_supervisor_export_lists_the_days_breaches_in_scope(
    client, supervisor, agent, readonly_manager, make_complaint
):
    complaint = make_complaint()
    now = timezone.now()
    SlaAlert.objects.create(complaint=complaint, target="first_response", level=1, fired_at=now, due_at=now)
    SlaAlert.objects.create(complaint=complaint, target="first_response", level=0, fired_at=now, due_at=now)
    for user in (supervisor, readonly_manager):
        client.force_login(user)
        rows = export(client, "supervisor")
        assert [(row[1], row[2]) for row in rows[1:]] == [(1, complaint.number)]  # warnings left out
    client.force_login(agent)
    assert client.get(reverse("exports:start", args=["supervisor"])).status_code == 403


def test_improvement_export_by_status(client, supervisor, make_complaint):
    complaint = make_complaint()
    open_item = services.improvement_item_create(
        by=supervisor, title="地库防水设计", department=Department.DESIGN, complaints=[complaint]
    )
    done = services.improvement_item_create(
        by=supervisor, title="门窗选型", department=Department.DESIGN, complaints=[complaint]
    )
    ImprovementItem.objects.filter(pk=done.pk).update(status=ImprovementItem.Status.DONE)
    client.force_login(supervisor)
    rows = export(client, "improvements")
    assert sorted(row[0] for row in rows[1:]) == ["地库防水设计", "门窗选型"]
    assert {row[rows[0].index("Complaints")] for row in rows[1:]} == {complaint.number}
    only_open = export(client, "improvements", status=ImprovementItem.Status.OPEN)
    assert [row[0] for row in only_open[1:]] == [open_item.title]


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("work-orders", "complaints:work-orders"),
        ("supervisor", "complaints:supervisor"),
        ("improvements", "complaints:improvements"),
    ],
)
def test_each_page_has_its_export_button(client, supervisor, name, page):
    client.force_login(supervisor)
    content = client.get(reverse(page)).content.decode()
    assert reverse("exports:start", args=[name]) in content


@pytest.mark.parametrize("name", ["complaints-board", "work-orders", "supervisor", "improvements"])
def test_export_queries_do_not_grow_with_rows(
    name, supervisor, make_complaint, django_assert_max_num_queries
):
    def write() -> int:
        exporter = exports.EXPORTERS[name]
        written, _ = exports.write_workbook(
            exporter, exporter.queryset(supervisor, QueryDict()), io.BytesIO(), limit=1000
        )
        return written

    def add(count):
        now = timezone.now()
        for _ in range(count):
            complaint = make_complaint()
            _order(complaint, supervisor, "修补")
            SlaAlert.objects.create(complaint=complaint, target="plan", level=1, fired_at=now, due_at=now)
            services.improvement_item_create(
                by=supervisor, title="改进", department=Department.DESIGN, complaints=[complaint]
            )

    add(2)
    write()  # warms the reference data's cache
    with django_assert_max_num_queries(6) as two:
        assert write() == 2
    add(18)
    # The scope (2), the rows (1) and at most one prefetch per chunk of 2000: the same for 20 rows.
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert write() == 20
