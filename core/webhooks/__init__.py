"""Signed webhooks for integrations (the hotline, the property-management system, a data warehouse).

Apps register their events (`register_webhook_event`) in ready() and emit them inside the event's
transaction (`webhook_emit`); core.tasks.deliver_webhooks delivers them. See core/models/webhooks.py.
"""

from .events import register_webhook_event, webhook_events
from .services import webhook_emit, webhook_subscribed, webhooks_deliver, webhooks_emit, webhooks_replay
from .signing import webhook_signature, webhook_signature_valid

__all__ = [
    "register_webhook_event",
    "webhook_emit",
    "webhook_events",
    "webhook_signature",
    "webhook_signature_valid",
    "webhook_subscribed",
    "webhooks_deliver",
    "webhooks_emit",
    "webhooks_replay",
]
