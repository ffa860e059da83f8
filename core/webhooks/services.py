"""Emitting webhook events and delivering them (at least once, retried with backoff, never lost).

Delivering mirrors the outbox (core/outbox/drain.py): a sender claims due rows with SKIP LOCKED and,
in the same short transaction, counts the attempt and leases the rows (WEBHOOK_LEASE_SECONDS); it
POSTs each without holding a lock and records the outcome. A sender that dies mid-way leaves its rows
to come back when the lease ends; the receiver de-duplicates on X-CRM-Delivery.
"""

from __future__ import annotations

import datetime
import json
import logging
import time

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.models import WebhookDelivery, WebhookEndpoint

from .events import webhook_events
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
DELIVER_TASK = "core.tasks.deliver_webhooks"


def _start_senders() -> None:
    from celery import current_app

    current_app.signature(DELIVER_TASK).delay()


ENDPOINTS_CACHE_KEY = "crm:webhook-endpoints"


def _active_endpoints() -> list[tuple[int, list[str]]]:
    """(id, events) of the active endpoints, kept in the cache until an endpoint is saved or deleted:
    a desk's event costs no query for them (complaint intake is counted to the query)."""
    endpoints = cache.get(ENDPOINTS_CACHE_KEY)
    if endpoints is None:
        endpoints = [
            (pk, list(events or []))
            for pk, events in WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "events")
        ]
        cache.set(ENDPOINTS_CACHE_KEY, endpoints, None)
    return endpoints


@receiver([post_save, post_delete], sender=WebhookEndpoint, dispatch_uid="core.webhook_endpoints_changed")
def _endpoints_changed(sender, **kwargs) -> None:
    transaction.on_commit(lambda: cache.delete(ENDPOINTS_CACHE_KEY))
    cache.delete(ENDPOINTS_CACHE_KEY)


def webhook_subscribed(event: str) -> bool:
    """Whether any active endpoint wants `event` (from the cache): a caller whose payload costs a query
    asks first."""
    return any(event in events for _pk, events in _active_endpoints())


def webhook_emit(event: str, *, key: str, data: dict, occurred_at: datetime.datetime | None = None) -> int:
    """Queue `event` for every active endpoint subscribed to it, inside the caller's transaction (the
    rows commit or roll back with the event); senders start on commit. `key` names the event (e.g.
    "complaint.closed:42:0"): emitting it again is a no-op. `data` carries ids and states, never
    personal data (phones, ID numbers): a receiver that needs them asks the API, which checks and logs.
    Returns how many deliveries were queued."""
    return webhooks_emit(event, [(key, data)], occurred_at=occurred_at)


def webhooks_emit(
    event: str, items: list[tuple[str, dict]], *, occurred_at: datetime.datetime | None = None
) -> int:
    """`webhook_emit` for many events of one kind at once (a sweep's batch): one read, one insert."""
    if event not in webhook_events():
        raise ValueError(f"unregistered webhook event {event!r}")
    if not items:
        return 0
    endpoint_ids = [pk for pk, events in _active_endpoints() if event in events]
    if not endpoint_ids:
        return 0
    occurred_at = occurred_at or timezone.now()
    rows = []
    for key, data in items:
        payload = json.loads(
            json.dumps({"event": event, "occurred_at": occurred_at, "data": data}, cls=DjangoJSONEncoder)
        )
        rows += [
            WebhookDelivery(endpoint_id=pk, event=event, event_key=key, payload=payload)
            for pk in endpoint_ids
        ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    # Robust: with the broker down the event still stands (logged); beat's deliver_webhooks sends them.
    transaction.on_commit(_start_senders, robust=True)
    return len(rows)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Backoff after the n-th failed attempt: base, 2×base, 4×base … up to the cap."""
    base = settings.WEBHOOK_RETRY_SECONDS
    return datetime.timedelta(
        seconds=min(base * 2 ** max(0, attempts - 1), settings.WEBHOOK_RETRY_MAX_SECONDS)
    )


def _claim(now: datetime.datetime, limit: int) -> list[WebhookDelivery]:
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
            .select_related("endpoint")
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        if rows:
            WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + datetime.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
            )
    for row in rows:
        row.attempts += 1
    return rows


def webhook_post(delivery: WebhookDelivery, session: requests.Session) -> tuple[int | None, str]:
    """POST one delivery, signed; (HTTP status or None, error text or "")."""
    body = json.dumps(
        {"id": str(delivery.delivery_id), **delivery.payload}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "crm-webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(delivery.endpoint.secret, timestamp, body),
    }
    try:
        response = session.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:2000]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}: {response.text[:500]}"


def webhooks_deliver(*, now: datetime.datetime | None = None, batch_size: int = 50) -> dict[str, int]:
    """Deliver the due deliveries once (one claimed batch); the task loops while there is more."""
    now = now or timezone.now()
    rows = _claim(now, batch_size)
    counts = {"delivered": 0, "retried": 0, "failed": 0, "claimed": len(rows)}
    if not rows:
        return counts
    with requests.Session() as session:
        for row in rows:
            status_code, error = webhook_post(row, session)
            finished = timezone.now()
            if not error:
                row.status, row.delivered_at, row.last_error = Status.DELIVERED, finished, ""
                counts["delivered"] += 1
            elif row.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                row.status, row.last_error = Status.FAILED, error
                counts["failed"] += 1
                logger.warning("webhook delivery %s to %s failed: %s", row.pk, row.endpoint.url, error)
            else:
                row.next_attempt_at, row.last_error = now + retry_delay(row.attempts), error
                counts["retried"] += 1
            row.last_status_code = status_code
            WebhookDelivery.objects.filter(pk=row.pk).update(
                status=row.status,
                delivered_at=row.delivered_at,
                last_error=row.last_error,
                last_status_code=status_code,
                next_attempt_at=row.next_attempt_at,
            )
    return counts


def webhooks_replay(ids) -> int:
    """Send the given deliveries again (the admin's action): back to the queue with their attempts reset,
    same delivery id, so a receiver that had them already knows them."""
    with transaction.atomic():
        count = WebhookDelivery.objects.filter(pk__in=list(ids)).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
        )
        if count:
            transaction.on_commit(_start_senders, robust=True)
    return count
