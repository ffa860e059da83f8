"""Inspections and the sign-off, through delivery.services.inspection: every state change and refusal."""

import datetime
import struct
import threading
import uuid
import zlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from customers.models import Contract
from customers.services import ConcurrentEditError
from delivery.models import (
    Appointment,
    ChecklistItem,
    ChecklistTemplate,
    Defect,
    Handover,
    Inspection,
    InspectionCheck,
)
from delivery.services.defects import defect_record
from delivery.services.inspection import (
    check_record,
    handover_sign_off,
    inspection_complete,
    inspection_start,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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


def signature(content: bytes | None = None, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile("signature.png", png_bytes() if content is None else content, content_type)


@pytest.fixture
def inspection(seeded_checklist, handover, engineer):
    return inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.PRE_INSPECTION)


def answer_all(inspection, by, result=InspectionCheck.Result.PASS):
    for item in ChecklistItem.objects.filter(template_id=inspection.template_id):
        check_record(by=by, inspection=inspection, item=item, result=result)


def finish(inspection, by):
    answer_all(inspection, by)
    inspection_complete(by=by, inspection=inspection)


def record_defect(inspection, by, severity="normal", **overrides):
    fields = dict(
        by=by,
        unit=inspection.handover.unit,
        inspection=inspection,
        room="bathroom",
        trade="waterproofing",
        severity=severity,
        description="闭水试验后楼下顶棚有水渍",
        location="主卫",
    )
    fields.update(overrides)
    return defect_record(**fields)


def sign_off(handover, by, **overrides):
    fields = dict(
        by=by,
        handover=handover,
        documents_handed=["quality_guarantee", "user_manual"],
        water_meter=Decimal("3.25"),
        electricity_meter=Decimal("12.5"),
        gas_meter=Decimal("0.8"),
        keys_handed=4,
        signature=signature(),
        signed_by_name="张伟",
    )
    fields.update(overrides)
    return handover_sign_off(**fields)


# --- starting an inspection ----------------------------------------------------------------------


def test_starting_an_inspection_uses_the_standard_checklist_and_marks_the_unit_inspecting(
    seeded_checklist, handover, engineer
):
    inspection = inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.PRE_INSPECTION)

    assert inspection.status == Inspection.Status.IN_PROGRESS
    assert inspection.inspector == engineer
    assert inspection.template.name == "标准分户验收清单"
    handover.refresh_from_db()
    assert (handover.status, handover.version) == (Handover.Status.INSPECTING, 2)


def test_starting_the_walk_moves_the_checked_in_owner_to_inspecting_on_the_site_queue(
    seeded_checklist, handover, slot, owner, engineer
):
    checked_in = Appointment.objects.create(
        slot=slot,
        handover=handover,
        customer=owner,
        channel=Appointment.Channel.AGENT,
        status=Appointment.Status.CHECKED_IN,
        queue_number=1,
        checked_in_at=timezone.now(),
    )

    inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.HANDOVER)

    checked_in.refresh_from_db()
    assert checked_in.status == Appointment.Status.INSPECTING
    assert checked_in.inspection_started_at is not None


def test_starting_again_returns_the_inspection_in_progress(inspection, handover, agent):
    again = inspection_start(by=agent, handover=handover, kind=Inspection.Kind.HANDOVER)

    assert again.pk == inspection.pk
    assert Inspection.objects.filter(handover=handover).count() == 1


@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.DEPARTMENT_STAFF, Role.READONLY_MANAGER])
def test_roles_outside_the_handover_team_may_not_start_an_inspection(
    seeded_checklist, handover, project, role
):
    user = UserFactory(role=role, projects=[project])

    with pytest.raises(PermissionDenied):
        inspection_start(by=user, handover=handover, kind=Inspection.Kind.PRE_INSPECTION)
    assert not Inspection.objects.exists()


def test_an_agent_of_another_city_may_not_start_an_inspection(seeded_checklist, handover, other_agent):
    with pytest.raises(PermissionDenied):
        inspection_start(by=other_agent, handover=handover, kind=Inspection.Kind.PRE_INSPECTION)


def test_an_unknown_kind_is_refused(seeded_checklist, handover, engineer):
    with pytest.raises(ValidationError) as error:
        inspection_start(by=engineer, handover=handover, kind="party")
    assert "kind" in error.value.message_dict


def test_a_retired_checklist_is_refused(seeded_checklist, handover, engineer):
    retired = ChecklistTemplate.objects.create(name="旧清单", is_active=False)

    with pytest.raises(ValidationError) as error:
        inspection_start(by=engineer, handover=handover, kind="pre_inspection", template=retired)
    assert "template" in error.value.message_dict


