"""Reads of defects and rectification orders, shaped for their pages and scoped to the user.

Contractors see their own defects and orders only; everyone else what lies in their projects.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import Role
from core.localdays import on_days

from ..deadlines import CLOCKED_STATUSES
from ..models import Defect, DefectEvent, DefectPhoto, Handover, Inspection, RectificationOrder

DEADLINE_STATES = ("on_time", "warning", "overdue")
OPEN = "open"
RECORDED = "recorded"  # every status but cancelled: the defects the figures count
# Where a defect was recorded: at the handover desk (inspections, before the sign-off) or by the owner
# within warranty, after it.
STAGES = {"handover": False, "warranty": True}


def handover_desk_defects() -> QuerySet[Defect]:
    """The defects of the handover figures (defects per unit at handover): recorded at the handover
    desk, i.e. at the inspections before the sign-off and not reported by the owner afterwards, and not
    cancelled (a cancelled defect was recorded by mistake)."""
    return Defect.objects.filter(after_handover=False).exclude(status=Defect.Status.CANCELLED)


# The inspections at which a unit is walked for the handover (a re-inspection checks fixed defects only).
UNIT_INSPECTION_KINDS = (Inspection.Kind.PRE_INSPECTION, Inspection.Kind.HANDOVER)


def formal_inspections() -> QuerySet[Inspection]:
    """The completed formal handover inspections, each marked `found` when it recorded a defect (not
    cancelled): a unit passes the first time when its formal inspection found nothing."""
    return Inspection.objects.filter(
        kind=Inspection.Kind.HANDOVER, status=Inspection.Status.COMPLETED
    ).annotate(
        found=Exists(Defect.objects.filter(inspection=OuterRef("pk")).exclude(status=Defect.Status.CANCELLED))
    )


def order_met_deadline() -> Q:
    """A rectification order done by its due time: completed (or closed) no later than due_at."""
    return Q(completed_at__isnull=False, due_at__isnull=False, completed_at__lte=F("due_at"))


def deadline_condition(state: str, now: datetime.datetime) -> Q:
    """The SQL form of delivery.deadlines.defect_deadline_state, for filters and counters."""
    clocked = Q(status__in=CLOCKED_STATUSES, due_at__isnull=False)
    conditions = {
        "overdue": clocked & Q(due_at__lte=now),
        "warning": clocked & Q(due_at__gt=now, warned=True),
        "on_time": clocked & Q(due_at__gt=now, warned=False),
    }
    return conditions[state]


def _id(value):
    return getattr(value, "pk", value)


def defect_list(*, user, filters: dict | None = None) -> QuerySet[Defect]:
    """Defects the user may see, with what a list row shows, filtered by the list's filters."""
    filters = filters or {}
    defects = Defect.objects.visible_to(user).select_related(
        "project", "unit", "unit__building", "contractor", "order"
    )
    for name in ("project", "contractor", "order", "handover"):
        if filters.get(name) not in (None, ""):
            defects = defects.filter(**{f"{name}_id": _id(filters[name])})
    if filters.get("building") not in (None, ""):
        defects = defects.filter(unit__building_id=_id(filters["building"]))
    unit = filters.get("unit")
    if unit not in (None, ""):
        defects = (
            defects.filter(unit__code=unit.strip()) if isinstance(unit, str) else defects.filter(unit=unit)
        )
    for name in ("trade", "severity"):
        if filters.get(name):
            defects = defects.filter(**{name: filters[name]})
    if filters.get("city") not in (None, ""):
        defects = defects.filter(project__city_company_id=_id(filters["city"]))
    status = filters.get("status")
    if status == OPEN:
        defects = defects.open()
    elif status == RECORDED:
        defects = defects.exclude(status=Defect.Status.CANCELLED)
    elif status:
        defects = defects.filter(status=status)
    if filters.get("stage") in STAGES:
        defects = defects.filter(after_handover=STAGES[filters["stage"]])
    for name in ("found", "fixed"):
        first, last = filters.get(f"{name}_from"), filters.get(f"{name}_to")
        if first or last:
            defects = defects.filter(on_days(f"{name}_at", first, last))
    if filters.get("overdue"):
        defects = defects.filter(deadline_condition("overdue", timezone.now()))
    if filters.get("after_handover") is not None and filters.get("after_handover") != "":
        defects = defects.filter(after_handover=bool(filters["after_handover"]))
    if filters.get("q"):
        defects = defects.filter(number=filters["q"].strip())
    return defects


