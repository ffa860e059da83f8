# ruff: noqa: F811 - the shared fixtures are imported from test_rectification_services by name
"""REST API of defects and rectification orders: recording with photos and client_uuid, the whole
rectification path, versions (428/409), roles (403), scope (404, contractor sees own), filters,
400 bodies, to-complaint, and list query counts."""

import datetime
import uuid

import pytest
from django.utils import timezone

from delivery.models import Defect, DefectPhoto, RectificationOrder
from delivery.services import rectification as services
from tests.api import client_for
from tests.delivery.test_rectification_services import (  # noqa: F401 - fixtures
    _media,
    fresh,
    handed_over,
    issued,
    make_defect,
    photo,
    verified,
)
from tests.factories import ContractorFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, format="json", **extra)


def url(defect, action=""):
    return f"{API}/defects/{defect.pk}/" + (f"{action}/" if action else "")


# --- recording ------------------------------------------------------------------------------------


def test_record_a_defect_with_photos_and_retry_it_safely(
    engineer, owned_unit, contractor, seeded_checklist, handover
):
    client = client_for(engineer)
    key = uuid.uuid4()
    payload = {
        "unit": owned_unit.pk,
        "room": "bathroom",
        "trade": "waterproofing",
        "severity": "major",
        "description": "淋浴区防水层破损",
        "location": "主卫淋浴区",
        "contractor": contractor.pk,
        "client_uuid": str(key),
        "photos": [photo("a.jpg"), photo("b.jpg")],
    }
    response = client.post(f"{API}/defects/", payload, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("DF-") and body["status"] == "open"
    assert body["deadline_state"] == "on_time" and body["handover"] == handover.pk
    assert [p["stage"] for p in body["photos"]] == ["found", "found"]
    assert response["ETag"] == '"1"'
    payload["photos"] = [photo("a.jpg"), photo("b.jpg")]
    retry = client.post(f"{API}/defects/", payload, format="multipart")
    assert retry.status_code == 200 and retry.json()["id"] == body["id"]
    assert Defect.objects.count() == 1


def test_record_refuses_bad_input_with_field_messages(engineer, owned_unit, other_project, seeded_checklist):
    from tests.factories import UnitFactory

    client = client_for(engineer)
    response = client.post(
        f"{API}/defects/",
        {"unit": owned_unit.pk, "room": "attic", "trade": "civil", "severity": "normal", "description": ""},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"room", "description"}
    foreign = UnitFactory(building__project=other_project)
    response = post(
        client,
        f"{API}/defects/",
        {"unit": foreign.pk, "room": "living", "trade": "civil", "severity": "normal", "description": "x"},
    )
    assert response.status_code == 400 and "unit" in response.json()
    text = {
        "unit": owned_unit.pk,
        "room": "living",
        "trade": "civil",
        "severity": "normal",
        "description": "x",
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    text["photos"] = [SimpleUploadedFile("x.txt", b"x", content_type="text/plain")]
    response = client.post(f"{API}/defects/", text, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()


def test_contractors_may_not_record(contractor_user, owned_unit, seeded_checklist):
    response = post(
        client_for(contractor_user),
        f"{API}/defects/",
        {"unit": owned_unit.pk, "room": "living", "trade": "civil", "severity": "normal", "description": "x"},
    )
    assert response.status_code == 403


# --- the path -----------------------------------------------------------------------------------------


def test_the_whole_rectification_path_by_api(make_defect, engineer, contractor_user, agent):
    defect = make_defect()
    response = post(client_for(engineer), f"{API}/rectification-orders/issue/", {"defects": [defect.pk]})
    assert response.status_code == 201, response.json()
    (order,) = response.json()
    assert order["number"].startswith("RO-") and order["defect_count"] == 1 and order["done_count"] == 0

    crew = client_for(contractor_user)
    response = crew.post(url(defect, "photos"), {"photos": [photo()], "note": "已开工"}, format="multipart")
    assert response.status_code == 201, response.json()
    response = crew.post(
        url(defect, "fixed"), {"photos": [photo()], "note": "已修复"}, format="multipart", HTTP_IF_MATCH='"2"'
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "fixed" and response["ETag"] == '"3"'

    response = post(client_for(engineer), url(defect, "verify"), {"version": 3})
    assert response.json()["status"] == "verified"
    response = post(client_for(agent), url(defect, "owner-accept"), {"version": 4, "note": "满意"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    stages = [p["stage"] for p in response.json()["photos"]]
    assert stages == ["found", "progress", "fixed"]
    assert RectificationOrder.objects.get().status == RectificationOrder.Status.CLOSED
    kinds = [e["kind"] for e in client_for(agent).get(url(defect)).json()["events"]]
    assert kinds == ["created", "assigned", "progress", "fixed", "verified", "accepted"]


def test_rejections_by_api(issued, engineer, contractor_user, agent):
    services.defect_mark_fixed(by=contractor_user, defect=issued, photos=[photo()])
    response = post(client_for(engineer), url(issued, "reject"), {"version": 3, "reason": "仍积水"})
    assert response.status_code == 200 and response.json()["status"] == "fixing"
    assert response.json()["rework_count"] == 1
    verified(fresh(issued), contractor_user, engineer)
    defect = fresh(issued)
    response = post(client_for(agent), url(defect, "owner-reject"), {"version": defect.version, "reason": ""})
    assert response.status_code == 400 and "reason" in response.json()
    response = post(
        client_for(agent), url(defect, "owner-reject"), {"version": defect.version, "reason": "不满意"}
    )
    assert response.status_code == 200 and response.json()["rework_count"] == 2


def test_state_changes_need_a_version(issued, contractor_user, engineer, supervisor):
    crew = client_for(contractor_user)
    response = crew.post(url(issued, "fixed"), {"photos": [photo()]}, format="multipart")
    assert response.status_code == 428
    response = crew.post(url(issued, "fixed"), {"photos": [photo()], "version": 1}, format="multipart")
    assert response.status_code == 409
    assert post(crew, url(issued, "fixed"), {"version": 2}, HTTP_IF_MATCH="banana").status_code == 400
    assert fresh(issued).status == Defect.Status.FIXING
    assert post(client_for(supervisor), url(issued, "cancel"), {"reason": "重复"}).status_code == 428


def test_illegal_transitions_and_roles(issued, engineer, contractor_user, agent, supervisor):
    response = post(client_for(engineer), url(issued, "verify"), {"version": 2})
    assert response.status_code == 400 and "status" in response.json()
    assert post(client_for(contractor_user), url(issued, "verify"), {"version": 2}).status_code == 403
    assert post(client_for(agent), url(issued, "cancel"), {"version": 2, "reason": "x"}).status_code == 403
    assert post(client_for(contractor_user), url(issued, "to-complaint")).status_code == 403
    response = post(client_for(supervisor), url(issued, "cancel"), {"version": 2, "reason": "重复"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_contractor_photo_stages(issued, contractor_user, engineer):
    crew = client_for(contractor_user)
    response = crew.post(url(issued, "photos"), {"photos": [photo()], "stage": "found"}, format="multipart")
    assert response.status_code == 400 and "stage" in response.json()
    response = client_for(engineer).post(
        url(issued, "photos"), {"photos": [photo()], "stage": "found"}, format="multipart"
    )
    assert response.status_code == 201
    assert fresh(issued).photos.filter(stage=DefectPhoto.Stage.FOUND).count() == 2


def test_to_complaint_by_api_is_idempotent(handed_over, agent, seeded_checklist):
    defect = services.defect_report_after_handover(
        by=agent,
        unit=handed_over.unit,
        room="bathroom",
        trade="waterproofing",
        severity="normal",
        description="渗水",
    )
    client = client_for(agent)
    first = post(client, url(defect, "to-complaint"))
    assert first.status_code == 201
    assert first.json()["complaint"] and first.json()["complaint_number"].startswith("TS-")
    second = post(client, url(defect, "to-complaint"))
    assert second.status_code == 200 and second.json()["complaint"] == first.json()["complaint"]


def test_record_after_handover_by_api(handed_over, agent, seeded_checklist, owned_unit):
    response = post(
        client_for(agent),
        f"{API}/defects/",
        {
            "unit": owned_unit.pk,
            "room": "kitchen",
            "trade": "equipment",
            "severity": "minor",
            "description": "烟道不通",
            "after_handover": True,
        },
    )
    assert response.status_code == 201 and response.json()["after_handover"] is True


# --- scope and filters ------------------------------------------------------------------------------------


def test_contractor_sees_own_defects_and_orders_only(
    make_defect, engineer, other_contractor, contractor_user
):
    mine, theirs = make_defect(), make_defect(contractor=other_contractor)
    services.rectification_orders_issue(by=engineer, defects=[mine, theirs])
    crew = client_for(contractor_user)
    assert [d["id"] for d in crew.get(f"{API}/defects/").json()["results"]] == [mine.pk]
    assert crew.get(url(theirs)).status_code == 404
    assert post(crew, url(theirs, "fixed"), {"version": 2}).status_code == 404
    orders = crew.get(f"{API}/rectification-orders/").json()["results"]
    assert [o["contractor"] for o in orders] == [contractor_user.contractor_id]
    other_order = RectificationOrder.objects.exclude(contractor_id=contractor_user.contractor_id).get()
    assert crew.get(f"{API}/rectification-orders/{other_order.pk}/").status_code == 404
    own = crew.get(f"{API}/rectification-orders/{orders[0]['id']}/").json()
    assert [d["id"] for d in own["defects"]] == [mine.pk]


def test_other_city_gets_404(make_defect, other_agent):
    defect = make_defect()
    client = client_for(other_agent)
    assert client.get(f"{API}/defects/").json()["results"] == []
    assert client.get(url(defect)).status_code == 404
    assert post(client, url(defect, "owner-accept"), {"version": 1}).status_code == 404


def test_issue_by_api_refuses_defects_outside_the_scope(make_defect, other_project):
    from tests.factories import UserFactory

    defect = make_defect()
    stranger = UserFactory(role="delivery_engineer", projects=[other_project])
    response = post(client_for(stranger), f"{API}/rectification-orders/issue/", {"defects": [defect.pk]})
    assert response.status_code == 400 and "defects" in response.json()
    assert (
        post(client_for(stranger), f"{API}/rectification-orders/issue/", {"defects": []}).status_code == 400
    )


def test_filters(make_defect, engineer, other_contractor, owned_unit):
    make_defect(trade="painting")
    make_defect(contractor=other_contractor)
    late = make_defect()
    Defect.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    client = client_for(engineer)

    def count(**params):
        response = client.get(f"{API}/defects/", params)
        assert response.status_code == 200, response.json()
        return len(response.json()["results"])

    assert count() == 3
    assert count(trade="painting") == 1
    assert count(contractor=other_contractor.pk) == 1
    assert count(overdue="true") == 1
    assert count(overdue="false") == 2
    assert count(status="open") == 3
    assert count(unit=owned_unit.pk) == 3
    assert count(building=owned_unit.building_id) == 3
    assert count(number=late.number) == 1
    assert client.get(f"{API}/defects/", {"status": "nonsense"}).status_code == 400


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize("endpoint", ["defects", "rectification-orders"])
def test_list_query_count_is_constant(endpoint, count, make_defect, engineer, django_assert_max_num_queries):
    for i in range(count):
        defect = make_defect(
            contractor=ContractorFactory(name=f"单位{i}", projects=[engineer.projects.get()])
        )
        services.rectification_orders_issue(by=engineer, defects=[defect])
    client = client_for(engineer)
    # token + user 1, scope 2, the page 1 (joins and grouped counts) = 4.
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/{endpoint}/")
    assert response.status_code == 200 and len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [2, 20])
def test_contractor_list_query_count_is_constant(
    count, make_defect, contractor_user, django_assert_max_num_queries
):
    for i in range(count):
        make_defect(description=f"缺陷{i}")
    client = client_for(contractor_user)
    with django_assert_max_num_queries(4):
        response = client.get(f"{API}/defects/")
    assert len(response.json()["results"]) == count


def test_correct_changes_only_the_fields_sent_and_needs_a_version(make_defect, engineer):
    defect = make_defect()
    client = client_for(engineer)
    assert post(client, url(defect, "correct"), {"location": "次卧"}).status_code == 428
    response = post(client, url(defect, "correct"), {"version": defect.version, "location": "次卧"})
    assert response.status_code == 200, response.content
    assert response.json()["location"] == "次卧" and response.json()["room"] == defect.room
    assert post(client, url(defect, "correct"), {"version": defect.version, "room": "x"}).status_code == 400
