"""The outbox: every message to a person (email, SMS, WeChat template message) goes through it.

An app writes its messages in the transaction of the event that causes them, and the outbox sends
them once that commits, at least once and never lost (core.outbox.drain says how):

    from core.outbox import OutgoingMessage, messages_enqueue

    messages_enqueue([OutgoingMessage(channel="email", recipient=user.email, recipient_user_id=user.pk,
                                      kind="sla_escalation_2", idempotency_key=f"sla-alert.{…}.user-{user.pk}",
                                      subject=…, body=…)])

Owners are written to on their preferred channel: customers.messaging.owner_message builds the
OutgoingMessage. Providers (how each channel leaves) are in core.outbox.providers.
"""

from .drain import DrainResult, outbox_drain, retry_delay
from .providers import PermanentSendError, Provider, TemporarySendError, provider_for
from .services import OutgoingMessage, message_enqueue, messages_enqueue, messages_resend, messages_send_now

__all__ = [
    "DrainResult",
    "OutgoingMessage",
    "PermanentSendError",
    "Provider",
    "TemporarySendError",
    "message_enqueue",
    "messages_enqueue",
    "messages_resend",
    "messages_send_now",
    "outbox_drain",
    "provider_for",
    "retry_delay",
]
