"""Planning a handover (交付): batches and their units, the readiness checklist, appointment slots,
owners' appointments, reminders and the arrival queue on the day.

A batch is planned (units, readiness items, slots), opened once every readiness item is done or
not applicable, and closed when its days are over. Owners are booked into slots by agents or
book themselves through their unit's link; a slot's capacity is enforced under a row lock on the
slot, so two bookings at the same moment cannot both take its last place. On the day, an
appointment walks booked → checked in (queue number) → inspecting → signing → done.

Each write locks its row, compares the caller's `version` when one is given (ConcurrentEditError),
checks the state on the fresh row and bumps `version`. Illegal transitions raise ValidationError.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from customers.models import Customer
from customers.services import ConcurrentEditError
from notifications.models import Notification
from properties.models import Building, Phase, Project, Unit

from ..models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from ..selectors import planning as selectors
from .defects import in_scope, require_role

logger = logging.getLogger(__name__)

# Who may: plan batches, readiness and slots; book and run the day; read.
PLANNERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.DELIVERY_ENGINEER}
BOOKERS = PLANNERS | {Role.CS_AGENT}
READERS = BOOKERS | {Role.READONLY_MANAGER}
ACTION_ROLES: dict[str, set[str]] = {"plan": PLANNERS, "book": BOOKERS, "read": READERS}

# The readiness checklist every new batch starts with, and how many days before the first
# handover day each item is due.
DEFAULT_READINESS = (
    (ReadinessItem.Kind.RISK_SWEEP, 14),
    (ReadinessItem.Kind.QA_PREPARED, 7),
    (ReadinessItem.Kind.DOCUMENTS_READY, 3),
    (ReadinessItem.Kind.SITE_READY, 1),
)
# The day's queue: each status leads to exactly one next one.
QUEUE_ORDER = (
    Appointment.Status.BOOKED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.INSPECTING,
    Appointment.Status.SIGNING,
    Appointment.Status.DONE,
)
NEXT_STATUS = dict(zip(QUEUE_ORDER, QUEUE_ORDER[1:], strict=False))
QUEUE_TIMESTAMPS = {
    Appointment.Status.CHECKED_IN: "checked_in_at",
    Appointment.Status.INSPECTING: "inspection_started_at",
    Appointment.Status.SIGNING: "signing_started_at",
    Appointment.Status.DONE: "done_at",
}
REMINDER_AHEAD = datetime.timedelta(hours=24)
MAX_GENERATED_DAYS = 62
MAX_WINDOWS = 16


def may(user: User | None, action: str) -> bool:
    return bool(user and user.is_active and user.role in ACTION_ROLES[action])


def _require_scope(user: User, project_id: int) -> None:
    if not in_scope(user, project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))


def _lock(model, pk: int, version: int | None):
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = model.objects.select_for_update().get(pk=pk)
    if version is not None and locked.version != version:
        raise ConcurrentEditError()
    return locked


def _save(instance, fields: Iterable[str]):
    instance.version = F("version") + 1
    extra = ["updated_at"] if hasattr(instance, "updated_at") else []
    instance.save(update_fields=[*set(fields), "version", *extra])
    instance.refresh_from_db(fields=["version"])
    return instance


def _require_not_closed(batch: HandoverBatch) -> None:
    if batch.status == HandoverBatch.Status.CLOSED:
        raise ValidationError({"status": _("The batch is closed.")})


def _check_staff(user: User | None, project_id: int, field: str, errors: dict) -> None:
    if user is not None and (not user.is_active or not in_scope(user, project_id)):
        errors[field] = _("Choose an active colleague working on this project.")


def slot_starts_at(slot: AppointmentSlot) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(slot.date, slot.starts_at))


# --- batches ------------------------------------------------------------------------------------


def _check_batch_fields(
    *,
    project: Project,
    phase: Phase | None,
    buildings: Sequence[Building],
    starts_on: datetime.date,
    ends_on: datetime.date,
    lead: User | None,
    team: Sequence[User],
) -> None:
    errors: dict[str, str] = {}
    if phase is not None and phase.project_id != project.pk:
        errors["phase"] = _("The phase belongs to another project.")
    for building in buildings:
        if building.project_id != project.pk:
            errors["buildings"] = _("Building %(number)s belongs to another project.") % {
                "number": building.number
            }
        elif phase is not None and building.phase_id != phase.pk:
            errors["buildings"] = _("Building %(number)s is not in the chosen phase.") % {
                "number": building.number
            }
    if starts_on and ends_on and starts_on > ends_on:
        errors["ends_on"] = _("The last day is before the first day.")
    _check_staff(lead, project.pk, "lead", errors)
    for member in team:
        _check_staff(member, project.pk, "team", errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def batch_create(
    *,
    by: User,
    project: Project,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    site: str,
    phase: Phase | None = None,
    buildings: Iterable[Building] = (),
    units: Iterable[Unit] | None = None,
    lead: User | None = None,
    team: Iterable[User] = (),
    move_units: bool = False,
) -> HandoverBatch:
    """A new batch with its default readiness checklist and its units: the ones given, or every
    unit of its buildings when none are given. Units already in another batch are refused unless
    `move_units` (and then only while they are not handed over and have no appointment)."""
    require_role(by, PLANNERS)
    _require_scope(by, project.pk)
    buildings, team = list(buildings), list(team)
    _check_batch_fields(
        project=project,
        phase=phase,
        buildings=buildings,
        starts_on=starts_on,
        ends_on=ends_on,
        lead=lead,
        team=team,
    )
    batch = HandoverBatch(
        project=project,
        phase=phase,
        name=(name or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        site=(site or "").strip(),
        lead=lead,
    )
    batch.full_clean()
    batch.save()
    batch.buildings.set(buildings)
    batch.team.set(team)
    today = timezone.localdate()
    ReadinessItem.objects.bulk_create(
        [
            ReadinessItem(
                batch=batch,
                kind=kind,
                title=str(kind.label),
                owner=lead,
                due_on=max(today, starts_on - datetime.timedelta(days=days_before)),
            )
            for kind, days_before in DEFAULT_READINESS
        ]
    )
    if units is None:
        units = Unit.objects.filter(building__in=buildings)
    _add_units(batch, list(units), move=move_units)
    return batch


@transaction.atomic
def batch_update(
    *,
    by: User,
    batch: HandoverBatch,
    version: int | None = None,
    move_units: bool = False,
    **fields,
) -> HandoverBatch:
    """Edit name, dates, site, phase, buildings, lead and team. A building added brings its units;
    a building removed takes its units that were never booked or inspected (or the edit is refused)."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    allowed = {"name", "starts_on", "ends_on", "site", "phase", "buildings", "lead", "team"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {"__all__": _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}}
        )
    batch = _lock(HandoverBatch, batch.pk, version)
    _require_not_closed(batch)
    buildings = list(fields.pop("buildings")) if "buildings" in fields else list(batch.buildings.all())
    team = list(fields.pop("team")) if "team" in fields else list(batch.team.all())
    for name, value in fields.items():
        setattr(batch, name, value.strip() if isinstance(value, str) else value)
    _check_batch_fields(
        project=batch.project,
        phase=batch.phase,
        buildings=buildings,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
        lead=batch.lead,
        team=team,
    )
    outside = batch.slots.filter(Q(date__lt=batch.starts_on) | Q(date__gt=batch.ends_on)).exists()
    if outside:
        raise ValidationError(
            {"starts_on": _("Some appointment slots fall outside the new dates; delete them first.")}
        )
    batch.full_clean()
    before = set(batch.buildings.values_list("pk", flat=True))
    after = {b.pk for b in buildings}
    removed = before - after
    if removed:
        for handover in batch.handovers.filter(unit__building_id__in=removed).select_related("unit"):
            _remove_handover(handover)
    if after - before:
        _add_units(batch, list(Unit.objects.filter(building_id__in=after - before)), move=move_units)
    batch.buildings.set(buildings)
    batch.team.set(team)
    return _save(batch, [*fields.keys()])


