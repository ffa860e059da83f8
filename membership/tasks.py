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


@shared_task(time_limit=300, soft_time_limit=260, acks_late=True)
def send_event_invitations(round_id: int) -> bool:
    """An invitation round's job: each batch one transaction, a rerun sends nobody twice; after a
    few minutes it hands over to a fresh job."""
    from .services.invitations import invitation_round_run

    done = invitation_round_run(round_id, max_seconds=240)
    if not done:
        send_event_invitations.delay(round_id)
    return done


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_event_invitations() -> int:
    """Beat's shared sweep runs this: invitation rounds whose job died are started again."""
    from .services.invitations import stalled_round_ids

    stalled = stalled_round_ids()
    for round_id in stalled:
        send_event_invitations.delay(round_id)
    return len(stalled)
