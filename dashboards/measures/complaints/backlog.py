"""The complaint desk now: open, breached and escalated complaints, improvement items not done.

Snapshot measures, always counted live: over the open complaints only (a few percent of the table),
an index-only scan of the partial index complaint_open_sla_counters, plus the small improvement table.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import Complaint, ImprovementItem, current_due_expression

from ..base import Period, Ratio, SourceResult
from .definitions import BREACHED, ESCALATED, IMPROVEMENTS_OPEN, OPEN


def breached_condition(now) -> Q:
    """The SLA board's "breached" (complaints.selectors.sla_condition), over `current_due`."""
    return Q(paused_at__isnull=True) & ~Q(sla_target="") & Q(current_due__lte=now)


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    current = len(periods) - 1
    now = timezone.now()
    complaints = Complaint.objects.open()
    if project_ids is not None:
        complaints = complaints.filter(project_id__in=list(project_ids))
    levels = {measure.key: index for index, measure in enumerate(ESCALATED, start=1)}
    grouped = (
        complaints.annotate(current_due=current_due_expression())
        .values("project_id")
        .annotate(
            open=Count("pk"),
            breached=Count("pk", filter=breached_condition(now)),
            **{f"level_{level}": Count("pk", filter=Q(escalation_level=level)) for level in levels.values()},
        )
        .order_by()
    )
    result: SourceResult = {OPEN.key: {}, BREACHED.key: {}, IMPROVEMENTS_OPEN.key: {}}
    for key in levels:
        result[key] = {}
    for row in grouped:
        cell = (current, row["project_id"])
        result[OPEN.key][cell] = Ratio(row["open"], 1)
        if row["breached"]:
            result[BREACHED.key][cell] = Ratio(row["breached"], 1)
        for key, level in levels.items():
            if row[f"level_{level}"]:
                result[key][cell] = Ratio(row[f"level_{level}"], 1)
    items = ImprovementItem.objects.exclude(status=ImprovementItem.Status.DONE).filter(project__isnull=False)
    if project_ids is not None:
        items = items.filter(project_id__in=list(project_ids))
    for row in items.values("project_id").annotate(n=Count("pk")).order_by():
        result[IMPROVEMENTS_OPEN.key][(current, row["project_id"])] = Ratio(row["n"], 1)
    return result