def _add_units(batch: HandoverBatch, units: list[Unit], *, move: bool) -> int:
    """Give each unit a Handover in this batch; a unit in another batch moves only when `move`."""
    if not units:
        return 0
    wrong = sorted(u.code for u in units if u.project_id != batch.project_id)
    if wrong:
        raise ValidationError(
            {"units": _("Not in this project: %(codes)s") % {"codes": ", ".join(wrong[:20])}}
        )
    existing = {
        h.unit_id: h
        for h in Handover.objects.select_for_update(of=("self",))
        .filter(unit__in=units)
        .select_related("batch", "unit")
    }
    elsewhere = [h for h in existing.values() if h.batch_id != batch.pk]
    if elsewhere and not move:
        raise ValidationError(
            {
                "units": _(
                    "Already in another batch: %(codes)s. Tick “move units from other batches” to move them."
                )
                % {"codes": ", ".join(sorted(f"{h.unit.code} ({h.batch.name})" for h in elsewhere)[:20])}
            }
        )
    for handover in elsewhere:
        _check_movable(handover)
    if elsewhere:
        Handover.objects.filter(pk__in=[h.pk for h in elsewhere]).update(
            batch=batch, version=F("version") + 1, updated_at=timezone.now()
        )
    new = [Handover(batch=batch, project_id=batch.project_id, unit=u) for u in units if u.pk not in existing]
    try:
        with transaction.atomic():
            Handover.objects.bulk_create(new)
    except IntegrityError:
        # Another planner put one of these units in a batch at the same moment.
        raise ValidationError(
            {"units": _("Someone else added some of these units meanwhile; try again.")}
        ) from None
    return len(new) + len(elsewhere)


