"""Celery entry points of the dashboards' reports: thin, idempotent, they call dashboards.reports.weekly."""

from celery import shared_task
from django.db import DatabaseError

from . import weekly


# A retry is safe: what a first try queued is not queued again (the outbox key names the week and person).
@shared_task(
    time_limit=600,
    soft_time_limit=540,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
)
def send_weekly_dashboard_reports() -> int:
    """Beat runs this on Monday at DASHBOARD_WEEKLY_REPORT_TIME: last week's report of every city
    company to its managers. Returns the emails queued."""
    return sum(result.queued for result in weekly.weekly_reports_send())
