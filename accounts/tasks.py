from celery import shared_task

from .services import staff_deactivate_departed


@shared_task(time_limit=120, soft_time_limit=100, acks_late=True)
def deactivate_departed_staff() -> int:
    return staff_deactivate_departed()
