"""The handover page, the inspection tablet and its JSON endpoints, and the sign-off page: rendering,
scope (404), roles (403), idempotent retries, 400s with field messages and query counts."""

import base64
import json
import struct
import uuid
import zlib
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from customers.models import Contract
from delivery.models import (
    ChecklistItem,
    ChecklistTemplate,
    Defect,
    DefectPhoto,
    FloorPlan,
    Handover,
    Inspection,
    InspectionCheck,
)
from delivery.services.defects import defect_record
from delivery.services.inspection import check_record, inspection_complete, inspection_start
from tests.factories import UserFactory, image_bytes

pytestmark = pytest.mark.django_db

# The handover page: session + user (2), scope: city companies, projects (2), the handover with its
# joins (1), prefetches: active contracts, their buyers' phones, active appointments, inspections,
# defects (5), the bell (1) → 11.
HANDOVER_PAGE_QUERIES = 11
# The tablet page: session + user + scope (4), the inspection with its joins (1), prefetches: checks,
# defects (2), the checklist lines (1), the floor plan (1), the defect form's contractors (1), the
# bell (1) → 11.
TABLET_PAGE_QUERIES = 11


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes(width: int = 4, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def photo(name="crack.jpg"):
    return SimpleUploadedFile(name, image_bytes(), content_type="image/jpeg")


@pytest.fixture
def readonly_manager(project):
    return UserFactory(username="reader", role=Role.READONLY_MANAGER, projects=[project])


@pytest.fixture
def inspection(seeded_checklist, handover, engineer):
    return inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.PRE_INSPECTION)


@pytest.fixture
def items(inspection):
    return list(ChecklistItem.objects.filter(template_id=inspection.template_id).order_by("position", "id"))


def record_defect(inspection, by, severity="normal", **overrides):
    fields = dict(
        by=by,
        unit=inspection.handover.unit,
        inspection=inspection,
        room="kitchen",
        trade="plumbing_electrical",
        severity=severity,
        description="水槽下水管接口渗水",
    )
    fields.update(overrides)
    return defect_record(**fields)


def answer_all(inspection, by):
    for item in ChecklistItem.objects.filter(template_id=inspection.template_id):
        check_record(by=by, inspection=inspection, item=item, result="pass")


def post_json(client, url, payload):
    return client.post(
        url, json.dumps(payload), content_type="application/json", HTTP_ACCEPT="application/json"
    )


# --- the handover page ---------------------------------------------------------------------------