def test_a_handed_over_unit_only_takes_a_re_inspection(seeded_checklist, handover, engineer):
    Handover.objects.filter(pk=handover.pk).update(status=Handover.Status.HANDED_OVER)

    with pytest.raises(ValidationError):
        inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.HANDOVER)
    inspection = inspection_start(by=engineer, handover=handover, kind=Inspection.Kind.RE_INSPECTION)
    assert inspection.kind == Inspection.Kind.RE_INSPECTION
    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER


# --- checklist lines -----------------------------------------------------------------------------


def test_recording_a_line_twice_keeps_one_row_with_the_last_answer(inspection, engineer):
    item = inspection.template.items.first()

    check_record(by=engineer, inspection=inspection, item=item, result="pass")
    check_record(by=engineer, inspection=inspection, item=item, result="pass")
    check_record(by=engineer, inspection=inspection, item=item, result="fail")

    assert list(InspectionCheck.objects.filter(inspection=inspection).values_list("item_id", "result")) == [
        (item.pk, "fail")
    ]


def test_a_line_of_another_checklist_is_refused(inspection, engineer):
    other = ChecklistTemplate.objects.create(name="别墅清单")
    foreign = ChecklistItem.objects.create(template=other, room_type="living", area="walls", text="墙面")

    with pytest.raises(ValidationError) as error:
        check_record(by=engineer, inspection=inspection, item=foreign, result="pass")
    assert "item" in error.value.message_dict


def test_an_unknown_result_is_refused(inspection, engineer):
    with pytest.raises(ValidationError) as error:
        check_record(
            by=engineer, inspection=inspection, item=inspection.template.items.first(), result="maybe"
        )
    assert "result" in error.value.message_dict


def test_a_completed_inspection_takes_no_more_answers(inspection, engineer):
    answer_all(inspection, engineer)
    inspection_complete(by=engineer, inspection=inspection)

    with pytest.raises(ValidationError):
        check_record(
            by=engineer, inspection=inspection, item=inspection.template.items.first(), result="fail"
        )


def test_a_contractor_may_not_record_a_line(inspection, contractor_user):
    with pytest.raises(PermissionDenied):
        check_record(
            by=contractor_user, inspection=inspection, item=inspection.template.items.first(), result="pass"
        )


def test_the_same_defect_uploaded_twice_is_one_defect(inspection, engineer):
    client_uuid = uuid.uuid4()

    first = record_defect(inspection, engineer, client_uuid=client_uuid)
    retry = record_defect(inspection, engineer, client_uuid=client_uuid)

    assert retry.pk == first.pk
    assert Defect.objects.filter(unit=inspection.handover.unit).count() == 1
    assert first.inspection == inspection


# --- completing --------------------------------------------------------------------------------


def test_an_inspection_with_unanswered_lines_cannot_be_completed(inspection, engineer):
    check_record(by=engineer, inspection=inspection, item=inspection.template.items.first(), result="pass")

    with pytest.raises(ValidationError) as error:
        inspection_complete(by=engineer, inspection=inspection)

    total = inspection.template.items.count()
    assert f"{total - 1} checklist lines have no answer yet." in error.value.message_dict["checks"]
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS


def test_completing_with_open_defects_puts_the_unit_in_rectification(inspection, engineer, handover):
    record_defect(inspection, engineer)
    answer_all(inspection, engineer)

    inspection_complete(by=engineer, inspection=inspection)

    inspection.refresh_from_db()
    handover.refresh_from_db()
    assert inspection.status == Inspection.Status.COMPLETED
    assert inspection.completed_at is not None
    assert handover.status == Handover.Status.RECTIFYING


def test_completing_without_defects_leaves_the_unit_ready_for_sign_off(inspection, engineer, handover):
    answer_all(inspection, engineer, result=InspectionCheck.Result.NOT_APPLICABLE)

    inspection_complete(by=engineer, inspection=inspection)

    handover.refresh_from_db()
    assert handover.status == Handover.Status.READY


def test_completing_twice_is_refused(inspection, engineer):
    answer_all(inspection, engineer)
    inspection_complete(by=engineer, inspection=inspection)

    with pytest.raises(ValidationError):
        inspection_complete(by=engineer, inspection=inspection)


# --- sign-off ------------------------------------------------------------------------------------


@pytest.fixture
def appointment(handover, slot):
    return Appointment.objects.create(slot=slot, handover=handover, channel="agent", status="checked_in")


