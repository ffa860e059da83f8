"""The club's part of the home page's work queue: the care tasks coming up in the user's scope.

Bounded (`limit` rows), scoped like the care list, ordered by the partial index on open tasks
(due_on, id): the same one or two queries whatever the number of members.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from .models import CareTask
from .permissions import may_serve_members
from .selectors.care import care_tasks_visible_to


def care_tasks_due(*, user, limit: int, today: datetime.date | None = None) -> list[CareTask]:
    """Open birthdays and home anniversaries due by CLUB_CARE_DAYS_AHEAD days from today, soonest
    first (past ones too: they are late)."""
    if not may_serve_members(user):
        return []
    until = (today or timezone.localdate()) + datetime.timedelta(days=settings.CLUB_CARE_DAYS_AHEAD)
    return list(
        care_tasks_visible_to(user)
        .filter(status=CareTask.Status.OPEN, due_on__lte=until)
        .select_related("member")
        .only("kind", "due_on", "member__name", "member__number", "member__care_wish")
        .order_by("due_on", "id")[:limit]
    )
