"""The complaint figures' summary tables: written by `refresh_days` (the Celery tasks of dashboards.tasks),
read by `read_counters` (a dashboard with fresh=False).

A day's row is counted by `counting.count_complaints` with one period per day, so the summary and the
live figures cannot disagree beyond the summary's age. A month's row is the sum of its days' rows; a
dashboard whose periods are all whole months (month, quarter, year) reads the month rows (a year's
trend: 169 projects × 144 months at most), any other the day rows.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone

from complaints.models import Complaint, GroupCase, ImprovementItem
from customers.models import Contract
from dashboards.models import (
    COUNTER_FIELDS,
    ComplaintCategoryMonthFigures,
    ComplaintDayFigures,
    ComplaintMonthFigures,
    SummaryRefresh,
)

from ..base import Period, PeriodKind
from ..sql import PeriodIndex, in_periods
from .counting import Counters, count_by_category, count_complaints

SUMMARY_NAME = "complaints"
CHUNK_DAYS = 92  # days counted per round of queries
# Days counted again at every refresh whatever changed: today's first responses fall due (and become
# late) without any record changing.
RECENT_DAYS = 2


def refreshed_at() -> datetime.datetime | None:
    row = SummaryRefresh.objects.filter(name=SUMMARY_NAME).only("refreshed_at").first()
    return row.refreshed_at if row else None


def _runs(days: Iterable[datetime.date]) -> list[list[datetime.date]]:
    """Sorted days cut into runs of consecutive days, each at most CHUNK_DAYS long."""
    runs: list[list[datetime.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] + datetime.timedelta(days=1) == day and len(runs[-1]) < CHUNK_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def refresh_days(
    days: Iterable[datetime.date],
    *,
    project_ids: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Count the given days again (for the given projects, or all) and the months holding them.
    Idempotent: a day's rows are replaced whole. Returns the number of day rows written."""
    now = now or timezone.now()
    projects = None if project_ids is None else sorted(set(project_ids))
    written = 0
    months: set[datetime.date] = set()
    for run in _runs(days):
        periods = [Period(PeriodKind.DAY, day, day + datetime.timedelta(days=1)) for day in run]
        counters = count_complaints(projects, periods, now=now)
        rows: dict[tuple[int, int], ComplaintDayFigures] = {}
        for name, cells in counters.items():
            for (index, project_id), value in cells.items():
                row = rows.get((index, project_id))
                if row is None:
                    row = rows[(index, project_id)] = ComplaintDayFigures(
                        day=run[index], project_id=project_id
                    )
                setattr(row, name, value)
        stale = ComplaintDayFigures.objects.filter(day__gte=run[0], day__lte=run[-1])
        if projects is not None:
            stale = stale.filter(project_id__in=projects)
        with transaction.atomic():
            stale.delete()
            ComplaintDayFigures.objects.bulk_create(rows.values(), batch_size=2000)
        written += len(rows)
        months.update(_first_of_month(day) for day in run)
    _refresh_months(months, projects)
    return written


def _refresh_months(months: set[datetime.date], projects: list[int] | None) -> None:
    for month in sorted(months):
        next_month = (month + datetime.timedelta(days=32)).replace(day=1)
        days = ComplaintDayFigures.objects.filter(day__gte=month, day__lt=next_month)
        stale = ComplaintMonthFigures.objects.filter(month=month)
        if projects is not None:
            days, stale = days.filter(project_id__in=projects), stale.filter(project_id__in=projects)
        sums = (
            days.values("project_id")
            .annotate(**{f"s_{name}": Sum(name) for name in COUNTER_FIELDS})
            .order_by()
        )
        rows = [
            ComplaintMonthFigures(
                month=month,
                project_id=row["project_id"],
                **{name: row[f"s_{name}"] for name in COUNTER_FIELDS},
            )
            for row in sums
        ]
        with transaction.atomic():
            stale.delete()
            ComplaintMonthFigures.objects.bulk_create(rows, batch_size=2000)
        _refresh_month_categories(month, next_month, projects)


def _refresh_month_categories(
    month: datetime.date, next_month: datetime.date, projects: list[int] | None
) -> None:
    """The month's complaints per project, top-level category and root cause, counted again whole (the
    tables' query, breakdowns.count_by_category, over the month's received complaints)."""
    period = Period(PeriodKind.MONTH, month, next_month)
    counts = count_by_category(projects, [period])
    stale = ComplaintCategoryMonthFigures.objects.filter(month=month)
    if projects is not None:
        stale = stale.filter(project_id__in=projects)
    with transaction.atomic():
        stale.delete()
        ComplaintCategoryMonthFigures.objects.bulk_create(
            [
                ComplaintCategoryMonthFigures(
                    month=month, project_id=project, category_id=category, root_cause=cause, received=n
                )
                for (_index, project, category, cause), n in counts.items()
            ],
            batch_size=2000,
        )


