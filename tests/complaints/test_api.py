"""REST API v1 of complaints: the whole path by API, bad input (400, never 500), versions (409/428),
masking, filters (SLA state included), cursor pagination, query counts, reference data,
notifications, improvement items and group cases."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from complaints import services
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    GroupCase,
    ImprovementItem,
    SlaPolicy,
    WorkOrder,
)
from notifications.models import Notification
from tests.api import client_for
from tests.factories import (
    ContractorFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    UnitFactory,
    UserFactory,
    image_bytes,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
CLEAR_PHONE = "13812345678"
MASKED_PHONE = "138****5678"
JPEG = image_bytes()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def builder(project):
    return ContractorFactory(name="中建三局", trade="土建", projects=[project])


@pytest.fixture
def builder_user(builder, project):
    return UserFactory(username="builder", role=Role.CONTRACTOR, contractor=builder, projects=[project])


@pytest.fixture
def complaint(make_complaint):
    return make_complaint()


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, format="json", **extra)


def _dispatched(complaint, supervisor, agent):
    return services.complaint_dispatch(
        complaint=complaint, by=supervisor, department="engineering", handler=agent
    )


def _plan_agreed(complaint, supervisor, agent):
    _dispatched(complaint, supervisor, agent)
    return services.complaint_agree_plan(complaint=complaint, by=agent, plan="更换防水层")


# --- The whole path -----------------------------------------------------------------------


def test_the_whole_life_cycle_by_api(agent, supervisor, builder, builder_user, owner, owned_unit, leak):
    desk, boss, crew = client_for(agent), client_for(supervisor), client_for(builder_user)

    created = post(
        desk,
        f"{API}/complaints/",
        {
            "customer": owner.pk,
            "unit": owned_unit.pk,
            "category": leak.pk,
            "complaint_type": "complaint",
            "channel": "hotline",
            "title": "车库漏水",
            "description": "地下车库B2层持续漏水",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    pk = body["id"]
    assert body["status"] == "received"
    assert body["number"].startswith("TS-")
    assert body["project"] == owned_unit.project_id
    assert body["department"] == "engineering"  # the parent category's default department
    assert body["handler"] is None
    assert body["handler_name"] is None
    assert body["category_name"] == "房屋质量 / 渗漏"
    assert created["ETag"] == '"1"'
    received_at = datetime.datetime.fromisoformat(body["received_at"])
    sla = body["sla"]
    assert sla["policy"] == "标准 Standard"
    assert sla["target"] == "first_response"
    assert sla["state"] == "on_time"
    assert datetime.datetime.fromisoformat(sla["first_response_due_at"]) == received_at + datetime.timedelta(
        hours=24
    )
    assert datetime.datetime.fromisoformat(sla["plan_due_at"]) == received_at + datetime.timedelta(days=3)
    assert datetime.datetime.fromisoformat(sla["resolution_due_at"]) == received_at + datetime.timedelta(
        days=15
    )
    url = f"{API}/complaints/{pk}"

    dispatched = post(
        boss, f"{url}/dispatch/", {"department": "engineering", "handler": agent.pk, "version": 1}
    )
    assert dispatched.status_code == 200, dispatched.json()
    assert dispatched.json()["status"] == "dispatched"
    assert dispatched.json()["handler"] == agent.pk
    assert dispatched["ETag"] == '"2"'

    responded = post(
        desk, f"{url}/respond/", {"method": "call", "content": "已致电业主"}, HTTP_IF_MATCH='"2"'
    )
    assert responded.status_code == 200, responded.json()
    assert responded.json()["sla"]["target"] == "plan"
    assert responded.json()["sla"]["first_responded_at"] is not None

    planned = post(desk, f"{url}/agree-plan/", {"plan": "重做防水层", "version": 3})
    assert planned.status_code == 200, planned.json()
    assert planned.json()["status"] == "plan_agreed"
    assert planned.json()["sla"]["target"] == "resolution"

    due = timezone.now() + datetime.timedelta(days=2)
    ordered = post(
        desk,
        f"{url}/work-orders/",
        {"contractor": builder.pk, "description": "B2层防水修补", "due_at": due.isoformat(), "version": 4},
    )
    assert ordered.status_code == 201, ordered.json()
    order = ordered.json()
    assert order["status"] == "issued"
    assert order["contractor_name"] == "中建三局"
    assert ordered["ETag"] == '"1"'
    assert Complaint.objects.get(pk=pk).status == "in_progress"

    # The contractor sees the work order (and the complaint behind it, masked), and works it.
    assert [row["id"] for row in crew.get(f"{API}/work-orders/").json()["results"]] == [order["id"]]
    order_url = f"{API}/work-orders/{order['id']}"
    accepted = post(crew, f"{order_url}/accept/", {"version": 1})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["assignee"] == builder_user.pk
    photo = SimpleUploadedFile("b2.jpg", JPEG, content_type="image/jpeg")
    progressed = crew.post(
        f"{order_url}/progress/", {"note": "已进场", "photo": photo, "version": 2}, format="multipart"
    )
    assert progressed.status_code == 201, progressed.json()
    assert progressed.json()["status"] == "in_progress"
    assert progressed.json()["notes"][0]["note"] == "已进场"
    assert progressed.json()["notes"][0]["photo"]
    completed = post(crew, f"{order_url}/complete/", {"note": "防水完成，闭水试验通过", "version": 3})
    assert completed.status_code == 200, completed.json()
    assert completed.json()["status"] == "done"

    current = desk.get(f"{url}/")
    assert current.json()["work_orders"][0]["status"] == "done"
    version = int(current["ETag"].strip('"'))
    resolved = post(desk, f"{url}/resolve/", {"resolution": "防水层已重做", "version": version})
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["sla"]["target"] == ""
    assert resolved.json()["sla"]["state"] == "met"

    visited = post(desk, f"{url}/return-visit/", {"reached": True, "satisfaction": 5, "version": version + 1})
    assert visited.status_code == 200, visited.json()
    assert visited.json()["return_visits"][0]["satisfaction"] == 5

    closed = post(desk, f"{url}/close/", {"root_cause": "construction", "version": version + 2})
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"
    assert closed.json()["root_cause"] == "construction"
    kinds = [event["kind"] for event in closed.json()["events"]]
    assert kinds == [
        "created",
        "dispatched",
        "responded",
        "plan_agreed",
        "work_order",
        "work_order",
        "resolved",
        "return_visit",
        "closed",
    ]
    assert closed.json()["events"][1]["actor"] == supervisor.pk
    assert closed.json()["events"][1]["actor_name"] == "supervisor"
    assert closed.json()["handler_name"] == "agent"


def test_create_with_attachments_by_multipart(agent, owner, owned_unit, leak):
    photo = SimpleUploadedFile("leak.jpg", JPEG, content_type="image/jpeg")
    response = client_for(agent).post(
        f"{API}/complaints/",
        {
            "customer": owner.pk,
            "unit": owned_unit.pk,
            "category": leak.pk,
            "complaint_type": "repair",
            "channel": "front_desk",
            "title": "漏水",
            "description": "卫生间漏水",
            "attachments": [photo],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert [a["original_name"] for a in response.json()["attachments"]] == ["leak.jpg"]
    assert response.json()["sla"]["policy"] == "报修 Repair"


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_create_answers_with_the_same_detail_as_a_read(fmt, agent, owner, owned_unit, leak):
    """The 201 is built from what the service wrote, not read back: it must equal the retrieve."""
    payload = {
        "customer": owner.pk,
        "unit": owned_unit.pk,
        "category": leak.pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "title": "漏水",
        "description": "卫生间漏水",
    }
    if fmt == "multipart":
        payload["attachments"] = [SimpleUploadedFile("leak.jpg", JPEG, content_type="image/jpeg")]
    desk = client_for(agent)
    created = desk.post(f"{API}/complaints/", payload, format=fmt)
    assert created.status_code == 201, created.json()

    read = desk.get(f"{API}/complaints/{created.json()['id']}/")
    assert created.json() == read.json()
    assert created["ETag"] == read["ETag"] == '"1"'
    assert created.json()["customer"]["phone"] == "138****5678"
    assert [e["kind"] for e in created.json()["events"]] == ["created"]


@pytest.mark.parametrize("login, queries", [("token", 11), ("session", 12)])
def test_create_by_api_query_count(
    agent, owner, owned_unit, leak, project, login, queries, django_assert_num_queries
):
    """The bench's shape too: a browser session (session and user: 2 queries, a token reads both in 1)
    of an agent assigned a city company besides a project, whose scope is still one query."""
    if login == "token":
        desk = client_for(agent)
    else:
        agent.city_companies.add(project.city_company)
        desk = APIClient()
        desk.force_login(agent)
    payload = {
        "customer": owner.pk,
        "unit": owned_unit.pk,
        "category": leak.pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "title": "漏水",
        "description": "卫生间漏水",
    }
    desk.post(f"{API}/complaints/", payload, format="json")  # fills the category cache
    # token + user (1) or session + user (2), scope: city companies and projects (1), customer with its
    # phone (1), unit with its project (1), then the service: transaction (2), SLA policy (1), insert,
    # number, first event, audit trail entry (4) → 11 or 12 (the bench's target: ≤ 12).
    # The category comes from the cache; the 201 is built from what was written (no read-back).
    with django_assert_num_queries(queries):
        assert desk.post(f"{API}/complaints/", payload, format="json").status_code == 201


def test_an_unsupported_attachment_is_a_400(agent, owner, owned_unit, leak):
    script = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    response = client_for(agent).post(
        f"{API}/complaints/",
        {
            "customer": owner.pk,
            "category": leak.pk,
            "complaint_type": "complaint",
            "channel": "hotline",
            "title": "t",
            "description": "d",
            "attachments": [script],
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert "attachments" in response.json()
    assert not Complaint.objects.exists()


def test_a_major_complaint_closes_only_with_its_report(supervisor, agent, make_complaint):
    complaint = make_complaint(severity="major")
    _plan_agreed(complaint, supervisor, agent)
    services.complaint_resolve(complaint=complaint, by=agent, resolution="修好")
    services.complaint_return_visit(complaint=complaint, by=agent, reached=True, satisfaction=4)
    boss = client_for(supervisor)
    url = f"{API}/complaints/{complaint.pk}"
    version = Complaint.objects.get(pk=complaint.pk).version

    refused = post(boss, f"{url}/close/", {"root_cause": "construction", "version": version})
    assert refused.status_code == 400
    assert "major_report" in refused.json()

    report = post(
        boss,
        f"{url}/major-report/",
        {"cause": "施工", "handling": "返修", "lessons": "验收", "version": version},
    )
    assert report.status_code == 200, report.json()
    assert report.json()["major_report"]["cause"] == "施工"
    closed = post(boss, f"{url}/close/", {"root_cause": "construction", "version": version})
    assert closed.status_code == 200, closed.json()


def test_pause_and_resume_move_the_clock(agent, supervisor, complaint):
    _dispatched(complaint, supervisor, agent)
    desk = client_for(agent)
    url = f"{API}/complaints/{complaint.pk}"

    paused = post(desk, f"{url}/pause/", {"reason": "业主出差", "version": 2})
    assert paused.status_code == 200, paused.json()
    assert paused.json()["sla"]["state"] == "paused"
    assert paused.json()["sla"]["paused"] is True

    resumed = post(desk, f"{url}/resume/", {"version": 3})
    assert resumed.status_code == 200, resumed.json()
    assert resumed.json()["sla"]["paused"] is False
    assert [e["kind"] for e in resumed.json()["events"]][-2:] == ["paused", "resumed"]


def test_unsatisfied_return_visit_reopens_and_reopen_needs_a_reason(agent, supervisor, complaint):
    _plan_agreed(complaint, supervisor, agent)
    services.complaint_resolve(complaint=complaint, by=agent, resolution="修好")
    desk = client_for(agent)
    url = f"{API}/complaints/{complaint.pk}"
    version = Complaint.objects.get(pk=complaint.pk).version

    visited = post(
        desk,
        f"{url}/return-visit/",
        {"reached": True, "satisfaction": 1, "comment": "还漏", "version": version},
    )

    assert visited.status_code == 200, visited.json()
    assert visited.json()["status"] == "reopened"
    assert visited.json()["reopen_count"] == 1
    assert visited.json()["sla"]["target"] == "resolution"


def test_notes_are_added_to_the_timeline(agent, complaint):
    response = post(
        client_for(agent), f"{API}/complaints/{complaint.pk}/notes/", {"note": "业主来电催促", "version": 1}
    )

    assert response.status_code == 201, response.json()
    assert response.json()["events"][-1]["kind"] == "note"
    assert response.json()["events"][-1]["note"] == "业主来电催促"


# --- Bad input: 400 with field names, never 500 -------------------------------------------


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"customer": None}, "customer"),
        ({"customer": 999999}, "customer"),
        ({"customer": 2**70}, "customer"),
        ({"customer": "abc"}, "customer"),
        ({"category": 999999}, "category"),
        ({"category": 2**70}, "category"),
        ({"category": [1]}, "category"),
        ({"complaint_type": "rant"}, "complaint_type"),
        ({"channel": "pigeon"}, "channel"),
        ({"severity": "huge"}, "severity"),
        ({"title": ""}, "title"),
        ({"title": ["a"]}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": None}, "description"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"unit": 999999}, "unit"),
    ],
)
def test_bad_create_payloads_are_400s(patch, field, agent, owner, owned_unit, leak):
    payload = {
        "customer": owner.pk,
        "unit": owned_unit.pk,
        "category": leak.pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "title": "漏水",
        "description": "漏水",
        **patch,
    }

    response = post(client_for(agent), f"{API}/complaints/", payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not Complaint.objects.exists()


def test_service_rules_on_create_are_400s(agent, owner, owned_unit, leak, project):
    desk = client_for(agent)
    base = {"customer": owner.pk, "category": leak.pk, "complaint_type": "complaint", "channel": "hotline"}
    base |= {"title": "t", "description": "d"}
    other_unit = UnitFactory(building__project__city_company=project.city_company)
    agent.projects.add(other_unit.project)
    leak.is_active = False
    leak.save()

    inactive = post(desk, f"{API}/complaints/", base)
    assert inactive.status_code == 400
    assert "category" in inactive.json()
    leak.is_active = True
    leak.save()
    future = post(
        desk,
        f"{API}/complaints/",
        {**base, "received_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 400
    assert "received_at" in future.json()
    mismatch = post(desk, f"{API}/complaints/", {**base, "unit": other_unit.pk, "project": project.pk})
    assert mismatch.status_code == 400
    assert "unit" in mismatch.json()


def test_a_customer_of_another_city_is_an_unknown_id(agent, other_project, leak):
    stranger = CustomerFactory(city_company=other_project.city_company, registered_project=other_project)

    response = post(
        client_for(agent),
        f"{API}/complaints/",
        {
            "customer": stranger.pk,
            "category": leak.pk,
            "complaint_type": "complaint",
            "channel": "hotline",
            "title": "t",
            "description": "d",
        },
    )

    assert response.status_code == 400
    assert "within your scope" in response.json()["customer"][0]


def test_malformed_json_is_a_400(agent, complaint):
    desk = client_for(agent)

    for url in (f"{API}/complaints/", f"{API}/complaints/{complaint.pk}/respond/"):
        response = desk.post(url, '{"title": ', content_type="application/json")
        assert response.status_code == 400, url
        assert "detail" in response.json()


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("dispatch", {"department": "nowhere"}, "department"),
        ("dispatch", {"department": "engineering", "handler": 999999}, "handler"),
        ("dispatch", {"department": "engineering", "handler": "me"}, "handler"),
        ("respond", {"method": "fax", "content": "x"}, "method"),
        ("respond", {"method": "call", "content": ""}, "content"),
        ("respond", {"method": "call", "content": "x", "version": "two"}, "version"),
        ("respond", {"method": "call", "content": "x", "version": 0}, "version"),
        ("agree-plan", {"plan": ["a"]}, "plan"),
        ("pause", {"reason": "x" * 201}, "reason"),
        ("notes", {}, "note"),
        ("major-report", {"cause": "a", "handling": "b"}, "lessons"),
        ("return-visit", {"reached": "perhaps"}, "reached"),
        ("close", {"root_cause": "gremlins"}, "root_cause"),
    ],
)
def test_bad_action_payloads_are_400s(action, payload, field, supervisor, complaint):
    response = post(
        client_for(supervisor), f"{API}/complaints/{complaint.pk}/{action}/", {"version": 1, **payload}
    )

    assert response.status_code == 400, response.json()
    assert field in response.json()


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("agree-plan", {"plan": "p"}),
        ("resolve", {"resolution": "r"}),
        ("return-visit", {"reached": True, "satisfaction": 5}),
        ("close", {"root_cause": "design"}),
        ("reopen", {"reason": "r"}),
        ("resume", {}),
        (
            "work-orders",
            {"department": "engineering", "description": "d", "due_at": "2099-01-01T00:00:00+08:00"},
        ),
    ],
)
def test_illegal_transitions_are_400s_on_status(action, payload, supervisor, complaint):
    response = post(
        client_for(supervisor), f"{API}/complaints/{complaint.pk}/{action}/", {"version": 1, **payload}
    )

    assert response.status_code == 400, response.json()
    assert "status" in response.json()
    assert Complaint.objects.get(pk=complaint.pk).version == 1


def test_bad_work_order_payloads_are_400s(agent, supervisor, complaint, builder):
    _plan_agreed(complaint, supervisor, agent)
    desk = client_for(agent)
    url = f"{API}/complaints/{complaint.pk}/work-orders/"
    version = Complaint.objects.get(pk=complaint.pk).version
    past = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

    for payload, field in [
        ({"description": "d", "due_at": past, "department": "engineering"}, "due_at"),
        ({"description": "d", "due_at": "2099-01-01T00:00:00+08:00"}, "department"),
        ({"description": "d", "due_at": "soon", "department": "engineering"}, "due_at"),
        ({"description": "d", "due_at": "2099-01-01T00:00:00+08:00", "contractor": 999999}, "contractor"),
        (
            {
                "description": "d",
                "due_at": "2099-01-01T00:00:00+08:00",
                "contractor": builder.pk,
                "assignee": agent.pk,
            },
            "assignee",
        ),
    ]:
        response = post(desk, url, {**payload, "version": version})
        assert response.status_code == 400, payload
        assert field in response.json(), (payload, response.json())
    assert not WorkOrder.objects.exists()


def test_return_visit_needs_a_satisfaction_when_reached(agent, supervisor, complaint):
    _plan_agreed(complaint, supervisor, agent)
    services.complaint_resolve(complaint=complaint, by=agent, resolution="修好")
    version = Complaint.objects.get(pk=complaint.pk).version

    response = post(
        client_for(agent),
        f"{API}/complaints/{complaint.pk}/return-visit/",
        {"reached": True, "version": version},
    )

    assert response.status_code == 400
    assert "satisfaction" in response.json()


def test_resolving_with_an_open_work_order_is_a_400(agent, supervisor, complaint):
    _plan_agreed(complaint, supervisor, agent)
    services.work_order_create(
        complaint=complaint,
        by=agent,
        description="d",
        due_at=timezone.now() + datetime.timedelta(days=1),
        department="engineering",
    )
    version = Complaint.objects.get(pk=complaint.pk).version

    response = post(
        client_for(agent),
        f"{API}/complaints/{complaint.pk}/resolve/",
        {"resolution": "r", "version": version},
    )

    assert response.status_code == 400
    assert "work orders" in response.json()["status"][0]


# --- Versions: 409 stale, 428 missing -----------------------------------------------------


def test_stale_version_is_a_409_and_changes_nothing(agent, supervisor, complaint):
    boss = client_for(supervisor)
    url = f"{API}/complaints/{complaint.pk}"
    assert post(boss, f"{url}/dispatch/", {"department": "engineering", "version": 1}).status_code == 200

    stale = post(boss, f"{url}/dispatch/", {"department": "design", "version": 1})

    assert stale.status_code == 409
    assert "Reload" in stale.json()["detail"]
    assert Complaint.objects.get(pk=complaint.pk).department == "engineering"


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("dispatch", {"department": "design"}),
        ("respond", {"method": "call", "content": "c"}),
        ("pause", {"reason": "r"}),
        ("notes", {"note": "n"}),
        ("major-report", {"cause": "a", "handling": "b", "lessons": "c"}),
    ],
)
def test_stale_if_match_is_a_409(action, payload, supervisor, complaint):
    response = post(
        client_for(supervisor), f"{API}/complaints/{complaint.pk}/{action}/", payload, HTTP_IF_MATCH='"7"'
    )

    assert response.status_code == 409
    assert not ComplaintEvent.objects.filter(complaint=complaint).exclude(kind="created").exists()


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("dispatch", {"department": "design"}),
        ("respond", {"method": "call", "content": "c"}),
        ("agree-plan", {"plan": "p"}),
        ("pause", {"reason": "r"}),
        ("notes", {"note": "n"}),
    ],
)
def test_missing_version_is_a_428(action, payload, supervisor, complaint):
    response = post(client_for(supervisor), f"{API}/complaints/{complaint.pk}/{action}/", payload)

    assert response.status_code == 428
    assert "version" in response.json()["detail"]


def test_work_order_actions_check_the_version(agent, supervisor, complaint, builder_user, builder):
    _plan_agreed(complaint, supervisor, agent)
    order = services.work_order_create(
        complaint=complaint,
        by=agent,
        description="d",
        due_at=timezone.now() + datetime.timedelta(days=1),
        contractor=builder,
    )
    crew = client_for(builder_user)
    url = f"{API}/work-orders/{order.pk}"

    assert post(crew, f"{url}/accept/").status_code == 428
    assert post(crew, f"{url}/accept/", {"version": 5}).status_code == 409
    assert post(crew, f"{url}/accept/", HTTP_IF_MATCH="banana").status_code == 400
    assert post(crew, f"{url}/accept/", HTTP_IF_MATCH='"1"').status_code == 200
    assert post(crew, f"{url}/complete/", {"note": "done", "version": 1}).status_code == 409
    assert post(crew, f"{url}/complete/", {"note": "", "version": 2}).status_code == 400
    assert post(crew, f"{url}/accept/", {"version": 2}).status_code == 400  # accepted already


def test_body_and_if_match_must_agree(supervisor, complaint):
    response = post(
        client_for(supervisor),
        f"{API}/complaints/{complaint.pk}/notes/",
        {"note": "n", "version": 1},
        HTTP_IF_MATCH='"2"',
    )

    assert response.status_code == 400
    assert "version" in response.json()


# --- Masking ------------------------------------------------------------------------------


def test_customer_phone_is_masked_in_list_detail_and_action_answers(agent, complaint):
    desk = client_for(agent)

    listed = desk.get(f"{API}/complaints/")
    detail = desk.get(f"{API}/complaints/{complaint.pk}/")
    acted = post(desk, f"{API}/complaints/{complaint.pk}/notes/", {"note": "n", "version": 1})

    assert listed.json()["results"][0]["customer"]["phone"] == MASKED_PHONE
    assert detail.json()["customer"]["phone"] == MASKED_PHONE
    assert detail.json()["customer"]["name"] == "张伟"
    for response in (listed, detail, acted):
        assert CLEAR_PHONE not in response.content.decode()


def test_retrieve_sends_the_version_as_etag(agent, complaint):
    response = client_for(agent).get(f"{API}/complaints/{complaint.pk}/")

    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


# --- Filters ------------------------------------------------------------------------------


def _ids(client, query: str) -> list[int]:
    response = client.get(f"{API}/complaints/?{query}")
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_filters_by_status_category_tree_type_channel_and_number(agent, supervisor, make_complaint):
    leaking = make_complaint()
    noisy = make_complaint(
        category=Category.objects.get(code="security"), complaint_type="repair", channel="wechat"
    )
    _dispatched(leaking, supervisor, agent)
    desk = client_for(agent)
    quality = Category.objects.get(code="quality")

    assert _ids(desk, f"category={quality.pk}") == [leaking.pk]
    assert _ids(desk, "status=open") == [noisy.pk, leaking.pk]
    assert _ids(desk, "status=dispatched") == [leaking.pk]
    assert _ids(desk, "status=closed") == []
    assert _ids(desk, "complaint_type=repair") == [noisy.pk]
    assert _ids(desk, "channel=wechat") == [noisy.pk]
    assert _ids(desk, f"handler={agent.pk}") == [leaking.pk]
    assert _ids(desk, "department=property") == [noisy.pk]
    assert _ids(desk, f"number={leaking.number}") == [leaking.pk]
    assert _ids(desk, "severity=major") == []


def test_filters_by_project_customer_and_received_range(agent, project, owner, make_complaint):
    old = make_complaint(received_at=timezone.now() - datetime.timedelta(days=10))
    new = make_complaint()
    other = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerPhoneFactory(customer=other)
    third = make_complaint(customer=other, unit=None)
    desk = client_for(agent)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    assert _ids(desk, f"project={project.pk}") == [third.pk, new.pk, old.pk]
    assert _ids(desk, f"customer={owner.pk}") == [new.pk, old.pk]
    response = desk.get(f"{API}/complaints/", {"received_at_after": since})
    assert [row["id"] for row in response.json()["results"]] == [third.pk, new.pk]
    response = desk.get(f"{API}/complaints/", {"received_at_before": since})
    assert [row["id"] for row in response.json()["results"]] == [old.pk]


def test_filter_by_sla_state(agent, supervisor, make_complaint):
    on_time, warned, breached, paused = (make_complaint() for _ in range(4))
    Complaint.objects.filter(pk=warned.pk).update(sla_warned=True)
    Complaint.objects.filter(pk=breached.pk).update(
        first_response_due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    services.complaint_pause(complaint=paused, by=agent, reason="业主出差")
    desk = client_for(agent)

    assert _ids(desk, "sla=on_time") == [on_time.pk]
    assert _ids(desk, "sla=warning") == [warned.pk]
    assert _ids(desk, "sla=breached") == [breached.pk]
    assert _ids(desk, "sla=paused") == [paused.pk]
    states = {row["id"]: row["sla"]["state"] for row in desk.get(f"{API}/complaints/").json()["results"]}
    assert states == {
        on_time.pk: "on_time",
        warned.pk: "warning",
        breached.pk: "breached",
        paused.pk: "paused",
    }


@pytest.mark.parametrize(
    "query",
    [
        "sla=late",
        "status=lost",
        "category=999999",
        "category=abc",
        f"category={2**70}",
        "project=999999",
        "customer=abc",
        "handler=abc",
        f"handler={2**70}",
        f"customer={2**70}",
        "received_at_after=yesterday",
        "severity=huge",
    ],
)
def test_bad_filters_are_400s(query, agent, complaint):
    response = client_for(agent).get(f"{API}/complaints/?{query}")

    assert response.status_code == 400
    name = query.split("=")[0]
    assert name.removesuffix("_after") in response.json()


def test_work_order_filters(agent, supervisor, make_complaint, builder):
    first, second = make_complaint(), make_complaint()
    orders = []
    for complaint, kwargs in ((first, {"contractor": builder}), (second, {"department": "maintenance"})):
        _plan_agreed(complaint, supervisor, agent)
        orders.append(
            services.work_order_create(
                complaint=complaint,
                by=agent,
                description="d",
                due_at=timezone.now() + datetime.timedelta(days=len(orders) + 1),
                **kwargs,
            )
        )
    services.work_order_accept(work_order=orders[0], by=agent)
    desk = client_for(agent)

    def ids(query):
        response = desk.get(f"{API}/work-orders/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("status=accepted") == [orders[0].pk]
    assert ids(f"contractor={builder.pk}") == [orders[0].pk]
    assert ids("department=maintenance") == [orders[1].pk]
    assert ids(f"complaint={second.pk}") == [orders[1].pk]
    cutoff = (timezone.now() + datetime.timedelta(days=1, hours=12)).isoformat().replace("+", "%2B")
    assert ids(f"due_at_before={cutoff}") == [orders[0].pk]
    assert desk.get(f"{API}/work-orders/?status=lost").status_code == 400


# --- Pagination and query counts ----------------------------------------------------------


def test_cursor_pagination_walks_every_complaint_once(agent, make_complaint):
    made = [make_complaint().pk for _ in range(5)]
    desk = client_for(agent)

    seen, url = [], f"{API}/complaints/?page_size=2"
    while url:
        page = desk.get(url).json()
        assert "count" not in page
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    assert seen == sorted(made, reverse=True)


@pytest.mark.parametrize(
    "endpoint", ["complaints", "work-orders", "notifications", "sla-policies", "group-cases"]
)
def test_an_id_beyond_a_bigint_is_a_404(endpoint, agent, complaint):
    assert client_for(agent).get(f"{API}/{endpoint}/{2**70}/").status_code == 404
    assert (
        post(client_for(agent), f"{API}/complaints/{2**70}/notes/", {"note": "n", "version": 1}).status_code
        == 404
    )


def test_a_garbage_cursor_is_a_400_not_a_500(agent, complaint):
    """Finding 10.8: bad input is a 400 with a field message (tests/crm/test_bad_input.py walks every list)."""
    response = client_for(agent).get(f"{API}/complaints/?cursor=zzz")

    assert response.status_code == 400 and "cursor" in response.json()


def _fill(project, agent, supervisor, builder, rows: int) -> None:
    leak = Category.objects.get(code="leak")
    for i in range(rows):
        unit = UnitFactory(building__project=project)
        customer = CustomerFactory(city_company=project.city_company, registered_project=project)
        CustomerPhoneFactory(customer=customer)
        CustomerPhoneFactory(customer=customer, is_primary=False)
        complaint = services.complaint_create(
            by=agent,
            customer=customer,
            unit=unit,
            category=leak,
            complaint_type="complaint",
            channel="hotline",
            title=f"漏水{i}",
            description="d",
        )
        _plan_agreed(complaint, supervisor, agent)
        services.work_order_create(
            complaint=complaint,
            by=agent,
            description="d",
            due_at=timezone.now() + datetime.timedelta(days=1),
            contractor=builder,
        )


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize("endpoint", ["complaints", "work-orders", "notifications"])
def test_list_query_count_does_not_grow_with_rows(
    endpoint, rows, agent, supervisor, builder, project, django_assert_max_num_queries
):
    _fill(project, agent, supervisor, builder, rows)
    client = client_for(supervisor if endpoint == "notifications" else agent)
    Notification.objects.bulk_create(
        [Notification(recipient=supervisor, kind="k", title=f"n{i}") for i in range(rows)]
    )

    client.get(f"{API}/{endpoint}/")  # fills the reference-data cache (complaints: category, project names)
    # token+user 1; scope: city companies + projects 2; page 1 (complaints: with the customer's phone;
    # work orders: their visible complaints as a subquery) = 4.
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/{endpoint}/")

    assert response.status_code == 200
    assert len(response.json()["results"]) >= rows


@pytest.mark.parametrize("rows", [2, 20])
def test_filtered_by_sla_list_query_count_is_constant(
    rows, agent, supervisor, builder, project, django_assert_max_num_queries
):
    _fill(project, agent, supervisor, builder, rows)
    client = client_for(agent)

    client.get(f"{API}/complaints/?sla=on_time&status=open")  # fills the reference-data cache
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/complaints/?sla=on_time&status=open")

    assert len(response.json()["results"]) == rows


# --- Reference data -----------------------------------------------------------------------


def test_categories_are_a_tree_for_every_staff_member(builder_user):
    response = client_for(builder_user).get(f"{API}/complaint-categories/")

    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert by_code["quality"]["parent"] is None
    assert by_code["leak"]["parent"] == by_code["quality"]["id"]
    children = (
        client_for(builder_user).get(f"{API}/complaint-categories/?parent={by_code['quality']['id']}").json()
    )
    assert {row["code"] for row in children} >= {"leak", "crack"}
    assert post(client_for(builder_user), f"{API}/complaint-categories/", {"code": "x"}).status_code == 405


def test_sla_policies_read_by_all_written_by_group_admins(agent, group_admin, leak):
    assert client_for(agent).get(f"{API}/sla-policies/").status_code == 200
    payload = {
        "name": "渗漏 Leak",
        "category": leak.pk,
        "first_response_minutes": 120,
        "plan_minutes": 600,
        "resolution_minutes": 6000,
    }

    assert post(client_for(agent), f"{API}/sla-policies/", payload).status_code == 403
    created = post(client_for(group_admin), f"{API}/sla-policies/", payload)
    assert created.status_code == 201, created.json()
    policy = SlaPolicy.objects.get(pk=created.json()["id"])
    assert policy.first_response_minutes == 120
    patched = client_for(group_admin).patch(
        f"{API}/sla-policies/{policy.pk}/", {"warning_percent": 50}, format="json"
    )
    assert patched.status_code == 200
    assert (
        client_for(agent)
        .patch(f"{API}/sla-policies/{policy.pk}/", {"warning_percent": 60}, format="json")
        .status_code
        == 403
    )


def test_an_inconsistent_sla_policy_is_a_400(group_admin):
    response = post(
        client_for(group_admin),
        f"{API}/sla-policies/",
        {"name": "bad", "first_response_minutes": 600, "plan_minutes": 60, "resolution_minutes": 60},
    )

    assert response.status_code == 400
    assert "before resolution" in str(response.json())
    assert not SlaPolicy.objects.filter(name="bad").exists()


def test_a_new_policy_applies_to_complaints_received_afterwards(group_admin, agent, make_complaint, leak):
    post(
        client_for(group_admin),
        f"{API}/sla-policies/",
        {
            "name": "渗漏 Leak",
            "category": leak.pk,
            "first_response_minutes": 120,
            "plan_minutes": 600,
            "resolution_minutes": 6000,
        },
    )
    complaint = make_complaint()

    body = client_for(agent).get(f"{API}/complaints/{complaint.pk}/").json()

    assert body["sla"]["policy"] == "渗漏 Leak"
    due = datetime.datetime.fromisoformat(body["sla"]["first_response_due_at"])
    assert due == datetime.datetime.fromisoformat(body["received_at"]) + datetime.timedelta(hours=2)


# --- Notifications ------------------------------------------------------------------------


def test_notifications_are_the_users_own_and_can_be_marked_read(agent, supervisor, make_complaint):
    make_complaint(severity="major")  # notifies the project's supervisors
    mine = Notification.objects.get(recipient=supervisor)
    theirs = Notification.objects.create(recipient=agent, kind="k", title="t")
    boss = client_for(supervisor)

    listed = boss.get(f"{API}/notifications/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert listed[0]["kind"] == "major_complaint"
    assert boss.get(f"{API}/notifications/{theirs.pk}/").status_code == 404
    assert post(boss, f"{API}/notifications/{theirs.pk}/mark-read/").status_code == 404

    marked = post(boss, f"{API}/notifications/{mine.pk}/mark-read/")
    assert marked.status_code == 200
    assert marked.json()["read_at"] is not None
    assert boss.get(f"{API}/notifications/?unread=true").json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_my_notifications(agent, supervisor):
    Notification.objects.bulk_create(
        [Notification(recipient=agent, kind="k", title=str(i)) for i in range(3)]
    )
    other = Notification.objects.create(recipient=supervisor, kind="k", title="x")

    response = post(client_for(agent), f"{API}/notifications/mark-all-read/")

    assert response.json() == {"marked": 3}
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


# --- Improvement items and group cases ----------------------------------------------------


def test_supervisor_files_an_improvement_item_and_moves_it_to_done(supervisor, agent, complaint):
    boss = client_for(supervisor)

    created = post(
        boss,
        f"{API}/improvement-items/",
        {"title": "地库防水标准", "department": "design", "complaints": [complaint.pk]},
    )

    assert created.status_code == 201, created.json()
    assert created.json()["complaints"] == [complaint.pk]
    assert created.json()["project"] == complaint.project_id
    item_id = created.json()["id"]
    done = post(boss, f"{API}/improvement-items/{item_id}/set-status/", {"status": "done"})
    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    assert post(boss, f"{API}/improvement-items/{item_id}/set-status/", {"status": "lost"}).status_code == 400
    assert [row["id"] for row in client_for(agent).get(f"{API}/improvement-items/").json()["results"]] == [
        item_id
    ]
    assert (
        post(
            client_for(agent), f"{API}/improvement-items/", {"title": "x", "department": "design"}
        ).status_code
        == 403
    )


def test_improvement_item_input_errors_are_400s(supervisor, other_project, leak):
    boss = client_for(supervisor)

    assert "department" in post(boss, f"{API}/improvement-items/", {"title": "x"}).json()
    assert (
        "complaints"
        in post(
            boss, f"{API}/improvement-items/", {"title": "x", "department": "design", "complaints": [999999]}
        ).json()
    )
    assert not ImprovementItem.objects.exists()


def test_group_case_links_complaints_of_one_project(supervisor, agent, make_complaint):
    first, second = make_complaint(), make_complaint()
    boss = client_for(supervisor)

    created = post(boss, f"{API}/group-cases/", {"title": "B2车库群诉", "complaints": [first.pk, second.pk]})

    assert created.status_code == 201, created.json()
    assert sorted(created.json()["complaints"]) == [first.pk, second.pk]
    assert created.json()["number"].startswith("QS-")
    assert Complaint.objects.get(pk=first.pk).severity == "group"
    assert [row["id"] for row in boss.get(f"{API}/group-cases/").json()["results"]] == [created.json()["id"]]
    assert (
        post(client_for(agent), f"{API}/group-cases/", {"complaints": [first.pk, second.pk]}).status_code
        == 403
    )


def test_a_group_case_needs_two_complaints(supervisor, complaint):
    response = post(client_for(supervisor), f"{API}/group-cases/", {"complaints": [complaint.pk]})

    assert response.status_code == 400
    assert "complaints" in response.json()
    assert not GroupCase.objects.exists()
