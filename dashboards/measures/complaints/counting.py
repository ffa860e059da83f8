"""The complaint desk's counters per (period, project), counted over the records themselves.

The live figures (`fresh=True`) and the summary tables (whose refresh calls these with one period per
day) both come from here, so the two paths cannot count differently. Each function is one grouped query,
an index-only range scan of the periods (the indexes of complaints' `dashboard_figure_indexes`
migration), bucketed by `PeriodIndex`.

The definitions, written once:

- received: `received_at` in the period.
- received_resolved: of those, resolved now (a resolution date and not reopened since).
- repeat: of those, with an earlier complaint of the same unit and category received within the
  90 days before (complaints without a unit are never repeats: nothing says what they repeat).
- first_response_due / first_response_on_time: complaints whose first response fell due in the
  period (`first_response_due_at`: the due time the desk set, moved by every pause when the clock
  resumed) and whose outcome is known: answered (on time when by the due time), or not answered and
  the due time passed. A complaint whose clock was paused before its due time and has no answer yet is
  not counted: its due time moves when the clock resumes.
- resolved / resolution_time: resolutions made in the period (not reopened since), and the time from
  receipt to resolution, summed (a reopened complaint counts again when resolved again, from receipt).
- group_cases: group cases opened; improvements_done: improvement items of a project marked done.
- handed_over: units handed over (an active contract's handover date) in the period.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from complaints.conditions import FIRST_RESPONSE_ON_TIME, RESOLVED_NOW, first_response_known, repeat_condition
from complaints.models import Complaint, GroupCase, ImprovementItem
from complaints.selectors import categories
from customers.models import Contract

from ..base import Period
from ..sql import PeriodIndex, in_periods

# counter → {(period index, project id): number}; resolution_time's numbers are timedeltas.
Counters = dict[str, dict[tuple[int, int], int | datetime.timedelta]]


def _scoped(rows, project_ids: Iterable[int] | None, field: str = "project_id"):
    return rows if project_ids is None else rows.filter(**{f"{field}__in": list(project_ids)})


def _collect(counters: Counters, grouped, names: Iterable[str], project_key: str = "project_id") -> None:
    for row in grouped:
        index = row["bucket"]
        if index is None or index < 0:
            continue
        for name in names:
            value = row[name]
            if value:
                counters.setdefault(name, {})[(index, row[project_key])] = value


def count_complaints(
    project_ids: Iterable[int] | None, periods: list[Period], *, now: datetime.datetime | None = None
) -> Counters:
    """Every counter of the module's docstring per (period, project): six grouped queries."""
    now = now or timezone.now()
    counters: Counters = {}

    received = _scoped(Complaint.objects.filter(in_periods("received_at", periods)), project_ids)
    _collect(
        counters,
        received.annotate(bucket=PeriodIndex("received_at", periods))
        .values("bucket", "project_id")
        .annotate(
            received=Count("pk"),
            received_resolved=Count("pk", filter=RESOLVED_NOW),
            repeat=Count("pk", filter=repeat_condition()),
        )
        .order_by(),
        ("received", "received_resolved", "repeat"),
    )

    due = _scoped(Complaint.objects.filter(in_periods("first_response_due_at", periods)), project_ids)
    _collect(
        counters,
        due.filter(first_response_known(now))
        .annotate(bucket=PeriodIndex("first_response_due_at", periods))
        .values("bucket", "project_id")
        .annotate(
            first_response_due=Count("pk"),
            first_response_on_time=Count("pk", filter=FIRST_RESPONSE_ON_TIME),
        )
        .order_by(),
        ("first_response_due", "first_response_on_time"),
    )

    resolved = _scoped(Complaint.objects.filter(in_periods("resolved_at", periods)), project_ids)
    _collect(
        counters,
        resolved.filter(RESOLVED_NOW)
        .annotate(bucket=PeriodIndex("resolved_at", periods))
        .values("bucket", "project_id")
        .annotate(
            resolved=Count("pk"),
            resolution_time=Sum(
                ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
            ),
        )
        .order_by(),
        ("resolved", "resolution_time"),
    )

    cases = _scoped(GroupCase.objects.filter(in_periods("created_at", periods)), project_ids)
    _collect(
        counters,
        cases.annotate(bucket=PeriodIndex("created_at", periods))
        .values("bucket", "project_id")
        .annotate(group_cases=Count("pk"))
        .order_by(),
        ("group_cases",),
    )

    done = _scoped(
        ImprovementItem.objects.filter(
            in_periods("done_at", periods), status=ImprovementItem.Status.DONE, project__isnull=False
        ),
        project_ids,
    )
    _collect(
        counters,
        done.annotate(bucket=PeriodIndex("done_at", periods))
        .values("bucket", "project_id")
        .annotate(improvements_done=Count("pk"))
        .order_by(),
        ("improvements_done",),
    )

    handed = _scoped(
        delivered_contracts().filter(in_periods("handed_over_on", periods, dates=True)),
        project_ids,
        "unit__project_id",
    )
    _collect(
        counters,
        handed.annotate(bucket=PeriodIndex("handed_over_on", periods, dates=True))
        .values("bucket", "unit__project_id")
        .annotate(handed_over=Count("pk"))
        .order_by(),
        ("handed_over",),
        project_key="unit__project_id",
    )
    return counters


def delivered_contracts():
    """The units handed over: one active contract per unit, with its actual handover date."""
    return Contract.objects.filter(status=Contract.Status.ACTIVE, handed_over_on__isnull=False)


def count_delivered_units(
    project_ids: Iterable[int] | None, periods: list[Period]
) -> dict[tuple[int, int], int]:
    """Per (period, project): the units handed over by the period's end (a denominator that is a state,
    not a sum over the period). One grouped query with a filtered count per period."""
    contracts = _scoped(
        delivered_contracts().filter(handed_over_on__lt=periods[-1].end), project_ids, "unit__project_id"
    )
    grouped = (
        contracts.values("unit__project_id")
        .annotate(
            **{
                f"by_{index}": Count("pk", filter=Q(handed_over_on__lt=p.end))
                for index, p in enumerate(periods)
            }
        )
        .order_by()
    )
    cells = {}
    for row in grouped:
        for index in range(len(periods)):
            if row[f"by_{index}"]:
                cells[(index, row["unit__project_id"])] = row[f"by_{index}"]
    return cells


def count_by_category(
    project_ids: Iterable[int] | None, periods: list[Period]
) -> dict[tuple[int, int, int, str], int]:
    """(period index, project, top-level category, root cause) → complaints received: the top categories'
    and root causes' table (a category counts with its parent, as the board's category filter does).
    One grouped query."""
    rows = _scoped(Complaint.objects.filter(in_periods("received_at", periods)), project_ids)
    grouped = (
        rows.annotate(bucket=PeriodIndex("received_at", periods))
        .values("bucket", "project_id", "category_id", "root_cause")
        .annotate(n=Count("pk"))
        .order_by()
    )
    entries = categories()
    counts: dict[tuple[int, int, int, str], int] = {}
    for row in grouped:
        if row["bucket"] is None or row["bucket"] < 0:
            continue
        entry = entries.get(row["category_id"])
        top = (entry.parent_id or entry.id) if entry else row["category_id"]
        key = (row["bucket"], row["project_id"], top, row["root_cause"])
        counts[key] = counts.get(key, 0) + row["n"]
    return counts
