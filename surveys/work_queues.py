"""The closed loop's part of the home-page work queue: open follow-ups, nearest due first.

Bounded (`limit` rows, the page links to the full list), scoped by `visible_to(user)` and ordered
the way the partial index `survey_follow_up_open` (due_at, id WHERE status = 'open') serves.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import FollowUp

QUEUE_COLUMNS = ("id", "reason", "status", "due_at", "warned", "customer__id", "customer__name")


def _open_by_due(user) -> QuerySet[FollowUp]:
    return FollowUp.objects.visible_to(user).open().select_related("customer").only(*QUEUE_COLUMNS)


def my_open_follow_ups(*, user, limit: int) -> list[FollowUp]:
    """The open follow-ups given to the user, nearest due first."""
    return list(_open_by_due(user).filter(assignee=user).order_by("due_at", "id")[:limit])


def open_follow_ups(*, user, limit: int) -> list[FollowUp]:
    """Every open follow-up in the user's scope (the unassigned ones wait here), nearest due first."""
    return list(_open_by_due(user).order_by("due_at", "id")[:limit])
