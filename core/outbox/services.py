"""Writing to the outbox: enqueue in the caller's transaction, send on commit; resend failed messages."""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.masking import mask_personal_numbers
from core.models import OutboxMessage

from .drain import DrainResult, batch_size_for, claim, send_claimed

# Named, not imported: core.tasks imports this package (a task module imports the work it runs).
DRAIN_TASK = "core.tasks.drain_outbox"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one person, before it is a row. `idempotency_key` names the event and the
    person (e.g. "sla-alert.51.first_response.0.2.user-7"): the same event enqueued twice is one row."""

    channel: str
    recipient: str
    kind: str
    idempotency_key: str
    body: str = ""
    subject: str = ""
    recipient_user_id: int | None = None
    template_code: str = ""
    template_params: dict = field(default_factory=dict)
    is_secret: bool = False
    html_body: str = ""  # email only: sent beside `body` as its HTML alternative

    def as_row(self, now: datetime.datetime) -> OutboxMessage:
        """The row to write. A message to a staff member (`recipient_user_id`) has every mobile and ID
        number in its texts masked: staff read a customer's clear numbers only through the reveal log."""
        if self.channel not in OutboxMessage.Channel.values:
            raise ValidationError({"channel": f"Unknown channel {self.channel!r}."})
        if not self.recipient or not self.idempotency_key or not self.kind:
            raise ValidationError("A message needs a recipient, a kind and an idempotency key.")
        if not (self.body or self.template_code):
            raise ValidationError("A message needs a text or a template.")
        if self.html_body and self.channel != OutboxMessage.Channel.EMAIL:
            raise ValidationError({"html_body": "Only an email has an HTML text."})
        to_staff = self.recipient_user_id is not None
        subject, body, html_body = (
            (mask_personal_numbers(text) for text in (self.subject, self.body, self.html_body))
            if to_staff
            else (self.subject, self.body, self.html_body)
        )
        return OutboxMessage(
            channel=self.channel,
            recipient=self.recipient[:254],
            recipient_user_id=self.recipient_user_id,
            subject=subject[:200],
            body=body,
            html_body=html_body,
            template_code=self.template_code,
            template_params=self.template_params,
            kind=self.kind,
            idempotency_key=self.idempotency_key,
            is_secret=self.is_secret,
            next_attempt_at=now,
            created_at=now,
        )


def messages_enqueue(messages: Iterable[OutgoingMessage], *, now: datetime.datetime | None = None) -> int:
    """Write the messages in the CALLER's transaction (a key already in the outbox is skipped) and,
    once it commits, start senders: one per batch of each channel, up to OUTBOX_DRAIN_PARALLEL.
    Returns how many messages were given (duplicates included)."""
    now = now or timezone.now()
    rows = [message.as_row(now) for message in messages]
    if not rows:
        return 0
    OutboxMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    per_channel = Counter(row.channel for row in rows)
    # Robust: with the broker down the event still stands (logged); beat's drain sends the messages.
    transaction.on_commit(lambda: _start_senders(per_channel), robust=True)
    return len(rows)


def message_enqueue(
    *,
    channel: str,
    recipient: str,
    kind: str,
    idempotency_key: str,
    body: str = "",
    subject: str = "",
    recipient_user_id: int | None = None,
    template_code: str = "",
    template_params: dict | None = None,
    is_secret: bool = False,
    now: datetime.datetime | None = None,
) -> None:
    """One message: see messages_enqueue."""
    messages_enqueue(
        [
            OutgoingMessage(
                channel=channel,
                recipient=recipient,
                kind=kind,
                idempotency_key=idempotency_key,
                body=body,
                subject=subject,
                recipient_user_id=recipient_user_id,
                template_code=template_code,
                template_params=template_params or {},
                is_secret=is_secret,
            )
        ],
        now=now,
    )


def _start_senders(per_channel: Counter) -> None:
    for channel, count in per_channel.items():
        # 0 senders: none on commit, the messages wait for beat's drain (OUTBOX_BEAT_SECONDS).
        senders = min(math.ceil(count / batch_size_for(channel)), settings.OUTBOX_DRAIN_PARALLEL)
        for _sender in range(senders):
            current_app.signature(DRAIN_TASK, args=(channel,)).delay()


def messages_send_now(*, idempotency_keys: list[str], now: datetime.datetime | None = None) -> DrainResult:
    """Send these messages in this process, now, ahead of the queue: for a person waiting on the page
    (a one-time code). Call it after the transaction that enqueued them has committed. What fails here
    stays in the outbox and is retried like any other message."""
    now = now or timezone.now()
    claimed = claim(Q(idempotency_key__in=idempotency_keys), now=now, limit=len(idempotency_keys))
    result = DrainResult()
    for channel in {m.channel for m in claimed}:
        result.add(send_claimed([m for m in claimed if m.channel == channel], now=now))
    return result


def messages_resend(*, ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """Put failed messages back in the queue with their attempts reset (the admin's "resend").
    A secret whose text was erased (an expired one-time code) cannot be resent. Returns the count."""
    now = now or timezone.now()
    resent = OutboxMessage.objects.filter(pk__in=list(ids), status=OutboxMessage.Status.FAILED).exclude(
        is_secret=True
    )
    with transaction.atomic():
        channels = Counter(resent.values_list("channel", flat=True))
        count = resent.update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=now, last_error=""
        )
        transaction.on_commit(lambda: _start_senders(channels), robust=True)
    return count