def test_sign_off_hands_the_unit_over(handover, engineer, owned_unit, appointment):
    today = timezone.localdate()

    handover = sign_off(handover, engineer)

    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER
    assert handover.handed_over_by == engineer
    assert handover.signed_at is not None and handover.signed_by_name == "张伟"
    assert handover.documents_handed == ["quality_guarantee", "user_manual"]
    assert (handover.water_meter, handover.electricity_meter, handover.gas_meter, handover.keys_handed) == (
        Decimal("3.25"),
        Decimal("12.50"),
        Decimal("0.80"),
        4,
    )
    assert handover.signature.read().startswith(b"\x89PNG")
    assert handover.override_by is None and handover.override_reason == ""
    assert handover.version == 2
    contract = Contract.objects.get(unit=owned_unit, status="active")
    assert contract.handed_over_on == today
    assert contract.version == 2
    # The owner moves from 准业主 to 磨合期 on the lists that read the denormalised dates.
    from customers.models import Customer, Stage

    assert Customer.objects.in_stage(Stage.SETTLING_IN).filter(pk=contract.primary_buyer_id).exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.DONE
    assert appointment.done_at is not None


def test_a_contract_signed_in_the_future_keeps_no_handover_date(handover, engineer, owned_unit):
    future = timezone.localdate() + datetime.timedelta(days=3)
    Contract.objects.filter(unit=owned_unit).update(
        subscribed_on=None, signed_on=future, contractual_handover_on=None
    )

    sign_off(handover, engineer)

    assert Contract.objects.get(unit=owned_unit).handed_over_on is None
    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER


def test_an_unsigned_contract_keeps_no_handover_date(handover, engineer, owned_unit):
    Contract.objects.filter(unit=owned_unit).update(signed_on=None)

    sign_off(handover, engineer)

    assert Contract.objects.get(unit=owned_unit).handed_over_on is None


@pytest.mark.parametrize("severity", ["major", "critical"])
@pytest.mark.parametrize("who", ["agent", "engineer"])
def test_blocking_defects_refuse_the_sign_off_for_agents_and_engineers_even_with_a_reason(
    request, inspection, handover, engineer, severity, who
):
    record_defect(inspection, engineer, severity=severity)
    finish(inspection, engineer)
    actor = request.getfixturevalue(who)

    with pytest.raises(ValidationError) as error:
        sign_off(handover, actor, override_reason="业主坚持收房")

    assert "only a supervisor may hand it over" in " ".join(error.value.message_dict["__all__"])
    handover.refresh_from_db()
    assert handover.status != Handover.Status.HANDED_OVER
    assert not handover.signature


def test_a_supervisor_needs_a_reason_to_override_blocking_defects(inspection, handover, engineer, supervisor):
    record_defect(inspection, engineer, severity="critical")
    finish(inspection, engineer)

    with pytest.raises(ValidationError) as error:
        sign_off(handover, supervisor, override_reason="  ")

    assert "override_reason" in error.value.message_dict
    handover.refresh_from_db()
    assert handover.status != Handover.Status.HANDED_OVER


@pytest.mark.parametrize("who", ["supervisor", "city_head", "group_admin"])
def test_a_supervisor_overrides_blocking_defects_with_a_reason(request, inspection, handover, engineer, who):
    record_defect(inspection, engineer, severity="major")
    finish(inspection, engineer)
    actor = request.getfixturevalue(who)

    sign_off(handover, actor, override_reason="业主要求先收房装修，整改3日内完成")

    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER
    assert handover.override_by == actor
    assert handover.override_reason == "业主要求先收房装修，整改3日内完成"


def test_minor_and_fixed_defects_do_not_block(inspection, handover, engineer):
    record_defect(inspection, engineer, severity="minor")
    fixed = record_defect(inspection, engineer, severity="critical")
    Defect.objects.filter(pk=fixed.pk).update(status=Defect.Status.ACCEPTED)
    finish(inspection, engineer)

    sign_off(handover, engineer, override_reason="不需要")

    handover.refresh_from_db()
    assert handover.status == Handover.Status.HANDED_OVER
    assert handover.override_by is None and handover.override_reason == ""


def test_a_unit_cannot_be_signed_off_twice(handover, engineer, supervisor):
    sign_off(handover, engineer)

    with pytest.raises(ValidationError) as error:
        sign_off(handover, supervisor)
    assert "status" in error.value.message_dict
    handover.refresh_from_db()
    assert handover.handed_over_by == engineer


def test_an_inspection_in_progress_holds_the_sign_off(inspection, handover, engineer):
    with pytest.raises(ValidationError) as error:
        sign_off(handover, engineer)
    assert "Complete the inspection in progress first." in error.value.message_dict["status"]


