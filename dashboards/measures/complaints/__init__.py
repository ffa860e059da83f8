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
    """The measures' cells from the counters (the same arithmetic whichever path counted them)."""

    def get(name: str, cell) -> int:
        return counters.get(name, {}).get(cell, 0)

    cells = set(delivered)
    for values in counters.values():
        cells |= set(values)
    result: SourceResult = {measure.key: {} for measure in FLOW_MEASURES}
    for cell in cells:
        received, due, on_time = (
            get("received", cell),
            get("first_response_due", cell),
            get("first_response_on_time", cell),
        )
        resolved = get("resolved", cell)
        pairs = {
            RECEIVED.key: (received, 1),
            FIRST_RESPONSE.key: (on_time, due),
            FIRST_RESPONSE_LATE.key: (due - on_time, 1),
            RESOLUTION_RATE.key: (get("received_resolved", cell), received),
            RESOLUTION_TIME.key: (_hours(counters.get("resolution_time", {}).get(cell)), resolved),
            PER_THOUSAND_UNITS.key: (received, delivered.get(cell, 0)),
            REPEAT.key: (get("repeat", cell), received),
            GROUP_CASES.key: (get("group_cases", cell), 1),
            IMPROVEMENTS_DONE.key: (get("improvements_done", cell), 1),
        }
        for key, (numerator, denominator) in pairs.items():
            if numerator or (denominator and key not in COUNT_KEYS):
                result[key][cell] = Ratio(numerator, denominator)
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