def _locked_state() -> SummaryRefresh:
    """The summary's state row, locked until the transaction ends: one refresh at a time (a second
    waits, then counts with what the first wrote), so two never replace the same day's rows at once."""
    SummaryRefresh.objects.get_or_create(name=SUMMARY_NAME)
    return SummaryRefresh.objects.select_for_update().get(name=SUMMARY_NAME)


def _mark(state: SummaryRefresh, now: datetime.datetime, *, changes_seen: bool) -> None:
    state.refreshed_at = now
    fields = ["refreshed_at"]
    if changes_seen:
        state.changes_seen_until = now
        fields.append("changes_seen_until")
    state.save(update_fields=fields)


def _local_days(values: Iterable[datetime.datetime | datetime.date | None]) -> set[datetime.date]:
    days = set()
    for value in values:
        if value is None:
            continue
        days.add(timezone.localdate(value) if isinstance(value, datetime.datetime) else value)
    return days


def changed_days(since: datetime.datetime) -> set[datetime.date]:
    """The days whose counters the records changed since `since` may have moved: each changed
    complaint's day of receipt, first-response due day and resolution day; each changed group case's,
    improvement item's and contract's day. One indexed read per kind (complaint_updated for complaints;
    the others are small)."""
    days: set[datetime.date] = set()
    for received, due, resolved in Complaint.objects.filter(updated_at__gte=since).values_list(
        "received_at", "first_response_due_at", "resolved_at"
    ):
        days |= _local_days((received, due, resolved))
    days |= _local_days(GroupCase.objects.filter(updated_at__gte=since).values_list("created_at", flat=True))
    days |= _local_days(
        ImprovementItem.objects.filter(updated_at__gte=since).values_list("done_at", flat=True)
    )
    days |= _local_days(
        Contract.objects.filter(updated_at__gte=since).values_list("handed_over_on", flat=True)
    )
    return days


@transaction.atomic
def refresh_recent(*, now: datetime.datetime | None = None) -> int:
    """The scheduled refresh: the last RECENT_DAYS days and every day a record changed since the last
    run touched. The first run (nothing seen yet) counts everything (`recount`)."""
    now = now or timezone.now()
    state = _locked_state()
    if state.changes_seen_until is None:
        return recount(None, now=now)
    today = timezone.localdate(now)
    days = {today - datetime.timedelta(days=n) for n in range(RECENT_DAYS)}
    days |= changed_days(state.changes_seen_until)
    written = refresh_days([day for day in days if day <= today], now=now)
    _mark(state, now, changes_seen=True)
    return written


def first_day() -> datetime.date | None:
    """The earliest day anything counted happened."""
    firsts = [
        Complaint.objects.aggregate(first=Min("received_at"))["first"],
        GroupCase.objects.aggregate(first=Min("created_at"))["first"],
        Contract.objects.aggregate(first=Min("handed_over_on"))["first"],
    ]
    days = _local_days(firsts)
    return min(days) if days else None


@transaction.atomic
def recount(project_ids: Iterable[int] | None, *, now: datetime.datetime | None = None) -> int:
    """Count every day again (for the given projects, or all): the managers' recount button and the
    first refresh. At 1M complaints, all projects: a few seconds, in the worker."""
    now = now or timezone.now()
    state = _locked_state()
    start, today = first_day(), timezone.localdate(now)
    written = 0
    if start is not None:
        written = refresh_days(
            [start + datetime.timedelta(days=n) for n in range((today - start).days + 1)],
            project_ids=project_ids,
            now=now,
        )
    stale_days, stale_months = ComplaintDayFigures.objects.all(), ComplaintMonthFigures.objects.all()
    stale_categories = ComplaintCategoryMonthFigures.objects.all()
    if start is not None:  # rows before the first record (it was deleted) or of no day at all
        stale_days = stale_days.filter(day__lt=start)
        stale_months = stale_months.filter(month__lt=_first_of_month(start))
        stale_categories = stale_categories.filter(month__lt=_first_of_month(start))
    if project_ids is not None:
        stale_days = stale_days.filter(project_id__in=list(project_ids))
        stale_months = stale_months.filter(project_id__in=list(project_ids))
        stale_categories = stale_categories.filter(project_id__in=list(project_ids))
    stale_days.delete()
    stale_months.delete()
    stale_categories.delete()
    # A recount of some projects has not seen the others' changes: only a full one moves the mark.
    _mark(state, now, changes_seen=project_ids is None)
    return written


# --- reading -----------------------------------------------------------------------------------------


def _whole_months(periods: list[Period]) -> bool:
    return all(p.start.day == 1 and p.end.day == 1 for p in periods)


