"""The complaint panel's tables: top categories, root causes and resolution time (median, 90th
percentile). Categories and root causes add up per project: for whole months they come from the month
summary when the figures do, otherwise from one grouped query. A median does not add up: the
percentiles are always counted over the period's resolutions (PostgreSQL sorts them)."""

from __future__ import annotations

import datetime
import math

from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.conditions import RESOLVED_NOW
from complaints.models import Complaint, RootCause
from complaints.selectors import categories

from ..base import Breakdown, BreakdownRow, DashboardScope, Period
from ..sql import in_periods
from . import summary
from .counting import count_by_category
from .definitions import board_url, period_params

TOP_CATEGORIES = 10
PERCENTILES = (0.5, 0.9)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _by_category_and_cause(
    scope: DashboardScope, periods: list[Period], fresh: bool
) -> dict[tuple[int, int, str], int]:
    """(period index, top-level category id, root cause) → complaints received in the scope: from the
    month summary when the periods are whole months and the figures come from the summary, else live."""
    counted = not fresh and summary.refreshed_at() is not None
    per_project = summary.read_categories(scope.project_ids, periods) if counted else None
    if per_project is None:
        per_project = count_by_category(scope.project_ids, periods)
    counts: dict[tuple[int, int, str], int] = {}
    for (index, _project, top, cause), n in per_project.items():
        counts[(index, top, cause)] = counts.get((index, top, cause), 0) + n
    return counts


def _sum(counts, index: int, *, category: int | None = None, cause: str | None = None) -> int:
    return sum(
        n
        for (bucket, top, root), n in counts.items()
        if bucket == index and (category is None or top == category) and (cause is None or root == cause)
    )


def top_categories(scope: DashboardScope, period: Period, counts) -> Breakdown:
    total = _sum(counts, 1)
    tops = {top for (bucket, top, _root) in counts if bucket == 1}
    ranked = sorted(tops, key=lambda top: (-_sum(counts, 1, category=top), top))[:TOP_CATEGORIES]
    entries = categories()
    rows = []
    for top in ranked:
        current = _sum(counts, 1, category=top)
        entry = entries.get(top)
        rows.append(
            BreakdownRow(
                label=entry.name if entry else str(top),
                values=(current, _share(current, total), _sum(counts, 0, category=top)),
                drill_url=board_url(
                    scope, status="all", category=str(top), **period_params("received", period)
                ),
            )
        )
    return Breakdown(
        key="complaints.top_categories",
        title=_("Top categories"),
        columns=(_("Complaints"), _("Share (%)"), _("Previous period")),
        rows=tuple(rows),
    )


NOT_RECORDED = gettext_lazy("Not recorded")


def root_causes(scope: DashboardScope, period: Period, counts) -> Breakdown:
    total = _sum(counts, 1)
    rows = []
    for value, label in [*RootCause.choices, ("", NOT_RECORDED)]:
        current, previous = _sum(counts, 1, cause=value), _sum(counts, 0, cause=value)
        if not current and not previous:
            continue
        rows.append(
            BreakdownRow(
                label=str(label),
                values=(current, _share(current, total), previous),
                drill_url=board_url(
                    scope, status="all", root_cause=value or "none", **period_params("received", period)
                ),
            )
        )
    rows.sort(key=lambda row: -row.values[0])
    return Breakdown(
        key="complaints.root_causes",
        title=_("Root causes"),
        columns=(_("Complaints"), _("Share (%)"), _("Previous period")),
        rows=tuple(rows),
    )


def resolution_percentiles(project_ids, period: Period) -> list[datetime.timedelta | None]:
    """The PERCENTILES of the time from receipt to resolution of the complaints resolved in the period
    (percentile_disc: a time some complaint took). PostgreSQL sorts in the database; elsewhere Python."""
    rows = Complaint.objects.filter(in_periods("resolved_at", [period])).filter(RESOLVED_NOW)
    if project_ids is not None:
        rows = rows.filter(project_id__in=list(project_ids))
    # Raw SQL bypasses the database router: run it where the queryset itself would read (the replica
    # inside core.replica.reading_replica()).
    connection = connections[rows.db]
    if connection.vendor == "postgresql":
        sql, params = rows.order_by().values("received_at", "resolved_at").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY t.resolved_at - t.received_at) "
                f"FROM ({sql}) t",  # nosec B608  # the ORM's own SQL; its values stay parameters
                (list(PERCENTILES), *params),
            )
            found = cursor.fetchone()[0]
        return list(found) if found else [None] * len(PERCENTILES)
    times = sorted(
        resolved - received for received, resolved in rows.values_list("received_at", "resolved_at")
    )
    if not times:
        return [None] * len(PERCENTILES)
    return [times[max(math.ceil(p * len(times)) - 1, 0)] for p in PERCENTILES]


def _hours(value: datetime.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def resolution_time(scope: DashboardScope, period: Period) -> Breakdown:
    """The median and the 90th percentile of the period (not of the previous one: each costs a sort of
    the period's resolutions)."""
    drill = board_url(scope, status="all", **period_params("resolved", period))
    labels = (_("Median (hours)"), _("90th percentile (hours)"))
    return Breakdown(
        key="complaints.resolution_time",
        title=_("Resolution time"),
        columns=(_("This period"),),
        rows=tuple(
            BreakdownRow(label=label, values=(_hours(value),), drill_url=drill)
            for label, value in zip(labels, resolution_percentiles(scope.project_ids, period), strict=True)
        ),
    )


def breakdowns(scope: DashboardScope, period: Period, fresh: bool) -> list[Breakdown]:
    counts = _by_category_and_cause(scope, [period.previous(), period], fresh)
    return [
        top_categories(scope, period, counts),
        root_causes(scope, period, counts),
        resolution_time(scope, period),
    ]
