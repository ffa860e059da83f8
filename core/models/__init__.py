"""The kernel's tables: the working calendar's overrides, the outbox of messages to people, and
big Excel exports."""

from .calendar import CalendarDay, may_manage_calendar
from .exports import ExportJob
from .outbox import OutboxMessage

__all__ = ["CalendarDay", "ExportJob", "OutboxMessage", "may_manage_calendar"]
