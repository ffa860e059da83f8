"""The kernel's tables: the working calendar's overrides, the outbox of messages to people, big
Excel exports, and the integrations' webhooks."""

from .calendar import CalendarDay, may_manage_calendar
from .exports import ExportJob
from .outbox import OutboxMessage
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "CalendarDay",
    "ExportJob",
    "OutboxMessage",
    "WebhookDelivery",
    "WebhookEndpoint",
    "may_manage_calendar",
]
