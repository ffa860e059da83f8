"""Work-order deadlines (派单时限): the due time (the issuer's, or WORK_ORDER_DEFAULT_HOURS), the warning
and escalation levels 1–3 with their recipients, exactly once (a rerun fires nothing), the clock stopped
by completion, the task joining the shared sweep, the overdue badge on the list and the page, and two
concurrent sweeps on PostgreSQL. The machinery is core.escalation's, shared with SLAs and defects."""

import datetime
import importlib
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Role
from complaints import services, tasks, work_order_deadlines
from complaints.models import Category, Complaint, ComplaintEvent, WorkOrder, WorkOrderAlert
from core import escalation
from crm.celery import app as celery_app
from notifications.models import Notification
from tests.api import client_for
from tests.factories import ContractorFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    # Monday 2 November 2026, 10:00 in Shenzhen.
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def firm(project):
    return ContractorFactory(name="宏达维修", projects=[project])


@pytest.fixture
def fixer(firm, project):
    return UserFactory(username="fixer", role=Role.CONTRACTOR, contractor=firm, projects=[project])


@pytest.fixture
def mate(firm, project):
    """The fixer's colleague on the same project."""
    return UserFactory(username="mate", role=Role.CONTRACTOR, contractor=firm, projects=[project])


@pytest.fixture
def far_mate(firm, other_project):
    """A colleague of the same company in another city company: does not see the order, hears nothing."""
    firm.projects.add(other_project)
    return UserFactory(username="farmate", role=Role.CONTRACTOR, contractor=firm, projects=[other_project])


@pytest.fixture
def engineering(project):
    return UserFactory(
        username="eng", role=Role.DEPARTMENT_STAFF, department=Department.ENGINEERING, projects=[project]
    )


@pytest.fixture
def maintenance(project):
    return UserFactory(
        username="maint", role=Role.DEPARTMENT_STAFF, department=Department.MAINTENANCE, projects=[project]
    )


@pytest.fixture
def planned(make_complaint, supervisor, agent):
    """A complaint of the engineering department whose plan is agreed; the agent handles it."""

    def make():
        complaint = services.complaint_dispatch(
            complaint=make_complaint(), by=supervisor, department=Department.ENGINEERING, handler=agent
        )
        return services.complaint_agree_plan(complaint=complaint, by=agent, plan="上门修补")

    return make


@pytest.fixture
def issue(planned, agent):
    """The agent issues a work order on a fresh planned complaint."""

    def make(**fields):
        fields.setdefault("description", "B2层防水修补")
        return services.work_order_create(complaint=planned(), by=agent, **fields)

    return make


def sweep() -> int:
    return work_order_deadlines.work_order_escalation_sweep()


def heard(level: int) -> set[int]:
    kind = "work_order_warning" if level == 0 else f"work_order_escalation_{level}"
    return set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def levels_fired(order) -> list[int]:
    return sorted(WorkOrderAlert.objects.filter(work_order=order).values_list("level", flat=True))


# --- the due time -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_work_order_without_a_due_time_is_due_after_the_default_hours(clock, issue, firm, settings):
    settings.WORK_ORDER_DEFAULT_HOURS = 24
    order = issue(contractor=firm)
    assert order.due_at == at(2026, 11, 3, 10, 0)
    # The warning at 75 % of the time: 18 hours.
    assert order.next_check_at == at(2026, 11, 3, 4, 0)
    assert not order.warned and order.escalation_level == 0


@pytest.mark.django_db
def test_a_work_order_is_due_after_its_categorys_hours_else_its_parents(
    clock, planned, agent, firm, settings
):
    settings.WORK_ORDER_DEFAULT_HOURS = 24
    complaint = planned()
    category = complaint.category
    category.work_order_hours = 6
    category.save()
    order = services.work_order_create(complaint=complaint, by=agent, description="补漏", contractor=firm)
    assert order.due_at == at(2026, 11, 2, 16, 0)

    child = Category.objects.create(parent=category, code="leak-roof", name="屋面渗漏")
    complaint = planned()
    Complaint.objects.filter(pk=complaint.pk).update(category=child)
    complaint.refresh_from_db()
    order = services.work_order_create(complaint=complaint, by=agent, description="补漏", contractor=firm)
    assert order.due_at == at(2026, 11, 2, 16, 0)  # the child has none: its parent's

    Category.objects.filter(pk=category.pk).update(work_order_hours=None)
    order = services.work_order_create(complaint=planned(), by=agent, description="补漏", contractor=firm)
    assert order.due_at == at(2026, 11, 3, 10, 0)  # neither has any: the setting's


