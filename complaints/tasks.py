"""Celery entry points for complaints: thin, idempotent, they call complaints.sla, work_order_deadlines
and digest."""

from celery import shared_task
from django.db import DatabaseError

from . import digest, sla, work_order_deadlines


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_sla() -> int:
    """Beat runs this every minute; a run that overlaps another skips the rows the other holds."""
    return sla.sla_sweep()


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_work_order_deadlines() -> int:
    """Run by the shared deadline sweep; overlapping runs skip each other's rows (SKIP LOCKED)."""
    return work_order_deadlines.work_order_escalation_sweep()


# A retry is safe: what a first try queued is not queued again.
@shared_task(
    time_limit=300,
    soft_time_limit=240,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
)
def send_complaint_digests() -> int:
    """Beat runs this daily at COMPLAINT_DIGEST_TIME: yesterday's digest of every city company. A rerun
    (a redelivery, a retry, a second beat) queues nothing twice: each email's outbox key names the city
    company, the day and the person. Returns the emails queued."""
    return sum(result.queued for result in digest.complaint_digests_send())
