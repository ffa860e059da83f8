"""The complaint desk's staff pages: rendering, scope (404), roles (403), actions through the views,
stale versions, duplicates on intake, board counters and query counts, bulk assignment, notifications."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Role
from complaints import services
from complaints.models import Complaint, ComplaintEvent, ImprovementItem, Status, WorkOrder
from core.paging import PAGE_SIZE
from notifications.models import Notification
from tests.factories import ContractorFactory, UserFactory, image_bytes

# The board: session + user (2), scope: city companies and projects (1), the page of complaints with the
# customer's phone (1), the counters' one grouped query (1), the bounded count (1, COUNT over LIMIT
# 1001), the bell (1) → 7, in any sort order. Categories, projects and staff (the filters' choices, the
# rows' labels) come from the cache: a cold cache adds 5 queries once.
BOARD_QUERIES = 7
BOARD_COLD_CACHE_QUERIES = 5
# The complaint page: session + user + scope (4), the complaint with its joins (1), prefetches: phones,
# events, work orders, work-order notes, attachments, return visits, improvement items (7), the bell (1),
# and the handler choices of the dispatch form (supervisors) (1) → 14. The category tree of the reclassify
# form comes from the cache: a cold cache adds its one query once.
DETAIL_QUERIES = 14
DETAIL_COLD_CACHE_QUERIES = 1
# Session, user, the bell, the page of items, their complaints (one prefetch), their projects' names,
# the bounded count.
IMPROVEMENT_LIST_QUERIES = 8


@pytest.fixture
def department_staff(project):
    return UserFactory(
        username="engineer", role=Role.DEPARTMENT_STAFF, department=Department.ENGINEERING, projects=[project]
    )


@pytest.fixture
def readonly_manager(project):
    return UserFactory(username="reader", role=Role.READONLY_MANAGER, projects=[project])


@pytest.fixture
def contractor_company(project):
    return ContractorFactory(name="宏达维修", projects=[project])


@pytest.fixture
def contractor_user(contractor_company, project):
    return UserFactory(
        username="fixer", role=Role.CONTRACTOR, contractor=contractor_company, projects=[project]
    )


@pytest.fixture
def other_contractor_user(project):
    other = ContractorFactory(name="别家施工", projects=[project])
    return UserFactory(username="otherfixer", role=Role.CONTRACTOR, contractor=other, projects=[project])


@pytest.fixture
def complaint(make_complaint):
    return make_complaint()


def _planned(complaint, supervisor):
    complaint = services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING, handler=supervisor
    )
    return services.complaint_agree_plan(complaint=complaint, by=supervisor, plan="修补防水层")


def _resolved(complaint, supervisor):
    complaint = _planned(complaint, supervisor)
    return services.complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")


def _action_url(complaint, action):
    return reverse("complaints:action", args=[complaint.pk, action])


def _fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


# --- pages render -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["complaints:board", "complaints:hotline", "complaints:work-orders", "notifications:list"]
)
def test_agent_pages_render(client, agent, complaint, name):
    client.force_login(agent)
    response = client.get(reverse(name))
    assert response.status_code == 200


def test_complaint_page_shows_the_facts_and_the_masked_phone(client, agent, complaint):
    client.force_login(agent)
    response = client.get(reverse("complaints:detail", args=[complaint.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert complaint.number in content
    assert "138****5678" in content
    assert "13812345678" not in content
    assert reverse("customers:detail", args=[complaint.customer_id]) in content
    assert "Received" in content  # the timeline's first event


def test_complaint_page_shows_only_the_actions_the_role_and_status_allow(
    client, agent, supervisor, complaint
):
    client.force_login(agent)
    content = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="action-respond"' in content
    assert 'data-testid="action-dispatch"' not in content  # agents do not dispatch
    assert 'data-testid="action-close"' not in content  # not resolved yet
    client.force_login(supervisor)
    content = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="action-dispatch"' in content


def test_supervisor_pages_render(client, supervisor, complaint):
    client.force_login(supervisor)
    assert client.get(reverse("complaints:supervisor")).status_code == 200
    assert client.get(reverse("complaints:improvements")).status_code == 200


def test_agent_may_not_open_the_supervisor_view(client, agent):
    client.force_login(agent)
    assert client.get(reverse("complaints:supervisor")).status_code == 403


def test_customer_360_lists_complaints_and_offers_a_new_one(client, agent, complaint, owner):
    client.force_login(agent)
    content = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert complaint.number in content
    assert f"{reverse('complaints:create')}?customer={owner.pk}" in content


@pytest.mark.parametrize("rows", [2, 20])
def test_customer_360_query_count_does_not_grow_with_complaints(
    client, agent, owner, make_complaint, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        make_complaint()
    client.force_login(agent)
    # The 360 page's own queries plus one for the recent complaints and one for the bell; the privacy
    # section's consents (1).
    with django_assert_max_num_queries(17):
        assert client.get(reverse("customers:detail", args=[owner.pk])).status_code == 200


# --- scope -------------------------------------------------------------------------------------------


def test_agent_of_another_city_gets_404_on_the_page_and_the_actions(client, other_agent, complaint):
    client.force_login(other_agent)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    response = client.post(
        _action_url(complaint, "respond"), {"method": "call", "content": "x", "version": 1}
    )
    assert response.status_code == 404
    assert not ComplaintEvent.objects.filter(complaint=complaint, kind="responded").exists()


def test_contractor_sees_only_complaints_behind_their_own_work_orders(
    client, supervisor, complaint, make_complaint, contractor_user, other_contractor_user
):
    complaint = _planned(complaint, supervisor)
    order = services.work_order_create(
        complaint=complaint,
        by=supervisor,
        description="修补车库顶板",
        due_at=timezone.now() + datetime.timedelta(days=2),
        contractor=contractor_user.contractor,
    )
    client.force_login(contractor_user)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 200
    assert client.get(reverse("complaints:work-order", args=[order.pk])).status_code == 200
    other_complaint = make_complaint(title="另一户")
    assert client.get(reverse("complaints:detail", args=[other_complaint.pk])).status_code == 404

    client.force_login(other_contractor_user)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    assert client.get(reverse("complaints:work-order", args=[order.pk])).status_code == 404
    response = client.post(reverse("complaints:work-order-action", args=[order.pk, "accept"]), {})
    assert response.status_code == 404


# --- the actions -------------------------------------------------------------------------------------


def test_supervisor_dispatches_through_the_page(client, supervisor, complaint):
    client.force_login(supervisor)
    response = client.post(
        _action_url(complaint, "dispatch"),
        {"department": Department.ENGINEERING, "handler": supervisor.pk, "version": complaint.version},
    )
    assert response.status_code == 302
    complaint = _fresh(complaint)
    assert complaint.status == Status.DISPATCHED
    assert complaint.handler == supervisor


def test_agent_may_not_dispatch(client, agent, complaint):
    client.force_login(agent)
    response = client.post(
        _action_url(complaint, "dispatch"),
        {"department": Department.ENGINEERING, "version": complaint.version},
    )
    assert response.status_code == 403
    assert _fresh(complaint).status == Status.RECEIVED


def test_readonly_manager_sees_but_may_not_act(client, readonly_manager, complaint):
    client.force_login(readonly_manager)
    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert page.status_code == 200
    assert 'data-testid="action-' not in page.content.decode()
    response = client.post(_action_url(complaint, "note"), {"note": "看一下", "version": complaint.version})
    assert response.status_code == 403
    assert not ComplaintEvent.objects.filter(complaint=complaint, kind="note").exists()


def test_department_staff_may_not_close(client, supervisor, department_staff, complaint):
    complaint = _resolved(complaint, supervisor)
    client.force_login(department_staff)
    response = client.post(
        _action_url(complaint, "close"), {"root_cause": "construction", "version": complaint.version}
    )
    assert response.status_code == 403
    assert _fresh(complaint).status == Status.RESOLVED


def test_agent_records_contact_and_it_stops_the_first_response_clock(client, agent, complaint):
    client.force_login(agent)
    response = client.post(
        _action_url(complaint, "respond"),
        {"method": "call", "content": "已致电业主，约明天上门", "version": complaint.version},
    )
    assert response.status_code == 302
    assert _fresh(complaint).first_responded_at is not None


def test_the_whole_path_through_the_views(client, agent, supervisor, complaint):
    """接待 → 分派 → 方案 → 派单 → 解决 → 回访 → 关闭, each step posted to its own URL."""
    client.force_login(supervisor)

    def post(action, data):
        current = _fresh(complaint)
        response = client.post(_action_url(current, action), {**data, "version": current.version})
        assert response.status_code == 302, response.content.decode()[:2000]
        return _fresh(complaint)

    post("dispatch", {"department": Department.ENGINEERING, "handler": supervisor.pk})
    post("respond", {"method": "visit", "content": "上门查看"})
    assert post("plan", {"plan": "三天内修补"}).status == Status.PLAN_AGREED
    due = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert post(
        "work-order", {"department": Department.ENGINEERING, "description": "修补", "due_at": due}
    ).status == (Status.IN_PROGRESS)
    order = WorkOrder.objects.get(complaint=complaint)
    response = client.post(
        reverse("complaints:work-order-action", args=[order.pk, "complete"]),
        {"note": "已完成", "version": order.version},
    )
    assert response.status_code == 302
    assert post("resolve", {"resolution": "已修复"}).status == Status.RESOLVED
    post("return-visit", {"reached": "yes", "satisfaction": "5", "comment": "满意"})
    assert post("close", {"root_cause": "construction", "note": "结案"}).status == Status.CLOSED
    assert post("reopen", {"reason": "又漏了"}).status == Status.REOPENED
    post("pause", {"reason": "业主出差"})
    assert _fresh(complaint).is_paused
    post("resume", {"note": "业主回来了"})
    assert not _fresh(complaint).is_paused
    post("note", {"note": "备注"})
    post("improvement", {"title": "车库防水", "department": Department.DESIGN})
    assert ImprovementItem.objects.filter(complaints=complaint).exists()


def test_attachment_upload_checks_the_type(client, agent, complaint):
    client.force_login(agent)
    ok = SimpleUploadedFile("leak.png", image_bytes("PNG"), content_type="image/png")
    response = client.post(_action_url(complaint, "attachment"), {"file": ok, "version": complaint.version})
    assert response.status_code == 302
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/x-msdownload")
    response = client.post(_action_url(complaint, "attachment"), {"file": bad, "version": complaint.version})
    assert response.status_code == 400
    assert "photos, PDF, Word, audio or video files only" in response.content.decode()
    assert complaint.attachments.count() == 1


def test_major_complaint_needs_the_report_before_closing(client, supervisor, make_complaint):
    complaint = _resolved(make_complaint(severity="major"), supervisor)
    services.complaint_return_visit(complaint=complaint, by=supervisor, reached=True, satisfaction=4)
    client.force_login(supervisor)
    complaint = _fresh(complaint)
    response = client.post(
        _action_url(complaint, "close"), {"root_cause": "design", "version": complaint.version}
    )
    assert response.status_code == 400
    assert "written report" in response.content.decode()
    response = client.post(
        _action_url(complaint, "major-report"),
        {"cause": "防水", "handling": "返修", "lessons": "验收", "version": complaint.version},
    )
    assert response.status_code == 302
    complaint = _fresh(complaint)
    response = client.post(
        _action_url(complaint, "close"), {"root_cause": "design", "version": complaint.version}
    )
    assert response.status_code == 302
    assert _fresh(complaint).status == Status.CLOSED


def test_service_error_shows_the_form_with_field_errors(client, supervisor, complaint):
    client.force_login(supervisor)
    # Resolving a complaint that was never dispatched: the status refuses it.
    response = client.post(
        _action_url(complaint, "resolve"), {"resolution": "x", "version": complaint.version}
    )
    assert response.status_code == 400
    assert "was not saved" in response.content.decode()
    assert _fresh(complaint).status == Status.RECEIVED


def test_stale_version_is_refused_with_a_reload_message(client, supervisor, complaint):
    stale_version = complaint.version
    # A colleague dispatches while this supervisor still has the old page open.
    services.complaint_dispatch(complaint=complaint, by=supervisor, department=Department.ENGINEERING)
    client.force_login(supervisor)
    response = client.post(
        _action_url(complaint, "dispatch"),
        {"department": Department.SALES, "handler": supervisor.pk, "version": stale_version},
    )
    assert response.status_code == 409
    assert "Reload" in response.content.decode()
    complaint = _fresh(complaint)
    assert complaint.department == Department.ENGINEERING
    assert complaint.handler is None


# --- work orders ----------------------------------------------------------------------------------------


def test_contractor_accepts_reports_progress_with_photo_and_completes(
    client, supervisor, complaint, contractor_user
):
    complaint = _planned(complaint, supervisor)
    order = services.work_order_create(
        complaint=complaint,
        by=supervisor,
        description="修补",
        due_at=timezone.now() + datetime.timedelta(days=1),
        contractor=contractor_user.contractor,
    )
    client.force_login(contractor_user)
    assert (
        reverse("complaints:work-order", args=[order.pk])
        in client.get(reverse("complaints:work-orders")).content.decode()
    )
    url = lambda action: reverse("complaints:work-order-action", args=[order.pk, action])  # noqa: E731
    assert client.post(url("accept"), {"version": order.version}).status_code == 302
    order.refresh_from_db()
    photo = SimpleUploadedFile("wall.jpg", image_bytes(), content_type="image/jpeg")
    assert (
        client.post(url("progress"), {"note": "已开工", "photo": photo, "version": order.version}).status_code
        == 302
    )
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.IN_PROGRESS
    assert order.notes.get().photo
    assert client.post(url("complete"), {"note": "完工", "version": order.version}).status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DONE


# --- intake ----------------------------------------------------------------------------------------------


def test_hotline_finds_the_caller_by_the_last_four_digits(client, agent, owner, owned_unit):
    client.force_login(agent)
    response = client.post(reverse("complaints:hotline"), {"q": "5678"})
    content = response.content.decode()
    assert owner.name in content
    assert f"?customer={owner.pk}&amp;unit={owned_unit.pk}" in content
    assert "13812345678" not in content


def test_create_page_without_a_customer_goes_to_the_hotline(client, agent):
    client.force_login(agent)
    response = client.get(reverse("complaints:create"))
    assert response.status_code == 302
    assert response.url == reverse("complaints:hotline")


def test_agent_creates_a_complaint_with_an_attachment(client, agent, owner, owned_unit, leak):
    client.force_login(agent)
    url = reverse("complaints:create")
    page = client.get(url, {"customer": owner.pk, "unit": owned_unit.pk})
    assert page.status_code == 200
    photo = SimpleUploadedFile("leak.jpg", image_bytes(), content_type="image/jpeg")
    response = client.post(
        url,
        {
            "customer": owner.pk,
            "complaint_type": "complaint",
            "channel": "hotline",
            "category": leak.pk,
            "severity": "normal",
            "unit": owned_unit.pk,
            "title": "卫生间漏水",
            "description": "楼上渗水到卫生间吊顶",
            "attachments": [photo],
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.project == owned_unit.project
    assert complaint.received_by == agent
    assert complaint.attachments.count() == 1


def test_possible_duplicates_are_shown_before_saving(client, agent, owner, owned_unit, leak, complaint):
    client.force_login(agent)
    data = {
        "customer": owner.pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "category": leak.pk,
        "severity": "normal",
        "unit": owned_unit.pk,
        "title": "又漏水了",
        "description": "同一个地方",
    }
    response = client.post(reverse("complaints:create"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert complaint.number in content
    assert 'data-testid="save-anyway"' in content
    assert Complaint.objects.count() == 1
    response = client.post(reverse("complaints:create"), {**data, "save_anyway": "1"})
    assert response.status_code == 302
    assert Complaint.objects.count() == 2


def test_duplicates_fragment_for_htmx(client, agent, owner, leak, complaint):
    client.force_login(agent)
    response = client.get(
        reverse("complaints:duplicates"), {"customer": owner.pk, "category": leak.pk}, HTTP_HX_REQUEST="true"
    )
    assert complaint.number in response.content.decode()


def test_create_form_errors_are_shown_not_raised(client, agent, owner):
    client.force_login(agent)
    response = client.post(reverse("complaints:create"), {"customer": owner.pk, "category": "999999"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


# --- the SLA board -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["", "-due", "number", "-number"])
@pytest.mark.parametrize("rows", [2, 20])
def test_board_query_count_is_constant(
    client, supervisor, make_complaint, rows, sort, django_assert_max_num_queries
):
    for _ in range(rows):
        make_complaint()
    client.force_login(supervisor)
    client.get(reverse("complaints:board"))  # fills the reference-data cache
    with django_assert_max_num_queries(BOARD_QUERIES):
        response = client.get(reverse("complaints:board"), {"sort": sort} if sort else {})
    assert response.content.decode().count('data-testid="board-row"') == rows


@pytest.mark.parametrize("page", ["first", "deep", "filtered", "sorted-deep"])
def test_board_queries_are_the_same_at_any_depth_and_filter(
    client, supervisor, project, leak, make_complaint, page, django_assert_num_queries
):
    for _ in range(55):
        make_complaint()
    client.force_login(supervisor)
    first = client.get(reverse("complaints:board"))
    sorted_first = client.get(reverse("complaints:board"), {"sort": "-number"})
    query = {
        "first": {},
        "deep": {"after": first.context["next_cursor"]},
        "sorted-deep": {"sort": "-number", "after": sorted_first.context["next_cursor"]},
        "filtered": {
            "project": project.pk,
            "category": leak.parent_id,
            "status": "open",
            "severity": "normal",
        },
    }[page]
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(reverse("complaints:board"), query)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="board-row"') == 25


def test_board_reads_the_reference_data_once(client, supervisor, make_complaint, django_assert_num_queries):
    make_complaint()
    client.force_login(supervisor)
    with django_assert_num_queries(BOARD_QUERIES + BOARD_COLD_CACHE_QUERIES):
        client.get(reverse("complaints:board"))
    with django_assert_num_queries(BOARD_QUERIES):
        client.get(reverse("complaints:board"))


@pytest.mark.parametrize("rows", [2, 20])
def test_complaint_page_query_count_is_constant(
    client, supervisor, complaint, rows, django_assert_max_num_queries
):
    for i in range(rows):
        services.complaint_add_note(complaint=complaint, by=supervisor, note=f"备注{i}")
    client.force_login(supervisor)
    with django_assert_max_num_queries(DETAIL_QUERIES + DETAIL_COLD_CACHE_QUERIES):
        client.get(reverse("complaints:detail", args=[complaint.pk]))
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.content.decode().count("备注") == rows


def test_board_counters_agree_with_the_rows(client, agent, supervisor, make_complaint):
    on_time = make_complaint(title="准时")
    breached = make_complaint(title="超时")
    paused = make_complaint(title="暂停")
    Complaint.objects.filter(pk=breached.pk).update(
        first_response_due_at=timezone.now() - datetime.timedelta(hours=2)
    )
    services.complaint_pause(complaint=paused, by=supervisor, reason="业主出差")
    client.force_login(agent)
    response = client.get(reverse("complaints:board"))
    counters = {c["state"]: c["count"] for c in response.context["counters"]}
    assert counters == {"on_time": 1, "warning": 0, "breached": 1, "paused": 1}
    for state, expected in (("breached", breached), ("on_time", on_time), ("paused", paused)):
        page = client.get(reverse("complaints:board"), {"sla": state})
        rows = list(page.context["page"])
        assert [c.pk for c in rows] == [expected.pk]
        assert rows[0].sla.label == state
    content = client.get(reverse("complaints:board"), {"sla": "breached"}).content.decode()
    assert "2 h overdue" in content


def test_board_pages_through_complaints_with_the_same_due_time(client, agent, make_complaint):
    made = [make_complaint(title=f"同一时间{i}") for i in range(30)]
    same_due = timezone.now() + datetime.timedelta(hours=5)
    Complaint.objects.filter(pk__in=[c.pk for c in made]).update(first_response_due_at=same_due)
    client.force_login(agent)
    seen, query = [], {}
    while True:
        response = client.get(reverse("complaints:board"), query)
        seen += [c.pk for c in response.context["page"]]
        if not response.context["next_cursor"]:
            break
        query = {"after": response.context["next_cursor"]}
    assert sorted(seen) == sorted(c.pk for c in made)


def _board_pages(client, query, direction="after"):
    pages = []
    while True:
        response = client.get(reverse("complaints:board"), query)
        assert response.status_code == 200
        pages.append([c.pk for c in response.context["page"]])
        cursor = response.context["next_cursor" if direction == "after" else "previous_cursor"]
        if not cursor:
            return pages
        query = {direction: cursor}


def test_board_pages_forwards_and_back_through_due_and_undue_complaints(client, agent, make_complaint):
    """Dated rows by (due, id), then the rows without a running clock (resolved: no due time) by id;
    a page may straddle the two, and walking back returns the same pages."""
    made = [make_complaint(title=f"第{i}件") for i in range(60)]
    base = timezone.now() + datetime.timedelta(hours=1)
    for i, complaint in enumerate(made[:35]):  # ties on the due time in pairs
        Complaint.objects.filter(pk=complaint.pk).update(
            first_response_due_at=base + datetime.timedelta(minutes=i // 2)
        )
    Complaint.objects.filter(pk__in=[c.pk for c in made[35:]]).update(status=Status.RESOLVED, sla_target="")
    expected = [c.pk for c in made[:35]] + sorted(c.pk for c in made[35:])
    client.force_login(agent)

    forwards = _board_pages(client, {})
    assert [pk for page in forwards for pk in page] == expected
    assert [len(page) for page in forwards] == [25, 25, 10]

    last_page = client.get(
        reverse("complaints:board"),
        {"after": client.get(reverse("complaints:board"), {}).context["next_cursor"]},
    )
    backwards = _board_pages(client, {"before": last_page.context["previous_cursor"]}, direction="before")
    assert backwards == [forwards[0]]
    from_the_end = client.get(
        reverse("complaints:board"), {"after": last_page.context["next_cursor"]}
    ).context["previous_cursor"]
    assert _board_pages(client, {"before": from_the_end}, direction="before") == [forwards[1], forwards[0]]


def test_board_broken_cursor_is_a_400(client, agent):
    client.force_login(agent)
    assert client.get(reverse("complaints:board"), {"after": "not-a-cursor"}).status_code == 400


def test_board_filters_mine_only(client, supervisor, make_complaint):
    mine = make_complaint(title="我的")
    make_complaint(title="别人的")
    services.complaint_dispatch(
        complaint=mine, by=supervisor, department=Department.ENGINEERING, handler=supervisor
    )
    client.force_login(supervisor)
    response = client.get(reverse("complaints:board"), {"mine_only": "on", "status": "open"})
    assert [c.pk for c in response.context["page"]] == [mine.pk]


def test_bulk_assign_dispatches_the_selected_complaints(client, supervisor, agent, make_complaint):
    first, second, untouched = make_complaint(), make_complaint(), make_complaint()
    client.force_login(supervisor)
    response = client.post(
        reverse("complaints:bulk-assign"),
        {"complaints": [first.pk, second.pk], "handler": agent.pk, "department": Department.MAINTENANCE},
    )
    assert response.status_code == 302
    for complaint in (first, second):
        complaint = _fresh(complaint)
        assert complaint.status == Status.DISPATCHED
        assert complaint.handler == agent
        assert complaint.department == Department.MAINTENANCE
    assert _fresh(untouched).status == Status.RECEIVED
    assert Notification.objects.filter(recipient=agent, kind="assigned").count() == 2


def test_agent_may_not_bulk_assign(client, agent, make_complaint):
    complaint = make_complaint()
    client.force_login(agent)
    response = client.post(
        reverse("complaints:bulk-assign"),
        {"complaints": [complaint.pk], "handler": agent.pk, "department": Department.MAINTENANCE},
    )
    assert response.status_code == 403
    assert _fresh(complaint).status == Status.RECEIVED


# --- supervisor: group cases and improvement items ----------------------------------------------------


def test_supervisor_creates_a_group_case_from_a_proposal(client, supervisor, make_complaint):
    made = [make_complaint(title=f"车库漏水{i}") for i in range(3)]
    client.force_login(supervisor)
    page = client.get(reverse("complaints:supervisor"))
    assert len(page.context["proposals"]) == 1
    response = client.post(
        reverse("complaints:group-case-create"), {"title": "车库群诉", "complaints": [c.pk for c in made]}
    )
    assert response.status_code == 302
    assert {_fresh(c).group_case.title for c in made} == {"车库群诉"}
    content = client.get(reverse("complaints:detail", args=[made[0].pk])).content.decode()
    assert made[1].number in content


def test_improvement_item_created_from_the_list_and_status_changed(client, supervisor, complaint):
    client.force_login(supervisor)
    response = client.post(
        reverse("complaints:improvements"),
        {"title": "地库防水设计", "department": Department.DESIGN, "complaint_numbers": complaint.number},
    )
    assert response.status_code == 302
    item = ImprovementItem.objects.get()
    assert list(item.complaints.all()) == [complaint]
    client.post(reverse("complaints:improvement-status", args=[item.pk]), {"status": "done"})
    item.refresh_from_db()
    assert item.status == ImprovementItem.Status.DONE
    assert item.done_at is not None


def _improvement_items(supervisor, complaint, count: int) -> list[ImprovementItem]:
    return [
        services.improvement_item_create(
            by=supervisor, title=f"改进{i:03d}", department=Department.DESIGN, complaints=[complaint]
        )
        for i in range(count)
    ]


def test_the_improvement_list_pages_by_cursor_newest_first(client, supervisor, complaint):
    made = _improvement_items(supervisor, complaint, PAGE_SIZE + 3)
    client.force_login(supervisor)

    first = client.get(reverse("complaints:improvements"))
    assert [item.pk for item in first.context["items"]] == [i.pk for i in made[::-1][:PAGE_SIZE]]
    assert first.context["previous_cursor"] is None
    second = client.get(reverse("complaints:improvements"), {"after": first.context["next_cursor"]})
    assert [item.pk for item in second.context["items"]] == [i.pk for i in made[:3][::-1]]
    assert second.context["next_cursor"] is None
    back = client.get(reverse("complaints:improvements"), {"before": second.context["previous_cursor"]})
    assert [item.pk for item in back.context["items"]] == [item.pk for item in first.context["items"]]


def test_the_improvement_list_keeps_its_status_filter_across_pages(client, supervisor, complaint):
    made = _improvement_items(supervisor, complaint, PAGE_SIZE + 1)
    services.improvement_item_set_status(item=made[0], by=supervisor, status=ImprovementItem.Status.DONE)
    client.force_login(supervisor)

    first = client.get(reverse("complaints:improvements"), {"status": "open"})
    assert first.context["next_cursor"] is None  # 25 open ones: one page
    assert made[0].pk not in [item.pk for item in first.context["items"]]
    assert first.context["kept_query"] == "status=open"


def test_a_broken_improvement_cursor_is_a_400(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("complaints:improvements"), {"after": "not-a-cursor"}).status_code == 400


@pytest.mark.parametrize("rows", [2, 20])
def test_the_improvement_list_query_count_is_constant(
    client, supervisor, complaint, rows, django_assert_max_num_queries
):
    _improvement_items(supervisor, complaint, rows)
    client.force_login(supervisor)
    with django_assert_max_num_queries(IMPROVEMENT_LIST_QUERIES):
        response = client.get(reverse("complaints:improvements"))
    assert len(response.context["items"]) == rows


# --- notifications ---------------------------------------------------------------------------------------


def test_bell_shows_the_unread_count_and_mark_read(client, agent, complaint):
    Notification.objects.create(
        recipient=agent, kind="assigned", title="派给你了", link=f"/complaints/{complaint.pk}/"
    )
    second = Notification.objects.create(recipient=agent, kind="assigned", title="又一个")
    other_user = UserFactory(username="someone")
    foreign = Notification.objects.create(recipient=other_user, kind="x", title="别人的")
    client.force_login(agent)
    content = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="unread-count">2' in content
    assert "别人的" not in content
    assert client.post(reverse("notifications:read", args=[foreign.pk])).status_code == 404
    client.post(reverse("notifications:read", args=[second.pk]))
    second.refresh_from_db()
    assert second.read_at is not None
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
    content = client.get(reverse("complaints:board")).content.decode()
    assert 'data-testid="unread-count"' not in content


def test_opening_a_notification_follows_its_link(client, agent, complaint):
    notification = Notification.objects.create(
        recipient=agent, kind="assigned", title="派给你了", link=f"/complaints/{complaint.pk}/"
    )
    client.force_login(agent)
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response.url == f"/complaints/{complaint.pk}/"
