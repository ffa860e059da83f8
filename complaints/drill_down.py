"""The dashboards' drill-down filters of the complaint lists (the SLA board, the group cases, the
improvement items): each says what complaints.conditions says, so a list's count is its figure's."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from properties.selectors import projects_by_id

from . import conditions


def city_project_ids(city_id: int) -> list[int]:
    """The projects of a city company (from the cached reference list: no query)."""
    return [pk for pk, (_name, city) in projects_by_id().items() if city == city_id]


def local_day_range(field: str, start: datetime.date | None, end: datetime.date | None) -> Q:
    """`field` (a datetime) on the local days start..end, both included."""
    where = Q()
    if start:
        where &= Q(
            **{f"{field}__gte": timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))}
        )
    if end:
        after = end + datetime.timedelta(days=1)
        where &= Q(
            **{f"{field}__lt": timezone.make_aware(datetime.datetime.combine(after, datetime.time.min))}
        )
    return where


def condition(filters: dict) -> Q:
    """The dashboards' drill-down filters (complaints.forms.BoardFilterForm.DRILL_FIELDS): each says what
    complaints.conditions says, so the list's count is the figure's."""
    where = Q()
    if filters.get("city"):
        where &= Q(project_id__in=city_project_ids(int(filters["city"])))
    if filters.get("received_from") or filters.get("received_to"):
        where &= local_day_range("received_at", filters.get("received_from"), filters.get("received_to"))
    if filters.get("first_response"):
        now = timezone.now()
        where &= local_day_range("first_response_due_at", filters.get("due_from"), filters.get("due_to"))
        where &= {
            "due": conditions.first_response_known(now),
            "on_time": conditions.first_response_known(now) & conditions.FIRST_RESPONSE_ON_TIME,
            "late": conditions.first_response_late(now),
        }[filters["first_response"]]
    if filters.get("resolved") or filters.get("resolved_from") or filters.get("resolved_to"):
        where &= conditions.RESOLVED_NOW
        where &= local_day_range("resolved_at", filters.get("resolved_from"), filters.get("resolved_to"))
    if filters.get("repeat"):
        where &= conditions.repeat_condition()
    if filters.get("escalation_level") is not None and filters.get("escalation_level") != "":
        where &= Q(escalation_level=int(filters["escalation_level"]))
    if filters.get("root_cause"):
        where &= Q(root_cause="" if filters["root_cause"] == "none" else filters["root_cause"])
    return where
