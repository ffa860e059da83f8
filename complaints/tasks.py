"""Celery entry points for complaints: thin, idempotent, they call complaints.sla and work_order_deadlines."""

from celery import shared_task

from . import sla, work_order_deadlines


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_sla() -> int:
    """Beat runs this every minute; a run that overlaps another skips the rows the other holds."""
    return sla.sla_sweep()


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_work_order_deadlines() -> int:
    """Run by the shared deadline sweep; overlapping runs skip each other's rows (SKIP LOCKED)."""
    return work_order_deadlines.work_order_escalation_sweep()