def test_the_handover_page_shows_the_unit_the_masked_owner_and_the_defects(
    client, agent, inspection, engineer
):
    record_defect(inspection, engineer, severity="critical", location="厨房水槽下方")
    client.force_login(agent)

    response = client.get(reverse("delivery:handover-detail", args=[inspection.handover_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "3-1-502" in html and "张伟" in html
    assert "138****5678" in html and "13812345678" not in html
    assert html.count('data-testid="defect-row"') == 1
    assert "厨房水槽下方" in html
    assert 'data-testid="defect-blocking"' in html
    assert 'data-testid="continue-inspection"' in html
    assert 'data-testid="sign-off-link"' not in html  # an inspection is in progress


def test_a_readonly_manager_reads_the_handover_page_without_buttons(client, readonly_manager, handover):
    client.force_login(readonly_manager)

    response = client.get(reverse("delivery:handover-detail", args=[handover.pk]))

    assert response.status_code == 200
    assert 'data-testid="start-inspection"' not in response.content.decode()


def test_a_contractor_may_not_open_the_handover_page(client, contractor_user, handover, project):
    contractor_user.projects.set([project])
    client.force_login(contractor_user)
    assert client.get(reverse("delivery:handover-detail", args=[handover.pk])).status_code == 403


def test_the_handover_page_of_another_city_is_404(client, other_agent, handover):
    client.force_login(other_agent)
    assert client.get(reverse("delivery:handover-detail", args=[handover.pk])).status_code == 404
    assert client.get(reverse("delivery:sign-off", args=[handover.pk])).status_code == 404


def test_the_handover_page_needs_a_login(client, handover):
    response = client.get(reverse("delivery:handover-detail", args=[handover.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("rows", [2, 20])
def test_the_handover_page_query_count_is_constant(
    client, supervisor, inspection, engineer, rows, django_assert_max_num_queries
):
    for i in range(rows):
        record_defect(inspection, engineer, description=f"缺陷{i}号", photos=[photo()])
    client.force_login(supervisor)
    with django_assert_max_num_queries(HANDOVER_PAGE_QUERIES):
        response = client.get(reverse("delivery:handover-detail", args=[inspection.handover_id]))
    assert response.content.decode().count('data-testid="defect-row"') == rows


# --- starting -------------------------------------------------------------------------------------


def test_starting_an_inspection_opens_the_tablet_page(client, engineer, handover, seeded_checklist):
    client.force_login(engineer)

    response = client.post(
        reverse("delivery:inspection-start", args=[handover.pk]), {"kind": "pre_inspection"}
    )

    inspection = Inspection.objects.get(handover=handover)
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:inspection", args=[inspection.pk])
    again = client.post(reverse("delivery:inspection-start", args=[handover.pk]), {"kind": "handover"})
    assert again["Location"] == response["Location"]
    assert Inspection.objects.filter(handover=handover).count() == 1
    assert "already in progress" in " ".join(str(m) for m in get_messages(again.wsgi_request))


def test_starting_with_an_unknown_kind_is_a_form_error(client, engineer, handover, seeded_checklist):
    client.force_login(engineer)

    response = client.post(reverse("delivery:inspection-start", args=[handover.pk]), {"kind": "party"})

    assert response.status_code == 400
    assert response.context["start_form"].errors["kind"]
    assert not Inspection.objects.exists()


def test_a_readonly_manager_may_not_start_an_inspection(client, readonly_manager, handover, seeded_checklist):
    client.force_login(readonly_manager)
    response = client.post(
        reverse("delivery:inspection-start", args=[handover.pk]), {"kind": "pre_inspection"}
    )
    assert response.status_code == 403


def test_an_agent_of_another_city_cannot_start_an_inspection(client, other_agent, handover, seeded_checklist):
    client.force_login(other_agent)
    response = client.post(
        reverse("delivery:inspection-start", args=[handover.pk]), {"kind": "pre_inspection"}
    )
    assert response.status_code == 404


# --- the tablet page -----------------------------------------------------------------------------


def test_the_tablet_page_groups_the_checklist_by_room_with_saved_answers(client, engineer, inspection, items):
    check_record(by=engineer, inspection=inspection, item=items[0], result="pass")
    defect = record_defect(inspection, engineer, checklist_item=items[1], description="入户墙面空鼓")
    client.force_login(engineer)

    response = client.get(reverse("delivery:inspection", args=[inspection.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="check-line"') == len(items)
    for room in ("entrance", "living", "kitchen", "bathroom", "bedroom", "balcony"):
        assert f'data-testid="room-{room}"' in html
    assert html.index('data-testid="room-entrance"') < html.index('data-testid="room-kitchen"')
    assert f'data-testid="check-{items[0].pk}-pass"' in html
    page = response.context["page"]
    assert page.done == 1 and page.total == len(items)
    line = page.rooms[0].lines[1]
    assert [d.pk for d in line.defects] == [defect.pk]
    assert 'data-testid="defect-modal"' in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert 'data-testid="floor-plan"' not in html  # no plan for this layout


def test_the_tablet_page_pins_on_the_layouts_floor_plan(client, engineer, inspection, owned_unit):
    owned_unit.layout = "3室2厅2卫"
    owned_unit.save()
    FloorPlan.objects.create(
        project=owned_unit.project,
        layout="3室2厅2卫",
        image=SimpleUploadedFile("plan.png", png_bytes(), "image/png"),
    )
    client.force_login(engineer)

    response = client.get(reverse("delivery:inspection", args=[inspection.pk]))

    assert 'data-testid="floor-plan"' in response.content.decode()


def test_a_completed_inspection_is_read_only(client, engineer, inspection):
    answer_all(inspection, engineer)
    inspection_complete(by=engineer, inspection=inspection)
    client.force_login(engineer)

    response = client.get(reverse("delivery:inspection", args=[inspection.pk]))

    html = response.content.decode()
    assert response.context["may_edit"] is False
    assert 'data-testid="defect-modal"' not in html
    assert 'data-testid="complete-inspection"' not in html


def test_the_tablet_page_of_another_city_is_404(client, other_agent, inspection):
    client.force_login(other_agent)
    assert client.get(reverse("delivery:inspection", args=[inspection.pk])).status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_the_tablet_page_query_count_is_constant(
    client, engineer, inspection, items, rows, django_assert_max_num_queries
):
    for item in items[:rows]:
        check_record(by=engineer, inspection=inspection, item=item, result="fail")
        record_defect(inspection, engineer, checklist_item=item, photos=[photo()])
    client.force_login(engineer)
    with django_assert_max_num_queries(TABLET_PAGE_QUERIES):
        response = client.get(reverse("delivery:inspection", args=[inspection.pk]))
    assert response.context["page"].done == rows
    assert response.content.decode().count('data-testid="defect-item"') == rows


# --- the tablet's JSON endpoints -----------------------------------------------------------------


def test_a_tap_is_saved_and_a_retry_keeps_one_row(client, engineer, inspection, items):
    client.force_login(engineer)
    url = reverse("delivery:inspection-check", args=[inspection.pk])

    first = post_json(client, url, {"item": items[0].pk, "result": "fail"})
    retry = post_json(client, url, {"item": items[0].pk, "result": "fail"})

    assert first.status_code == retry.status_code == 200
    assert retry.json() == {"item": items[0].pk, "result": "fail"}
    assert list(InspectionCheck.objects.filter(inspection=inspection).values_list("result", flat=True)) == [
        "fail"
    ]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"result": "pass"}, "item"),
        ({"item": "x", "result": "pass"}, "item"),
        ({"item": None, "result": "ok"}, "result"),
    ],
)
def test_a_bad_tap_is_a_400_with_field_errors(client, engineer, inspection, items, payload, field):
    if payload.get("item") is None and "item" in payload:
        payload["item"] = items[0].pk
    client.force_login(engineer)

    response = post_json(client, reverse("delivery:inspection-check", args=[inspection.pk]), payload)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_tap_on_a_line_of_another_checklist_is_a_400(client, engineer, inspection):
    other = ChecklistTemplate.objects.create(name="别墅清单")
    foreign = ChecklistItem.objects.create(template=other, room_type="living", area="walls", text="墙面")
    client.force_login(engineer)

    response = post_json(
        client,
        reverse("delivery:inspection-check", args=[inspection.pk]),
        {"item": foreign.pk, "result": "pass"},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["item"] == ["This line is not on the inspection's checklist."]


def test_a_body_that_is_not_json_is_a_400(client, engineer, inspection):
    client.force_login(engineer)
    response = client.post(
        reverse("delivery:inspection-check", args=[inspection.pk]),
        "{not json",
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_a_tap_on_a_completed_inspection_is_a_400(client, engineer, inspection, items):
    answer_all(inspection, engineer)
    inspection_complete(by=engineer, inspection=inspection)
    client.force_login(engineer)

    response = post_json(
        client,
        reverse("delivery:inspection-check", args=[inspection.pk]),
        {"item": items[0].pk, "result": "fail"},
    )

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["The inspection is already completed."]


def test_a_readonly_manager_tap_is_a_403_in_json(client, readonly_manager, inspection, items):
    client.force_login(readonly_manager)
    response = post_json(
        client,
        reverse("delivery:inspection-check", args=[inspection.pk]),
        {"item": items[0].pk, "result": "pass"},
    )
    assert response.status_code == 403
    assert response.json()["errors"]["non_field_errors"]
    assert not InspectionCheck.objects.exists()


def test_a_tap_of_another_city_is_a_404(client, other_agent, inspection, items):
    client.force_login(other_agent)
    response = post_json(
        client,
        reverse("delivery:inspection-check", args=[inspection.pk]),
        {"item": items[0].pk, "result": "pass"},
    )
    assert response.status_code == 404


def test_a_tap_without_javascript_saves_and_goes_back_to_the_page(client, engineer, inspection, items):
    client.force_login(engineer)
    url = reverse("delivery:inspection-check", args=[inspection.pk])

    response = client.post(url, {"item": items[0].pk, "result": "na"})

    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:inspection", args=[inspection.pk])
    assert InspectionCheck.objects.get(inspection=inspection).result == "na"


def defect_form(item=None, **overrides):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "checklist_item": item.pk if item else "",
        "room": item.room_type if item else "whole_unit",
        "trade": item.trade if item else "other",
        "severity": "major",
        "location": "主卧北墙窗下",
        "description": "窗台下墙面渗水，墙纸起泡",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_defect_with_photos_is_recorded_and_a_retry_returns_it(
    client, engineer, inspection, items, contractor
):
    client.force_login(engineer)
    url = reverse("delivery:inspection-defect", args=[inspection.pk])
    data = defect_form(items[3], contractor=contractor.pk, pin_x="0.123456", pin_y="0.5")

    first = client.post(
        url, {**data, "photos": [photo("a.jpg"), photo("b.jpg")]}, HTTP_ACCEPT="application/json"
    )
    retry = client.post(
        url, {**data, "photos": [photo("a.jpg"), photo("b.jpg")]}, HTTP_ACCEPT="application/json"
    )

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    defect = Defect.objects.get()
    assert first.json()["number"] == defect.number and first.json()["client_uuid"] == data["client_uuid"]
    assert (defect.inspection, defect.checklist_item, defect.contractor) == (inspection, items[3], contractor)
    assert (defect.pin_x, defect.pin_y) == (Decimal("0.1235"), Decimal("0.5000"))
    assert DefectPhoto.objects.filter(defect=defect).count() == 2
    assert defect.events.filter(kind="created").count() == 1


def test_a_defect_without_a_description_is_a_400_with_field_errors(client, engineer, inspection, items):
    client.force_login(engineer)

    response = client.post(
        reverse("delivery:inspection-defect", args=[inspection.pk]),
        defect_form(items[0], description="", severity="awful"),
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"description", "severity"}
    assert not Defect.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pin_x": "0.5"}, "pin_x"),
        ({"pin_x": "1.5", "pin_y": "0.2"}, "pin_x"),
        ({"contractor": "999999"}, "contractor"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
    ],
)
def test_bad_defect_fields_are_400s_on_their_field(client, engineer, inspection, items, overrides, field):
    client.force_login(engineer)
    response = client.post(
        reverse("delivery:inspection-defect", args=[inspection.pk]),
        defect_form(items[0], **overrides),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_file_that_is_not_a_photo_is_refused(client, engineer, inspection, items):
    client.force_login(engineer)
    response = client.post(
        reverse("delivery:inspection-defect", args=[inspection.pk]),
        {**defect_form(items[0]), "photos": [SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream")]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "photos" in response.json()["errors"]
    assert not Defect.objects.exists()


def test_a_contractor_may_not_record_a_defect_on_the_tablet(
    client, contractor_user, inspection, items, project
):
    contractor_user.projects.set([project])
    client.force_login(contractor_user)
    response = client.post(
        reverse("delivery:inspection-defect", args=[inspection.pk]),
        defect_form(items[0]),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    assert not Defect.objects.exists()


def test_completing_with_unanswered_lines_shows_the_reason(client, engineer, inspection, items):
    client.force_login(engineer)

    response = client.post(reverse("delivery:inspection-complete", args=[inspection.pk]))

    assert response.status_code == 400
    assert f"{len(items)} checklist lines have no answer yet." in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS


def test_completing_goes_back_to_the_handover_page(client, engineer, inspection):
    answer_all(inspection, engineer)
    client.force_login(engineer)

    response = client.post(reverse("delivery:inspection-complete", args=[inspection.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:handover-detail", args=[inspection.handover_id])
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.COMPLETED


# --- sign-off -----------------------------------------------------------------------------------


def signature_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes()).decode()


def sign_off_form(handover, **overrides):
    data = {
        "documents_handed": ["quality_guarantee", "user_manual", "property_contract"],
        "water_meter": "3.20",
        "electricity_meter": "120.5",
        "gas_meter": "0",
        "keys_handed": "4",
        "signed_by_name": "张伟",
        "signature_data": signature_data_url(),
        "override_reason": "",
        "version": handover.version,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_sign_off_page_offers_the_documents_and_the_signature_pad(client, engineer, handover):
    client.force_login(engineer)

    response = client.get(reverse("delivery:sign-off", args=[handover.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "住宅质量保证书" in html and "前期物业服务合同" in html
    assert 'data-testid="signature-canvas"' in html and "delivery/signature.js" in html
    assert response.context["form"].initial["signed_by_name"] == "张伟"


def test_signing_off_hands_the_unit_over(client, engineer, handover, owned_unit):
    client.force_login(engineer)

    response = client.post(reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover))

    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:handover-detail", args=[handover.pk])
    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER
    assert handover.documents_handed == ["quality_guarantee", "user_manual", "property_contract"]
    assert handover.signature.read().startswith(b"\x89PNG")
    assert Contract.objects.get(unit=owned_unit).handed_over_on == timezone.localdate()
    page = client.get(reverse("delivery:handover-detail", args=[handover.pk])).content.decode()
    assert 'data-testid="signature-image"' in page and 'data-testid="sign-off-link"' not in page


def test_a_signature_uploaded_as_a_file_is_accepted(client, engineer, handover):
    client.force_login(engineer)
    data = sign_off_form(handover, signature_data=None)
    data["signature"] = SimpleUploadedFile("sig.png", png_bytes(), "image/png")

    response = client.post(reverse("delivery:sign-off", args=[handover.pk]), data)

    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"water_meter": "-1"}, "water_meter"),
        ({"electricity_meter": ""}, "electricity_meter"),
        ({"keys_handed": "0"}, "keys_handed"),
        ({"keys_handed": "many"}, "keys_handed"),
        ({"documents_handed": ["红包"]}, "documents_handed"),
        ({"signature_data": ""}, "signature"),
        ({"signature_data": "data:image/jpeg;base64,/9j/4AAQ"}, "signature"),
        ({"signature_data": "data:image/png;base64,@@@"}, "signature"),
        ({"signature_data": "data:image/png;base64," + base64.b64encode(b"GIF89a").decode()}, "signature"),
        ({"signed_by_name": ""}, "signed_by_name"),
    ],
)
def test_bad_sign_off_input_is_a_form_error(client, engineer, handover, overrides, field):
    client.force_login(engineer)

    response = client.post(
        reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover, **overrides)
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


@pytest.fixture
def blocking_unit(inspection, engineer):
    record_defect(inspection, engineer, severity="critical", description="闭水试验渗漏")
    answer_all(inspection, engineer)
    inspection_complete(by=engineer, inspection=inspection)
    return Handover.objects.get(pk=inspection.handover_id)


def test_an_agent_is_refused_the_sign_off_with_blocking_defects(client, agent, blocking_unit):
    client.force_login(agent)
    page = client.get(reverse("delivery:sign-off", args=[blocking_unit.pk])).content.decode()
    assert 'data-testid="override-refused"' in page

    response = client.post(
        reverse("delivery:sign-off", args=[blocking_unit.pk]),
        sign_off_form(blocking_unit, override_reason="业主坚持"),
    )

    assert response.status_code == 400
    assert "only a supervisor may hand it over" in " ".join(response.context["form"].non_field_errors())
    blocking_unit.refresh_from_db()
    assert blocking_unit.status == Handover.Status.RECTIFYING


def test_a_supervisor_without_a_reason_is_asked_for_one(client, supervisor, blocking_unit):
    client.force_login(supervisor)

    response = client.post(
        reverse("delivery:sign-off", args=[blocking_unit.pk]), sign_off_form(blocking_unit)
    )

    assert response.status_code == 400
    assert response.context["form"].errors["override_reason"]


def test_a_supervisor_with_a_reason_hands_over_and_the_override_is_shown(client, supervisor, blocking_unit):
    client.force_login(supervisor)

    response = client.post(
        reverse("delivery:sign-off", args=[blocking_unit.pk]),
        sign_off_form(blocking_unit, override_reason="业主要求先收房，防水3日内整改"),
    )

    assert response.status_code == 302
    blocking_unit.refresh_from_db()
    assert (blocking_unit.status, blocking_unit.override_by) == (Handover.Status.HANDED_OVER, supervisor)
    page = client.get(reverse("delivery:handover-detail", args=[blocking_unit.pk])).content.decode()
    assert 'data-testid="override"' in page and "业主要求先收房，防水3日内整改" in page


def test_a_second_sign_off_is_refused(client, engineer, supervisor, handover):
    client.force_login(engineer)
    client.post(reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover))
    handover.refresh_from_db()
    client.force_login(supervisor)

    page = client.get(reverse("delivery:sign-off", args=[handover.pk]))
    response = client.post(reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover))

    assert page.status_code == 200 and 'data-testid="sign-off-form"' not in page.content.decode()
    assert response.status_code == 400
    assert "This unit is already handed over." in " ".join(response.context["form"].non_field_errors())
    handover.refresh_from_db()
    assert handover.handed_over_by == engineer


def test_a_stale_sign_off_form_is_refused(client, engineer, handover):
    client.force_login(engineer)
    Handover.objects.filter(pk=handover.pk).update(version=5)

    response = client.post(
        reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover, version=1)
    )

    assert response.status_code == 400
    assert "Someone else changed this record" in " ".join(response.context["form"].non_field_errors())


def test_a_readonly_manager_may_not_sign_off(client, readonly_manager, handover):
    client.force_login(readonly_manager)
    response = client.post(reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover))
    assert response.status_code == 403
