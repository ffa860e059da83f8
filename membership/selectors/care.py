"""Reads of the care tasks: the project team's list and the home page's queue."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..models import CareTask
from ..permissions import may_view_club


def care_tasks_visible_to(user) -> QuerySet[CareTask]:
    """The tasks of the user's projects and city companies (a task without a project: its city's)."""
    if not may_view_club(user):
        return CareTask.objects.none()
    scope = user.scope
    if scope.is_unrestricted:
        return CareTask.objects.all()
    return CareTask.objects.filter(
        Q(project_id__in=scope.project_ids) | Q(city_company_id__in=scope.city_company_ids)
    )


def care_task_list(*, user, status: str = CareTask.Status.OPEN, kind: str = "") -> QuerySet[CareTask]:
    """The list page's rows, with the member's name, care wish and the project shown on each."""
    tasks = care_tasks_visible_to(user).filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    return tasks.select_related("member", "project", "done_by").only(
        "kind",
        "year",
        "due_on",
        "status",
        "note",
        "done_at",
        "member__id",
        "member__number",
        "member__name",
        "member__care_wish",
        "member__phone",
        "project__name",
        "done_by__username",
        "done_by__display_name",
        "done_by__first_name",
        "done_by__last_name",
    )
