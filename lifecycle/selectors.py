"""The lifecycle's reads: my touchpoints, completion rates."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Touchpoint

# What "this week" reaches: today and the six days after.
WEEK = datetime.timedelta(days=6)
WHEN_CHOICES = ("all", "overdue", "today", "week")
LIST_COLUMNS = (
    "id",
    "plan__id",
    "plan__step",
    "plan__name_zh",
    "plan__name_en",
    "plan__channel",
    "plan__script_zh",
    "plan__script_en",
    "customer__id",
    "customer__name",
    "unit__id",
    "unit__code",
    "project_id",
    "status",
    "attempts",
    "role",
    "assignee_id",
    "due_on",
    "due_at",
    "version",
)


def my_touchpoints(*, user, when: str = "all", today: datetime.date | None = None) -> QuerySet[Touchpoint]:
    """The user's pending touchpoints due by the end of the week: assigned to them, or unassigned ones of
    their role in their scope; `when` narrows to overdue, today or the rest of the week."""
    today = today or timezone.localdate()
    rows = (
        Touchpoint.objects.visible_to(user)
        .pending()
        .filter(Q(assignee=user) | Q(assignee__isnull=True, role=user.role))
        .select_related("plan", "customer", "unit")
        .only(*LIST_COLUMNS)
    )
    if when == "overdue":
        return rows.filter(due_on__lt=today)
    if when == "today":
        return rows.filter(due_on=today)
    if when == "week":
        return rows.filter(due_on__gt=today, due_on__lte=today + WEEK)
    return rows.filter(due_on__lte=today + WEEK)


def touchpoint_for_update(*, user, pk: int) -> Touchpoint:
    return Touchpoint.objects.visible_to(user).select_related("plan").get(pk=pk)


COMPLETED = (Touchpoint.Status.DONE, Touchpoint.Status.REACHED)


def touchpoint_rates(
    *, user, since: datetime.date, until: datetime.date, project_id: int | None = None
) -> list[dict]:
    """Per plan and project, the touchpoints due in [since, until]: total, completed (done or reached),
    declined, still pending, and the completion rate. One grouped query."""
    rows = Touchpoint.objects.visible_to(user).filter(due_on__gte=since, due_on__lte=until)
    if project_id:
        rows = rows.filter(project_id=project_id)
    grouped = (
        rows.values("plan_id", "project_id")
        .annotate(
            total=Count("id"),
            completed=Count("id", filter=Q(status__in=COMPLETED)),
            declined=Count("id", filter=Q(status=Touchpoint.Status.DECLINED)),
            pending=Count("id", filter=Q(status__in=Touchpoint.PENDING)),
        )
        .order_by("plan_id", "project_id")
    )
    result = []
    for row in grouped:
        row["rate"] = round(100 * row["completed"] / row["total"]) if row["total"] else None
        result.append(row)
    return result
