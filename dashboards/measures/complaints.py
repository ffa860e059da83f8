"""The complaint desk's measures (a first cut: complaints received, counted live)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint

from .base import DashboardScope, Measure, Period, Ratio, Source, SourceResult, Unit, register_source
from .sql import in_periods, period_bucket


def _received_drill(scope: DashboardScope, period: Period) -> str:
    return reverse("complaints:board") + "?" + urlencode({**scope.query(), "status": "all"})


RECEIVED = Measure(
    key="complaints.received",
    label=_("Complaints received"),
    unit=Unit.COUNT,
    decimals=0,
    better=None,
    drill_url=None,
)


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    rows = Complaint.objects.filter(in_periods("received_at", periods))
    if project_ids is not None:
        rows = rows.filter(project_id__in=project_ids)
    grouped = (
        rows.annotate(bucket=period_bucket("received_at", periods))
        .values("bucket", "project_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    received = {
        (row["bucket"], row["project_id"]): Ratio(row["n"], 1) for row in grouped if row["bucket"] is not None
    }
    return {RECEIVED.key: received}


def register() -> None:
    register_source(
        Source(
            key="complaints",
            panel_label=_("Complaints"),
            order=10,
            measures=[RECEIVED],
            compute=compute,
            is_recording=lambda: Complaint.objects.exists(),
        )
    )