def _check_movable(handover: Handover) -> None:
    if handover.status == Handover.Status.HANDED_OVER:
        raise ValidationError(
            {
                "units": _("%(code)s is already handed over; it stays in its batch.")
                % {"code": handover.unit.code}
            }
        )
    if handover.appointments.filter(status__in=Appointment.ACTIVE).exists():
        raise ValidationError(
            {
                "units": _("%(code)s has an appointment in its batch; cancel it before moving the unit.")
                % {"code": handover.unit.code}
            }
        )


def _remove_handover(handover: Handover) -> None:
    if (
        handover.status != Handover.Status.PENDING
        or handover.appointments.exists()
        or handover.inspections.exists()
        or handover.defects.exists()
    ):
        raise ValidationError(
            {
                "units": _(
                    "%(code)s already has appointments, inspections or defects; move it to another batch instead."
                )
                % {"code": handover.unit.code}
            }
        )
    handover.delete()


@transaction.atomic
def batch_units_add(*, by: User, batch: HandoverBatch, units: Iterable[Unit], move: bool = False) -> int:
    """Add units (picked ones, or a building's) to the batch; returns how many were added or moved."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    return _add_units(batch, list(units), move=move)


@transaction.atomic
def batch_unit_remove(*, by: User, batch: HandoverBatch, handover: Handover) -> None:
    """Take a unit out of the batch; only one that was never booked, inspected or found defective."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    handover = Handover.objects.select_for_update(of=("self",)).select_related("unit").get(pk=handover.pk)
    if handover.batch_id != batch.pk:
        raise ValidationError({"units": _("This unit is not in the batch.")})
    _remove_handover(handover)


@transaction.atomic
def handover_move(*, by: User, handover: Handover, to_batch: HandoverBatch) -> Handover:
    """Move a unit to another batch of its project, while it is not handed over and not booked."""
    require_role(by, PLANNERS)
    _require_scope(by, handover.project_id)
    to_batch = _lock(HandoverBatch, to_batch.pk, None)
    _require_not_closed(to_batch)
    handover = Handover.objects.select_for_update(of=("self",)).select_related("unit").get(pk=handover.pk)
    if to_batch.project_id != handover.project_id:
        raise ValidationError({"batch": _("The batch belongs to another project.")})
    if handover.batch_id == to_batch.pk:
        return handover
    _check_movable(handover)
    handover.batch = to_batch
    return _save(handover, ["batch"])


