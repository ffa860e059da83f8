"""The list of units by their formal handover inspection: the records behind the dashboards'
first-time pass.

One row per unit handover (the figure counts units): those whose formal inspection was completed in
the chosen days, passed the first time when one of those inspections recorded no defect (cancelled
ones aside), with the same definition as the figure (`rectification.formal_inspections`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from core.localdays import on_days

from ..models import Handover
from .rectification import formal_inspections


@dataclass(frozen=True)
class FormalInspectionFilters:
    completed_from: datetime.date | None = None
    completed_to: datetime.date | None = None
    city_id: int | None = None
    project_id: int | None = None
    passed_first_time: bool | None = None  # None: either


def handover_inspection_list(*, user, filters: FormalInspectionFilters) -> QuerySet[Handover]:
    """The user's unit handovers with a completed formal inspection in the days, each with `formal`:
    those inspections (newest first, with `found` and the inspector). Keyset-paged on the id."""
    formal = formal_inspections().filter(
        on_days("completed_at", filters.completed_from, filters.completed_to)
    )
    of_unit = formal.filter(handover=OuterRef("pk"))
    handovers = Handover.objects.visible_to(user).filter(Exists(of_unit))
    if filters.passed_first_time is True:
        handovers = handovers.filter(Exists(of_unit.filter(found=False)))  # type: ignore[misc]  # formal_inspections() annotates it
    elif filters.passed_first_time is False:
        handovers = handovers.exclude(Exists(of_unit.filter(found=False)))  # type: ignore[misc]  # formal_inspections() annotates it
    if filters.project_id:
        handovers = handovers.filter(project_id=filters.project_id)
    if filters.city_id:
        handovers = handovers.filter(project__city_company_id=filters.city_id)
    return handovers.select_related("unit", "unit__building").prefetch_related(
        Prefetch(
            "inspections",
            queryset=formal.select_related("inspector").order_by("-completed_at", "-id"),
            to_attr="formal",
        )
    )
