"""The complaint desk's measures for the managers' dashboards: two sources.

- "complaints" (`FLOW_MEASURES`, definitions.py): what happened in the period, per project: received,
  24-hour first response, resolution rate and time, per 1,000 delivered units, repeats, group cases,
  improvement items done; with the tables top categories, root causes and resolution time. Counted
  live (`fresh=True`: counting.py, a few grouped index-only scans) or read from the summary tables
  (summary.py, refreshed by dashboards.tasks every few minutes).
- "complaints_now" (`NOW_MEASURES`, backlog.py): the desk now (open, breached, escalated by level,
  improvement items not done): always live, over the open complaints only.
"""

from __future__ import annotations

import datetime
import logging

from celery import current_app
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

from complaints.models import Complaint

from ..base import Period, Ratio, Source, SourceResult, register_source
from . import backlog, breakdowns, counting, summary
from .definitions import (
    FIRST_RESPONSE,
    FIRST_RESPONSE_LATE,
    FLOW_MEASURES,
    GROUP_CASES,
    IMPROVEMENTS_DONE,
    NOW_MEASURES,
    PER_THOUSAND_UNITS,
    RECEIVED,
    REPEAT,
    RESOLUTION_RATE,
    RESOLUTION_TIME,
)

logger = logging.getLogger(__name__)

RECOUNT_TASK = "dashboards.tasks.recount_complaint_figures"
COUNT_KEYS = {RECEIVED.key, FIRST_RESPONSE_LATE.key, GROUP_CASES.key, IMPROVEMENTS_DONE.key}


def _hours(value) -> float:
    return value.total_seconds() / 3600 if isinstance(value, datetime.timedelta) else float(value or 0)


def ratios(counters: counting.Counters, delivered: dict[tuple[int, int], int]) -> SourceResult:
    """The measures' cells from the counters (the same arithmetic whichever path counted them). A group
    administrator's year is ~2,000 cells × 9 measures: each counter's dict is looked up once, not per cell."""
    empty: dict = {}
    received_of = counters.get("received", empty)
    due_of = counters.get("first_response_due", empty)
    on_time_of = counters.get("first_response_on_time", empty)
    received_resolved_of = counters.get("received_resolved", empty)
    resolved_of = counters.get("resolved", empty)
    resolution_time_of = counters.get("resolution_time", empty)
    repeat_of = counters.get("repeat", empty)
    group_cases_of = counters.get("group_cases", empty)
    improvements_done_of = counters.get("improvements_done", empty)

    cells = set(delivered)
    for values in counters.values():
        cells |= set(values)
    result: SourceResult = {measure.key: {} for measure in FLOW_MEASURES}
    outputs = [
        (result[key], key in COUNT_KEYS)
        for key in (
            RECEIVED.key,
            FIRST_RESPONSE.key,
            FIRST_RESPONSE_LATE.key,
            RESOLUTION_RATE.key,
            RESOLUTION_TIME.key,
            PER_THOUSAND_UNITS.key,
            REPEAT.key,
            GROUP_CASES.key,
            IMPROVEMENTS_DONE.key,
        )
    ]
    for cell in cells:
        received = received_of.get(cell, 0)
        due, on_time = due_of.get(cell, 0), on_time_of.get(cell, 0)
        pairs = (
            (received, 1),
            (on_time, due),
            (due - on_time, 1),
            (received_resolved_of.get(cell, 0), received),
            (_hours(resolution_time_of.get(cell)), resolved_of.get(cell, 0)),
            (received, delivered.get(cell, 0)),
            (repeat_of.get(cell, 0), received),
            (group_cases_of.get(cell, 0), 1),
            (improvements_done_of.get(cell, 0), 1),
        )
        for (numerator, denominator), (cells_of_measure, is_count) in zip(pairs, outputs, strict=True):
            if numerator or (denominator and not is_count):
                cells_of_measure[cell] = Ratio(numerator, denominator)
    return result


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    """Counted anew when asked, or while the summary has never been counted (a new installation before
    the first refresh: the records, not zeros); otherwise read from the summary."""
    if fresh or summary.refreshed_at() is None:
        counters = counting.count_complaints(project_ids, periods)
        delivered = counting.count_delivered_units(project_ids, periods)
    else:
        counters, delivered = summary.read_counters(project_ids, periods)
    return ratios(counters, delivered)


def recount(project_ids) -> bool:
    """The managers' recount button: every day counted again in the worker (a few seconds at 1M
    complaints); `refreshed_at` moves when it is done. The task is found by name: the tasks module
    stands on this one. False when the broker is unreachable (logged; the nightly refresh still runs)."""
    try:
        current_app.tasks[RECOUNT_TASK].delay(sorted(project_ids) if project_ids is not None else None)
    except OperationalError:
        logger.warning("The recount could not be queued: the broker is unreachable", exc_info=True)
        return False
    return True


def register() -> None:
    register_source(
        Source(
            key="complaints",
            panel_label=_("Complaints"),
            order=10,
            measures=FLOW_MEASURES,
            compute=compute,
            is_recording=lambda: Complaint.objects.exists(),
            freshness="summary",
            refreshed_at=summary.refreshed_at,
            recount=recount,
            note=_(
                "From the summary tables, counted again every few minutes for the recent days and the days "
                "of every record changed since; counted anew with the recount button."
            ),
            breakdowns_for=breakdowns.breakdowns,
        )
    )
    register_source(
        Source(
            key="complaints_now",
            panel_label=_("Complaint desk now"),
            order=11,
            measures=NOW_MEASURES,
            compute=backlog.compute,
            is_recording=lambda: Complaint.objects.exists(),
            note=_("Counted live over the open complaints."),
        )
    )
