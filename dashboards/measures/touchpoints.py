"""The lifecycle's touchpoints (the 6+2 steps' calls and visits): done on time, and overdue now. Counted
live in one grouped query over the touchpoints due in the trend's periods and those overdue now.

A touchpoint is completed when its status is one of `lifecycle.selectors.COMPLETED` (done or reached,
as on the completion rates page), on time when completed by its due time (`due_at`, the close of
business on its due day); overdue when still pending (`Touchpoint.PENDING`) after its due day, as on
"my touchpoints".
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from lifecycle.models import Touchpoint
from lifecycle.selectors import completed_on_time, overdue_condition

from .base import DashboardScope, Measure, Period, Ratio, Source, SourceResult, Unit, register_source
from .sql import in_periods, period_bucket


def _due_drill(scope: DashboardScope, period: Period) -> str:
    query = {**scope.query(), "due_from": period.start.isoformat(), "due_to": period.last_day.isoformat()}
    return reverse("lifecycle:touchpoint_list") + "?" + urlencode(query)


def _overdue_drill(scope: DashboardScope, period: Period) -> str:
    return reverse("lifecycle:touchpoint_list") + "?" + urlencode({**scope.query(), "overdue": "1"})


ON_TIME = Measure(
    key="touchpoints.on_time",
    label=_("Touchpoints done on time"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the touchpoints due in the period, the share completed (done or reached) by their due time. "
        "One still pending counts as not on time. The list behind it holds the touchpoints due in the "
        "period (the denominator); its on-time filter shows the numerator."
    ),
    drill_url=_due_drill,
)
OVERDUE = Measure(
    key="touchpoints.overdue",
    label=_("Touchpoints overdue"),
    unit=Unit.COUNT,
    decimals=0,
    better="lower",
    snapshot=True,
    help_text=_("Touchpoints still pending after their due day, now. The list behind it holds them."),
    drill_url=_overdue_drill,
)
MEASURES = [ON_TIME, OVERDUE]


def on_time_condition() -> Q:
    return completed_on_time()


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    current = len(periods) - 1
    today = timezone.localdate()
    due = in_periods("due_on", periods, dates=True)
    overdue = overdue_condition(today)
    rows = Touchpoint.objects.filter(due | overdue)
    if project_ids is not None:
        rows = rows.filter(project_id__in=project_ids)
    grouped = (
        rows.annotate(bucket=period_bucket("due_on", periods, dates=True))
        .values("bucket", "project_id")
        .annotate(
            due=Count("pk", filter=due),
            on_time=Count("pk", filter=due & on_time_condition()),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    )
    on_time: dict[tuple[int, int], Ratio] = {}
    overdue_now: dict[tuple[int, int], Ratio] = {}
    for row in grouped:
        if row["bucket"] is not None and row["due"]:
            on_time[(row["bucket"], row["project_id"])] = Ratio(row["on_time"], row["due"])
        if row["overdue"]:
            key = (current, row["project_id"])
            overdue_now[key] = overdue_now.get(key, Ratio()) + Ratio(row["overdue"], 1)
    return {ON_TIME.key: on_time, OVERDUE.key: overdue_now}


def is_recording() -> bool:
    """Nothing to show before the first touchpoint is generated."""
    return Touchpoint.objects.exists()


def register() -> None:
    register_source(
        Source(
            key="touchpoints",
            panel_label=_("Touchpoints"),
            order=60,
            measures=MEASURES,
            compute=compute,
            is_recording=is_recording,
        )
    )
