"""The outbox: every email, text message and WeChat template message to a person is a row here first.

A row is written in the same transaction as the event that causes it (core.outbox.message_enqueue),
so a rolled-back event sends nothing and a committed one cannot lose its message. Senders claim due
rows with SKIP LOCKED, send them, and mark them sent once the provider accepted (core.outbox.drain).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat template message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # An email address, a mobile number or a WeChat openid, by channel.
    recipient = models.CharField(_("recipient"), max_length=254)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient (staff)"),
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    # Email only: an HTML version of `body`, sent beside it (multipart/alternative); `body` stays the
    # plain text every client can read.
    html_body = models.TextField(_("HTML text"), blank=True)
    # Template channels (WeChat, and SMS gateways that only send registered templates): the template
    # is named by a code of ours, mapped to the provider's template id by the provider's settings.
    template_code = models.CharField(_("template"), max_length=64, blank=True)
    template_params = models.JSONField(_("template parameters"), default=dict, blank=True)
    kind = models.CharField(
        _("kind"), max_length=50, help_text=_("What the message is about, e.g. sla_escalation_2.")
    )
    # One key per message, chosen by the sender from the event (never random), so enqueueing the same
    # event twice is a no-op; providers that accept one get it, so a resend is recognised as a copy.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # A one-time code: hidden in the admin, and its text erased once sent or failed.
    is_secret = models.BooleanField(_("secret"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a sender may take it next: now for a new row, later after a failure (backoff) or while a
    # sender holds it (its lease: a sender that dies mid-send lets the row come back by itself).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "wechat"]), name="outbox_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]), name="outbox_status_valid"
            ),
        ]
        indexes = [
            # The drain's read: a channel's pending rows by due time. Sent rows, the bulk of the table,
            # are not in it, so it stays as small as the queue.
            models.Index(
                fields=["channel", "next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="outbox_pending_due",
            ),
            # The administrators' list of failed messages.
            models.Index(fields=["-id"], condition=Q(status="failed"), name="outbox_failed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} #{self.pk}"
