"""Handover batches and their readiness checklist: plan, fill with units, open, close."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from properties.models import Building, Phase, Project, Unit

from ...batch_checks import batch_checks
from ...models import Appointment, Handover, HandoverBatch, ReadinessItem
from ..defects import require_role
from ._common import (
    PLANNERS,
    _check_staff,
    _lock,
    _require_not_closed,
    _require_scope,
    _save,
    batch_allows,
)

# The readiness checklist every new batch starts with, and how many days before the first
# handover day each item is due.
DEFAULT_READINESS = (
    (ReadinessItem.Kind.RISK_SWEEP, 14),
    (ReadinessItem.Kind.QA_PREPARED, 7),
    (ReadinessItem.Kind.DOCUMENTS_READY, 3),
    (ReadinessItem.Kind.SITE_READY, 1),
)


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
    """Open the batch for its handover days; refused while any readiness item is not settled or a
    registered batch check (delivery.batch_checks) reports a blocker."""
    require_role(by, PLANNERS)
    _require_scope(by, batch.project_id)
    batch = _lock(HandoverBatch, batch.pk, version)
    if not batch_allows(batch, "open"):
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
    # The checks higher apps register (delivery.batch_checks), e.g. undisclosed red-line items.
    blockers = [check.message for check in batch_checks(batch) if check.blocker]
    if blockers:
        raise ValidationError({"status": blockers})
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