@transaction.atomic
def batch_open(*, by: User, batch: HandoverBatch, version: int | None = None) -> HandoverBatch:
    """Open the batch for its handover days; refused while any readiness item is not settled."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, version)
    if batch.status != HandoverBatch.Status.PLANNING:
        raise ValidationError({"status": _("Only a batch being planned can be opened.")})
    unsettled = [
        item.title
        for item in batch.readiness_items.all()
        if item.status not in (ReadinessItem.Status.DONE, ReadinessItem.Status.NOT_APPLICABLE)
    ]
    if unsettled:
        raise ValidationError(
            {
                "status": _("Not ready: %(items)s must be done (or marked not applicable) before opening.")
                % {"items": "; ".join(unsettled)}
            }
        )
    if not batch.handovers.exists():
        raise ValidationError({"status": _("The batch has no units yet.")})
    batch.status = HandoverBatch.Status.OPEN
    batch.opened_at = timezone.now()
    return _save(batch, ["status", "opened_at"])


@transaction.atomic
def batch_close(*, by: User, batch: HandoverBatch, version: int | None = None) -> HandoverBatch:
    """Close the batch (after its days, or to call it off); refused while appointments are still active."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, version)
    _require_not_closed(batch)
    active = Appointment.objects.filter(slot__batch=batch, status__in=Appointment.ACTIVE).count()
    if active:
        raise ValidationError(
            {
                "status": _(
                    "%(count)d appointments are still active: finish, cancel or mark them no-show first."
                )
                % {"count": active}
            }
        )
    batch.status = HandoverBatch.Status.CLOSED
    batch.closed_at = timezone.now()
    return _save(batch, ["status", "closed_at"])


# --- readiness ----------------------------------------------------------------------------------


@transaction.atomic
def readiness_item_add(
    *,
    by: User,
    batch: HandoverBatch,
    title: str,
    kind: str = ReadinessItem.Kind.OTHER,
    owner: User | None = None,
    due_on: datetime.date | None = None,
    note: str = "",
) -> ReadinessItem:
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    errors: dict[str, str] = {}
    _check_staff(owner, batch.project_id, "owner", errors)
    if not (title or "").strip():
        errors["title"] = _("Name the item.")
    if errors:
        raise ValidationError(errors)
    item = ReadinessItem(batch=batch, kind=kind, title=title.strip(), owner=owner, due_on=due_on, note=note)
    item.full_clean()
    item.save()
    return item


_UNSET = object()


@transaction.atomic
def readiness_item_update(
    *,
    by: User,
    item: ReadinessItem,
    version: int | None = None,
    status=_UNSET,
    owner=_UNSET,
    due_on=_UNSET,
    note=_UNSET,
) -> ReadinessItem:
    """Change an item's status, owner, due date or note; done items remember when."""
    require_role(by, PLANNERS)
    item = _lock(ReadinessItem, item.pk, version)
    batch = item.batch
    _require_scope(by, batch.project_id)
    _require_not_closed(batch)
    changed = []
    errors: dict[str, str] = {}
    if status is not _UNSET:
        if status not in ReadinessItem.Status.values:
            errors["status"] = _("Unknown status.")
        elif status != item.status:
            item.status = status
            item.done_at = timezone.now() if status == ReadinessItem.Status.DONE else None
            changed += ["status", "done_at"]
    if owner is not _UNSET:
        _check_staff(owner, batch.project_id, "owner", errors)
        item.owner = owner
        changed.append("owner")
    if due_on is not _UNSET:
        item.due_on = due_on
        changed.append("due_on")
    if note is not _UNSET:
        item.note = (note or "").strip()
        changed.append("note")
    if errors:
        raise ValidationError(errors)
    if changed:
        item.full_clean(exclude=["batch"])
        _save(item, changed)
    return item


# --- slots --------------------------------------------------------------------------------------


def _check_slot_day(batch: HandoverBatch, day: datetime.date, field: str = "date") -> None:
    if not batch.starts_on <= day <= batch.ends_on:
        raise ValidationError(
            {
                field: _("Slots are on the batch's days, %(first)s to %(last)s.")
                % {"first": batch.starts_on, "last": batch.ends_on}
            }
        )


@transaction.atomic
def slot_create(
    *,
    by: User,
    batch: HandoverBatch,
    date: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    capacity: int,
) -> AppointmentSlot:
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    _check_slot_day(batch, date)
    if starts_at >= ends_at:
        raise ValidationError({"ends_at": _("The slot ends before it starts.")})
    if AppointmentSlot.objects.filter(batch=batch, date=date, starts_at=starts_at).exists():
        raise ValidationError({"starts_at": _("A slot already starts at this time on that day.")})
    slot = AppointmentSlot(batch=batch, date=date, starts_at=starts_at, ends_at=ends_at, capacity=capacity)
    slot.full_clean()
    slot.save()
    return slot


