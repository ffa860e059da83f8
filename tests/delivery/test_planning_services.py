"""Handover planning services: batches and their units, readiness, slots, booking with capacity,
reschedule/cancel/no-show, the day's queue, and reminders sent exactly once."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from core.models import OutboxMessage
from customers.models import Contract, HouseholdMember
from customers.services import ConcurrentEditError
from delivery.models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from delivery.services import planning as services
from notifications.models import Notification
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    HouseholdMemberFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Today's date as each test starts, not as the module was imported: a run that passes local
    midnight must not compare yesterday's date with today's."""
    global TODAY
    TODAY = timezone.localdate()


DAY = datetime.timedelta(days=1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def owned_units(building, count: int, start: int = 601):
    """Units of the building, each with a primary owner."""
    units = []
    for n in range(count):
        unit = UnitFactory(building=building, entrance="1", number=str(start + n), floor=6)
        owner = CustomerFactory(city_company=building.project.city_company, name=f"业主{n}")
        HouseholdMemberFactory(unit=unit, customer=owner)
        units.append(unit)
    return units


def settle(batch: HandoverBatch) -> None:
    ReadinessItem.objects.filter(batch=batch).update(status=ReadinessItem.Status.DONE)


def make_slot(batch, day, hour=9, capacity=2) -> AppointmentSlot:
    return AppointmentSlot.objects.create(
        batch=batch,
        date=day,
        starts_at=datetime.time(hour, 0),
        ends_at=datetime.time(hour + 1, 0),
        capacity=capacity,
    )


@pytest.fixture
def new_batch(supervisor, owned_unit, project):
    """A batch made by the service: every unit of 3栋 and the default readiness checklist."""
    return services.batch_create(
        by=supervisor,
        project=project,
        name="四季花城3栋交付",
        starts_on=TODAY + 7 * DAY,
        ends_on=TODAY + 9 * DAY,
        site="3栋大堂",
        buildings=[owned_unit.building],
        lead=supervisor,
    )


@pytest.fixture
def today_batch(supervisor, owned_unit, project):
    """An open batch whose days include today, with owned_unit in it."""
    batch = services.batch_create(
        by=supervisor,
        project=project,
        name="今日交付",
        starts_on=TODAY - DAY,
        ends_on=TODAY + DAY,
        site="3栋大堂",
        buildings=[owned_unit.building],
        lead=supervisor,
    )
    settle(batch)
    return services.batch_open(by=supervisor, batch=batch)


def book_early(by, handover, slot) -> Appointment:
    """Book as if a week ago, so that a slot of today is still in the future."""
    return services.appointment_book(by=by, handover=handover, slot=slot, now=at(slot.date - 7 * DAY, 8))


# --- batches ---------------------------------------------------------------------------------------


def test_a_new_batch_takes_every_unit_of_its_buildings_and_the_default_readiness_items(
    new_batch, owned_unit, supervisor
):
    neighbours = owned_units(owned_unit.building, 2)
    assert set(new_batch.handovers.values_list("unit_id", flat=True)) == {owned_unit.pk}

    batch = services.batch_create(
        by=supervisor,
        project=owned_unit.project,
        name="第二批",
        starts_on=TODAY + 20 * DAY,
        ends_on=TODAY + 21 * DAY,
        site="会所",
        buildings=[BuildingFactory(project=owned_unit.project, number="9")],
    )
    assert batch.handovers.count() == 0
    kinds = list(new_batch.readiness_items.values_list("kind", "status", "owner"))
    assert kinds == [
        (ReadinessItem.Kind.RISK_SWEEP, "todo", supervisor.pk),
        (ReadinessItem.Kind.QA_PREPARED, "todo", supervisor.pk),
        (ReadinessItem.Kind.DOCUMENTS_READY, "todo", supervisor.pk),
        (ReadinessItem.Kind.SITE_READY, "todo", supervisor.pk),
    ]
    risk_sweep = new_batch.readiness_items.get(kind=ReadinessItem.Kind.RISK_SWEEP)
    assert risk_sweep.due_on == TODAY  # 14 days before the first day is past: due today
    assert new_batch.readiness_items.get(kind=ReadinessItem.Kind.SITE_READY).due_on == TODAY + 6 * DAY
    assert len(neighbours) == 2


def test_a_new_batch_with_picked_units_takes_only_those(supervisor, owned_unit, project):
    picked, _other = owned_units(owned_unit.building, 2)

    batch = services.batch_create(
        by=supervisor,
        project=project,
        name="选定房号",
        starts_on=TODAY + 3 * DAY,
        ends_on=TODAY + 3 * DAY,
        site="会所",
        buildings=[owned_unit.building],
        units=[owned_unit, picked],
    )

    assert set(batch.handovers.values_list("unit_id", flat=True)) == {owned_unit.pk, picked.pk}
    assert all(h.project_id == project.pk for h in batch.handovers.all())


def test_a_unit_already_in_a_batch_is_refused_unless_moved_while_not_booked(
    new_batch, supervisor, owned_unit, project
):
    fields = dict(
        by=supervisor,
        project=project,
        name="另一批",
        starts_on=TODAY + 10 * DAY,
        ends_on=TODAY + 10 * DAY,
        site="会所",
        units=[owned_unit],
    )
    with pytest.raises(ValidationError) as refused:
        services.batch_create(**fields)
    assert "Already in another batch: 3-1-502" in str(refused.value)
    assert HandoverBatch.objects.count() == 1  # the refused batch was rolled back

    moved_to = services.batch_create(**fields, move_units=True)

    assert Handover.objects.get(unit=owned_unit).batch == moved_to


def test_a_booked_or_handed_over_unit_does_not_move(new_batch, supervisor, agent, owned_unit, project):
    handover = Handover.objects.get(unit=owned_unit)
    slot = make_slot(new_batch, new_batch.starts_on)
    services.appointment_book(by=agent, handover=handover, slot=slot)
    other = services.batch_create(
        by=supervisor,
        project=project,
        name="另一批",
        starts_on=TODAY + 20 * DAY,
        ends_on=TODAY + 20 * DAY,
        site="x",
    )

    with pytest.raises(ValidationError, match="has an appointment"):
        services.handover_move(by=supervisor, handover=handover, to_batch=other)
    Appointment.objects.update(status=Appointment.Status.CANCELLED)
    Handover.objects.filter(pk=handover.pk).update(status=Handover.Status.HANDED_OVER)
    with pytest.raises(ValidationError, match="already handed over"):
        services.handover_move(by=supervisor, handover=handover, to_batch=other)
    Handover.objects.filter(pk=handover.pk).update(status=Handover.Status.PENDING)

    services.handover_move(by=supervisor, handover=handover, to_batch=other)
    assert Handover.objects.get(pk=handover.pk).batch == other


def test_a_batch_refuses_buildings_of_another_project_and_reversed_dates(supervisor, project, other_project):
    foreign = BuildingFactory(project=other_project)
    with pytest.raises(ValidationError) as refused:
        services.batch_create(
            by=supervisor,
            project=project,
            name="x",
            starts_on=TODAY + 5 * DAY,
            ends_on=TODAY + 4 * DAY,
            site="x",
            buildings=[foreign],
        )
    assert set(refused.value.message_dict) == {"buildings", "ends_on"}


@pytest.mark.parametrize(
    "role", [Role.CS_AGENT, Role.READONLY_MANAGER, Role.DEPARTMENT_STAFF, Role.CONTRACTOR]
)
def test_only_planners_create_batches(role, project):
    user = UserFactory(role=role, projects=[project])
    with pytest.raises(PermissionDenied):
        services.batch_create(by=user, project=project, name="x", starts_on=TODAY, ends_on=TODAY, site="x")


def test_a_planner_cannot_plan_outside_their_projects(other_agent, other_project, engineer):
    with pytest.raises(PermissionDenied):
        services.batch_create(
            by=engineer, project=other_project, name="x", starts_on=TODAY, ends_on=TODAY, site="x"
        )


def test_opening_is_refused_until_every_readiness_item_is_done_or_not_applicable(new_batch, engineer):
    items = list(new_batch.readiness_items.all())
    with pytest.raises(ValidationError) as refused:
        services.batch_open(by=engineer, batch=new_batch)
    assert "Risk sweep" in str(refused.value)

    for item in items[:-1]:
        services.readiness_item_update(by=engineer, item=item, status=ReadinessItem.Status.DONE)
    services.readiness_item_update(by=engineer, item=items[-1], status=ReadinessItem.Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="Site and signage ready"):
        services.batch_open(by=engineer, batch=new_batch)
    services.readiness_item_update(by=engineer, item=items[-1], status=ReadinessItem.Status.NOT_APPLICABLE)

    opened = services.batch_open(by=engineer, batch=new_batch, version=new_batch.version)

    assert opened.status == HandoverBatch.Status.OPEN and opened.opened_at is not None
    assert opened.version == new_batch.version + 1
    with pytest.raises(ValidationError, match="Only a batch being planned"):
        services.batch_open(by=engineer, batch=opened)


def test_opening_an_empty_batch_is_refused(supervisor, project):
    batch = services.batch_create(
        by=supervisor, project=project, name="空批次", starts_on=TODAY, ends_on=TODAY, site="x"
    )
    settle(batch)
    with pytest.raises(ValidationError, match="no units"):
        services.batch_open(by=supervisor, batch=batch)


def test_a_stale_version_is_a_conflict_not_an_overwrite(new_batch, supervisor):
    settle(new_batch)
    services.batch_update(by=supervisor, batch=new_batch, version=new_batch.version, site="新址")
    with pytest.raises(ConcurrentEditError):
        services.batch_open(by=supervisor, batch=new_batch, version=new_batch.version)
    with pytest.raises(ConcurrentEditError):
        services.batch_update(by=supervisor, batch=new_batch, version=new_batch.version, site="旧址")
    assert HandoverBatch.objects.get(pk=new_batch.pk).site == "新址"


def test_closing_is_refused_while_appointments_are_active(new_batch, supervisor, agent, owned_unit):
    slot = make_slot(new_batch, new_batch.starts_on)
    appointment = services.appointment_book(by=agent, handover=owned_unit.handover, slot=slot)
    with pytest.raises(ValidationError, match="1 appointments are still active"):
        services.batch_close(by=supervisor, batch=new_batch)
    services.appointment_cancel(by=agent, appointment=appointment)

    closed = services.batch_close(by=supervisor, batch=new_batch)

    assert closed.status == HandoverBatch.Status.CLOSED and closed.closed_at is not None
    with pytest.raises(ValidationError, match="closed"):
        services.appointment_book(by=agent, handover=owned_unit.handover, slot=slot)
    with pytest.raises(ValidationError, match="closed"):
        services.slot_create(
            by=supervisor,
            batch=closed,
            date=closed.starts_on,
            starts_at=datetime.time(14),
            ends_at=datetime.time(15),
            capacity=1,
        )
    with pytest.raises(ValidationError, match="closed"):
        services.batch_update(by=supervisor, batch=closed, site="x")
    with pytest.raises(ValidationError, match="closed"):
        services.batch_close(by=supervisor, batch=closed)


def test_editing_the_dates_is_refused_while_slots_fall_outside_them(new_batch, supervisor):
    make_slot(new_batch, new_batch.ends_on)
    with pytest.raises(ValidationError, match="outside the new dates"):
        services.batch_update(by=supervisor, batch=new_batch, ends_on=new_batch.starts_on)

    services.batch_update(by=supervisor, batch=new_batch, starts_on=new_batch.starts_on - DAY)
    assert HandoverBatch.objects.get(pk=new_batch.pk).starts_on == new_batch.starts_on - DAY


def test_a_building_added_brings_its_units_and_one_removed_takes_its_unbooked_units(
    new_batch, supervisor, agent, owned_unit, project
):
    second = BuildingFactory(project=project, number="5")
    units = owned_units(second, 2)

    services.batch_update(by=supervisor, batch=new_batch, buildings=[owned_unit.building, second])
    assert new_batch.handovers.count() == 3

    slot = make_slot(new_batch, new_batch.starts_on)
    services.appointment_book(by=agent, handover=units[0].handover, slot=slot)
    with pytest.raises(ValidationError, match="already has appointments"):
        services.batch_update(by=supervisor, batch=new_batch, buildings=[owned_unit.building])
    assert new_batch.handovers.count() == 3  # nothing half-removed

    services.batch_update(by=supervisor, batch=new_batch, buildings=[second])
    assert set(new_batch.handovers.values_list("unit_id", flat=True)) == {u.pk for u in units}


def test_units_are_added_and_removed_one_by_one(new_batch, supervisor, owned_unit, project):
    extra = owned_units(owned_unit.building, 1)[0]
    assert services.batch_units_add(by=supervisor, batch=new_batch, units=[extra, owned_unit]) == 1

    services.batch_unit_remove(by=supervisor, batch=new_batch, handover=extra.handover)

    assert not Handover.objects.filter(unit=extra).exists()
    with pytest.raises(ValidationError, match="Not in this project"):
        services.batch_units_add(by=supervisor, batch=new_batch, units=[UnitFactory()])


# --- readiness -------------------------------------------------------------------------------------


def test_a_readiness_item_remembers_when_it_was_done_and_forgets_when_reopened(
    new_batch, engineer, supervisor
):
    item = new_batch.readiness_items.first()

    item = services.readiness_item_update(
        by=engineer, item=item, version=item.version, status=ReadinessItem.Status.DONE, note="已扫楼"
    )
    assert item.done_at is not None and item.note == "已扫楼" and item.version == 2
    item = services.readiness_item_update(by=engineer, item=item, status=ReadinessItem.Status.TODO)
    assert item.done_at is None

    with pytest.raises(ConcurrentEditError):
        services.readiness_item_update(by=engineer, item=item, version=1, owner=supervisor)


def test_a_readiness_item_owner_must_work_on_the_project(new_batch, engineer, other_agent):
    item = new_batch.readiness_items.first()
    with pytest.raises(ValidationError) as refused:
        services.readiness_item_update(by=engineer, item=item, owner=other_agent)
    assert "owner" in refused.value.message_dict


def test_extra_readiness_items_can_be_added(new_batch, engineer):
    item = services.readiness_item_add(by=engineer, batch=new_batch, title="礼品准备", owner=engineer)

    assert item.kind == ReadinessItem.Kind.OTHER and item.status == ReadinessItem.Status.TODO
    with pytest.raises(ValidationError):
        services.batch_open(by=engineer, batch=new_batch)


def test_agents_do_not_change_readiness(new_batch, agent):
    with pytest.raises(PermissionDenied):
        services.readiness_item_update(by=agent, item=new_batch.readiness_items.first(), status="done")


# --- slots ---------------------------------------------------------------------------------------


def test_a_slot_is_on_one_of_the_batch_days_and_starts_once(new_batch, supervisor):
    fields = dict(
        by=supervisor, batch=new_batch, starts_at=datetime.time(9), ends_at=datetime.time(10), capacity=3
    )
    with pytest.raises(ValidationError, match="batch's days"):
        services.slot_create(date=new_batch.ends_on + DAY, **fields)
    services.slot_create(date=new_batch.starts_on, **fields)
    with pytest.raises(ValidationError, match="already starts"):
        services.slot_create(date=new_batch.starts_on, **fields)
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.slot_create(
            by=supervisor,
            batch=new_batch,
            date=new_batch.ends_on,
            starts_at=datetime.time(10),
            ends_at=datetime.time(9),
            capacity=1,
        )


def test_generating_slots_makes_days_times_windows_once(new_batch, supervisor):
    windows = [(datetime.time(9), datetime.time(10, 30)), (datetime.time(14), datetime.time(15, 30))]
    generate = dict(
        by=supervisor,
        batch=new_batch,
        first_day=new_batch.starts_on,
        last_day=new_batch.ends_on,
        windows=windows,
        capacity=6,
    )

    created = services.slots_generate(**generate)
    again = services.slots_generate(**generate)

    assert len(created) == 3 * 2 and again == []
    assert set(new_batch.slots.values_list("capacity", flat=True)) == {6}
    skipped = new_batch.starts_on.weekday()
    new_batch.slots.all().delete()
    only = services.slots_generate(**{**generate, "weekdays": [skipped]})
    assert {s.date for s in only} == {new_batch.starts_on}


def test_generating_slots_refuses_empty_windows_and_days_outside_the_batch(new_batch, supervisor):
    with pytest.raises(ValidationError) as refused:
        services.slots_generate(
            by=supervisor,
            batch=new_batch,
            first_day=new_batch.starts_on,
            last_day=new_batch.ends_on,
            windows=[],
            capacity=0,
        )
    assert set(refused.value.message_dict) == {"windows", "capacity"}
    with pytest.raises(ValidationError, match="batch's days"):
        services.slots_generate(
            by=supervisor,
            batch=new_batch,
            first_day=new_batch.starts_on - DAY,
            last_day=new_batch.ends_on,
            windows=[(datetime.time(9), datetime.time(10))],
            capacity=1,
        )


def test_a_booked_slot_cannot_be_deleted(new_batch, supervisor, agent, owned_unit):
    slot = make_slot(new_batch, new_batch.starts_on)
    empty = make_slot(new_batch, new_batch.starts_on, hour=14)
    services.appointment_book(by=agent, handover=owned_unit.handover, slot=slot)

    with pytest.raises(ValidationError, match="has appointments"):
        services.slot_delete(by=supervisor, slot=slot)
    services.slot_delete(by=supervisor, slot=empty)
    assert list(new_batch.slots.all()) == [slot]


# --- booking -------------------------------------------------------------------------------------


def test_an_agent_books_the_units_owner(handover, slot, agent, owner):
    appointment = services.appointment_book(by=agent, handover=handover, slot=slot, note="带家人")

    assert appointment.customer == owner and appointment.booked_by == agent
    assert (
        appointment.channel == Appointment.Channel.AGENT and appointment.status == Appointment.Status.BOOKED
    )
    assert appointment.note == "带家人"


def test_the_owner_is_the_contract_buyer_when_the_household_has_no_owner(handover, slot, agent, owned_unit):
    HouseholdMember.objects.filter(unit=owned_unit).delete()
    buyer = Contract.objects.get(unit=owned_unit).primary_buyer
    assert services.appointment_book(by=agent, handover=handover, slot=slot).customer == buyer


def test_a_unit_without_an_owner_is_not_booked(batch, slot, agent, owned_unit):
    vacant = UnitFactory(building=owned_unit.building)
    handover = Handover.objects.create(batch=batch, project=batch.project, unit=vacant)
    with pytest.raises(ValidationError, match="no owner on record"):
        services.appointment_book(by=agent, handover=handover, slot=slot)


def test_the_owners_link_books_without_a_staff_member(handover, slot, owner):
    appointment = services.appointment_book(by=None, handover=handover, slot=slot)

    assert appointment.channel == Appointment.Channel.OWNER_LINK and appointment.booked_by is None
    assert appointment.customer == owner


def test_a_full_slot_refuses_the_next_owner_and_a_cancellation_frees_a_place(batch, slot, agent, owned_unit):
    first, second, third = (
        Handover.objects.create(batch=batch, project=batch.project, unit=u)
        for u in owned_units(owned_unit.building, 3)
    )
    services.appointment_book(by=agent, handover=first, slot=slot)
    booked = services.appointment_book(by=agent, handover=second, slot=slot)

    with pytest.raises(ValidationError, match="full"):
        services.appointment_book(by=agent, handover=third, slot=slot)
    services.appointment_cancel(by=agent, appointment=booked, reason="出差")

    assert services.appointment_book(by=agent, handover=third, slot=slot).slot == slot
    assert Appointment.objects.get(pk=booked.pk).note == "出差"


def test_a_unit_has_one_active_appointment(handover, slot, agent):
    services.appointment_book(by=agent, handover=handover, slot=slot)
    later = make_slot(handover.batch, slot.date, hour=14)

    with pytest.raises(ValidationError, match="already has an appointment"):
        services.appointment_book(by=agent, handover=handover, slot=later)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database guards it too
        Appointment.objects.create(handover=handover, slot=later, channel="agent")


def test_booking_refuses_a_slot_of_another_batch_a_started_slot_and_a_handed_over_unit(
    handover, slot, agent, supervisor, project
):
    other = HandoverBatch.objects.create(
        project=project, name="别批", starts_on=slot.date, ends_on=slot.date, site="x"
    )
    foreign_slot = make_slot(other, slot.date)
    with pytest.raises(ValidationError, match="another batch"):
        services.appointment_book(by=agent, handover=handover, slot=foreign_slot)
    with pytest.raises(ValidationError, match="already started"):
        services.appointment_book(by=agent, handover=handover, slot=slot, now=at(slot.date, 9, 30))
    Handover.objects.filter(pk=handover.pk).update(status=Handover.Status.HANDED_OVER)
    with pytest.raises(ValidationError, match="already handed over"):
        services.appointment_book(by=agent, handover=handover, slot=slot)


@pytest.mark.parametrize("role", [Role.READONLY_MANAGER, Role.DEPARTMENT_STAFF, Role.CONTRACTOR])
def test_only_the_front_line_and_planners_book(role, handover, slot, project):
    user = UserFactory(role=role, projects=[project])
    with pytest.raises(PermissionDenied):
        services.appointment_book(by=user, handover=handover, slot=slot)


def test_booking_outside_ones_projects_is_refused(handover, slot, other_agent):
    with pytest.raises(PermissionDenied):
        services.appointment_book(by=other_agent, handover=handover, slot=slot)


def test_rescheduling_makes_a_new_appointment_and_cancels_the_old_one(handover, slot, agent):
    old = services.appointment_book(by=agent, handover=handover, slot=slot)
    later = make_slot(handover.batch, slot.date, hour=14, capacity=1)

    new = services.appointment_reschedule(by=agent, appointment=old, slot=later, version=old.version)

    old.refresh_from_db()
    assert old.status == Appointment.Status.CANCELLED and "Rescheduled to" in old.note
    assert new.slot == later and new.rescheduled_from == old and new.status == Appointment.Status.BOOKED
    assert new.customer == old.customer
    with pytest.raises(ValidationError, match="Only a booked appointment can be rescheduled"):
        services.appointment_reschedule(by=agent, appointment=old, slot=slot)
    with pytest.raises(ValidationError, match="already booked"):
        services.appointment_reschedule(by=agent, appointment=new, slot=later)


def test_rescheduling_into_a_full_slot_is_refused_and_keeps_the_booking(handover, slot, agent, owned_unit):
    full = make_slot(handover.batch, slot.date, hour=14, capacity=1)
    neighbour = Handover.objects.create(
        batch=handover.batch, project=handover.project, unit=owned_units(owned_unit.building, 1)[0]
    )
    services.appointment_book(by=agent, handover=neighbour, slot=full)
    mine = services.appointment_book(by=agent, handover=handover, slot=slot)

    with pytest.raises(ValidationError, match="full"):
        services.appointment_reschedule(by=agent, appointment=mine, slot=full)
    assert Appointment.objects.get(pk=mine.pk).status == Appointment.Status.BOOKED


def test_a_no_show_is_only_recorded_once_the_slot_has_started(handover, slot, agent):
    appointment = services.appointment_book(by=agent, handover=handover, slot=slot)
    with pytest.raises(ValidationError, match="not started yet"):
        services.appointment_no_show(by=agent, appointment=appointment, now=at(slot.date, 8, 59))

    no_show = services.appointment_no_show(by=agent, appointment=appointment, now=at(slot.date, 9, 1))

    assert no_show.status == Appointment.Status.NO_SHOW
    with pytest.raises(ValidationError, match="Only a booked appointment can be cancelled"):
        services.appointment_cancel(by=agent, appointment=no_show)


# --- the day's queue ------------------------------------------------------------------------------


def test_the_queue_goes_booked_checked_in_inspecting_signing_done_one_step_at_a_time(
    today_batch, agent, owned_unit
):
    slot = make_slot(today_batch, TODAY)
    appointment = book_early(agent, owned_unit.handover, slot)
    now = at(TODAY, 9, 5)

    with pytest.raises(ValidationError, match="next step is “Checked in”"):
        services.appointment_advance(by=agent, appointment=appointment, to_status="inspecting", now=now)
    for step in ("checked_in", "inspecting", "signing", "done"):
        appointment = services.appointment_advance(by=agent, appointment=appointment, to_status=step, now=now)
        assert appointment.status == step

    assert appointment.queue_number == 1
    assert appointment.checked_in_at == appointment.inspection_started_at == appointment.done_at == now
    with pytest.raises(ValidationError):
        services.appointment_advance(by=agent, appointment=appointment, to_status="done", now=now)
    with pytest.raises(ValidationError):
        services.appointment_advance(by=agent, appointment=appointment, to_status="no_show", now=now)


def test_queue_numbers_count_per_batch_per_day(today_batch, supervisor, agent, owned_unit, project):
    units = owned_units(owned_unit.building, 2)
    services.batch_units_add(by=supervisor, batch=today_batch, units=units)
    today_slot, tomorrow_slot = make_slot(today_batch, TODAY, capacity=5), make_slot(today_batch, TODAY + DAY)
    first = book_early(agent, owned_unit.handover, today_slot)
    second = book_early(agent, units[0].handover, today_slot)
    tomorrow = book_early(agent, units[1].handover, tomorrow_slot)
    other_batch = services.batch_create(
        by=supervisor, project=project, name="别批", starts_on=TODAY, ends_on=TODAY, site="x",
        units=[UnitFactory(building=BuildingFactory(project=project))],
    )  # fmt: skip
    HouseholdMemberFactory(unit=other_batch.handovers.get().unit, customer=CustomerFactory())
    settle(other_batch)
    services.batch_open(by=supervisor, batch=other_batch)
    elsewhere = book_early(agent, other_batch.handovers.get(), make_slot(other_batch, TODAY))

    check_in = dict(by=agent, to_status="checked_in")
    assert services.appointment_advance(appointment=second, now=at(TODAY, 9, 1), **check_in).queue_number == 1
    assert services.appointment_advance(appointment=first, now=at(TODAY, 9, 2), **check_in).queue_number == 2
    assert (
        services.appointment_advance(appointment=elsewhere, now=at(TODAY, 9, 3), **check_in).queue_number == 1
    )
    assert (
        services.appointment_advance(appointment=tomorrow, now=at(TODAY + DAY, 9), **check_in).queue_number
        == 1
    )


def test_check_in_is_on_the_appointments_day_in_an_open_batch(today_batch, agent, owned_unit):
    slot = make_slot(today_batch, TODAY + DAY)
    appointment = book_early(agent, owned_unit.handover, slot)
    with pytest.raises(ValidationError, match="Check-in is on the appointment's day"):
        services.appointment_advance(
            by=agent, appointment=appointment, to_status="checked_in", now=at(TODAY, 9)
        )

    HandoverBatch.objects.filter(pk=today_batch.pk).update(status=HandoverBatch.Status.PLANNING)
    with pytest.raises(ValidationError, match="not open"):
        services.appointment_advance(
            by=agent, appointment=appointment, to_status="checked_in", now=at(TODAY + DAY, 9)
        )


def test_advancing_with_a_stale_version_is_a_conflict(today_batch, agent, owned_unit):
    appointment = book_early(agent, owned_unit.handover, make_slot(today_batch, TODAY))
    services.appointment_advance(by=agent, appointment=appointment, to_status="checked_in", now=at(TODAY, 9))
    with pytest.raises(ConcurrentEditError):
        services.appointment_advance(
            by=agent,
            appointment=appointment,
            to_status="inspecting",
            version=appointment.version,
            now=at(TODAY, 9),
        )


# --- reminders -----------------------------------------------------------------------------------


def test_a_reminder_goes_once_to_the_booking_agent_the_batch_lead_and_the_owners_email(
    batch, handover, agent, supervisor, owner, owned_unit, django_capture_on_commit_callbacks, sms_outbox
):
    owner.email = "zhangwei@example.com"
    owner.preferred_channel = "email"  # issue 12: owners are written to on their preferred channel
    owner.save()
    first_day = batch.starts_on
    morning, evening = make_slot(batch, first_day, hour=9), make_slot(batch, first_day, hour=20)
    appointment = services.appointment_book(by=agent, handover=handover, slot=morning)
    far_unit, cancelled_unit = owned_units(owned_unit.building, 2)
    far = services.appointment_book(
        by=agent,
        handover=Handover.objects.create(batch=batch, project=batch.project, unit=far_unit),
        slot=evening,
    )
    cancelled = services.appointment_book(
        by=None,
        handover=Handover.objects.create(batch=batch, project=batch.project, unit=cancelled_unit),
        slot=morning,
    )
    services.appointment_cancel(by=agent, appointment=cancelled)
    now = at(first_day - DAY, 12)  # 21 hours before 09:00, 32 hours before 20:00

    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends once committed
        assert services.appointment_reminders_send(now=now) == 1
        assert services.appointment_reminders_send(now=now) == 0

    appointment.refresh_from_db()
    assert appointment.reminder_sent_at == now
    assert Appointment.objects.get(pk=far.pk).reminder_sent_at is None
    notified = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert notified == [("agent", "handover_reminder"), ("supervisor", "handover_reminder")]
    assert "3-1-502" in Notification.objects.first().title
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhangwei@example.com"]
    assert "3-1-502" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        assert services.appointment_reminders_send(now=at(first_day, 8)) == 1  # the evening one, within 24 h
    assert len(mail.outbox) == 1  # its owner has no email
    assert not sms_outbox  # nor any phone


def test_an_owner_booked_appointment_reminds_the_lead_only_and_a_started_slot_is_not_reminded(
    batch, handover, supervisor
):
    slot = make_slot(batch, batch.starts_on, hour=9)
    services.appointment_book(by=None, handover=handover, slot=slot)

    assert services.appointment_reminders_send(now=at(batch.starts_on, 9, 30)) == 0
    assert services.appointment_reminders_send(now=at(batch.starts_on, 8, 30)) == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [supervisor.pk]


def test_the_reminder_task_calls_the_sweep(batch, handover, agent):
    from delivery.tasks import send_appointment_reminders

    slot = make_slot(batch, batch.starts_on)
    services.appointment_book(by=agent, handover=handover, slot=slot)
    assert send_appointment_reminders.delay().result == 0  # a week away: nothing yet


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
def test_six_agents_booking_the_last_two_places_at_once_never_overbook(
    project, owned_unit, supervisor, agent
):
    batch = HandoverBatch.objects.create(
        project=project, name="并发", starts_on=TODAY + 3 * DAY, ends_on=TODAY + 3 * DAY, site="x"
    )
    handovers = [
        Handover.objects.create(batch=batch, project=project, unit=unit)
        for unit in owned_units(owned_unit.building, 6)
    ]
    slot = make_slot(batch, batch.starts_on, capacity=2)

    results = _in_threads(6, lambda i: services.appointment_book(by=agent, handover=handovers[i], slot=slot))

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(booked) == 2 and len(refused) == 4, results
    assert all("full" in str(error) for error in refused)
    assert slot.appointments.count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_desks_checking_in_at_once_draw_different_queue_numbers(project, owned_unit, supervisor, agent):
    batch = HandoverBatch.objects.create(
        project=project,
        name="并发",
        starts_on=TODAY,
        ends_on=TODAY,
        site="x",
        status=HandoverBatch.Status.OPEN,
    )
    slot = make_slot(batch, TODAY, capacity=10)
    appointments = [
        Appointment.objects.create(
            slot=slot,
            handover=Handover.objects.create(batch=batch, project=project, unit=unit),
            channel="agent",
        )
        for unit in owned_units(owned_unit.building, 4)
    ]

    results = _in_threads(
        4,
        lambda i: services.appointment_advance(
            by=agent, appointment=appointments[i], to_status="checked_in", now=at(TODAY, 9)
        ),
    )

    assert all(isinstance(r, Appointment) for r in results), results
    assert sorted(Appointment.objects.values_list("queue_number", flat=True)) == [1, 2, 3, 4]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_reminder_sweeps_at_once_remind_each_owner_exactly_once(project, owned_unit, supervisor, agent):
    batch = HandoverBatch.objects.create(
        project=project,
        name="提醒",
        starts_on=TODAY + 2 * DAY,
        ends_on=TODAY + 2 * DAY,
        site="x",
        lead=supervisor,
    )
    slot = make_slot(batch, batch.starts_on, capacity=30)
    for unit in owned_units(owned_unit.building, 20):
        services.appointment_book(
            by=agent, handover=Handover.objects.create(batch=batch, project=project, unit=unit), slot=slot
        )
    now = at(batch.starts_on - DAY, 10)

    results = _in_threads(2, lambda i: services.appointment_reminders_send(now=now))

    assert sum(results) == 20, results
    assert Notification.objects.filter(recipient=agent).count() == 20
    assert Notification.objects.filter(recipient=supervisor).count() == 20


def test_the_owners_reminder_by_sms_carries_its_template_and_parameters(batch, handover, agent, owner):
    services.appointment_book(by=agent, handover=handover, slot=make_slot(batch, batch.starts_on, hour=9))
    services.appointment_reminders_send(now=at(batch.starts_on - DAY, 12))
    message = OutboxMessage.objects.get(kind="handover_reminder")
    assert (message.channel, message.template_code) == ("sms", "handover_reminder")
    assert message.template_params == {
        "name": owner.name,
        "project": batch.project.name,
        "unit": handover.unit.code,
        "date": f"{batch.starts_on:%Y-%m-%d}",
        "window": "09:00-10:00",
        "site": batch.site,
    }
