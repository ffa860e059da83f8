"""The kernel's tables: the working calendar's overrides, the outbox of messages to people, big
Excel exports, the integrations' webhooks, and the periodic jobs' heartbeats."""

from .calendar import CalendarDay, may_manage_calendar
from .exports import ExportJob
from .heartbeat import Heartbeat
from .outbox import OutboxMessage
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "CalendarDay",
    "ExportJob",
    "Heartbeat",
    "OutboxMessage",
    "WebhookDelivery",
    "WebhookEndpoint",
    "may_manage_calendar",
]
