"""Celery entry points for complaints: thin, idempotent, they call complaints.sla."""

from celery import shared_task

from . import sla


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_sla() -> int:
    """Beat runs this every minute; a run that overlaps another skips the rows the other holds."""
    return sla.sla_sweep()
