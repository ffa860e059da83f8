"""Celery entry points for the lifecycle: thin and idempotent."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import commitment_deadlines, deadlines
from .services import generation, news


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


# --- construction news: the send job, and the sweep's restart of a job that died ---------------------


@shared_task(time_limit=300, soft_time_limit=260, acks_late=True)
def send_construction_news(news_id: int) -> bool:
    """A news item's send job. Each batch is one transaction, so a worker killed mid-way loses at most
    the batch in flight, which the rerun (acks_late redelivery, or the sweep's restart) sends, once.
    After LIFECYCLE_NEWS_SEND_JOB_SECONDS it hands over to a fresh job."""
    done = news.news_send_run(news_id, max_seconds=settings.LIFECYCLE_NEWS_SEND_JOB_SECONDS)
    if not done:
        send_construction_news.delay(news_id)
    return done


@shared_task(time_limit=60, soft_time_limit=50, acks_late=True)
def restart_stalled_news_sends() -> int:
    """Beat's shared sweep runs this every SLA_SWEEP_SECONDS: a send job with no progress for
    LIFECYCLE_NEWS_SEND_STALL_MINUTES died with its worker; a fresh one takes up what is left."""
    stalled = news.stalled_news_ids()
    for news_id in stalled:
        send_construction_news.delay(news_id)
    return len(stalled)
