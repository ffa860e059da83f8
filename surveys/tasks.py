"""Celery entry points for surveys: thin and idempotent."""

from celery import shared_task

from . import deadlines

# --- The closed loop: follow-up deadlines -----------------------------------------------------------


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_follow_up_deadlines() -> int:
    """Beat's shared sweep runs this every SLA_SWEEP_SECONDS; overlapping runs skip each other's rows."""
    return deadlines.follow_up_escalation_sweep()
