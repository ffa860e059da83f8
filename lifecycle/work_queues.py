"""The touchpoints' part of the home-page work queue: what the user has to do by today, oldest first.

Bounded (`limit` rows; the page links to the full list), scoped by `visible_to(user)`, served by the
partial indexes touchpoint_mine and touchpoint_unassigned.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import Touchpoint
from .selectors import my_touchpoints


def my_due_touchpoints(*, user, limit: int, today: datetime.date | None = None) -> list[Touchpoint]:
    """The user's touchpoints due today or overdue (theirs, or unassigned ones of their role)."""
    today = today or timezone.localdate()
    rows = my_touchpoints(user=user, today=today).filter(due_on__lte=today)
    return list(rows.order_by("due_at", "id")[:limit])
