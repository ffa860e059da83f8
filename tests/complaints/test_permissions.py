"""Who may do what to a complaint and a work order, by API (status codes) and, for a few, by service.

Roles: agent, supervisor, department staff of the complaint's department and of another one,
contractor (own work order vs another company's), read-only manager, and an agent of another
city company. Outside the scope → 404 whatever the role; inside it, a role the action does not
allow → 403 (services.may / PermissionDenied).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Role
from complaints import services
from complaints.models import Complaint, ComplaintEvent, WorkOrder
from tests.api import client_for
from tests.factories import ContractorFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
OK = "ok"
ROLES = ["agent", "supervisor", "dept_own", "dept_other", "contractor", "readonly", "other_agent"]


@pytest.fixture
def builder(project):
    return ContractorFactory(name="中建三局", projects=[project])


@pytest.fixture
def rival(project):
    return ContractorFactory(name="另一家施工单位", projects=[project])


@pytest.fixture
def users(agent, supervisor, other_agent, project, city, builder, rival):
    return {
        "agent": agent,
        "supervisor": supervisor,
        "dept_own": UserFactory(role=Role.DEPARTMENT_STAFF, department="engineering", projects=[project]),
        "dept_other": UserFactory(role=Role.DEPARTMENT_STAFF, department="design", projects=[project]),
        "contractor": UserFactory(role=Role.CONTRACTOR, contractor=builder, projects=[project]),
        "contractor_other": UserFactory(role=Role.CONTRACTOR, contractor=rival, projects=[project]),
        "readonly": UserFactory(role=Role.READONLY_MANAGER, city_companies=[city]),
        "other_agent": other_agent,
    }


def _in_status(make_complaint, supervisor, agent, state: str) -> Complaint:
    """A complaint (department engineering) where the action under test is legal."""
    # Only a major complaint takes a written report (services.rules).
    complaint = make_complaint(severity="major") if state == "major" else make_complaint()
    if state == "received":
        return complaint
    services.complaint_dispatch(complaint=complaint, by=supervisor, department="engineering", handler=agent)
    if state in ("dispatched", "major"):
        return complaint
    if state == "paused":
        services.complaint_pause(complaint=complaint, by=agent, reason="业主出差")
        return complaint
    services.complaint_agree_plan(complaint=complaint, by=agent, plan="返修")
    if state == "plan_agreed":
        return complaint
    services.complaint_resolve(complaint=complaint, by=agent, resolution="修好")
    if state == "resolved":
        return complaint
    services.complaint_return_visit(complaint=complaint, by=agent, reached=True, satisfaction=5)
    return complaint  # "visited": ready to close


DUE = (timezone.now() + datetime.timedelta(days=30)).isoformat()
# action → (status it needs, payload, expected per role in ROLES order)
MATRIX = {
    "dispatch": ("received", {"department": "engineering"}, [403, OK, 403, 404, 404, 403, 404]),
    "respond": ("dispatched", {"method": "call", "content": "c"}, [OK, OK, OK, 404, 404, 403, 404]),
    "agree-plan": ("dispatched", {"plan": "p"}, [OK, OK, OK, 404, 404, 403, 404]),
    "work-orders": (
        "plan_agreed",
        {"department": "engineering", "description": "d", "due_at": DUE},
        [OK, OK, OK, 404, 404, 403, 404],
    ),
    "resolve": ("plan_agreed", {"resolution": "r"}, [OK, OK, OK, 404, 404, 403, 404]),
    "return-visit": ("resolved", {"reached": True, "satisfaction": 4}, [OK, OK, 403, 404, 404, 403, 404]),
    "close": ("visited", {"root_cause": "construction"}, [OK, OK, 403, 404, 404, 403, 404]),
    "reopen": ("resolved", {"reason": "还漏"}, [OK, OK, 403, 404, 404, 403, 404]),
    "pause": ("dispatched", {"reason": "出差"}, [OK, OK, OK, 404, 404, 403, 404]),
    "resume": ("paused", {}, [OK, OK, OK, 404, 404, 403, 404]),
    "major-report": (
        "major",
        {"cause": "a", "handling": "b", "lessons": "c"},
        [403, OK, 403, 404, 404, 403, 404],
    ),
    "notes": ("dispatched", {"note": "n"}, [OK, OK, OK, 404, 404, 403, 404]),
}
CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}")
    for action, (_state, _payload, row) in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
def test_complaint_action_matrix(action, role, expected, users, make_complaint, supervisor, agent):
    state, payload, _row = MATRIX[action]
    complaint = _in_status(make_complaint, supervisor, agent, state)
    before = Complaint.objects.get(pk=complaint.pk)
    events_before = ComplaintEvent.objects.filter(complaint=complaint).count()

    response = client_for(users[role]).post(
        f"{API}/complaints/{complaint.pk}/{action}/", {**payload, "version": before.version}, format="json"
    )

    if expected == OK:
        assert response.status_code in (200, 201), response.json()
        assert ComplaintEvent.objects.filter(complaint=complaint).count() > events_before
    else:
        assert response.status_code == expected, response.json()
        assert Complaint.objects.get(pk=complaint.pk).version == before.version
        assert ComplaintEvent.objects.filter(complaint=complaint).count() == events_before


@pytest.mark.parametrize(
    ("role", "expected"),
    [("agent", 201), ("supervisor", 201), ("dept_own", 403), ("contractor", 403), ("readonly", 403)],
)
def test_who_may_record_a_complaint(role, expected, users, owner, owned_unit, leak):
    payload = {
        "customer": owner.pk,
        "unit": owned_unit.pk,
        "category": leak.pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "title": "漏水",
        "description": "漏水",
    }

    response = client_for(users[role]).post(f"{API}/complaints/", payload, format="json")

    assert response.status_code == expected
    assert Complaint.objects.exists() == (expected == 201)


def test_an_agent_of_another_city_cannot_name_our_customer(users, owner, leak):
    payload = {"customer": owner.pk, "category": leak.pk, "complaint_type": "complaint", "channel": "hotline"}
    payload |= {"title": "t", "description": "d"}

    response = client_for(users["other_agent"]).post(f"{API}/complaints/", payload, format="json")

    assert response.status_code == 400
    assert "customer" in response.json()


READ_MATRIX = {
    "agent": (200, 1),
    "supervisor": (200, 1),
    "dept_own": (200, 1),
    "dept_other": (404, 0),
    "contractor": (200, 1),  # their company holds a work order on it
    "contractor_other": (404, 0),
    "readonly": (200, 1),
    "other_agent": (404, 0),
}


@pytest.mark.parametrize(("role", "expected"), READ_MATRIX.items())
def test_who_reads_a_complaint(role, expected, users, make_complaint, supervisor, agent, builder):
    complaint = _in_status(make_complaint, supervisor, agent, "plan_agreed")
    services.work_order_create(
        complaint=complaint,
        by=agent,
        description="d",
        due_at=timezone.now() + datetime.timedelta(days=1),
        contractor=builder,
    )
    client = client_for(users[role])

    assert client.get(f"{API}/complaints/{complaint.pk}/").status_code == expected[0]
    assert len(client.get(f"{API}/complaints/").json()["results"]) == expected[1]


def test_a_contractor_who_sees_the_complaint_still_may_not_act_on_it(
    users, make_complaint, supervisor, agent, builder
):
    complaint = _in_status(make_complaint, supervisor, agent, "plan_agreed")
    services.work_order_create(
        complaint=complaint,
        by=agent,
        description="d",
        due_at=timezone.now() + datetime.timedelta(days=1),
        contractor=builder,
    )
    client = client_for(users["contractor"])
    version = Complaint.objects.get(pk=complaint.pk).version

    for action, payload in [
        ("resolve", {"resolution": "r"}),
        ("notes", {"note": "n"}),
        ("pause", {"reason": "r"}),
    ]:
        response = client.post(
            f"{API}/complaints/{complaint.pk}/{action}/", {**payload, "version": version}, format="json"
        )
        assert response.status_code == 403, action


# --- Work orders ----------------------------------------------------------------------------

WORK_ORDER_ROLES = [
    "agent",
    "supervisor",
    "dept_own",
    "dept_other",
    "contractor",
    "contractor_other",
    "readonly",
    "other_agent",
]
WORK_ORDER_MATRIX = {
    "accept": ({}, [OK, OK, OK, 404, OK, 404, 403, 404]),
    "progress": ({"note": "已进场"}, [OK, OK, OK, 404, OK, 404, 403, 404]),
    "complete": ({"note": "完成"}, [OK, OK, OK, 404, OK, 404, 403, 404]),
}
WORK_ORDER_CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}")
    for action, (_payload, row) in WORK_ORDER_MATRIX.items()
    for role, expected in zip(WORK_ORDER_ROLES, row, strict=True)
]


@pytest.fixture
def work_order(make_complaint, supervisor, agent, builder):
    complaint = _in_status(make_complaint, supervisor, agent, "plan_agreed")
    return services.work_order_create(
        complaint=complaint,
        by=agent,
        description="B2防水",
        due_at=timezone.now() + datetime.timedelta(days=1),
        department="engineering",
        contractor=builder,
    )


@pytest.mark.parametrize(("action", "role", "expected"), WORK_ORDER_CASES)
def test_work_order_action_matrix(action, role, expected, users, work_order):
    payload, _row = WORK_ORDER_MATRIX[action]

    response = client_for(users[role]).post(
        f"{API}/work-orders/{work_order.pk}/{action}/", {**payload, "version": 1}, format="json"
    )

    work_order.refresh_from_db()
    if expected == OK:
        assert response.status_code in (200, 201), response.json()
        assert work_order.version == 2
    else:
        assert response.status_code == expected, response.json()
        assert work_order.version == 1
        assert work_order.status == WorkOrder.Status.ISSUED


def test_contractors_list_only_their_companys_work_orders(users, work_order):
    own = client_for(users["contractor"]).get(f"{API}/work-orders/").json()["results"]
    other = client_for(users["contractor_other"]).get(f"{API}/work-orders/").json()["results"]

    assert [row["id"] for row in own] == [work_order.pk]
    assert other == []
    detail = client_for(users["contractor"]).get(f"{API}/work-orders/{work_order.pk}/").json()
    assert "customer" not in detail  # a contractor gets the task, not the owner's data


@pytest.mark.parametrize(
    ("role", "endpoint", "expected"),
    [
        ("contractor", "improvement-items", 403),
        ("contractor", "group-cases", 403),
        ("readonly", "improvement-items", 200),
        ("dept_own", "group-cases", 200),
        ("contractor", "sla-policies", 200),
        ("contractor", "notifications", 200),
    ],
)
def test_who_reads_the_side_lists(role, endpoint, expected, users):
    assert client_for(users[role]).get(f"{API}/{endpoint}/").status_code == expected


# --- The same rules, straight at the services ---------------------------------------------


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("agent", "dispatch", False),
        ("supervisor", "dispatch", True),
        ("dept_own", "resolve", True),
        ("dept_own", "close", False),
        ("contractor", "note", False),
        ("contractor", "work_order", True),
        ("readonly", "respond", False),
        ("readonly", "work_order", False),
    ],
)
def test_may_matches_the_matrix(role, action, allowed, users):
    assert services.may(users[role], action) is allowed


def test_services_refuse_the_roles_the_api_refuses(users, make_complaint, supervisor, agent, work_order):
    complaint = make_complaint()

    with pytest.raises(PermissionDenied):
        services.complaint_dispatch(complaint=complaint, by=users["agent"], department="design")
    with pytest.raises(PermissionDenied):
        services.complaint_respond(complaint=complaint, by=users["readonly"], method="call", content="c")
    with pytest.raises(PermissionDenied):
        services.work_order_accept(work_order=work_order, by=users["contractor_other"])
    with pytest.raises(PermissionDenied):
        services.work_order_accept(work_order=work_order, by=users["readonly"])
    assert services.work_order_accept(work_order=work_order, by=users["contractor"]).status == "accepted"
    with pytest.raises(PermissionDenied):
        services.sla_policy_save(by=users["supervisor"], name="x")


def test_a_deactivated_supervisor_is_refused(users, make_complaint):
    complaint = make_complaint()
    boss = users["supervisor"]
    client = client_for(boss)
    boss.is_active = False
    boss.save()

    response = client.post(
        f"{API}/complaints/{complaint.pk}/dispatch/",
        {"department": "engineering", "version": 1},
        format="json",
    )

    assert response.status_code in (401, 403)
    assert Complaint.objects.get(pk=complaint.pk).status == "received"
