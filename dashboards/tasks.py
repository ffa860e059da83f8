"""Celery entry points of the dashboards: the complaint figures' summary tables (thin, idempotent: a day's
rows are replaced whole, one refresh at a time; dashboards.measures.complaints.summary does the work)."""

from celery import shared_task
from django.db import DatabaseError

from .measures.complaints import summary


@shared_task(
    time_limit=240, soft_time_limit=200, acks_late=True, autoretry_for=(DatabaseError,), max_retries=3
)
def refresh_complaint_figures() -> int:
    """Beat runs this every DASHBOARD_REFRESH_SECONDS: the recent days and the days of the records
    changed since the last run. Returns the day rows written."""
    return summary.refresh_recent()


@shared_task(
    time_limit=900, soft_time_limit=840, acks_late=True, autoretry_for=(DatabaseError,), max_retries=3
)
def recount_complaint_figures(project_ids: list[int] | None = None) -> int:
    """Every day counted again, for the given projects (None: all): the managers' recount button and
    the nightly safety net (records written around the services, such as bulk imports)."""
    return summary.recount(project_ids)