@transaction.atomic
def slots_generate(
    *,
    by: User,
    batch: HandoverBatch,
    first_day: datetime.date,
    last_day: datetime.date,
    windows: Sequence[tuple[datetime.time, datetime.time]],
    capacity: int,
    weekdays: Iterable[int] | None = None,
) -> list[AppointmentSlot]:
    """Days × time windows × capacity, in one go. Slots that already exist (same day and start) are
    left as they are, so generating twice makes no copies. `weekdays` (0 = Monday) limits the days."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, None)
    _require_not_closed(batch)
    errors: dict[str, str] = {}
    if first_day > last_day:
        errors["last_day"] = _("The last day is before the first day.")
    elif (last_day - first_day).days >= MAX_GENERATED_DAYS:
        errors["last_day"] = _("At most %(n)d days at a time.") % {"n": MAX_GENERATED_DAYS}
    if not windows:
        errors["windows"] = _("Give at least one time window, e.g. 09:00-10:00.")
    elif len(windows) > MAX_WINDOWS:
        errors["windows"] = _("At most %(n)d windows a day.") % {"n": MAX_WINDOWS}
    elif any(start >= end for start, end in windows):
        errors["windows"] = _("Each window must end after it starts.")
    if capacity is None or capacity < 1:
        errors["capacity"] = _("At least one owner per slot.")
    if errors:
        raise ValidationError(errors)
    _check_slot_day(batch, first_day, "first_day")
    _check_slot_day(batch, last_day, "last_day")
    weekdays = set(weekdays) if weekdays is not None else set(range(7))
    days = [
        first_day + datetime.timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if (first_day + datetime.timedelta(days=n)).weekday() in weekdays
    ]
    existing = set(batch.slots.filter(date__in=days).values_list("date", "starts_at"))
    new = [
        AppointmentSlot(batch=batch, date=day, starts_at=start, ends_at=end, capacity=capacity)
        for day in days
        for start, end in sorted(set(windows))
        if (day, start) not in existing
    ]
    return AppointmentSlot.objects.bulk_create(new)


@transaction.atomic
def slot_delete(*, by: User, slot: AppointmentSlot) -> None:
    """Remove a slot nobody ever booked (appointments keep their slot as history)."""
    require_role(by, PLANNERS)
    slot = AppointmentSlot.objects.select_for_update(of=("self",)).select_related("batch").get(pk=slot.pk)
    _require_scope(by, slot.batch.project_id)
    _require_not_closed(slot.batch)
    if slot.appointments.exists():
        raise ValidationError({"slot": _("This slot has appointments; it cannot be deleted.")})
    slot.delete()


# --- appointments -------------------------------------------------------------------------------


def _booker_checks(by: User | None, project_id: int) -> None:
    if by is not None:
        require_role(by, BOOKERS)
        _require_scope(by, project_id)


def _take_place(slot: AppointmentSlot, handover: Handover, now: datetime.datetime) -> AppointmentSlot:
    """Lock the slot and check that the handover may take one of its places now."""
    slot = AppointmentSlot.objects.select_for_update(of=("self",)).select_related("batch").get(pk=slot.pk)
    if slot.batch_id != handover.batch_id:
        raise ValidationError({"slot": _("This slot belongs to another batch.")})
    if slot.batch.status == HandoverBatch.Status.CLOSED:
        raise ValidationError({"slot": _("The batch is closed.")})
    if slot_starts_at(slot) <= now:
        raise ValidationError({"slot": _("This slot has already started; choose a later one.")})
    taken = slot.appointments.exclude(status=Appointment.Status.CANCELLED).count()
    if taken >= slot.capacity:
        raise ValidationError({"slot": _("This slot is full; choose another one.")})
    return slot


def _create_appointment(**fields) -> Appointment:
    try:
        with transaction.atomic():
            return Appointment.objects.create(**fields)
    except IntegrityError:
        # one_active_appointment_per_unit: someone booked this unit a moment ago.
        raise ValidationError({"handover": _("This unit already has an appointment.")}) from None


@transaction.atomic
def appointment_book(
    *,
    by: User | None,
    handover: Handover,
    slot: AppointmentSlot,
    customer: Customer | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book the unit's owner into a slot. `by` is None when the owner books through the link."""
    _booker_checks(by, handover.project_id)
    now = now or timezone.now()
    handover = Handover.objects.select_related("unit").get(pk=handover.pk)
    if handover.status == Handover.Status.HANDED_OVER:
        raise ValidationError({"handover": _("This unit is already handed over.")})
    slot = _take_place(slot, handover, now)
    if handover.appointments.filter(status__in=Appointment.ACTIVE).exists():
        raise ValidationError({"handover": _("This unit already has an appointment.")})
    customer = customer or selectors.owner_of(handover.unit)
    if customer is None:
        raise ValidationError({"handover": _("This unit has no owner on record (household or contract).")})
    return _create_appointment(
        slot=slot,
        handover=handover,
        customer=customer,
        channel=Appointment.Channel.AGENT if by is not None else Appointment.Channel.OWNER_LINK,
        booked_by=by,
        note=(note or "").strip()[:200],
    )


