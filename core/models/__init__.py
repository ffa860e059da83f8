"""The kernel's tables: the working calendar's overrides and the outbox of messages to people."""

from .calendar import CalendarDay, may_manage_calendar
from .outbox import OutboxMessage

__all__ = ["CalendarDay", "OutboxMessage", "may_manage_calendar"]
