"""The home page as each role's work queue: a few rows nearest due first, scoped, in constant queries."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Role
from complaints.models import Category, Complaint, SlaTarget, Status, WorkOrder
from complaints.services import complaint_create
from dashboards.queues import QUEUE_ROWS
from delivery.models import Defect, HandoverBatch
from surveys.models import FollowUp
from surveys.services.follow_ups import follow_up_open
from tests.factories import ContractorFactory, UnitFactory, UserFactory
from tests.surveys.factories import completed_invitation

_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def new_complaint(db, agent, owner, owned_unit):
    """A complaint whose clock is due `due_in` from now, with the given status and handler."""
    _seed.seed(apps, None)
    leak = Category.objects.get(code="leak")

    def make(*, title="车库漏水", due_in=HOUR, status=Status.RECEIVED, handler=None, unit=owned_unit):
        complaint = complaint_create(
            by=agent, customer=owner, unit=unit, category=leak, complaint_type="complaint",
            channel="hotline", title=title, description="地下车库B2层持续漏水",
        )  # fmt: skip
        now = timezone.now()
        Complaint.objects.filter(pk=complaint.pk).update(
            status=status,
            handler=handler,
            sla_target=SlaTarget.FIRST_RESPONSE,
            paused_at=None,
            first_response_due_at=now + due_in,
            resolved_at=now if status == Status.RESOLVED else None,
        )
        complaint.refresh_from_db()
        return complaint

    return make


def queue_rows(response, key):
    (queue,) = [q for q in response.context["queues"] if q.key == key]
    return [row.number for row in queue.rows]


def test_an_agents_queue_is_their_open_complaints_by_due_time_and_their_return_visits(
    client, agent, supervisor, new_complaint
):
    later = new_complaint(title="晚", due_in=5 * HOUR, status=Status.DISPATCHED, handler=agent)
    sooner = new_complaint(title="早", due_in=-HOUR, status=Status.IN_PROGRESS, handler=agent)
    new_complaint(title="别人的", status=Status.DISPATCHED, handler=supervisor)
    resolved = new_complaint(title="已解决", status=Status.RESOLVED, handler=agent)
    client.force_login(agent)
    response = client.get(reverse("home"))
    assert queue_rows(response, "my-complaints") == [sooner.number, later.number]
    assert queue_rows(response, "callbacks") == [resolved.number]
    html = response.content.decode()
    assert 'class="crm-row-breached"' in html  # the overdue one stands out
    assert f"{reverse('complaints:board')}?mine_only=on&amp;status=resolved" in html
    assert reverse("dashboards") not in html  # the figures are the managers'


def test_a_supervisors_queue_is_the_breaches_and_the_undispatched_complaints(
    client, supervisor, agent, new_complaint, other_project
):
    breached = new_complaint(due_in=-2 * HOUR, status=Status.DISPATCHED, handler=agent)
    waiting = new_complaint(due_in=3 * HOUR)
    new_complaint(due_in=4 * HOUR, status=Status.DISPATCHED, handler=agent)  # neither
    far = new_complaint(due_in=-HOUR)
    far_unit = UnitFactory(building__project=other_project)
    Complaint.objects.filter(pk=far.pk).update(project=other_project, unit=far_unit)  # out of scope
    client.force_login(supervisor)
    response = client.get(reverse("home"))
    assert queue_rows(response, "breached") == [breached.number]
    assert queue_rows(response, "undispatched") == [waiting.number]
    html = response.content.decode()
    assert far.number not in html
    assert f"{reverse('complaints:board')}?sla=breached" in html
    assert reverse("dashboards") in html


def test_an_engineers_queue_is_their_batches_and_the_defects_due(client, project, owned_unit, other_project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    today = timezone.localdate()

    def batch(name, **fields):
        return HandoverBatch.objects.create(
            project=project, name=name, starts_on=today, ends_on=today, site="3栋大堂", **fields
        )

    led = batch("一期交付", lead=engineer)
    in_team = batch("二期交付")
    in_team.team.add(engineer)
    batch("别人的批次")
    batch("已结束", lead=engineer, status=HandoverBatch.Status.CLOSED)
    now = timezone.now()

    def defect(number, unit=owned_unit, **fields):
        return Defect.objects.create(
            number=number, project=unit.building.project, unit=unit, room="living", trade="civil",
            severity="normal", description="墙面空鼓", reported_by=engineer, **fields,
        )  # fmt: skip

    defect("DF-2", due_at=now + HOUR)
    defect("DF-1", due_at=now - HOUR)
    defect("DF-3")  # no clock
    defect("DF-4", due_at=now, status=Defect.Status.FIXED)  # waiting for verification, no clock
    defect("DF-5", unit=UnitFactory(building__project=other_project), due_at=now)  # out of scope
    client.force_login(engineer)
    response = client.get(reverse("home"))
    assert [row.text for row in response.context["queues"][0].rows] == ["一期交付", "二期交付"]
    assert led.name in response.content.decode()
    assert queue_rows(response, "defects") == ["DF-1", "DF-2"]


def _work_order(complaint, *, issuer, due_in, **fields):
    order = WorkOrder.objects.create(
        complaint=complaint,
        description="防水修补",
        due_at=timezone.now() + due_in,
        issued_by=issuer,
        **fields,
    )
    order.number = f"PD-{order.pk:07d}"
    order.save(update_fields=["number"])
    return order


def test_a_contractors_queue_is_their_companys_open_orders_by_due_time(client, project, agent, new_complaint):
    firm, other_firm = ContractorFactory(projects=[project]), ContractorFactory(projects=[project])
    fixer = UserFactory(role=Role.CONTRACTOR, contractor=firm, projects=[project])
    complaint = new_complaint(status=Status.IN_PROGRESS, handler=agent)
    later = _work_order(complaint, issuer=agent, due_in=5 * HOUR, contractor=firm)
    sooner = _work_order(complaint, issuer=agent, due_in=-HOUR, contractor=firm)
    _work_order(complaint, issuer=agent, due_in=HOUR, contractor=firm, status=WorkOrder.Status.DONE)
    _work_order(complaint, issuer=agent, due_in=HOUR, contractor=other_firm)
    client.force_login(fixer)
    response = client.get(reverse("home"))
    assert queue_rows(response, "work-orders") == [sooner.number, later.number]
    html = response.content.decode()
    assert reverse("customers:list") not in html
    assert 'id="global-search"' not in html


def test_department_staff_see_their_own_departments_open_orders(client, project, agent, new_complaint):
    staff = UserFactory(role=Role.DEPARTMENT_STAFF, department=Department.ENGINEERING, projects=[project])
    complaint = new_complaint(status=Status.IN_PROGRESS, handler=agent)
    ours = _work_order(complaint, issuer=agent, due_in=HOUR, department=Department.ENGINEERING)
    _work_order(complaint, issuer=agent, due_in=HOUR, department=Department.MAINTENANCE)
    client.force_login(staff)
    assert queue_rows(client.get(reverse("home")), "work-orders") == [ours.number]


def test_each_queue_is_bounded_and_links_to_the_full_list(client, supervisor, new_complaint):
    for _ in range(QUEUE_ROWS + 2):
        new_complaint(due_in=-HOUR)
    client.force_login(supervisor)
    response = client.get(reverse("home"))
    assert len(queue_rows(response, "breached")) == QUEUE_ROWS
    assert len(queue_rows(response, "undispatched")) == QUEUE_ROWS


ROLES = {
    # Session + user (2), scope (2), the bell (1), then each queue's one read (agents: complaints (2),
    # their survey follow-ups, the club's care tasks and the 6+2 touchpoints due; the overseeing roles:
    # three, with the survey follow-ups); the layout checks next year's working calendar for those who
    # maintain it (1).
    Role.CS_AGENT: 10,
    Role.CS_SUPERVISOR: 8,
    Role.CITY_HEAD: 9,
    Role.GROUP_ADMIN: 8,
    Role.READONLY_MANAGER: 8,
    Role.DELIVERY_ENGINEER: 7,
    Role.CONTRACTOR: 6,
    Role.DEPARTMENT_STAFF: 6,
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("rows", [1, QUEUE_ROWS + 3])
def test_the_home_page_is_a_constant_number_of_queries_per_role(
    client, project, owned_unit, new_complaint, role, rows, django_assert_max_num_queries
):
    firm = ContractorFactory(projects=[project])
    user = UserFactory(
        role=role,
        projects=[project],
        contractor=firm if role == Role.CONTRACTOR else None,
        department=Department.ENGINEERING if role == Role.DEPARTMENT_STAFF else "",
    )
    today, now = timezone.localdate(), timezone.now()
    for n in range(rows):
        complaint = new_complaint(
            due_in=-HOUR if n % 2 else HOUR,
            status=Status.RESOLVED if n % 3 else Status.RECEIVED,
            handler=user,
        )
        _work_order(complaint, issuer=user, due_in=HOUR, contractor=firm, department=Department.ENGINEERING)
        HandoverBatch.objects.create(
            project=project, name=f"批次{n}", starts_on=today, ends_on=today, site="x", lead=user
        )
        Defect.objects.create(
            project=project, unit=owned_unit, room="living", trade="civil", severity="normal",
            description="空鼓", reported_by=user, due_at=now + HOUR,
        )  # fmt: skip
        invitation = completed_invitation(
            {"quality": 1}, customer=owned_unit.household.get().customer, project=project
        )
        FollowUp.objects.filter(pk=follow_up_open(invitation=invitation).pk).update(assignee=user)
    client.force_login(user)
    with django_assert_max_num_queries(ROLES[role]):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["queues"]
    assert all(len(queue.rows) <= QUEUE_ROWS for queue in response.context["queues"])


def test_the_work_queue_reads_in_chinese(client, supervisor, settings, new_complaint):
    settings.LANGUAGE_CODE = "zh-hans"
    new_complaint(due_in=-HOUR)
    client.force_login(supervisor)
    html = client.get(reverse("home")).content.decode()
    for text in ("已超时投诉", "待分派投诉", "查看全部", "看板"):
        assert text in html, text
    assert "看板" in client.get(reverse("dashboards")).content.decode()
