"""Reads for the dashboards page: aggregates over every unit and customer a user looks after."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from customers.models import Customer, Stage
from customers.property_selectors import unit_counts


@dataclass(frozen=True)
class DashboardFigures:
    units_and_sold: dict[int, tuple[int, int]]  # per project id
    stage_counts: dict[str, int] | None  # per Stage value; None for roles that see no customers
    computed_at: datetime.datetime


def _scope_key(user, project_ids: list[int]) -> str:
    scope = user.scope
    if scope.is_unrestricted:
        part = "all"
    else:
        raw = f"{sorted(scope.city_company_ids)}|{sorted(project_ids)}"
        part = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    return f"crm:dashboard:{part}:{int(user.may_see_customers())}:{timezone.localdate().isoformat()}"


def dashboard_figures(*, user, project_ids: list[int], refresh: bool = False) -> DashboardFigures:
    """Units and sold units per project, and customers per lifecycle stage, for the user's scope.

    At a group's size (300k units, 400k customers) these take a few hundred milliseconds, and they
    move slowly: they are kept per scope (users with the same scope share them) for
    DASHBOARD_CACHE_SECONDS and the page says when they were counted. `refresh` counts anew.
    """
    key = _scope_key(user, project_ids)
    figures = None if refresh else cache.get(key)
    if figures is None:
        stage_counts = None
        if user.may_see_customers():
            counts = Customer.objects.visible_to(user, whole_set=True).count_by_stage()
            stage_counts = {stage.value: counts[stage] for stage in Stage}
        figures = DashboardFigures(
            units_and_sold=unit_counts(by="project_id", ids=project_ids),
            stage_counts=stage_counts,
            computed_at=timezone.now(),
        )
        cache.set(key, figures, settings.DASHBOARD_CACHE_SECONDS)
    return figures
