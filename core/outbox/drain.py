"""Draining the outbox: claim due rows, send them through the channel's provider, record the outcome.

At least once, never lost:

1. A sender claims a batch of one channel's due rows with SELECT … FOR UPDATE SKIP LOCKED (N senders
   get N disjoint batches) and, in the same short transaction, counts the attempt and moves the rows'
   `next_attempt_at` past a lease (OUTBOX_LEASE_SECONDS). No lock is held while sending: the lease
   keeps the rows out of other senders' claims.
2. It sends each row, within the channel's shared rate (core.outbox.rate).
3. It marks the accepted rows sent (with the provider's id), and the refused ones either pending
   again after a backoff or, when permanent or out of attempts, failed: one UPDATE each.

A sender that dies between 2 and 3 leaves its rows pending: once the lease is over another sender
takes them and sends them again, with the same idempotency key (the provider's copy detection, the
email's Message-ID). The attempt is counted at the claim, so a message that kills its sender every
time still ends failed after OUTBOX_MAX_ATTEMPTS instead of looping.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.models import OutboxMessage

from .providers import PermanentSendError, TemporarySendError, provider_for
from .rate import ChannelRate

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
# Rate slots are taken a slice at a time: one cache round trip per slice, not per message.
RATE_SLICE = 10


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    batches: int = 0
    more: bool = False  # stopped by its time budget with a full batch: more may be due

    def add(self, other: DrainResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.batches += other.batches


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the n-th failed attempt: base, 2×base, 4×base … up to the cap."""
    base = settings.OUTBOX_RETRY_SECONDS
    seconds = min(base * 2 ** max(0, attempts - 1), settings.OUTBOX_RETRY_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds)


def batch_size_for(channel: str) -> int:
    """A batch is sent within its lease even at the channel's rate: at most a minute of sending."""
    size = settings.OUTBOX_BATCH_SIZE
    per_second = settings.OUTBOX_PER_SECOND.get(channel) or 0
    return max(1, min(size, per_second * 60)) if per_second > 0 else size


def claim(rows: Q, *, now: datetime.datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due pending rows matching `rows` for this sender: locked while their attempt
    is counted and their lease set, then released (the lease keeps other senders off)."""
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.filter(rows, status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)[:limit]
        )
        if messages:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            )
    for message in messages:
        message.attempts += 1
    return messages


def send_claimed(messages: list[OutboxMessage], *, now: datetime.datetime | None = None) -> DrainResult:
    """Send claimed rows of one channel and record each outcome (two UPDATEs per batch at most)."""
    result = DrainResult(batches=1)
    if not messages:
        return result
    channel = messages[0].channel
    rate = ChannelRate(channel, settings.OUTBOX_PER_SECOND.get(channel) or 0)
    max_attempts = settings.OUTBOX_MAX_ATTEMPTS
    accepted: list[tuple[OutboxMessage, str]] = []
    refused: list[tuple[OutboxMessage, str, bool]] = []  # (row, error, permanent)
    untried: list[OutboxMessage] = []
    provider = provider_for(channel)
    provider.open()
    try:
        slots = 0
        for index, message in enumerate(messages):
            if message.attempts > max_attempts:
                # Its sender died during the last allowed attempt (the lease ran out): no more tries.
                refused.append(
                    (message, message.last_error or "the sender stopped during the last attempt", True)
                )
                continue
            if slots == 0:
                slots = rate.take(min(RATE_SLICE, len(messages) - index))
            slots -= 1
            try:
                provider_id = provider.send(message)
            except SoftTimeLimitExceeded:
                # The task's time is up: record what is done, give the rest back untried.
                untried = messages[index:]
                break
            except PermanentSendError as error:
                refused.append((message, f"{error}" or type(error).__name__, True))
            except Exception as error:  # TemporarySendError, or a provider's unforeseen error
                if not isinstance(error, TemporarySendError):
                    logger.exception("outbox: %s provider failed on message %s", channel, message.pk)
                refused.append((message, f"{type(error).__name__}: {error}", False))
            else:
                accepted.append((message, str(provider_id or "")[:200]))
    finally:
        provider.close()
    _record(accepted, refused, untried, now=now or timezone.now(), result=result)
    return result


def _record(accepted, refused, untried, *, now: datetime.datetime, result: DrainResult) -> None:
    if accepted:
        _update_each(
            "status = 'sent', sent_at = %s, last_error = '', provider_message_id = v.column2",
            [now],
            [(message.pk, provider_id) for message, provider_id in accepted],
            erase_secret_when="TRUE",
        )
    result.sent = len(accepted)
    outcomes = []
    for message, error, permanent in refused:
        if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            outcomes.append((message.pk, Status.FAILED, now, error[:2000]))
            result.failed += 1
            logger.warning("outbox: message %s (%s) failed: %s", message.pk, message.kind, error)
        else:
            outcomes.append((message.pk, Status.PENDING, now + retry_delay(message.attempts), error[:2000]))
            result.retried += 1
    if outcomes:
        _update_each(
            "status = v.column2, next_attempt_at = v.column3, last_error = v.column4",
            [],
            outcomes,
            erase_secret_when=f"v.column2 = '{Status.FAILED}'",
        )
    if untried:
        OutboxMessage.objects.filter(pk__in=[m.pk for m in untried], status=Status.PENDING).update(
            attempts=F("attempts") - 1, next_attempt_at=now
        )


def _update_each(assignments: str, params: list, values: list[tuple], *, erase_secret_when: str) -> None:
    """One UPDATE giving each row its own values: UPDATE … FROM (VALUES (id, …), …), which PostgreSQL
    and SQLite (3.33+) both run. (bulk_update's CASE per row and field spends seconds of Python on a
    thousand rows.) A secret's text (a one-time code) is erased when `erase_secret_when` holds."""
    rows, row_params = [], []
    for value in values:
        rows.append("(" + ", ".join(["%s"] * len(value)) + ")")
        row_params.extend(_db_value(item) for item in value)
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    erase = f"is_secret AND {erase_secret_when}"
    # Built as text, but from the model's table and the callers' literal `assignments` and
    # `erase_secret_when`: every value goes in as a parameter.
    sql = (
        f"UPDATE {table} SET {assignments}, "  # nosec B608  # literals only (above)
        f"body = CASE WHEN {erase} THEN '' ELSE body END, "
        f"template_params = CASE WHEN {erase} THEN '{{}}' ELSE template_params END "
        f"FROM (VALUES {', '.join(rows)}) AS v WHERE {table}.id = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_value(item) for item in params] + row_params)


def _db_value(value):
    # Datetimes as the database stores them (SQLite keeps text); the rest as they are.
    if isinstance(value, datetime.datetime):
        return OutboxMessage._meta.get_field("next_attempt_at").get_db_prep_value(value, connection)
    return value


def outbox_drain(
    *,
    channel: str,
    now: datetime.datetime | None = None,
    batch_size: int | None = None,
    max_seconds: float | None = None,
) -> DrainResult:
    """Send a channel's due messages, batch after batch, until none is due or `max_seconds`
    (OUTBOX_DRAIN_SECONDS) have passed; then `more` says whether a full batch was still coming."""
    size = batch_size or batch_size_for(channel)
    budget = settings.OUTBOX_DRAIN_SECONDS if max_seconds is None else max_seconds
    started = time.monotonic()
    total = DrainResult()
    while True:
        messages = claim(Q(channel=channel), now=now or timezone.now(), limit=size)
        if not messages:
            return total
        total.add(send_claimed(messages, now=now))
        if len(messages) < size:
            return total
        if time.monotonic() - started >= budget:
            total.more = True
            return total