def test_the_category_admin_edits_the_work_order_hours():
    from django.contrib import admin

    assert "work_order_hours" in admin.site._registry[Category].fields


@pytest.mark.django_db
def test_the_issuers_due_time_is_kept_and_warned_at_the_configured_share(clock, issue, firm, settings):
    settings.WORK_ORDER_WARNING_PERCENT = 50
    order = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    order.refresh_from_db()
    assert order.due_at == at(2026, 11, 2, 18, 0)
    assert order.next_check_at == at(2026, 11, 2, 14, 0)


@pytest.mark.django_db
def test_the_api_issues_a_work_order_without_a_due_time(clock, planned, agent, firm, settings):
    complaint = planned()
    response = client_for(agent).post(
        f"/api/v1/complaints/{complaint.pk}/work-orders/",
        {"contractor": firm.pk, "description": "修补", "version": complaint.version},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["escalation_level"] == 0
    assert WorkOrder.objects.get().due_at == at(2026, 11, 4, 10, 0)  # 48 hours by default


@pytest.mark.django_db
def test_the_page_form_issues_a_work_order_without_a_due_time(client, clock, planned, agent):
    complaint = planned()
    client.force_login(agent)
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "work-order"]),
        {"department": Department.ENGINEERING, "description": "修补", "version": complaint.version},
    )
    assert response.status_code == 302
    assert WorkOrder.objects.get().due_at == at(2026, 11, 4, 10, 0)


# --- warning and escalation levels ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_contractors_order_warns_then_escalates_each_level_once_to_the_right_people(
    clock, issue, firm, fixer, mate, far_mate, agent, supervisor, city_head, engineering
):
    order = issue(contractor=firm, assignee=fixer, due_at=at(2026, 11, 2, 18, 0))
    bystander = UserFactory(role=Role.CS_SUPERVISOR)  # no projects: hears nothing

    clock.move_to(at(2026, 11, 2, 16, 0))  # 75 % of 8 hours
    assert sweep() == 1
    order.refresh_from_db()
    assert order.warned and order.escalation_level == 0
    assert work_order_deadlines.work_order_deadline_state(order) == "warning"
    assert heard(0) == {agent.pk, fixer.pk}  # the issuing handler and the assignee
    assert sweep() == 0  # a rerun fires nothing twice

    clock.move_to(at(2026, 11, 2, 18, 0))
    assert sweep() == 1
    assert heard(1) == {agent.pk, fixer.pk}
    order.refresh_from_db()
    assert work_order_deadlines.work_order_deadline_state(order) == "overdue"

    clock.move_to(at(2026, 11, 3, 18, 0))  # level 2: 24 hours after due
    assert sweep() == 1
    assert heard(2) == {agent.pk, fixer.pk, mate.pk}  # the company's people on the project

    clock.move_to(at(2026, 11, 5, 18, 0))  # level 3: 72 hours after due
    assert sweep() == 1
    assert heard(3) == {supervisor.pk, city_head.pk}

    clock.move_to(at(2026, 11, 30, 10, 0))
    assert sweep() == 0
    order.refresh_from_db()
    assert order.escalation_level == 3 and order.next_check_at is None
    assert levels_fired(order) == [0, 1, 2, 3]
    assert not Notification.objects.filter(recipient__in=[far_mate, bystander, engineering]).exists()
    timeline = ComplaintEvent.objects.filter(complaint=order.complaint_id)
    assert timeline.filter(kind=ComplaintEvent.Kind.WORK_ORDER_WARNING).count() == 1
    escalated = timeline.filter(kind=ComplaintEvent.Kind.WORK_ORDER_ESCALATED)
    assert sorted(e.data["level"] for e in escalated) == [1, 2, 3]
    assert {e.data["work_order"] for e in escalated} == {order.number}
    link = Notification.objects.filter(kind="work_order_escalation_1").first().link
    assert link == reverse("complaints:work-order", args=[order.pk])