def test_a_stale_version_is_a_conflict(handover, engineer):
    with pytest.raises(ConcurrentEditError):
        sign_off(handover, engineer, version=handover.version + 1)
    sign_off(handover, engineer, version=handover.version)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"water_meter": Decimal("-1")}, "water_meter"),
        ({"electricity_meter": None}, "electricity_meter"),
        ({"gas_meter": "abc"}, "gas_meter"),
        ({"water_meter": Decimal("1.234")}, "water_meter"),
        ({"keys_handed": 0}, "keys_handed"),
        ({"keys_handed": None}, "keys_handed"),
        ({"keys_handed": 51}, "keys_handed"),
        ({"documents_handed": ["quality_guarantee", "红包"]}, "documents_handed"),
        ({"signed_by_name": "  "}, "signed_by_name"),
        ({"signature": None}, "signature"),
        ({"signature": "jpeg"}, "signature"),
        ({"signature": "big"}, "signature"),
    ],
)
def test_bad_sign_off_input_is_refused_on_its_field(handover, engineer, overrides, field):
    if overrides.get("signature") == "jpeg":
        overrides["signature"] = signature(b"\xff\xd8\xff\xe0 not a png", "image/jpeg")
    elif overrides.get("signature") == "big":
        overrides["signature"] = signature(png_bytes() + b"\x00" * (2 * 1024 * 1024))

    with pytest.raises(ValidationError) as error:
        sign_off(handover, engineer, **overrides)

    assert field in error.value.message_dict
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING


def test_a_unit_without_gas_is_signed_off_without_a_gas_reading(handover, engineer):
    sign_off(handover, engineer, gas_meter=None, documents_handed=["user_manual", "user_manual"])

    handover.refresh_from_db()
    assert handover.gas_meter is None
    assert handover.documents_handed == ["user_manual"]


def test_sign_off_outside_the_scope_is_refused(handover, other_agent):
    with pytest.raises(PermissionDenied):
        sign_off(handover, other_agent)


def test_a_readonly_manager_may_not_sign_off(handover, project):
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    with pytest.raises(PermissionDenied):
        sign_off(handover, manager)


# --- the demo seed ------------------------------------------------------------------------------


def test_the_demo_seed_walks_units_once_and_leaves_the_showcase_unit_alone(
    seeded_checklist, handover, engineer, supervisor, contractor
):
    import io
    from collections import Counter
    from types import SimpleNamespace

    from demo.seeding.delivery_inspection import seed
    from tests.factories import UnitFactory

    building = handover.batch.buildings.first()
    for number in range(5):
        unit = UnitFactory(building=building, entrance="2", number=f"{201 + number}", floor=2)
        Handover.objects.create(batch=handover.batch, project=handover.project, unit=unit)
    cmd = SimpleNamespace(
        created=Counter(),
        contractors={contractor.name: contractor},
        today=timezone.localdate(),
        stdout=io.StringIO(),
    )

    seed(cmd)
    first = +cmd.created
    cmd.created = Counter()
    seed(cmd)

    assert first["inspections"] == 5 and first["handovers signed off"] == 1 and first["defects"] >= 9
    assert +cmd.created == Counter()
    overridden = Handover.objects.get(status=Handover.Status.HANDED_OVER)
    assert overridden.override_by == supervisor and overridden.override_reason
    assert blocking_count(overridden) == 1
    assert not Inspection.objects.filter(handover=handover).exists()  # 四季花城 3-1-502, the showcase


def blocking_count(handover):
    return Defect.objects.blocking().filter(unit_id=handover.unit_id).count()


# --- races on PostgreSQL ---------------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers and has no row locks",
)


def _in_threads(count: int, work) -> list:
    start = threading.Barrier(count)
    results: list = []

    def run(index):
        try:
            start.wait()
            results.append(work(index))
        except Exception as error:  # collected and asserted by the caller
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_tablets_starting_at_once_share_one_inspection(seeded_checklist, handover, engineer, agent):
    users = [engineer, agent, engineer, agent]

    results = _in_threads(
        4, lambda i: inspection_start(by=users[i], handover=handover, kind="pre_inspection")
    )

    assert all(isinstance(r, Inspection) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Inspection.objects.filter(handover=handover).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sign_offs_at_once_hand_the_unit_over_once(handover, engineer, supervisor):
    users = [engineer, supervisor]

    results = _in_threads(2, lambda i: sign_off(handover, users[i]))

    assert sum(isinstance(r, Handover) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "This unit is already handed over." in str(refused[0])
    assert Handover.objects.get(pk=handover.pk).version == 2
