"""Celery entry points for the club: thin, idempotent (each service may run twice in a night)."""

from celery import shared_task


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def expire_points() -> int:
    """Daily: one expiry entry per member whose earnings passed CLUB_POINTS_VALID_MONTHS unspent."""
    from .services.points import points_expire

    return points_expire()


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def recompute_tiers() -> int:
    from .tiers import tiers_recompute

    return tiers_recompute()


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def recompute_customer_value() -> int:
    from .value import customer_values_recompute

    return customer_values_recompute()


@shared_task(time_limit=1800, soft_time_limit=1700, acks_late=True)
def create_care_tasks() -> int:
    from .services.care import care_tasks_create

    return care_tasks_create()