def defect_detail(*, user, pk: int) -> Defect:
    """Everything the defect page shows, in a fixed number of queries. Raises DoesNotExist outside scope."""
    return (
        Defect.objects.visible_to(user)
        .select_related(
            "project",
            "unit",
            "unit__building",
            "handover",
            "inspection",
            "contractor",
            "order",
            "reported_by",
            "verified_by",
            "complaint",
        )
        .prefetch_related(
            Prefetch("photos", queryset=DefectPhoto.objects.select_related("uploaded_by")),
            Prefetch("events", queryset=DefectEvent.objects.select_related("actor")),
        )
        .get(pk=pk)
    )


def orders_visible_to(user) -> QuerySet[RectificationOrder]:
    """RectificationOrder.objects.visible_to: a contractor's company's orders in their projects."""
    return RectificationOrder.objects.visible_to(user)


def with_defect_counts(orders: QuerySet[RectificationOrder]) -> QuerySet[RectificationOrder]:
    """Per order: live defects, those the contractor has done, those overdue (one grouped query)."""
    from ..services.rectification import DONE_BY_CONTRACTOR

    now = timezone.now()
    return orders.annotate(
        defect_count=Count("defects", filter=~Q(defects__status=Defect.Status.CANCELLED)),
        done_count=Count("defects", filter=Q(defects__status__in=DONE_BY_CONTRACTOR)),
        overdue_count=Count(
            "defects",
            filter=Q(
                defects__status__in=CLOCKED_STATUSES,
                defects__due_at__isnull=False,
                defects__due_at__lte=now,
            ),
        ),
    )


def order_list(*, user, filters: dict | None = None) -> QuerySet[RectificationOrder]:
    filters = filters or {}
    orders = with_defect_counts(orders_visible_to(user).select_related("project", "contractor"))
    status = filters.get("status")
    if status == OPEN:
        orders = orders.exclude(status=RectificationOrder.Status.CLOSED)
    elif status:
        orders = orders.filter(status=status)
    if filters.get("project"):
        orders = orders.filter(project_id=_id(filters["project"]))
    if filters.get("contractor"):
        orders = orders.filter(contractor_id=_id(filters["contractor"]))
    if filters.get("city"):
        orders = orders.filter(project__city_company_id=_id(filters["city"]))
    if filters.get("due_from") or filters.get("due_to"):
        orders = orders.filter(on_days("due_at", filters.get("due_from"), filters.get("due_to")))
    if filters.get("deadline") == "met":
        orders = orders.filter(order_met_deadline())
    return orders


def order_detail(*, user, pk: int) -> RectificationOrder:
    return (
        with_defect_counts(orders_visible_to(user))
        .select_related("project", "contractor", "issued_by")
        .prefetch_related(
            Prefetch(
                "defects",
                queryset=Defect.objects.select_related(
                    "project", "unit", "unit__building", "contractor", "order"
                ).order_by("unit__code", "id"),
            )
        )
        .get(pk=pk)
    )


def handover_for(*, user, pk: int) -> Handover:
    """A unit handover in the user's projects (contractors have none). Raises DoesNotExist."""
    if user.role == Role.CONTRACTOR:
        raise Handover.DoesNotExist
    return (
        Handover.objects.visible_to(user)
        .select_related("unit", "unit__building", "project", "batch")
        .get(pk=pk)
    )


def unit_defects(*, user, handover: Handover, statuses=None) -> QuerySet[Defect]:
    """A unit's defects with their photos, in the order of a walk through the unit."""
    defects = (
        Defect.objects.visible_to(user)
        .filter(handover=handover)
        .select_related("contractor", "order")
        .prefetch_related(Prefetch("photos", queryset=DefectPhoto.objects.order_by("uploaded_at", "id")))
        .order_by("room", "id")
    )
    if statuses is not None:
        defects = defects.filter(status__in=statuses)
    return defects


# --- statistics --------------------------------------------------------------------------------------


