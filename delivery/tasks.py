"""Celery entry points for delivery: thin and idempotent."""

from celery import shared_task

from . import deadlines


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_defect_deadlines() -> int:
    """Beat runs this every minute; overlapping runs skip each other's rows (SKIP LOCKED)."""
    return deadlines.defect_escalation_sweep()


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def send_appointment_reminders() -> int:
    from .services.planning import appointment_reminders_send

    return appointment_reminders_send()
