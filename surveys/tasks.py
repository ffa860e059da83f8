"""Celery entry points for surveys: thin and idempotent."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import deadlines
from .services import sending

# --- campaigns: the send job and the sweep (scheduled invitations, reminders, expiry) ----------------


@shared_task(time_limit=300, soft_time_limit=260, acks_late=True)
def send_campaign(campaign_id: int) -> bool:
    """A campaign's send job. Each batch is one transaction, so a worker killed mid-way loses at most
    the batch in flight, which the rerun (acks_late redelivery, or the sweep's restart of a stalled
    campaign) sends again, once. After SURVEY_SEND_JOB_SECONDS it hands over to a fresh job."""
    done = sending.campaign_send_run(campaign_id, max_seconds=settings.SURVEY_SEND_JOB_SECONDS)
    if not done:
        send_campaign.delay(campaign_id)
    return done


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_surveys() -> dict:
    """Beat's shared sweep runs this every minute: transactional invitations whose time has come,
    reminders, expired campaigns closed, stalled send jobs restarted. Overlapping runs skip each
    other's rows (SKIP LOCKED)."""
    counts = {
        "scheduled": sending.scheduled_invitations_send(),
        "reminders": sending.reminders_send(),
        "closed": sending.expired_campaigns_close(),
    }
    stalled = sending.stalled_campaign_ids()
    for campaign_id in stalled:
        send_campaign.delay(campaign_id)
    counts["restarted"] = len(stalled)
    return counts


# --- The closed loop: follow-up deadlines -----------------------------------------------------------


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True)
def sweep_follow_up_deadlines() -> int:
    """Beat's shared sweep runs this every SLA_SWEEP_SECONDS; overlapping runs skip each other's rows."""
    return deadlines.follow_up_escalation_sweep()