def read_counters(
    project_ids: Iterable[int] | None, periods: list[Period]
) -> tuple[Counters, dict[tuple[int, int], int]]:
    """The counters per (period, project) summed from the summary, and the units handed over by each
    period's end (from the beginning: every earlier row's handed_over). Two grouped queries."""
    by_month = _whole_months(periods)
    model, field = (ComplaintMonthFigures, "month") if by_month else (ComplaintDayFigures, "day")
    rows = model.objects.filter(in_periods(field, periods, dates=True))
    if project_ids is not None:
        rows = rows.filter(project_id__in=list(project_ids))
    grouped = (
        rows.annotate(bucket=PeriodIndex(field, periods, dates=True))
        .values("bucket", "project_id")
        .annotate(**{f"s_{name}": Sum(name) for name in COUNTER_FIELDS})
        .order_by()
    )
    counters: Counters = {}
    for row in grouped:
        if row["bucket"] is None or row["bucket"] < 0:
            continue
        for name in COUNTER_FIELDS:
            value = row[f"s_{name}"]
            if value:
                counters.setdefault(name, {})[(row["bucket"], row["project_id"])] = value
    return counters, _delivered_by_period_end(project_ids, periods, by_month)


def _cache_key(name: str, marker: datetime.datetime, project_ids: Iterable[int] | None, periods) -> str:
    scope = "all" if project_ids is None else ",".join(map(str, sorted(project_ids)))
    spans = ";".join(f"{p.start}/{p.end}" for p in periods)
    digest = hashlib.sha1(f"{scope}|{spans}".encode(), usedforsecurity=False).hexdigest()
    return f"dashboards:complaint-summary:{name}:{marker.timestamp()}:{digest}"


def read_counters_kept(
    project_ids: Iterable[int] | None, periods: list[Period], marker: datetime.datetime
) -> tuple[Counters, dict[tuple[int, int], int]]:
    """read_counters, kept in the cache under the summary's refresh time (`marker`): the summary's rows
    change only when a refresh or a recount moves it, so a kept copy is never older than the rows it
    was read from. Every manager opening the same scope and periods between two refreshes (5 minutes)
    reads one copy."""
    key = _cache_key("counters", marker, project_ids, periods)
    kept = cache.get(key)
    if kept is None:
        kept = read_counters(project_ids, periods)
        cache.set(key, kept, settings.DASHBOARD_CACHE_SECONDS)
    return kept


def read_categories(project_ids: Iterable[int] | None, periods: list[Period]) -> dict | None:
    """(period index, project, top-level category, root cause) → complaints received, from the month
    table; None when a period is not made of whole months (then the tables count live)."""
    if not _whole_months(periods):
        return None
    rows = ComplaintCategoryMonthFigures.objects.filter(in_periods("month", periods, dates=True))
    if project_ids is not None:
        rows = rows.filter(project_id__in=list(project_ids))
    grouped = (
        rows.annotate(bucket=PeriodIndex("month", periods, dates=True))
        .values("bucket", "project_id", "category_id", "root_cause")
        .annotate(n=Sum("received"))
        .order_by()
    )
    return {
        (row["bucket"], row["project_id"], row["category_id"], row["root_cause"]): row["n"]
        for row in grouped
        if row["bucket"] is not None and row["bucket"] >= 0
    }


def _delivered_by_period_end(
    project_ids: Iterable[int] | None, periods: list[Period], by_month: bool
) -> dict[tuple[int, int], int]:
    """Units handed over by each period's end: the month rows of the months before the end's month,
    plus (unless the periods are whole months) the day rows of the end's month up to the end. One or
    two grouped queries over a few thousand rows."""
    firsts = [_first_of_month(p.end) for p in periods]
    months = ComplaintMonthFigures.objects.filter(handed_over__gt=0, month__lt=max(firsts))
    parts = [
        (months, "month", {f"by_{i}": Q(month__lt=first) for i, first in enumerate(firsts)}),
    ]
    if not by_month:
        days = ComplaintDayFigures.objects.filter(
            handed_over__gt=0, day__gte=min(firsts), day__lt=periods[-1].end
        )
        parts.append(
            (days, "day", {f"by_{i}": Q(day__gte=firsts[i], day__lt=p.end) for i, p in enumerate(periods)})
        )
    cells: dict[tuple[int, int], int] = {}
    for rows, _field, conditions in parts:
        if project_ids is not None:
            rows = rows.filter(project_id__in=list(project_ids))
        grouped = (
            rows.values("project_id")
            .annotate(
                **{name: Sum("handed_over", filter=condition) for name, condition in conditions.items()}
            )
            .order_by()
        )
        for row in grouped:
            for index in range(len(periods)):
                if row[f"by_{index}"]:
                    cell = (index, row["project_id"])
                    cells[cell] = cells.get(cell, 0) + row[f"by_{index}"]
    return cells