@pytest.mark.django_db
def test_a_contractors_order_without_an_assignee_warns_the_companys_people(
    clock, issue, firm, fixer, mate, agent
):
    issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 16, 0))
    assert sweep() == 1
    assert heard(0) == {agent.pk, fixer.pk, mate.pk}


@pytest.mark.django_db
def test_a_departments_order_goes_to_its_staff_then_to_the_supervisors(
    clock, issue, agent, supervisor, city_head, engineering, maintenance
):
    issue(department=Department.ENGINEERING, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 6, 18, 0))  # every step is due: all fire at once, the warning first (late)
    assert sweep() == 4
    assert heard(1) == {agent.pk, engineering.pk}
    # No department head in the accounts: the project's customer-service supervisors stand in.
    assert heard(2) == {agent.pk, supervisor.pk}
    assert heard(3) == {supervisor.pk, city_head.pk}
    assert not Notification.objects.filter(recipient=maintenance).exists()


@pytest.mark.django_db
def test_department_staff_who_cannot_open_the_order_are_not_told(clock, issue, agent, maintenance):
    # The complaint is engineering's: maintenance staff do not see it nor its work orders.
    issue(department=Department.MAINTENANCE, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 18, 0))
    assert sweep() == 2  # the late warning and level 1
    assert heard(1) == {agent.pk}


@pytest.mark.django_db
def test_an_assignee_who_left_is_replaced_by_their_team(clock, issue, firm, fixer, mate, agent):
    issue(contractor=firm, assignee=fixer, due_at=at(2026, 11, 2, 18, 0))
    fixer.is_active = False
    fixer.save(update_fields=["is_active"])
    clock.move_to(at(2026, 11, 2, 18, 0))
    assert sweep() == 2  # the late warning and level 1
    assert heard(1) == {agent.pk, mate.pk}


@pytest.mark.django_db
def test_the_escalation_delays_come_from_the_settings(clock, issue, firm, settings):
    settings.WORK_ORDER_ESCALATION_2_AFTER_HOURS = 2
    settings.WORK_ORDER_ESCALATION_3_AFTER_HOURS = 4
    order = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 20, 0))
    assert sweep() == 3  # the warning (its moment passed unswept: fired late, issue 13), levels 1 and 2
    warning = ComplaintEvent.objects.get(kind=ComplaintEvent.Kind.WORK_ORDER_WARNING)
    assert "(late)" in warning.note and warning.data["late"] is True
    order.refresh_from_db()
    assert order.escalation_level == 2 and order.next_check_at == at(2026, 11, 2, 22, 0)
    clock.move_to(at(2026, 11, 2, 22, 0))
    assert sweep() == 1
    assert levels_fired(order) == [0, 1, 2, 3]


@pytest.mark.django_db
def test_a_completed_work_order_stops_its_clock(clock, issue, firm, fixer):
    order = issue(contractor=firm, assignee=fixer, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 16, 0))
    assert sweep() == 1  # the warning
    order = services.work_order_complete(work_order=order, by=fixer, note="已修复")
    order.refresh_from_db()
    assert order.next_check_at is None
    assert work_order_deadlines.work_order_deadline_state(order) == "stopped"
    clock.move_to(at(2026, 11, 30, 10, 0))
    assert sweep() == 0
    assert levels_fired(order) == [0]


@pytest.mark.django_db
def test_a_cancelled_work_order_fires_nothing(clock, issue, firm):
    order = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrder.Status.CANCELLED)
    clock.move_to(at(2026, 11, 30, 10, 0))
    assert sweep() == 0


