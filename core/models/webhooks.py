"""Webhooks: the integrations' subscriptions and every delivery made to them.

An administrator registers an endpoint (a URL, the events it wants, its signing secret). When such an
event happens, a delivery row per subscribed endpoint is written in the event's transaction
(core.webhooks.webhook_emit); senders claim due rows with SKIP LOCKED, POST them signed, and record
the outcome. A failed delivery is retried with backoff, ends failed after WEBHOOK_MAX_ATTEMPTS, and
can be replayed from the admin.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. the hotline system"))
    url = models.URLField(_("URL"), max_length=500)
    # Event names (core.webhooks.webhook_events): the endpoint receives these only.
    events = models.JSONField(_("events"), default=list)
    # Encrypted at rest; shown to administrators on the endpoint's page to configure the receiver.
    secret = EncryptedCharField(_("signing secret"), max_length=200, default=new_signing_secret)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.CharField(_("event"), max_length=50)
    # The sender's key of the event (e.g. complaint.closed:42:0): emitting the same event twice is a no-op.
    event_key = models.CharField(_("event key"), max_length=200)
    # What the receiver de-duplicates on: the same across retries and replays (header X-CRM-Delivery).
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]), name="webhook_status_valid"
            ),
        ]
        indexes = [
            # The senders' read: pending rows by due time (delivered ones, the bulk, are not in it).
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="webhook_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} #{self.pk}"
