"""Celery entry points for the lifecycle: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from . import commitment_deadlines, deadlines
from .services import generation


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def generate_touchpoints() -> dict:
    """Daily (DESK_BEAT_SCHEDULE): create the touchpoints coming due; a rerun creates nothing."""
    result = generation.touchpoints_generate()
    return {"contracts": result.contracts, "created": result.created, "moved": result.moved}


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_touchpoint_deadlines() -> int:
    """Beat's shared sweep runs this every SLA_SWEEP_SECONDS; overlapping runs skip each other's rows."""
    return deadlines.touchpoint_escalation_sweep()


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_commitment_deadlines() -> int:
    """Overdue sales commitments: warned once, escalated once (beat's shared sweep runs this)."""
    return commitment_deadlines.commitment_escalation_sweep()
