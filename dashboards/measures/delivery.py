"""The handover desk's measures: defects per unit at handover, the units' first-time pass, and the
rectification against its deadlines. Counted live, each in one grouped query per (period, project).

The definitions are the delivery desk's own (`delivery.selectors.rectification`): the defects of the
handover figures, the formal inspection that a unit passes the first time when it found nothing, an
order done by its due time. The drill-down lists filter with the same conditions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from delivery.models import Defect, Handover, Inspection, RectificationOrder
from delivery.selectors.rectification import (
    UNIT_INSPECTION_KINDS,
    formal_inspections,
    handover_desk_defects,
    order_met_deadline,
)

from .base import DashboardScope, Measure, Period, Ratio, Source, SourceResult, Unit, register_source
from .sql import in_periods, period_bucket


def _defects_drill(scope: DashboardScope, period: Period) -> str:
    query = {
        **scope.query(),
        "status": "recorded",
        "stage": "handover",
        "found_from": period.start.isoformat(),
        "found_to": period.last_day.isoformat(),
    }
    return reverse("delivery:defect-list") + "?" + urlencode(query)


def _orders_drill(scope: DashboardScope, period: Period) -> str:
    query = {
        **scope.query(),
        "status": "all",
        "due_from": period.start.isoformat(),
        "due_to": period.last_day.isoformat(),
    }
    return reverse("delivery:order-list") + "?" + urlencode(query)


def _fixed_drill(scope: DashboardScope, period: Period) -> str:
    query = {
        **scope.query(),
        "status": "recorded",
        "fixed_from": period.start.isoformat(),
        "fixed_to": period.last_day.isoformat(),
    }
    return reverse("delivery:defect-list") + "?" + urlencode(query)


def _formal_drill(scope: DashboardScope, period: Period) -> str:
    query = {
        **scope.query(),
        "completed_from": period.start.isoformat(),
        "completed_to": period.last_day.isoformat(),
    }
    return reverse("delivery:formal-inspection-list") + "?" + urlencode(query)


DEFECTS_PER_UNIT = Measure(
    key="delivery.defects_per_unit",
    label=_("Defects per unit at handover"),
    unit=Unit.AVERAGE,
    decimals=2,
    better="lower",
    help_text=_(
        "Defects recorded at the handover desk in the period (not reported by the owner after the "
        "handover, not cancelled) per unit walked at a pre-inspection or handover inspection started in "
        "the period. The list behind it holds the defects."
    ),
    drill_url=_defects_drill,
)
FIRST_TIME_PASS = Measure(
    key="delivery.first_time_pass",
    label=_("First-time pass of inspections"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the units whose formal handover inspection was completed in the period, the share whose "
        "inspection recorded no defect (cancelled defects aside). The list behind it holds those units "
        "(the denominator); its result filter shows the ones that passed."
    ),
    drill_url=_formal_drill,
)
RECTIFICATION_ON_TIME = Measure(
    key="delivery.rectification_on_time",
    label=_("Rectification orders done on time"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the rectification orders due in the period, the share completed by their due time (an order "
        "still open counts as not on time). The list behind it holds the orders due in the period."
    ),
    drill_url=_orders_drill,
)
DAYS_TO_FIX = Measure(
    key="delivery.days_to_fix",
    label=_("Mean days to fix a defect"),
    unit=Unit.AVERAGE,
    decimals=1,
    better="lower",
    suffix=_(" d"),
    help_text=_(
        "From found to marked fixed, in days, over the defects marked fixed in the period (not "
        "cancelled). The list behind it holds those defects."
    ),
    drill_url=_fixed_drill,
)
MEASURES = [DEFECTS_PER_UNIT, FIRST_TIME_PASS, RECTIFICATION_ON_TIME, DAYS_TO_FIX]


def _in_scope(rows, field: str, project_ids):
    return rows if project_ids is None else rows.filter(**{f"{field}__in": project_ids})


def _days(value) -> float:
    if value is None:
        return 0.0
    if not isinstance(value, datetime.timedelta):  # SQLite answers in microseconds
        value = datetime.timedelta(microseconds=value)
    return value.total_seconds() / 86400


def _cells(rows: Iterable[dict], numerator, denominator) -> dict[tuple[int, int], Ratio]:
    return {
        (row["bucket"], row["place"]): Ratio(numerator(row), denominator(row))
        for row in rows
        if row["bucket"] is not None
    }


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    found = (
        _in_scope(handover_desk_defects().filter(in_periods("found_at", periods)), "project_id", project_ids)
        .annotate(bucket=period_bucket("found_at", periods), place=F("project_id"))
        .values("bucket", "place")
        .annotate(n=Count("pk"))
        .order_by()
    )
    walked = (
        _in_scope(
            Inspection.objects.filter(in_periods("started_at", periods), kind__in=UNIT_INSPECTION_KINDS),
            "handover__project_id",
            project_ids,
        )
        .annotate(bucket=period_bucket("started_at", periods), place=F("handover__project_id"))
        .values("bucket", "place")
        .annotate(n=Count("handover_id", distinct=True))
        .order_by()
    )
    formal = (
        _in_scope(
            formal_inspections().filter(in_periods("completed_at", periods)),
            "handover__project_id",
            project_ids,
        )
        .annotate(bucket=period_bucket("completed_at", periods), place=F("handover__project_id"))
        .values("bucket", "place")
        .annotate(
            inspected=Count("handover_id", distinct=True),
            clean=Count("handover_id", distinct=True, filter=Q(found=False)),
        )
        .order_by()
    )
    orders = (
        _in_scope(RectificationOrder.objects.filter(in_periods("due_at", periods)), "project_id", project_ids)
        .annotate(bucket=period_bucket("due_at", periods), place=F("project_id"))
        .values("bucket", "place")
        .annotate(due=Count("pk"), met=Count("pk", filter=order_met_deadline()))
        .order_by()
    )
    fixed = (
        _in_scope(
            Defect.objects.exclude(status=Defect.Status.CANCELLED).filter(in_periods("fixed_at", periods)),
            "project_id",
            project_ids,
        )
        .annotate(bucket=period_bucket("fixed_at", periods), place=F("project_id"))
        .values("bucket", "place")
        .annotate(
            n=Count("pk"),
            took=Sum(ExpressionWrapper(F("fixed_at") - F("found_at"), output_field=DurationField())),
        )
        .order_by()
    )
    defects = {(r["bucket"], r["place"]): r["n"] for r in found if r["bucket"] is not None}
    units = {(r["bucket"], r["place"]): r["n"] for r in walked if r["bucket"] is not None}
    per_unit = {key: Ratio(defects.get(key, 0), units.get(key, 0)) for key in defects.keys() | units.keys()}
    return {
        DEFECTS_PER_UNIT.key: per_unit,
        FIRST_TIME_PASS.key: _cells(formal, lambda r: r["clean"], lambda r: r["inspected"]),
        RECTIFICATION_ON_TIME.key: _cells(orders, lambda r: r["met"], lambda r: r["due"]),
        DAYS_TO_FIX.key: _cells(fixed, lambda r: _days(r["took"]), lambda r: r["n"]),
    }


def is_recording() -> bool:
    """Nothing to show before the first unit is put in a handover batch or the first defect recorded."""
    return Handover.objects.exists() or Defect.objects.exists()


def register() -> None:
    register_source(
        Source(
            key="delivery",
            panel_label=_("Handover and rectification"),
            order=30,
            measures=MEASURES,
            compute=compute,
            is_recording=is_recording,
        )
    )