def _days(value: datetime.timedelta | float | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, datetime.timedelta):  # some backends answer in microseconds
        value = datetime.timedelta(microseconds=value)
    return round(value.total_seconds() / 86400, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _measures(now: datetime.datetime) -> dict:
    return {
        "defects": Count("pk"),
        "open": Count("pk", filter=Q(status__in=Defect.OPEN_STATUSES)),
        "overdue": Count("pk", filter=deadline_condition("overdue", now)),
        "after_handover": Count("pk", filter=Q(after_handover=True)),
        "accepted": Count("pk", filter=Q(status=Defect.Status.ACCEPTED)),
        "accepted_first_time": Count("pk", filter=Q(status=Defect.Status.ACCEPTED, rework_count=0)),
        "avg_fix": Avg(
            ExpressionWrapper(F("fixed_at") - F("found_at"), output_field=DurationField()),
            filter=Q(fixed_at__isnull=False),
        ),
        "avg_accept": Avg(
            ExpressionWrapper(F("accepted_at") - F("found_at"), output_field=DurationField()),
            filter=Q(accepted_at__isnull=False),
        ),
    }


@dataclass
class StatsRow:
    key: object
    label: str
    defects: int
    units: int | None
    open: int
    overdue: int
    after_handover: int
    accepted: int
    accepted_first_time: int
    avg_fix_days: float | None
    avg_accept_days: float | None

    @property
    def per_unit(self) -> float | None:
        return round(self.defects / self.units, 2) if self.units else None

    @property
    def first_time_pass(self) -> float | None:
        return _rate(self.accepted_first_time, self.accepted)


def _row(key, label, values: dict, units: int | None) -> StatsRow:
    return StatsRow(
        key=key,
        label=label,
        defects=values["defects"],
        units=units,
        open=values["open"],
        overdue=values["overdue"],
        after_handover=values["after_handover"],
        accepted=values["accepted"],
        accepted_first_time=values["accepted_first_time"],
        avg_fix_days=_days(values["avg_fix"]),
        avg_accept_days=_days(values["avg_accept"]),
    )


def defect_stats(
    *,
    user,
    project=None,
    found_from: datetime.date | None = None,
    found_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """Defect statistics in a fixed number of grouped queries (nine), whatever the volume.

    Cancelled defects are left out. Units are the unit handovers in scope (the units being or
    already handed over); per-unit figures of a trade or a contractor divide by all of them.
    """
    now = now or timezone.now()
    defects = Defect.objects.visible_to(user).exclude(status=Defect.Status.CANCELLED)
    handovers = Handover.objects.visible_to(user)
    if project is not None:
        defects = defects.filter(project_id=_id(project))
        handovers = handovers.filter(project_id=_id(project))
    zone = timezone.get_current_timezone()
    if found_from:
        start = datetime.datetime.combine(found_from, datetime.time.min, tzinfo=zone)
        defects = defects.filter(found_at__gte=start)
    if found_to:
        end = datetime.datetime.combine(found_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        defects = defects.filter(found_at__lt=end)
    measures = _measures(now)
    defects = defects.order_by()

    units_by_project = dict(
        handovers.order_by().values("project_id").annotate(n=Count("pk")).values_list("project_id", "n")
    )
    units_by_building = dict(
        handovers.order_by()
        .values("unit__building_id")
        .annotate(n=Count("pk"))
        .values_list("unit__building_id", "n")
    )
    all_units = sum(units_by_project.values())

    totals = _row(None, "", defects.aggregate(**measures), all_units)
    by_project = [
        _row(v["project_id"], v["project__name"], v, units_by_project.get(v["project_id"]))
        for v in defects.values("project_id", "project__name").annotate(**measures).order_by("project__name")
    ]
    by_building = [
        _row(
            v["unit__building_id"],
            f"{v['project__name']} {v['unit__building__number']}",
            v,
            units_by_building.get(v["unit__building_id"]),
        )
        for v in defects.values("unit__building_id", "unit__building__number", "project__name")
        .annotate(**measures)
        .order_by("project__name", "unit__building__number")
    ]
    trade_labels = dict(Defect._meta.get_field("trade").choices)  # type: ignore[arg-type]  # the field has choices
    by_trade = sorted(
        (
            _row(v["trade"], str(trade_labels.get(v["trade"], v["trade"])), v, all_units)
            for v in defects.values("trade").annotate(**measures)
        ),
        key=lambda row: -row.defects,
    )
    by_contractor = [
        _row(v["contractor_id"], v["contractor__name"] or "", v, all_units)
        for v in defects.values("contractor_id", "contractor__name").annotate(**measures).order_by("-defects")
    ]

    # First-time pass of units: handovers whose formal inspection found nothing.
    formal = (
        formal_inspections()
        .filter(handover__in=handovers)
        .order_by()
        .aggregate(
            inspected=Count("handover", distinct=True),
            clean=Count("handover", distinct=True, filter=Q(found=False)),
        )
    )
    decisions = (
        DefectEvent.objects.filter(
            defect__in=defects.values("pk"),
            kind__in=[DefectEvent.Kind.ACCEPTED, DefectEvent.Kind.OWNER_REJECTED],
        )
        .order_by()
        .aggregate(
            decisions=Count("pk"),
            rejected=Count("pk", filter=Q(kind=DefectEvent.Kind.OWNER_REJECTED)),
        )
    )
    return {
        "totals": totals,
        "by_project": by_project,
        "by_building": by_building,
        "by_trade": by_trade,
        "by_contractor": by_contractor,
        "units": all_units,
        "units_inspected": formal["inspected"],
        "units_clean": formal["clean"],
        "unit_first_time_pass": _rate(formal["clean"], formal["inspected"]),
        "defect_first_time_pass": totals.first_time_pass,
        "owner_decisions": decisions["decisions"],
        "owner_rejections": decisions["rejected"],
        "owner_rejection_rate": _rate(decisions["rejected"], decisions["decisions"]),
    }
