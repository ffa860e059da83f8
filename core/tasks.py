"""The kernel's Celery entry points: the shared deadline sweep that every clocked thing joins,
the outbox's senders, the webhooks' senders, and the big Excel exports."""

from celery import current_app, shared_task
from django.conf import settings

from .escalation import SWEEP_TASKS
from .exports import export_job_run, exports_expire
from .models import Heartbeat, OutboxMessage
from .outbox import outbox_drain
from .webhooks import webhooks_deliver


@shared_task(time_limit=110, soft_time_limit=100, ignore_result=True)
def sweep_deadlines() -> list[str]:
    """Beat runs this every SLA_SWEEP_SECONDS: enqueue each registered sweep (complaint SLAs, defect
    deadlines, …). Each sweep claims its rows with SKIP LOCKED, so an overlapping run is harmless.
    Its heartbeat tells /healthz that beat, the broker and a worker are all turning."""
    for task_name in SWEEP_TASKS:
        current_app.signature(task_name).delay()
    Heartbeat.record(Heartbeat.SWEEP)
    return list(SWEEP_TASKS)


# The hard limit stays under OUTBOX_LEASE_SECONDS: a killed sender's rows are never sent by another
# while it still runs. At the soft limit the sender records what it sent and gives the rest back.
@shared_task(time_limit=300, soft_time_limit=270, acks_late=True, ignore_result=True)
def drain_outbox(channel: str | None = None) -> int:
    """Send a channel's due messages (enqueued on commit by core.outbox.messages_enqueue, and by
    beat every OUTBOX_BEAT_SECONDS so that nothing waits on a lost task). Without a channel: start
    one sender per channel. A sender out of time with more to do hands over to a fresh one."""
    if channel is None:
        for each in OutboxMessage.Channel.values:
            drain_outbox.delay(each)
        return 0
    result = outbox_drain(channel=channel)
    if result.more:
        drain_outbox.delay(channel)
    return result.sent


@shared_task(time_limit=900, soft_time_limit=870, acks_late=True)
def run_export_job(job_id: int) -> str | None:
    """Write one big Excel export (core.exports); a second delivery finds it claimed and stops."""
    return export_job_run(job_id=job_id)


@shared_task(time_limit=110, soft_time_limit=100, acks_late=True, ignore_result=True)
def expire_exports() -> int:
    return exports_expire()


@shared_task(time_limit=120, soft_time_limit=100, acks_late=True, ignore_result=True)
def deliver_webhooks() -> int:
    """Deliver due webhook deliveries (started on commit by core.webhooks.webhook_emit, and by beat every
    WEBHOOK_BEAT_SECONDS for the retries that fall due); a full batch hands over to a fresh task."""
    result = webhooks_deliver(batch_size=settings.WEBHOOK_BATCH_SIZE)
    if result["claimed"] >= settings.WEBHOOK_BATCH_SIZE:
        deliver_webhooks.delay()
    return result["delivered"]
