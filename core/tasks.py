"""The kernel's Celery entry point: the shared deadline sweep that every clocked thing joins."""

from celery import current_app, shared_task

from .escalation import SWEEP_TASKS


@shared_task(time_limit=110, soft_time_limit=100, ignore_result=True)
def sweep_deadlines() -> list[str]:
    """Beat runs this every SLA_SWEEP_SECONDS: enqueue each registered sweep (complaint SLAs, defect
    deadlines, …). Each sweep claims its rows with SKIP LOCKED, so an overlapping run is harmless."""
    for task_name in SWEEP_TASKS:
        current_app.signature(task_name).delay()
    return list(SWEEP_TASKS)