def _lock_appointment(appointment: Appointment, version: int | None) -> Appointment:
    locked = _lock(Appointment, appointment.pk, version)
    return Appointment.objects.select_related("slot", "slot__batch", "handover").get(pk=locked.pk)


def _require_booked(appointment: Appointment, message: str) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError({"status": message % {"status": appointment.get_status_display()}})


@transaction.atomic
def appointment_reschedule(
    *,
    by: User | None,
    appointment: Appointment,
    slot: AppointmentSlot,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """A new appointment in another slot; the old one is cancelled and named in `rescheduled_from`."""
    _booker_checks(by, appointment.handover.project_id)
    now = now or timezone.now()
    old = _lock_appointment(appointment, version)
    _require_booked(old, _("Only a booked appointment can be rescheduled; this one is “%(status)s”."))
    if slot.pk == old.slot_id:
        raise ValidationError({"slot": _("This is the slot already booked.")})
    new_slot = _take_place(slot, old.handover, now)
    old.status = Appointment.Status.CANCELLED
    old.note = _append_note(old.note, _("Rescheduled to %(slot)s") % {"slot": new_slot})
    _save(old, ["status", "note"])
    return _create_appointment(
        slot=new_slot,
        handover=old.handover,
        customer=old.customer,
        channel=Appointment.Channel.AGENT if by is not None else Appointment.Channel.OWNER_LINK,
        booked_by=by or old.booked_by,
        rescheduled_from=old,
        note="",
    )


def _append_note(note: str, addition: str) -> str:
    return " · ".join(part for part in (note, addition) if part)[:200]


@transaction.atomic
def appointment_cancel(
    *, by: User, appointment: Appointment, reason: str = "", version: int | None = None
) -> Appointment:
    _booker_checks(by, appointment.handover.project_id)
    appointment = _lock_appointment(appointment, version)
    _require_booked(appointment, _("Only a booked appointment can be cancelled; this one is “%(status)s”."))
    appointment.status = Appointment.Status.CANCELLED
    appointment.note = _append_note(appointment.note, (reason or "").strip())
    return _save(appointment, ["status", "note"])


@transaction.atomic
def appointment_no_show(
    *,
    by: User,
    appointment: Appointment,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """The owner did not come: only once the slot has started."""
    _booker_checks(by, appointment.handover.project_id)
    now = now or timezone.now()
    appointment = _lock_appointment(appointment, version)
    _require_booked(
        appointment, _("Only a booked appointment can be marked no-show; this one is “%(status)s”.")
    )
    if slot_starts_at(appointment.slot) > now:
        raise ValidationError({"status": _("The slot has not started yet; the owner may still come.")})
    appointment.status = Appointment.Status.NO_SHOW
    return _save(appointment, ["status"])


@transaction.atomic
def appointment_advance(
    *,
    by: User,
    appointment: Appointment,
    to_status: str,
    version: int | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """The day's queue: booked → checked in → inspecting → signing → done, one step at a time.

    Checking in happens on the appointment's day, in an open batch, and draws the next queue
    number of that batch and day (the batch row is locked so two desks never draw the same one).
    """
    _booker_checks(by, appointment.handover.project_id)
    now = now or timezone.now()
    current = Appointment.objects.select_related("slot").get(pk=appointment.pk)
    if to_status == Appointment.Status.CHECKED_IN:
        # Lock order batch → appointment, the same for every check-in.
        batch = HandoverBatch.objects.select_for_update().get(pk=current.slot.batch_id)
    appointment = _lock_appointment(appointment, version)
    expected = NEXT_STATUS.get(appointment.status)
    if to_status not in QUEUE_TIMESTAMPS or expected != to_status:
        raise ValidationError(
            {
                "status": _("“%(status)s” cannot go to “%(to)s”; the next step is “%(next)s”.")
                % {
                    "status": appointment.get_status_display(),
                    "to": Appointment.Status(to_status).label
                    if to_status in Appointment.Status.values
                    else to_status,
                    "next": expected.label if expected else "—",
                }
            }
        )
    fields = ["status", QUEUE_TIMESTAMPS[to_status]]
    if to_status == Appointment.Status.CHECKED_IN:
        if batch.status != HandoverBatch.Status.OPEN:
            raise ValidationError(
                {"status": _("The batch is not open: complete its readiness checklist and open it.")}
            )
        day = timezone.localdate(now)
        if appointment.slot.date != day:
            raise ValidationError(
                {
                    "status": _("Check-in is on the appointment's day (%(day)s); reschedule it instead.")
                    % {"day": appointment.slot.date}
                }
            )
        last = (
            Appointment.objects.filter(slot__batch_id=batch.pk, slot__date=day, queue_number__isnull=False)
            .order_by("-queue_number")
            .values_list("queue_number", flat=True)
            .first()
        )
        appointment.queue_number = (last or 0) + 1
        fields.append("queue_number")
    appointment.status = to_status
    setattr(appointment, QUEUE_TIMESTAMPS[to_status], now)
    return _save(appointment, fields)


# --- reminders ----------------------------------------------------------------------------------


def appointment_reminders_send(now: datetime.datetime | None = None) -> int:
    """Remind each booked appointment whose slot starts within the next 24 hours, exactly once.

    Each appointment is claimed with a conditional UPDATE (reminder_sent_at IS NULL), so two
    sweeps running together never remind anyone twice. The claim and the notifications commit
    together; the owner's email goes after (a failed email is logged, not retried).
    """
    now = now or timezone.now()
    start, end = timezone.localtime(now), timezone.localtime(now + REMINDER_AHEAD)
    window = Q(slot__date=start.date(), slot__starts_at__gte=start.time())
    if end.date() > start.date():
        window |= Q(slot__date__gt=start.date(), slot__date__lt=end.date())
        window |= Q(slot__date=end.date(), slot__starts_at__lte=end.time())
    else:
        window &= Q(slot__starts_at__lte=end.time())
    due = (
        Appointment.objects.filter(status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True)
        .filter(window)
        .select_related("slot", "slot__batch", "slot__batch__project", "handover__unit", "customer")
        .order_by("slot__date", "slot__starts_at", "id")
    )
    sent = 0
    for appointment in due:
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=appointment.pk, status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not claimed:
                continue  # another sweep got there first, or the appointment moved on
            _notify_staff(appointment)
        _email_owner(appointment)
        sent += 1
    return sent


def _reminder_text(appointment: Appointment) -> dict[str, str]:
    slot, batch = appointment.slot, appointment.slot.batch
    return {
        "project": batch.project.name,
        "unit": appointment.handover.unit.code,
        "date": f"{slot.date:%Y-%m-%d}",
        "window": f"{slot.starts_at:%H:%M}-{slot.ends_at:%H:%M}",
        "site": batch.site,
    }


def _notify_staff(appointment: Appointment) -> None:
    batch = appointment.slot.batch
    recipients = {uid for uid in (appointment.booked_by_id, batch.lead_id) if uid}
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Handover appointment %(date)s %(window)s: %(project)s %(unit)s") % _reminder_text(
            appointment
        )
    link = reverse("delivery:batch-detail", args=[batch.pk])
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, kind="handover_reminder", title=title[:200], link=link)
            for uid in sorted(recipients)
        ]
    )


def _email_owner(appointment: Appointment) -> None:
    customer = appointment.customer
    if customer is None or not customer.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        facts = _reminder_text(appointment)
        subject = _("Your handover appointment: %(date)s %(window)s") % facts
        body = _(
            "Dear %(name)s,\n\nthis is a reminder of your handover appointment for %(project)s %(unit)s "
            "on %(date)s, %(window)s, at %(site)s. Please bring your ID card and the purchase contract.\n\n"
            "We look forward to welcoming you home."
        ) % {**facts, "name": customer.name}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [customer.email], fail_silently=False)
    except Exception:  # the reminder is claimed; a mail server hiccup must not stop the sweep
        logger.exception("handover reminder email to customer %s failed", customer.pk)
