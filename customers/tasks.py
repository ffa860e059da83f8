"""Celery entry points for customers: thin and idempotent."""

from celery import shared_task

from . import import_jobs


@shared_task(time_limit=300, soft_time_limit=270, acks_late=True)
def run_import_job(job_id: int) -> str | None:
    """One step (check or import) of an Excel import job; a second delivery finds it claimed and stops."""
    return import_jobs.import_job_run(job_id=job_id)


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True, ignore_result=True)
def requeue_lost_imports() -> dict[str, int]:
    """On the shared sweep: import steps whose start was lost queued again, dead ones failed."""
    return import_jobs.import_jobs_requeue_lost()


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def expire_stale_imports() -> int:
    return import_jobs.import_jobs_expire_stale()


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def anonymise_retained_customers() -> int:
    """The nightly retention job (PII_RETENTION_YEARS; 0: off): a rerun goes on where one stopped."""
    from django.conf import settings

    from .anonymise import retention_run

    return retention_run(limit=settings.PII_RETENTION_MAX_PER_RUN)