@pytest.mark.django_db
def test_an_interrupted_batch_is_redone_by_the_next_sweep(clock, issue, firm, monkeypatch):
    for _ in range(3):
        issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 18, 0))

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(work_order_deadlines, "_recipients", crash)
    with pytest.raises(RuntimeError):
        sweep()
    assert not WorkOrderAlert.objects.exists()
    assert not WorkOrder.objects.filter(escalation_level__gt=0).exists()
    monkeypatch.undo()
    assert sweep() == 6  # each: the late warning and level 1


@pytest.mark.django_db
def test_the_sweep_is_a_constant_number_of_queries(
    clock, issue, firm, fixer, supervisor, django_assert_max_num_queries
):
    for _ in range(20):
        issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 6, 18, 0))
    # A savepoint, the due rows with their complaint (1), one UPDATE per (level, warned) (1 here), the
    # alerts in a savepoint (3), projects and staff (2), events and notifications (2), the release: 11.
    with django_assert_max_num_queries(12):
        assert sweep() == 80  # each: the late warning and levels 1-3


@pytest.mark.django_db
def test_deadline_state_on_time_warning_overdue_stopped(clock, issue, firm):
    order = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    assert work_order_deadlines.work_order_deadline_state(order) == "on_time"
    order.warned = True
    assert work_order_deadlines.work_order_deadline_state(order) == "warning"
    assert work_order_deadlines.work_order_deadline_state(order, now=at(2026, 11, 2, 18, 0)) == "overdue"
    order.status = WorkOrder.Status.DONE
    assert work_order_deadlines.work_order_deadline_state(order) == "stopped"


# --- the shared sweep -------------------------------------------------------------------------------


def test_work_orders_join_the_shared_sweep():
    assert "complaints.tasks.sweep_work_order_deadlines" in escalation.SWEEP_TASKS
    assert "complaints.tasks.sweep_work_order_deadlines" in celery_app.tasks


@pytest.mark.django_db
def test_the_celery_task_runs_the_sweep(clock, issue, firm):
    issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 18, 0))
    assert tasks.sweep_work_order_deadlines.delay().result == 4  # each: the late warning and level 1
    assert tasks.sweep_work_order_deadlines.delay().result == 0


@pytest.mark.django_db
def test_open_work_orders_get_a_clock_at_the_upgrade(clock, issue, firm):
    migration = importlib.import_module("complaints.migrations.0009_work_order_deadlines")
    open_order = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    done = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    WorkOrder.objects.update(next_check_at=None)
    WorkOrder.objects.filter(pk=done.pk).update(status=WorkOrder.Status.DONE)

    migration.start_clocks_of_open_work_orders(apps, None)

    open_order.refresh_from_db()
    done.refresh_from_db()
    assert open_order.next_check_at == open_order.due_at
    assert done.next_check_at is None


@pytest.mark.django_db
def test_the_admin_reads_work_order_alerts_in_scope(client, clock, issue, firm, group_admin, other_project):
    order = issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 16, 0))
    sweep()  # the warning
    alert = WorkOrderAlert.objects.get(work_order=order)
    client.force_login(group_admin)
    changelist = client.get(reverse("admin:complaints_workorderalert_changelist"))
    assert list(changelist.context["cl"].result_list) == [alert]
    assert (
        client.post(reverse("admin:complaints_workorderalert_change", args=[alert.pk]), {}).status_code == 403
    )
    far_head = UserFactory(role=Role.CITY_HEAD, is_staff=True, city_companies=[other_project.city_company])
    client.force_login(far_head)
    assert client.get(reverse("admin:complaints_workorderalert_change", args=[alert.pk])).status_code == 404


# --- the list and the page --------------------------------------------------------------------------


