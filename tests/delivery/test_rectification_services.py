"""Rectification services: orders per contractor, the contractor's fix, the engineer's verification,
the owner's re-inspection (复验), cancellation, warranty defects turned into repair requests, and
every refusal (role, scope, status, version)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Complaint, ComplaintType, ImprovementItem
from customers.services import ConcurrentEditError
from delivery.models import Defect, DefectEvent, DefectPhoto, Handover, RectificationOrder
from delivery.services import rectification as services
from delivery.services.defects import defect_record
from notifications.models import Notification
from tests.factories import UnitFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

JPEG = image_bytes()


def photo(name: str = "p.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def make_defect(seeded_checklist, engineer, owned_unit, contractor, handover):
    def make(**overrides):
        fields = dict(
            by=engineer,
            unit=owned_unit,
            room="bathroom",
            trade="waterproofing",
            severity="normal",
            description="卫生间地漏反坡，积水",
            location="主卫地漏",
            contractor=contractor,
            photos=[photo()],
        )
        fields.update(overrides)
        return defect_record(**fields)

    return make


@pytest.fixture
def issued(make_defect, engineer):
    """A defect in a rectification order, being fixed."""
    defect = make_defect()
    services.rectification_orders_issue(by=engineer, defects=[defect])
    return Defect.objects.get(pk=defect.pk)


def fresh(defect: Defect) -> Defect:
    return Defect.objects.get(pk=defect.pk)


def fixed(defect, by):
    return services.defect_mark_fixed(by=by, defect=defect, photos=[photo("fixed.jpg")], note="重新找坡")


def verified(defect, contractor_user, engineer):
    fixed(defect, contractor_user)
    return services.defect_verify(by=engineer, defect=fresh(defect))


# --- issuing orders -------------------------------------------------------------------------------


def test_issue_groups_defects_per_project_and_contractor(
    make_defect, engineer, contractor, other_contractor, contractor_user, project
):
    first = make_defect()
    second = make_defect(severity="critical", description="入户门无法上锁")
    third = make_defect(contractor=other_contractor, trade="doors_windows", description="窗扇变形")
    orders = services.rectification_orders_issue(by=engineer, defects=[first, second, third])

    assert len(orders) == 2
    by_contractor = {o.contractor_id: o for o in orders}
    ours = by_contractor[contractor.pk]
    month = timezone.localtime().strftime("%Y%m")
    assert ours.number == f"RO-{month}-{ours.pk:06d}"
    assert ours.project == project and ours.issued_by == engineer
    assert ours.status == RectificationOrder.Status.OPEN
    assert set(ours.defects.values_list("pk", flat=True)) == {first.pk, second.pk}
    # The order is due when its latest defect is due (normal: 10 days, later than critical: 2).
    assert ours.due_at == max(fresh(first).due_at, fresh(second).due_at) == fresh(first).due_at
    for defect in (first, second, third):
        defect = fresh(defect)
        assert defect.status == Defect.Status.FIXING
        assert defect.version == 2
        assert defect.events.filter(kind=DefectEvent.Kind.ASSIGNED).count() == 1
    note = Notification.objects.get(recipient=contractor_user, kind="rectification_order")
    assert ours.number in note.title and note.link == f"/handover/orders/{ours.pk}/"


def test_issue_leaves_out_what_cannot_be_issued_and_gives_a_contractor_to_defects_without_one(
    make_defect, engineer, contractor, other_contractor
):
    issued_before = make_defect()
    services.rectification_orders_issue(by=engineer, defects=[issued_before])
    without = make_defect(contractor=None, description="墙面空鼓")
    orders = services.rectification_orders_issue(
        by=engineer, defects=[issued_before, without], contractor=other_contractor
    )
    assert len(orders) == 1 and orders[0].contractor == other_contractor
    assert list(orders[0].defects.all()) == [fresh(without)]
    assert fresh(without).contractor == other_contractor
    assert fresh(issued_before).order_id != orders[0].pk


def test_issue_refuses_when_nothing_can_be_issued(make_defect, engineer):
    without = make_defect(contractor=None)
    with pytest.raises(ValidationError) as error:
        services.rectification_orders_issue(by=engineer, defects=[without])
    assert "defects" in error.value.message_dict
    assert not RectificationOrder.objects.exists()


def test_issue_refuses_roles_and_defects_outside_the_scope(
    make_defect, agent, contractor_user, other_project
):
    defect = make_defect()
    with pytest.raises(PermissionDenied):
        services.rectification_orders_issue(by=agent, defects=[defect])
    with pytest.raises(PermissionDenied):
        services.rectification_orders_issue(by=contractor_user, defects=[defect])
    stranger = UserFactory(role="delivery_engineer", projects=[other_project])
    with pytest.raises(PermissionDenied):
        services.rectification_orders_issue(by=stranger, defects=[defect])
    assert fresh(defect).status == Defect.Status.OPEN


# --- the contractor's part ------------------------------------------------------------------------


def test_contractor_reports_progress_with_photos(issued, contractor_user):
    services.defect_progress(by=contractor_user, defect=issued, note="已凿开地面", photos=[photo()])
    defect = fresh(issued)
    assert defect.photos.filter(stage=DefectPhoto.Stage.PROGRESS).count() == 1
    event = defect.events.get(kind=DefectEvent.Kind.PROGRESS)
    assert event.note == "已凿开地面" and event.actor == contractor_user
    assert defect.version == issued.version  # a report, not a state change


def test_progress_needs_a_note_or_a_photo_and_a_defect_being_fixed(
    make_defect, issued, contractor_user, engineer
):
    with pytest.raises(ValidationError):
        services.defect_progress(by=contractor_user, defect=issued, note="  ")
    open_defect = make_defect()
    with pytest.raises(ValidationError) as error:
        services.defect_progress(by=engineer, defect=open_defect, note="x")
    assert "status" in error.value.message_dict


def test_another_contractor_may_not_touch_the_defect(issued, other_contractor_user):
    with pytest.raises(PermissionDenied):
        services.defect_progress(by=other_contractor_user, defect=issued, note="x")
    with pytest.raises(PermissionDenied):
        fixed(issued, other_contractor_user)
    assert fresh(issued).status == Defect.Status.FIXING


def test_mark_fixed_needs_a_photo(issued, contractor_user):
    with pytest.raises(ValidationError) as error:
        services.defect_mark_fixed(by=contractor_user, defect=issued, photos=[])
    assert "photos" in error.value.message_dict
    text = SimpleUploadedFile("fix.txt", b"done", content_type="text/plain")
    with pytest.raises(ValidationError):
        services.defect_mark_fixed(by=contractor_user, defect=issued, photos=[text])
    assert fresh(issued).status == Defect.Status.FIXING


def test_mark_fixed_stops_the_clock_completes_the_order_and_asks_the_engineer(
    issued, contractor_user, engineer
):
    assert issued.next_check_at is not None
    fixed(issued, contractor_user)
    defect = fresh(issued)
    assert defect.status == Defect.Status.FIXED
    assert defect.fixed_at is not None
    assert defect.next_check_at is None
    assert defect.photos.filter(stage=DefectPhoto.Stage.FIXED).count() == 1
    assert defect.order.status == RectificationOrder.Status.COMPLETED
    assert defect.order.completed_at is not None
    assert Notification.objects.filter(recipient=engineer, kind="defect_fixed").count() == 1


def test_an_order_stays_open_while_one_of_its_defects_is_being_fixed(make_defect, engineer, contractor_user):
    first, second = make_defect(), make_defect(description="踢脚线脱落")
    (order,) = services.rectification_orders_issue(by=engineer, defects=[first, second])
    fixed(fresh(first), contractor_user)
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.OPEN


def test_mark_fixed_refuses_a_defect_not_being_fixed(make_defect, engineer):
    with pytest.raises(ValidationError):
        fixed(make_defect(), engineer)


# --- verification --------------------------------------------------------------------------------------


def test_engineer_verifies_a_fixed_defect(issued, contractor_user, engineer):
    verified(issued, contractor_user, engineer)
    defect = fresh(issued)
    assert defect.status == Defect.Status.VERIFIED
    assert defect.verified_by == engineer and defect.verified_at is not None
    assert defect.events.filter(kind=DefectEvent.Kind.VERIFIED).exists()
    assert defect.order.status == RectificationOrder.Status.COMPLETED


def test_the_contractor_may_not_verify_their_own_fix(issued, contractor_user):
    fixed(issued, contractor_user)
    with pytest.raises(PermissionDenied):
        services.defect_verify(by=contractor_user, defect=fresh(issued))


def test_verify_refuses_a_defect_not_fixed(issued, engineer):
    with pytest.raises(ValidationError) as error:
        services.defect_verify(by=engineer, defect=issued)
    assert "status" in error.value.message_dict


def test_engineer_rejects_the_fix_back_to_the_contractor_on_a_fresh_clock(issued, contractor_user, engineer):
    fixed(issued, contractor_user)
    later = timezone.now() + datetime.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.defect_reject(by=engineer, defect=fresh(issued), reason="仍有积水")
    defect = fresh(issued)
    assert defect.status == Defect.Status.FIXING
    assert defect.rework_count == 1
    assert defect.fixed_at is None
    assert defect.clock_started_at == later
    assert defect.due_at > issued.due_at
    assert defect.next_check_at is not None and not defect.warned and defect.escalation_level == 0
    assert defect.order.status == RectificationOrder.Status.OPEN
    assert defect.order.completed_at is None
    assert defect.order.due_at == defect.due_at
    event = defect.events.get(kind=DefectEvent.Kind.VERIFY_REJECTED)
    assert event.note == "仍有积水" and event.data["rework"] == 1
    assert Notification.objects.filter(recipient=contractor_user, kind="defect_rework").count() == 1


def test_reject_needs_a_reason(issued, contractor_user, engineer):
    fixed(issued, contractor_user)
    with pytest.raises(ValidationError) as error:
        services.defect_reject(by=engineer, defect=fresh(issued), reason=" ")
    assert "reason" in error.value.message_dict
    assert fresh(issued).status == Defect.Status.FIXED


# --- the owner's re-inspection ---------------------------------------------------------------------------


def test_owner_accepts_and_the_order_closes(issued, contractor_user, engineer, agent):
    verified(issued, contractor_user, engineer)
    services.defect_owner_accept(by=agent, defect=fresh(issued), note="业主满意", photos=[photo()])
    defect = fresh(issued)
    assert defect.status == Defect.Status.ACCEPTED
    assert defect.accepted_at is not None
    assert defect.photos.filter(stage=DefectPhoto.Stage.REINSPECTION).count() == 1
    assert defect.order.status == RectificationOrder.Status.CLOSED
    assert defect.events.filter(kind=DefectEvent.Kind.ACCEPTED, actor=agent).exists()


def test_the_unit_is_ready_for_sign_off_once_the_owner_accepts_its_last_open_defect(
    seeded_checklist, make_defect, handover, contractor_user, engineer, agent, supervisor
):
    from delivery.services.inspection import check_record, inspection_complete, inspection_start

    walk = inspection_start(by=engineer, handover=handover, kind="pre_inspection")
    first, second = make_defect(inspection=walk), make_defect(inspection=walk, description="阳台栏杆松动")
    for item in walk.template.items.all():
        check_record(by=engineer, inspection=walk, item=item, result="pass")
    inspection_complete(by=engineer, inspection=walk)
    services.rectification_orders_issue(by=engineer, defects=[first, second])
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.RECTIFYING

    verified(first, contractor_user, engineer)
    services.defect_owner_accept(by=agent, defect=fresh(first))
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.RECTIFYING

    services.defect_cancel(by=supervisor, defect=fresh(second), reason="重复记录")
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.READY


def test_owner_rejects_back_to_the_contractor(issued, contractor_user, engineer, agent):
    verified(issued, contractor_user, engineer)
    services.defect_owner_reject(by=agent, defect=fresh(issued), reason="地漏周边仍渗水")
    defect = fresh(issued)
    assert defect.status == Defect.Status.FIXING
    assert defect.rework_count == 1
    assert defect.verified_at is None and defect.verified_by is None
    assert defect.next_check_at is not None
    assert defect.order.status == RectificationOrder.Status.OPEN
    assert defect.events.get(kind=DefectEvent.Kind.OWNER_REJECTED).note == "地漏周边仍渗水"
    note = Notification.objects.get(recipient=contractor_user, kind="defect_rework")
    assert "owner" in note.title and note.body == "地漏周边仍渗水"


def test_owner_decisions_need_a_verified_defect_and_a_reason_to_reject(
    issued, contractor_user, engineer, agent
):
    with pytest.raises(ValidationError):
        services.defect_owner_accept(by=agent, defect=issued)
    verified(issued, contractor_user, engineer)
    with pytest.raises(ValidationError) as error:
        services.defect_owner_reject(by=agent, defect=fresh(issued), reason="")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.defect_owner_accept(by=contractor_user, defect=fresh(issued))


# --- cancel, versions ------------------------------------------------------------------------------------


def test_supervisor_cancels_a_defect_and_the_order_follows(issued, supervisor, engineer, contractor_user):
    with pytest.raises(PermissionDenied):
        services.defect_cancel(by=engineer, defect=issued, reason="重复记录")
    with pytest.raises(ValidationError):
        services.defect_cancel(by=supervisor, defect=issued, reason="")
    services.defect_cancel(by=supervisor, defect=issued, reason="重复记录")
    defect = fresh(issued)
    assert defect.status == Defect.Status.CANCELLED and defect.next_check_at is None
    assert defect.order.status == RectificationOrder.Status.CLOSED  # nothing left to do in it
    assert Notification.objects.filter(recipient=contractor_user, kind="defect_cancelled").exists()
    with pytest.raises(ValidationError):
        services.defect_cancel(by=supervisor, defect=defect, reason="again")


def test_a_stale_version_is_a_conflict(issued, contractor_user, engineer):
    stale = issued.version
    fixed(issued, contractor_user)
    with pytest.raises(ConcurrentEditError):
        services.defect_verify(by=engineer, defect=fresh(issued), expected_version=stale)
    services.defect_verify(by=engineer, defect=fresh(issued), expected_version=stale + 1)
    assert fresh(issued).status == Defect.Status.VERIFIED


# --- after handover: warranty and repair requests -------------------------------------------------------------


@pytest.fixture
def handed_over(handover):
    Handover.objects.filter(pk=handover.pk).update(
        status=Handover.Status.HANDED_OVER, signed_at=timezone.now() - datetime.timedelta(days=90)
    )
    handover.refresh_from_db()
    return handover


@pytest.fixture
def warranty_defect(handed_over, make_defect, agent):
    return services.defect_report_after_handover(
        by=agent,
        unit=handed_over.unit,
        room="bathroom",
        trade="waterproofing",
        severity="normal",
        description="入住后卫生间渗水到楼下",
    )


def test_warranty_defect_becomes_a_repair_request_linked_both_ways(warranty_defect, agent, owner):
    complaint = services.defect_to_complaint(by=agent, defect=warranty_defect)
    assert complaint.complaint_type == ComplaintType.REPAIR
    assert complaint.customer == owner
    assert complaint.unit_id == warranty_defect.unit_id
    assert complaint.category.code == "leak"
    assert warranty_defect.number in complaint.description
    defect = fresh(warranty_defect)
    assert defect.complaint == complaint
    assert list(complaint.defects.all()) == [defect]
    assert defect.events.filter(kind=DefectEvent.Kind.COMPLAINT_LINKED).count() == 1
    # Idempotent: a second call returns the same complaint and makes nothing new.
    assert services.defect_to_complaint(by=agent, defect=defect) == complaint
    assert Complaint.objects.count() == 1
    assert defect.events.filter(kind=DefectEvent.Kind.COMPLAINT_LINKED).count() == 1


def test_only_warranty_defects_become_repair_requests(make_defect, agent, engineer, warranty_defect):
    with pytest.raises(ValidationError) as error:
        services.defect_to_complaint(by=agent, defect=make_defect())
    assert "after_handover" in error.value.message_dict
    with pytest.raises(PermissionDenied):  # the complaint desk's front line opens complaints
        services.defect_to_complaint(by=engineer, defect=warranty_defect)
    assert not Complaint.objects.exists()


def test_a_unit_without_owner_cannot_get_a_repair_request(batch, project, agent, seeded_checklist):
    unit = UnitFactory(building__project=project)
    handover = Handover.objects.create(
        batch=batch, project=project, unit=unit, status=Handover.Status.HANDED_OVER, signed_at=timezone.now()
    )
    defect = services.defect_report_after_handover(
        by=agent,
        unit=handover.unit,
        room="kitchen",
        trade="equipment",
        severity="minor",
        description="烟道不通",
    )
    with pytest.raises(ValidationError) as error:
        services.defect_to_complaint(by=agent, defect=defect)
    assert "customer" in error.value.message_dict


def test_after_the_warranty_a_defect_is_refused(handed_over, agent, seeded_checklist):
    Handover.objects.filter(pk=handed_over.pk).update(
        signed_at=timezone.now() - services.WARRANTY - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        services.defect_report_after_handover(
            by=agent,
            unit=handed_over.unit,
            room="kitchen",
            trade="equipment",
            severity="minor",
            description="x",
        )
    assert "after_handover" in error.value.message_dict


def test_improvement_item_from_statistics_belongs_to_the_project(supervisor, project, engineer):
    item = services.improvement_item_from_stats(
        by=supervisor, title="防水缺陷偏多", department="engineering", description="0.8/户", project=project
    )
    assert ImprovementItem.objects.get(pk=item.pk).project == project
    with pytest.raises(PermissionDenied):
        services.improvement_item_from_stats(by=engineer, title="x", department="engineering")


# --- the demo seed ------------------------------------------------------------------------------------------


def test_demo_seed_moves_defects_along_and_is_idempotent(
    make_defect, handed_over, engineer, agent, contractor, project
):
    import io
    from collections import Counter
    from types import SimpleNamespace

    from demo.seeding import delivery_rectification as demo

    for i in range(9):
        make_defect(description=f"缺陷{i}")
    UserFactory(username="contractor", role="contractor", contractor=contractor, projects=[project])
    cmd = SimpleNamespace(created=Counter(), stdout=io.StringIO(), contractors={}, today=timezone.localdate())
    demo.seed(cmd)
    statuses = Counter(Defect.objects.filter(after_handover=False).values_list("status", flat=True))
    assert statuses == {"fixing": 5, "fixed": 1, "verified": 1, "accepted": 2}
    assert Defect.objects.filter(rework_count=1).count() == 1
    assert Defect.objects.filter(escalation_level__gt=0).count() == 2
    assert Defect.objects.get(after_handover=True).complaint is not None
    assert cmd.created["rectification orders"] == 1 and cmd.created["rectification escalations"] >= 2
    before = (Defect.objects.count(), RectificationOrder.objects.count(), Complaint.objects.count())
    demo.seed(
        SimpleNamespace(created=Counter(), stdout=io.StringIO(), contractors={}, today=timezone.localdate())
    )
    assert (Defect.objects.count(), RectificationOrder.objects.count(), Complaint.objects.count()) == before


# --- correcting what was recorded ---------------------------------------------------------------------------


def test_a_correction_changes_the_fields_writes_history_and_a_new_severity_moves_the_due_date(
    make_defect, engineer, other_contractor
):
    defect = make_defect(severity="minor")
    minor_due = defect.due_at
    corrected = services.defect_correct(
        by=engineer,
        defect=defect,
        expected_version=defect.version,
        room="kitchen",
        location=" 水槽下 ",
        severity="critical",
        contractor=other_contractor,
        description=defect.description,  # unchanged: not in the history
    )
    corrected = fresh(corrected)
    assert (corrected.room, corrected.location, corrected.severity) == ("kitchen", "水槽下", "critical")
    assert corrected.contractor == other_contractor
    assert corrected.version == defect.version + 1
    # Critical is due in 2 working days, minor in 15, from the same start.
    assert corrected.clock_started_at == defect.clock_started_at and corrected.due_at < minor_due
    event = corrected.events.get(kind=DefectEvent.Kind.CORRECTED)
    assert "华艺门窗" in event.note and "水槽下" in event.note
    assert corrected.get_room_display() in event.note
    assert len(event.note.splitlines()) == 4  # room, location, severity, contractor; not the description


def test_a_correction_with_no_change_writes_nothing(make_defect, engineer):
    defect = make_defect()
    services.defect_correct(by=engineer, defect=defect, room=defect.room, expected_version=defect.version)
    assert fresh(defect).version == defect.version
    assert not DefectEvent.objects.filter(kind=DefectEvent.Kind.CORRECTED).exists()


def test_a_correction_is_refused_once_issued_stale_escalated_blank_or_by_a_contractor(
    make_defect, issued, engineer, contractor_user
):
    with pytest.raises(ValidationError, match="status"):
        services.defect_correct(by=engineer, defect=issued, room="kitchen")
    defect = make_defect()
    with pytest.raises(ConcurrentEditError):
        services.defect_correct(
            by=engineer, defect=defect, room="kitchen", expected_version=defect.version + 1
        )
    with pytest.raises(ValidationError, match="description"):
        services.defect_correct(by=engineer, defect=defect, description="  ")
    with pytest.raises(PermissionDenied):
        services.defect_correct(by=contractor_user, defect=defect, room="kitchen")
    Defect.objects.filter(pk=defect.pk).update(escalation_level=1)
    with pytest.raises(ValidationError, match="severity"):
        services.defect_correct(by=engineer, defect=fresh(defect), severity="critical")
    # Other fields may still be put right.
    assert services.defect_correct(by=engineer, defect=fresh(defect), location="北墙").location == "北墙"
    assert fresh(defect).escalation_level == 1
