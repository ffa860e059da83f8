"""Reads for the handover page, the inspection tablet and the inspection API, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from customers.models import Contract, CustomerPhone

from ..models import (
    Appointment,
    ChecklistItem,
    ChecklistTemplate,
    Defect,
    FloorPlan,
    Handover,
    Inspection,
    InspectionCheck,
    RoomType,
)


def handovers_visible_to(user) -> QuerySet[Handover]:
    return Handover.objects.visible_to(user)


def inspections_visible_to(user) -> QuerySet[Inspection]:
    scope = user.scope
    if scope.is_unrestricted:
        return Inspection.objects.all()
    return Inspection.objects.filter(handover__project_id__in=scope.project_ids)


def _defects_shown():
    return (
        Defect.objects.select_related("contractor", "checklist_item")
        .annotate(photo_count=Count("photos"))
        .order_by("-id")
    )


def handover_detail(*, user, pk: int) -> Handover:
    """The handover page: unit, batch, owner (masked phone), appointment, inspections and defects.

    Sets `owner` (the active contract's primary buyer or None), `owner_phone` (masked), `contract`,
    `appointment` (the active one or None) and `blocking_count` on the handover.
    """
    handover = (
        handovers_visible_to(user)
        .select_related(
            "batch", "project", "unit", "unit__building", "unit__project", "handed_over_by", "override_by"
        )
        .prefetch_related(
            Prefetch(
                "unit__contracts",
                queryset=Contract.objects.filter(status=Contract.Status.ACTIVE)
                .select_related("primary_buyer")
                .prefetch_related(
                    Prefetch(
                        "primary_buyer__phones",
                        queryset=CustomerPhone.objects.only("id", "customer_id", "number", "is_primary"),
                    )
                ),
                to_attr="active_contracts",
            ),
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status__in=Appointment.ACTIVE).select_related("slot"),
                to_attr="active_appointments",
            ),
            Prefetch(
                "inspections",
                queryset=Inspection.objects.select_related("inspector", "template").annotate(
                    check_count=Count("checks", distinct=True), defect_count=Count("defects", distinct=True)
                ),
            ),
            Prefetch("defects", queryset=_defects_shown()),
        )
        .get(pk=pk)
    )
    contracts = handover.unit.active_contracts  # type: ignore[attr-defined]  # Prefetch(to_attr=) above
    handover.contract = contracts[0] if contracts else None  # type: ignore[attr-defined]  # set on the instance for its page
    handover.owner = handover.contract.primary_buyer if handover.contract else None  # type: ignore[attr-defined]  # set on the instance for its page
    phones = list(handover.owner.phones.all()) if handover.owner else []  # type: ignore[attr-defined]  # set on the instance for its page
    handover.owner_phone = phones[0].masked if phones else ""  # type: ignore[attr-defined]  # set on the instance for its page
    handover.appointment = handover.active_appointments[0] if handover.active_appointments else None  # type: ignore[attr-defined]  # set on the instance for its page
    handover.blocking_count = sum(1 for defect in handover.defects.all() if defect.is_blocking)  # type: ignore[attr-defined]  # set on the instance for its page
    handover.running_inspection = next(  # type: ignore[attr-defined]  # set on the instance for its page
        (i for i in handover.inspections.all() if i.status == Inspection.Status.IN_PROGRESS), None
    )
    return handover


@dataclass
class ChecklistLine:
    item: ChecklistItem
    result: str = ""
    defects: list[Defect] = field(default_factory=list)


@dataclass
class ChecklistRoom:
    room: str
    label: str
    lines: list[ChecklistLine]

    @property
    def done(self) -> int:
        return sum(1 for line in self.lines if line.result)


@dataclass
class TabletPage:
    inspection: Inspection
    rooms: list[ChecklistRoom]
    other_defects: list[Defect]
    floor_plan: FloorPlan | None

    @property
    def total(self) -> int:
        return sum(len(room.lines) for room in self.rooms)

    @property
    def done(self) -> int:
        return sum(room.done for room in self.rooms)

    @property
    def defect_count(self) -> int:
        return len(self.other_defects) + sum(len(line.defects) for room in self.rooms for line in room.lines)


def inspection_detail(*, user, pk: int) -> Inspection:
    """One inspection with its answered lines and defects; `check_count` and `defect_count` are set
    from them, as inspection_list annotates them."""
    inspection = (
        inspections_visible_to(user)
        .select_related(
            "handover",
            "handover__unit",
            "handover__unit__building",
            "handover__unit__project",
            "handover__batch",
            "template",
            "inspector",
        )
        .prefetch_related(
            Prefetch(
                "checks", queryset=InspectionCheck.objects.only("id", "inspection_id", "item_id", "result")
            ),
            Prefetch("defects", queryset=_defects_shown()),
        )
        .get(pk=pk)
    )
    inspection.check_count = len(inspection.checks.all())  # type: ignore[attr-defined]  # set on the instance for its page
    inspection.defect_count = len(inspection.defects.all())  # type: ignore[attr-defined]  # set on the instance for its page
    return inspection


def tablet_page(*, user, pk: int) -> TabletPage:
    """The tablet's checklist grouped by room (in the order of RoomType), each line with its answer
    and the defects recorded on it; defects off the checklist are listed apart."""
    inspection = inspection_detail(user=user, pk=pk)
    results = {check.item_id: check.result for check in inspection.checks.all()}
    by_item: dict[int, list[Defect]] = {}
    other: list[Defect] = []
    items = (
        list(ChecklistItem.objects.filter(template_id=inspection.template_id))
        if inspection.template_id
        else []
    )
    item_ids = {item.pk for item in items}
    for defect in sorted(inspection.defects.all(), key=lambda d: d.pk):
        if defect.checklist_item_id in item_ids:
            by_item.setdefault(defect.checklist_item_id, []).append(defect)
        else:
            other.append(defect)
    rooms: dict[str, list[ChecklistLine]] = {}
    for item in items:
        rooms.setdefault(item.room_type, []).append(
            ChecklistLine(item=item, result=results.get(item.pk, ""), defects=by_item.get(item.pk, []))
        )
    labels = dict(RoomType.choices)
    ordered = [
        ChecklistRoom(room=room, label=str(labels.get(room, room)), lines=rooms[room])
        for room in RoomType.values
        if room in rooms
    ]
    plan = floor_plan_for(inspection.handover.unit)
    return TabletPage(inspection=inspection, rooms=ordered, other_defects=other, floor_plan=plan)


def floor_plan_for(unit) -> FloorPlan | None:
    """The floor plan (户型图) of the unit's layout in its project, if an administrator uploaded one."""
    if not unit.layout:
        return None
    return FloorPlan.objects.filter(project_id=unit.project_id, layout=unit.layout).first()


def inspection_list(*, user) -> QuerySet[Inspection]:
    return (
        inspections_visible_to(user)
        .select_related("handover__unit", "inspector", "template")
        .annotate(check_count=Count("checks", distinct=True), defect_count=Count("defects", distinct=True))
    )


def checklist_templates() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "id"))
    )
