"""REST API of inspections, checklists and the handover sign-off: scope (404), roles (403), 400 bodies,
idempotent starts and checks, the sign-off's refusals and overrides, query counts."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from customers.models import Contract
from delivery.models import ChecklistItem, ChecklistTemplate, Handover, Inspection, InspectionCheck
from delivery.services.defects import defect_record
from delivery.services.inspection import check_record, inspection_complete, inspection_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The inspection list: the user's scope, city companies and projects (2, unless already cached on the
# user), the page of inspections with its joins and counts (1) → 3.
LIST_QUERIES = 3


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    rows = b"\x00\xff\xff\x00\xff\xff"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def inspection(seeded_checklist, handover, engineer):
    return inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.PRE_INSPECTION)


def answer_all(inspection, by):
    for item in ChecklistItem.objects.filter(template_id=inspection.template_id):
        check_record(by=by, inspection=inspection, item=item, result="pass")


def record_defect(inspection, by, severity="normal", description="墙面裂缝"):
    return defect_record(
        by=by,
        unit=inspection.handover.unit,
        inspection=inspection,
        room="living",
        trade="painting",
        severity=severity,
        description=description,
    )


# --- inspections ---------------------------------------------------------------------------------


def test_starting_an_inspection_is_a_201_and_starting_again_returns_it(
    api_client, engineer, handover, seeded_checklist
):
    api_client.force_authenticate(engineer)

    first = api_client.post(
        "/api/v1/inspections/", {"handover": handover.pk, "kind": "pre_inspection"}, format="json"
    )
    again = api_client.post(
        "/api/v1/inspections/", {"handover": handover.pk, "kind": "handover"}, format="json"
    )

    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    body = first.json()
    assert (body["kind"], body["status"], body["unit_code"]) == ("pre_inspection", "in_progress", "3-1-502")
    assert body["checks"] == [] and body["defects"] == []


def test_starting_for_a_handover_outside_the_scope_is_a_400_that_hides_it(
    api_client, other_agent, handover, seeded_checklist
):
    api_client.force_authenticate(other_agent)

    response = api_client.post(
        "/api/v1/inspections/", {"handover": handover.pk, "kind": "pre_inspection"}, format="json"
    )

    assert response.status_code == 400
    assert "within your scope" in response.json()["handover"][0]
    assert not Inspection.objects.exists()


def test_a_bad_kind_is_a_400(api_client, engineer, handover, seeded_checklist):
    api_client.force_authenticate(engineer)
    response = api_client.post(
        "/api/v1/inspections/", {"handover": handover.pk, "kind": "party"}, format="json"
    )
    assert response.status_code == 400 and "kind" in response.json()


def test_a_readonly_manager_reads_but_may_not_start(api_client, project, handover, inspection):
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    api_client.force_authenticate(manager)

    assert api_client.get("/api/v1/inspections/").status_code == 200
    assert api_client.get(f"/api/v1/inspections/{inspection.pk}/").status_code == 200
    response = api_client.post(
        "/api/v1/inspections/", {"handover": handover.pk, "kind": "handover"}, format="json"
    )
    assert response.status_code == 403
    assert api_client.post(f"/api/v1/inspections/{inspection.pk}/complete/").status_code == 403


def test_contractors_do_not_read_inspections(api_client, contractor_user, inspection):
    api_client.force_authenticate(contractor_user)
    assert api_client.get("/api/v1/inspections/").status_code == 403
    assert api_client.get("/api/v1/checklist-templates/").status_code == 403


def test_inspections_outside_the_scope_are_404_and_unlisted(api_client, other_agent, inspection):
    api_client.force_authenticate(other_agent)

    assert api_client.get("/api/v1/inspections/").json()["results"] == []
    assert api_client.get(f"/api/v1/inspections/{inspection.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/inspections/{inspection.pk}/complete/").status_code == 404
    response = api_client.post(f"/api/v1/inspections/{inspection.pk}/checks/", {"item": 1, "result": "pass"})
    assert response.status_code == 404


def test_a_check_is_an_upsert(api_client, engineer, inspection):
    item = inspection.template.items.first()
    api_client.force_authenticate(engineer)
    url = f"/api/v1/inspections/{inspection.pk}/checks/"

    assert api_client.post(url, {"item": item.pk, "result": "pass"}, format="json").status_code == 200
    response = api_client.post(url, {"item": item.pk, "result": "fail"}, format="json")

    assert response.status_code == 200 and response.json()["result"] == "fail"
    assert InspectionCheck.objects.filter(inspection=inspection).count() == 1
    detail = api_client.get(f"/api/v1/inspections/{inspection.pk}/").json()
    assert [(c["item"], c["result"]) for c in detail["checks"]] == [(item.pk, "fail")]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"item": 999999, "result": "pass"}, "item"),
        ({"result": "pass"}, "item"),
        ({"item": 1, "result": "?"}, "result"),
    ],
)
def test_bad_checks_are_400s_on_their_field(api_client, engineer, inspection, payload, field):
    api_client.force_authenticate(engineer)
    response = api_client.post(f"/api/v1/inspections/{inspection.pk}/checks/", payload, format="json")
    assert response.status_code == 400 and field in response.json()


def test_completing_needs_every_line_answered(api_client, engineer, inspection):
    api_client.force_authenticate(engineer)
    url = f"/api/v1/inspections/{inspection.pk}/complete/"

    refused = api_client.post(url)
    answer_all(inspection, engineer)
    done = api_client.post(url)

    assert refused.status_code == 400 and "checks" in refused.json()
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert api_client.post(url).status_code == 400


def test_the_detail_lists_the_inspections_defects(api_client, engineer, inspection):
    defect = record_defect(inspection, engineer, severity="critical")
    api_client.force_authenticate(engineer)

    body = api_client.get(f"/api/v1/inspections/{inspection.pk}/").json()

    assert body["defect_count"] == 1
    assert body["defects"] == [
        {
            "id": defect.pk,
            "number": defect.number,
            "checklist_item": None,
            "severity": "critical",
            "status": "open",
            "description": "墙面裂缝",
            "blocking": True,
        }
    ]


@pytest.mark.parametrize("rows", [2, 20])
def test_the_inspection_list_query_count_is_constant(
    api_client, engineer, seeded_checklist, batch, rows, django_assert_max_num_queries
):
    from tests.factories import UnitFactory

    building = batch.buildings.first()
    for i in range(rows):
        unit = UnitFactory(building=building, entrance="2", number=f"{100 + i}", floor=1)
        handover = Handover.objects.create(batch=batch, project=batch.project, unit=unit)
        inspection_start(by=engineer, handover=handover, kind="pre_inspection")
    api_client.force_authenticate(engineer)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = api_client.get("/api/v1/inspections/")
    assert len(response.json()["results"]) == rows


def test_checklist_templates_come_with_their_lines(api_client, engineer, seeded_checklist):
    api_client.force_authenticate(engineer)

    body = api_client.get("/api/v1/checklist-templates/").json()

    standard = next(t for t in body if t["name"] == "标准分户验收清单")
    assert len(standard["items"]) == ChecklistItem.objects.filter(template__name="标准分户验收清单").count()
    assert {"room_type", "area", "trade", "text", "position"} <= set(standard["items"][0])
    assert api_client.post("/api/v1/checklist-templates/", {"name": "x"}).status_code == 405
    assert ChecklistTemplate.objects.count() == 1


# --- sign-off -----------------------------------------------------------------------------------


def sign_off_payload(target, **overrides):
    data = {
        "handover": target.pk,
        "documents_handed": ["quality_guarantee", "user_manual"],
        "water_meter": "3.20",
        "electricity_meter": "120.50",
        "gas_meter": "0.00",
        "keys_handed": 4,
        "signed_by_name": "张伟",
        "signature": SimpleUploadedFile("signature.png", png_bytes(), content_type="image/png"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_signing_off_over_the_api(api_client, engineer, handover, owned_unit):
    api_client.force_authenticate(engineer)

    response = api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["handover"] == handover.pk and body["documents_handed"] == [
        "quality_guarantee",
        "user_manual",
    ]
    assert body["signature"].endswith(".png")
    assert response["ETag"] == '"2"'
    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER
    assert Contract.objects.get(unit=owned_unit).handed_over_on == timezone.localdate()
    assert api_client.get(f"/api/v1/handover-sign-offs/{handover.pk}/").json()["signed_by_name"] == "张伟"
    assert [row["handover"] for row in api_client.get("/api/v1/handover-sign-offs/").json()["results"]] == [
        handover.pk
    ]


def test_a_second_sign_off_is_a_400(api_client, engineer, handover):
    api_client.force_authenticate(engineer)
    api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart")

    response = api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart")

    assert response.status_code == 400
    assert response.json()["status"] == ["This unit is already handed over."]


@pytest.fixture
def blocking(inspection, engineer):
    record_defect(inspection, engineer, severity="major")
    answer_all(inspection, engineer)
    inspection_complete(by=engineer, inspection=inspection)
    return Handover.objects.get(pk=inspection.handover_id)


def test_an_engineer_is_refused_over_blocking_defects_even_with_a_reason(api_client, engineer, blocking):
    api_client.force_authenticate(engineer)

    response = api_client.post(
        "/api/v1/handover-sign-offs/",
        sign_off_payload(blocking, override_reason="业主坚持"),
        format="multipart",
    )

    assert response.status_code == 400
    assert "only a supervisor" in response.json()["non_field_errors"][0]


def test_a_supervisor_overrides_with_a_reason_and_not_without(api_client, supervisor, blocking):
    api_client.force_authenticate(supervisor)

    without = api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(blocking), format="multipart")
    with_reason = api_client.post(
        "/api/v1/handover-sign-offs/",
        sign_off_payload(blocking, override_reason="业主要求先收房"),
        format="multipart",
    )

    assert without.status_code == 400 and "override_reason" in without.json()
    assert with_reason.status_code == 201
    assert with_reason.json()["override_by"] == supervisor.pk
    assert with_reason.json()["override_reason"] == "业主要求先收房"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"water_meter": "-0.01"}, "water_meter"),
        ({"electricity_meter": "abc"}, "electricity_meter"),
        ({"keys_handed": 0}, "keys_handed"),
        ({"documents_handed": ["红包"]}, "documents_handed"),
        ({"signature": None}, "signature"),
        ({"signature": "gif"}, "signature"),
        ({"signature": "big"}, "signature"),
        ({"handover": 2**63}, "handover"),
    ],
)
def test_bad_sign_off_input_is_a_400_on_its_field(api_client, engineer, handover, overrides, field):
    if overrides.get("signature") == "gif":
        overrides["signature"] = SimpleUploadedFile("s.gif", b"GIF89a....", content_type="image/gif")
    elif overrides.get("signature") == "big":
        overrides["signature"] = SimpleUploadedFile(
            "s.png", png_bytes() + b"\x00" * (2 * 1024 * 1024), content_type="image/png"
        )
    api_client.force_authenticate(engineer)

    response = api_client.post(
        "/api/v1/handover-sign-offs/", sign_off_payload(handover, **overrides), format="multipart"
    )

    assert response.status_code == 400
    assert field in response.json()
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_a_stale_version_is_a_409_and_a_mismatch_a_400(api_client, engineer, handover):
    api_client.force_authenticate(engineer)

    stale = api_client.post(
        "/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart", HTTP_IF_MATCH='"7"'
    )
    mismatch = api_client.post(
        "/api/v1/handover-sign-offs/",
        sign_off_payload(handover, version=1),
        format="multipart",
        HTTP_IF_MATCH='"2"',
    )

    assert stale.status_code == 409
    assert mismatch.status_code == 400 and "version" in mismatch.json()


def test_sign_off_outside_the_scope_is_hidden(api_client, other_agent, handover, engineer):
    api_client.force_authenticate(other_agent)

    response = api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart")

    assert response.status_code == 400 and "handover" in response.json()
    api_client.force_authenticate(engineer)
    api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart")
    api_client.force_authenticate(other_agent)
    assert api_client.get(f"/api/v1/handover-sign-offs/{handover.pk}/").status_code == 404


def test_a_readonly_manager_may_not_sign_off(api_client, project, handover):
    api_client.force_authenticate(UserFactory(role=Role.READONLY_MANAGER, projects=[project]))
    response = api_client.post("/api/v1/handover-sign-offs/", sign_off_payload(handover), format="multipart")
    assert response.status_code == 403


def test_a_unit_not_yet_handed_over_has_no_sign_off_to_read(api_client, engineer, handover):
    api_client.force_authenticate(engineer)
    assert api_client.get(f"/api/v1/handover-sign-offs/{handover.pk}/").status_code == 404


def test_inspections_filter_by_handover_kind_and_status(api_client, engineer, inspection):
    api_client.force_authenticate(engineer)

    def ids(query):
        return [row["id"] for row in api_client.get(f"/api/v1/inspections/?{query}").json()["results"]]

    assert ids(f"handover={inspection.handover_id}&kind=pre_inspection&status=in_progress") == [inspection.pk]
    assert ids("kind=handover") == []
    assert ids(f"handover={inspection.handover_id + 1000}") == []
    assert api_client.get("/api/v1/inspections/?status=party").status_code == 400
