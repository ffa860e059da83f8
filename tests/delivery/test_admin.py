"""Handover in the admin: checklists, deadlines and floor plans edited by those who may, the rest
read-only and scoped by project (404 outside)."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_set_role
from delivery.models import (
    Appointment,
    ChecklistItem,
    ChecklistTemplate,
    Defect,
    FloorPlan,
    Handover,
    Inspection,
    RectificationOrder,
    RectificationPolicy,
)
from delivery.services.defects import defect_record
from delivery.services.inspection import check_record, inspection_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )


def _admin_user(role, **assignments):
    return staff_set_role(user=UserFactory(role=role, **assignments), role=role)


@pytest.fixture
def group_admin_user(db):
    return _admin_user(Role.GROUP_ADMIN)


@pytest.fixture
def city_head_admin(city):
    return _admin_user(Role.CITY_HEAD, city_companies=[city])


@pytest.fixture
def other_city_head(other_city):
    return _admin_user(Role.CITY_HEAD, city_companies=[other_city])


@pytest.fixture
def walked(seeded_checklist, handover, engineer, slot, contractor):
    """A handover with an appointment, an inspection with one answered line and a defect in an order."""
    Appointment.objects.create(slot=slot, handover=handover, channel="agent")
    inspection = inspection_start(by=engineer, handover=handover, kind="pre_inspection")
    check_record(by=engineer, inspection=inspection, item=inspection.template.items.first(), result="fail")
    defect = defect_record(
        by=engineer,
        unit=handover.unit,
        inspection=inspection,
        room="kitchen",
        trade="plumbing_electrical",
        severity="major",
        description="水槽下水管渗水",
        contractor=contractor,
    )
    order = RectificationOrder.objects.create(
        project=handover.project, contractor=contractor, issued_by=engineer
    )
    Defect.objects.filter(pk=defect.pk).update(order=order)
    FloorPlan.objects.create(
        project=handover.project,
        layout="3室2厅2卫",
        image=SimpleUploadedFile("p.png", png_bytes(), "image/png"),
    )
    return inspection


MODELS = [
    "handoverbatch",
    "readinessitem",
    "handover",
    "appointmentslot",
    "appointment",
    "inspection",
    "defect",
    "rectificationorder",
    "defectalert",
    "checklisttemplate",
    "rectificationpolicy",
    "floorplan",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_delivery_list_and_page_opens_for_the_group_admin(client, group_admin_user, walked, model):
    client.force_login(group_admin_user)

    response = client.get(reverse(f"admin:delivery_{model}_changelist"))

    assert response.status_code == 200
    first = response.context["cl"].result_list[:1]
    for obj in first:
        assert client.get(reverse(f"admin:delivery_{model}_change", args=[obj.pk])).status_code == 200


def _template_form(template, items, **extra_lines):
    data = {
        "name": template.name,
        "is_active": "on",
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(items):
        data.update(
            {
                f"items-{i}-id": item.pk,
                f"items-{i}-template": template.pk,
                f"items-{i}-position": item.position,
                f"items-{i}-room_type": item.room_type,
                f"items-{i}-area": item.area,
                f"items-{i}-trade": item.trade,
                f"items-{i}-text": item.text,
            }
        )
    data.update(extra_lines)
    return data


def test_the_group_admin_adds_a_line_to_the_checklist(client, group_admin_user, seeded_checklist):
    template = ChecklistTemplate.objects.get(name="标准分户验收清单")
    items = list(template.items.order_by("position", "id"))
    n = len(items)
    client.force_login(group_admin_user)

    response = client.post(
        reverse("admin:delivery_checklisttemplate_change", args=[template.pk]),
        _template_form(
            template,
            items,
            **{
                f"items-{n}-template": template.pk,
                f"items-{n}-position": 99,
                f"items-{n}-room_type": "balcony",
                f"items-{n}-area": "fittings",
                f"items-{n}-trade": "equipment",
                f"items-{n}-text": "晾衣架安装牢固、升降顺畅",
            },
        ),
    )

    assert response.status_code == 302
    assert template.items.filter(text="晾衣架安装牢固、升降顺畅", room_type="balcony").exists()


def test_a_line_answered_at_an_inspection_cannot_be_deleted(client, group_admin_user, walked):
    template = walked.template
    items = list(template.items.order_by("position", "id"))
    used = walked.checks.get().item
    index = items.index(used)
    client.force_login(group_admin_user)

    response = client.post(
        reverse("admin:delivery_checklisttemplate_change", args=[template.pk]),
        _template_form(template, items, **{f"items-{index}-DELETE": "on"}),
    )

    assert response.status_code == 200  # the form again, with the reason
    assert "protected" in response.content.decode()
    assert ChecklistItem.objects.filter(pk=used.pk).exists()


def test_a_checklist_is_retired_not_deleted(client, group_admin_user, seeded_checklist):
    template = ChecklistTemplate.objects.get()
    client.force_login(group_admin_user)
    assert (
        client.get(reverse("admin:delivery_checklisttemplate_delete", args=[template.pk])).status_code == 403
    )


def test_the_group_admin_edits_a_rectification_deadline(client, group_admin_user, seeded_checklist):
    policy = RectificationPolicy.objects.get(severity="critical")
    client.force_login(group_admin_user)

    response = client.post(
        reverse("admin:delivery_rectificationpolicy_change", args=[policy.pk]),
        {
            "severity": "critical",
            "working_days": 3,
            "warning_percent": 70,
            "escalation_2_after_hours": 24,
            "escalation_3_after_hours": 48,
        },
    )

    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.working_days, policy.warning_percent) == (3, 70)


def test_a_city_head_reads_the_checklist_but_does_not_edit_it(client, city_head_admin, seeded_checklist):
    template = ChecklistTemplate.objects.get()
    client.force_login(city_head_admin)

    assert client.get(reverse("admin:delivery_checklisttemplate_changelist")).status_code == 200
    assert client.get(reverse("admin:delivery_checklisttemplate_add")).status_code == 403
    response = client.post(
        reverse("admin:delivery_checklisttemplate_change", args=[template.pk]), {"name": "改名"}
    )
    assert response.status_code == 403
    assert ChecklistTemplate.objects.get().name == "标准分户验收清单"


def test_a_city_head_adds_a_floor_plan_to_a_project_of_their_city(
    client, city_head_admin, project, other_project
):
    client.force_login(city_head_admin)
    url = reverse("admin:delivery_floorplan_add")

    page = client.get(url)
    response = client.post(
        url, {"project": project.pk, "layout": "2室2厅1卫", "image": SimpleUploadedFile("p.png", png_bytes())}
    )
    elsewhere = client.post(
        url,
        {
            "project": other_project.pk,
            "layout": "2室2厅1卫",
            "image": SimpleUploadedFile("p.png", png_bytes()),
        },
    )

    assert list(page.context["adminform"].form.fields["project"].queryset) == [project]
    assert response.status_code == 302
    assert FloorPlan.objects.filter(project=project, layout="2室2厅1卫").exists()
    assert elsewhere.status_code == 200  # not a valid choice
    assert not FloorPlan.objects.filter(project=other_project).exists()


@pytest.mark.parametrize("model", ["handover", "inspection", "defect", "appointment", "floorplan"])
def test_rows_of_another_city_are_unlisted_and_404(client, walked, city_head_admin, other_city_head, model):
    model_class = {
        "handover": Handover,
        "inspection": Inspection,
        "defect": Defect,
        "appointment": Appointment,
        "floorplan": FloorPlan,
    }[model]
    obj = model_class.objects.get()

    client.force_login(city_head_admin)
    assert list(client.get(reverse(f"admin:delivery_{model}_changelist")).context["cl"].result_list) == [obj]
    client.force_login(other_city_head)
    assert list(client.get(reverse(f"admin:delivery_{model}_changelist")).context["cl"].result_list) == []
    assert client.get(reverse(f"admin:delivery_{model}_change", args=[obj.pk])).status_code == 404


def test_nobody_changes_a_handover_in_the_admin(client, group_admin_user, walked):
    handover = walked.handover
    client.force_login(group_admin_user)

    response = client.post(
        reverse("admin:delivery_handover_change", args=[handover.pk]), {"status": "handed_over"}
    )

    assert response.status_code == 403
    assert Handover.objects.get(pk=handover.pk).status != Handover.Status.HANDED_OVER
    assert client.get(reverse("admin:delivery_handover_add")).status_code == 403
    assert client.get(reverse("admin:delivery_defect_add")).status_code == 403


def test_the_admin_links_a_handover_to_its_page_in_the_app(client, group_admin_user, walked):
    client.force_login(group_admin_user)
    response = client.get(reverse("admin:delivery_handover_change", args=[walked.handover_id]))
    assert reverse("delivery:handover-detail", args=[walked.handover_id]) in response.content.decode()
