"""Rectification deadlines: due times in working days on the statutory calendar, the warning and
escalation levels 1–3 with their recipients, exactly once (a rerun fires nothing, a rework round
fires again), a fixed defect stops its clock, the Celery task, and two concurrent sweeps on
PostgreSQL. The machinery is core.escalation's, shared with complaint SLAs."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from delivery import deadlines, tasks
from delivery.models import Defect, DefectAlert, DefectEvent, RectificationPolicy
from delivery.services import rectification as services
from delivery.services.defects import defect_record
from notifications.models import Notification
from tests.factories import UserFactory, image_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
JPEG = image_bytes()


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def photo():
    return SimpleUploadedFile("fixed.jpg", JPEG, content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def clock():
    # Monday 2 November 2026, 10:00 in Shenzhen.
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def record(seeded_checklist, agent, owned_unit, contractor, handover):
    """Record a defect as the agent who accompanied the owner (so the reporter is not an engineer)."""

    def make(**overrides):
        fields = dict(
            by=agent,
            unit=owned_unit,
            room="living",
            trade="painting",
            severity="normal",
            description="客厅墙面开裂",
            contractor=contractor,
        )
        fields.update(overrides)
        return defect_record(**fields)

    return make


def sweep() -> int:
    return deadlines.defect_escalation_sweep()


def levels_fired(defect) -> list[tuple[int, int]]:
    return list(
        DefectAlert.objects.filter(defect=defect).order_by("round", "level").values_list("round", "level")
    )


# --- due times on the working calendar ------------------------------------------------------------


@pytest.mark.django_db
def test_due_time_counts_working_days_across_national_day(record):
    # Critical: 2 working days (18 working hours). 8 h on 30 September, then the holiday
    # (1–7 October), then 9 h on the 8th and 1 h on the 9th.
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        defect = record(severity="critical")
    assert defect.due_at == at(2026, 10, 9, 10, 0)
    # The warning at 80 % of the time: 14.4 working hours.
    assert defect.next_check_at == at(2026, 10, 8, 15, 24)


@pytest.mark.django_db
def test_due_time_counts_a_make_up_saturday_and_skips_sunday(record):
    # Friday 9 October: 8 h, Saturday the 10th is a make-up working day (调休): 9 h, Sunday off.
    with time_machine.travel(at(2026, 10, 9, 10, 0), tick=False):
        defect = record(severity="critical")
    assert defect.due_at == at(2026, 10, 12, 10, 0)


@pytest.mark.django_db
def test_each_severity_takes_its_policy(clock, record):
    policies = dict(RectificationPolicy.objects.values_list("severity", "working_days"))
    assert policies == {"critical": 2, "major": 5, "normal": 10, "minor": 15}
    # Normal: 10 working days from Monday 10:00 is the Monday two weeks on, 10:00.
    assert record(severity="normal").due_at == at(2026, 11, 16, 10, 0)
    assert record(severity="major").due_at == at(2026, 11, 9, 10, 0)


# --- warning and escalation levels --------------------------------------------------------------------


@pytest.mark.django_db
def test_warning_then_each_level_once_with_the_right_recipients(
    clock, record, agent, engineer, supervisor, city_head, contractor_user, other_contractor_user
):
    defect = record(severity="critical")  # due Wednesday 4 November 10:00
    assert defect.due_at == at(2026, 11, 4, 10, 0)
    bystander = UserFactory(role="delivery_engineer")  # no projects: hears nothing

    clock.move_to(at(2026, 11, 3, 15, 24))
    assert sweep() == 1
    defect.refresh_from_db()
    assert defect.warned and defect.escalation_level == 0
    assert deadlines.defect_deadline_state(defect) == "warning"
    warned = set(Notification.objects.filter(kind="defect_warning").values_list("recipient", flat=True))
    assert warned == {contractor_user.pk, agent.pk}
    assert sweep() == 0  # a rerun fires nothing twice

    clock.move_to(at(2026, 11, 4, 10, 0))
    assert sweep() == 1
    level_1 = set(Notification.objects.filter(kind="defect_escalation_1").values_list("recipient", flat=True))
    assert level_1 == {contractor_user.pk, agent.pk, engineer.pk}
    defect.refresh_from_db()
    assert deadlines.defect_deadline_state(defect) == "overdue"

    clock.move_to(at(2026, 11, 5, 10, 0))  # critical: level 2 after 24 hours
    assert sweep() == 1
    level_2 = set(Notification.objects.filter(kind="defect_escalation_2").values_list("recipient", flat=True))
    assert level_2 == {supervisor.pk, engineer.pk}

    clock.move_to(at(2026, 11, 6, 10, 0))  # level 3 after 48 hours
    assert sweep() == 1
    level_3 = set(Notification.objects.filter(kind="defect_escalation_3").values_list("recipient", flat=True))
    assert level_3 == {city_head.pk}

    clock.move_to(at(2026, 11, 20, 10, 0))
    assert sweep() == 0
    defect.refresh_from_db()
    assert defect.escalation_level == 3 and defect.next_check_at is None
    assert levels_fired(defect) == [(0, 0), (0, 1), (0, 2), (0, 3)]
    assert defect.events.filter(kind=DefectEvent.Kind.WARNING).count() == 1
    assert defect.events.filter(kind=DefectEvent.Kind.ESCALATED).count() == 3
    assert not Notification.objects.filter(recipient__in=[other_contractor_user, bystander]).exists()
    assert (
        Notification.objects.filter(kind="defect_escalation_1").first().link
        == f"/handover/defects/{defect.pk}/"
    )


@pytest.mark.django_db
def test_after_an_outage_every_missed_step_fires_at_once_the_warning_first_marked_late(clock, record):
    # Issue 13: the warning whose moment passed unswept is no longer skipped.
    defect = record(severity="critical")
    clock.move_to(at(2026, 11, 10, 10, 0))
    assert sweep() == 4
    assert levels_fired(defect) == [(0, 0), (0, 1), (0, 2), (0, 3)]
    warning = defect.events.get(kind=DefectEvent.Kind.WARNING)
    assert "(late)" in warning.note and warning.data["late"] is True
    assert defect.events.filter(kind=DefectEvent.Kind.ESCALATED, data__late=False).count() == 3


@pytest.mark.django_db
def test_a_fixed_defect_stops_its_clock(clock, record, engineer, contractor_user):
    defect = record(severity="critical")
    services.rectification_orders_issue(by=engineer, defects=[defect])
    services.defect_mark_fixed(by=contractor_user, defect=defect, photos=[photo()])
    clock.move_to(at(2026, 11, 20, 10, 0))
    assert sweep() == 0
    defect.refresh_from_db()
    assert deadlines.defect_deadline_state(defect) == "stopped"
    assert not DefectAlert.objects.exists()


@pytest.mark.django_db
def test_a_rework_round_fires_again(clock, record, engineer, contractor_user):
    defect = record(severity="critical")
    services.rectification_orders_issue(by=engineer, defects=[defect])
    clock.move_to(at(2026, 11, 4, 10, 0))
    assert sweep() == 2  # the first round's warning (late: it is already due), then its level 1
    services.defect_mark_fixed(by=contractor_user, defect=Defect.objects.get(pk=defect.pk), photos=[photo()])
    services.defect_reject(by=engineer, defect=Defect.objects.get(pk=defect.pk), reason="仍开裂")
    defect.refresh_from_db()
    assert defect.rework_count == 1 and defect.escalation_level == 0 and not defect.warned
    assert defect.due_at == at(2026, 11, 6, 10, 0)  # a fresh two working days

    clock.move_to(at(2026, 11, 5, 15, 24))
    assert sweep() == 1  # the new round's warning
    clock.move_to(at(2026, 11, 6, 10, 0))
    assert sweep() == 1  # and its level 1
    assert levels_fired(defect) == [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.django_db
def test_a_cancelled_defect_fires_nothing(clock, record, supervisor):
    defect = record(severity="critical")
    services.defect_cancel(by=supervisor, defect=defect, reason="重复记录")
    clock.move_to(at(2026, 11, 20, 10, 0))
    assert sweep() == 0


@pytest.mark.django_db
def test_an_interrupted_batch_is_redone_by_the_next_sweep(clock, record, monkeypatch):
    for _ in range(3):
        record(severity="critical")
    clock.move_to(at(2026, 11, 4, 10, 0))

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(deadlines, "_recipients", crash)
    with pytest.raises(RuntimeError):
        sweep()
    assert not DefectAlert.objects.exists()
    assert not Defect.objects.filter(escalation_level__gt=0).exists()
    monkeypatch.undo()
    assert sweep() == 6  # each: the late warning and level 1


@pytest.mark.django_db
def test_the_sweep_is_a_constant_number_of_queries(clock, record, django_assert_max_num_queries):
    for _ in range(20):
        record(severity="critical")
    clock.move_to(at(2026, 11, 4, 10, 0))
    # policies, savepoint + select, update, savepoint + alerts, projects, staff, events, notifications,
    # then the empty second look is not needed (fewer rows than the batch): at most 12.
    with django_assert_max_num_queries(12):
        assert sweep() == 40  # each: the late warning and level 1


@pytest.mark.django_db
def test_deadline_state_on_time_warning_overdue_stopped(clock, record):
    defect = record(severity="critical")
    assert deadlines.defect_deadline_state(defect) == "on_time"
    defect.warned = True
    assert deadlines.defect_deadline_state(defect) == "warning"
    assert deadlines.defect_deadline_state(defect, now=at(2026, 11, 4, 10, 0)) == "overdue"
    defect.status = Defect.Status.FIXED
    assert deadlines.defect_deadline_state(defect) == "stopped"


@pytest.mark.django_db
def test_the_celery_task_runs_the_sweep(clock, record):
    record(severity="critical")
    record(severity="critical")
    clock.move_to(at(2026, 11, 4, 10, 0))
    assert tasks.sweep_defect_deadlines.delay().result == 4  # each: the late warning and level 1
    assert tasks.sweep_defect_deadlines.delay().result == 0


# --- two sweeps at once (PostgreSQL) ----------------------------------------------------------------------


def _due_defects(count, *, project, unit, contractor, reporter) -> list[Defect]:
    """`count` critical defects whose clock started a week ago: every level is overdue."""
    start = timezone.now() - datetime.timedelta(days=14)
    defects = []
    for i in range(count):
        defect = Defect(
            number=f"RACE-{i:05d}",
            project=project,
            unit=unit,
            room="living",
            trade="civil",
            severity="critical",
            description="race",
            contractor=contractor,
            status=Defect.Status.FIXING,
            reported_by=reporter,
        )
        deadlines.start_clock(defect, start=start)
        defects.append(defect)
    return Defect.objects.bulk_create(defects)


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE SKIP LOCKED and serialises writers",
)


def _assert_exactly_once(defects):
    triples = list(DefectAlert.objects.values_list("defect_id", "round", "level"))
    assert len(triples) == len(set(triples)), "a step fired twice"
    assert sorted(triples) == sorted((d.pk, 0, level) for d in defects for level in (0, 1, 2, 3))
    assert set(Defect.objects.values_list("escalation_level", flat=True)) == {3}


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_sweeping_the_same_defects_fire_each_level_exactly_once(
    seeded_checklist, project, owned_unit, contractor, agent
):
    defects = _due_defects(120, project=project, unit=owned_unit, contractor=contractor, reporter=agent)
    now = timezone.now()
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            deadlines.defect_escalation_sweep(now=now, batch_size=10)  # small batches: the threads interleave
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
    _assert_exactly_once(defects)
    assert deadlines.defect_escalation_sweep(now=now) == 0
    # Level 1 goes to the reporter (no contractor users or engineers here): once per defect.
    assert Notification.objects.filter(kind="defect_escalation_1").count() == 120


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_task_that_runs_twice_fires_nothing_twice(
    seeded_checklist, project, owned_unit, contractor, agent
):
    defects = _due_defects(30, project=project, unit=owned_unit, contractor=contractor, reporter=agent)
    # A late warning and three levels each.
    assert (tasks.sweep_defect_deadlines.delay().result, tasks.sweep_defect_deadlines.delay().result) == (
        120,
        0,
    )
    _assert_exactly_once(defects)