# The work-order list: session + user (2), scope: city companies, projects (2), the page's keys (1), its
# work orders with their contractor and assignee (1), the bell (1) → 7 (a contractor's list counts its
# rows too), in any order. Projects' names come from the cache (one query when cold, as the test's first
# request is).
WORK_ORDER_LIST_QUERIES = 8


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["", "-due", "number"])
@pytest.mark.parametrize("rows", [2, 20])
def test_the_work_order_list_shows_overdue_orders_in_constant_queries(
    client, clock, issue, firm, supervisor, rows, sort, django_assert_max_num_queries
):
    orders = [issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0)) for _ in range(rows)]
    clock.move_to(at(2026, 11, 3, 18, 0))
    sweep()  # levels 1 and 2
    client.force_login(supervisor)
    with django_assert_max_num_queries(WORK_ORDER_LIST_QUERIES):
        response = client.get(reverse("complaints:work-orders"), {"sort": sort} if sort else {})
    content = response.content.decode()
    assert len(response.context["page"]) == rows
    assert content.count('data-deadline="overdue"') == rows
    assert "level 2" in content
    assert orders[0].number in content


@pytest.mark.django_db
def test_the_list_marks_a_warned_order_due_soon(client, clock, issue, firm, supervisor):
    issue(contractor=firm, due_at=at(2026, 11, 2, 18, 0))
    clock.move_to(at(2026, 11, 2, 16, 0))
    sweep()
    client.force_login(supervisor)
    content = client.get(reverse("complaints:work-orders")).content.decode()
    assert 'data-deadline="warning"' in content and 'data-deadline="overdue"' not in content


@pytest.mark.django_db
def test_the_work_order_page_shows_the_deadline_state(client, clock, issue, firm, fixer):
    order = issue(contractor=firm, assignee=fixer, due_at=at(2026, 11, 2, 18, 0))
    client.force_login(fixer)
    page = reverse("complaints:work-order", args=[order.pk])
    assert "data-deadline" not in client.get(page).content.decode()  # on time: no badge
    clock.move_to(at(2026, 11, 2, 18, 0))
    sweep()
    assert 'data-deadline="overdue"' in client.get(page).content.decode()


# --- two sweeps at once (PostgreSQL) ----------------------------------------------------------------


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE SKIP LOCKED and serialises writers",
)


def _due_work_orders(count, *, complaint, firm, issuer) -> list[WorkOrder]:
    """`count` work orders issued two weeks ago and due a week ago: every level is overdue."""
    issued = timezone.now() - 14 * 24 * HOUR
    orders = []
    for index in range(count):
        order = WorkOrder(
            complaint=complaint,
            project_id=complaint.project_id,
            number=f"RACE-{index:05d}",
            contractor=firm,
            description="race",
            due_at=issued + 7 * 24 * HOUR,
            status=WorkOrder.Status.IN_PROGRESS,
            issued_by=issuer,
        )
        work_order_deadlines.start_clock(order, start=issued)
        orders.append(order)
    return WorkOrder.objects.bulk_create(orders)


def _assert_exactly_once(orders):
    pairs = list(WorkOrderAlert.objects.values_list("work_order_id", "level"))
    assert len(pairs) == len(set(pairs)), "a step fired twice"
    assert sorted(pairs) == sorted((o.pk, level) for o in orders for level in (0, 1, 2, 3))
    assert set(WorkOrder.objects.values_list("escalation_level", flat=True)) == {3}


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_sweeping_the_same_work_orders_fire_each_level_exactly_once(
    seeded_categories, planned, firm, agent
):
    orders = _due_work_orders(120, complaint=planned(), firm=firm, issuer=agent)
    now = timezone.now()
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            work_order_deadlines.work_order_escalation_sweep(now=now, batch_size=10)  # the threads interleave
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    _assert_exactly_once(orders)
    assert work_order_deadlines.work_order_escalation_sweep(now=now) == 0
    # Level 1 goes to the issuing agent (the company has no users here): once per work order.
    assert Notification.objects.filter(kind="work_order_escalation_1").count() == 120


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_task_that_runs_twice_fires_nothing_twice(seeded_categories, planned, firm, agent):
    orders = _due_work_orders(30, complaint=planned(), firm=firm, issuer=agent)
    first, second = (
        tasks.sweep_work_order_deadlines.delay().result,
        tasks.sweep_work_order_deadlines.delay().result,
    )
    assert (first, second) == (120, 0)  # a late warning and three levels each
    _assert_exactly_once(orders)
