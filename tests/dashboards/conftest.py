"""Shared helpers of the dashboards' source tests: a period, local datetimes, a figure of a panel."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dashboards.measures.base import Period, PeriodKind
from dashboards.measures.engine import dashboard_panels, scope_from_params

MARCH = Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 15))


def at(day: datetime.date | str, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """An aware local datetime on a day (YYYY-MM-DD)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def panel_of(user, source_key: str, *, period: Period = MARCH, params: dict | None = None):
    scope = scope_from_params(user, params or {})
    panels = dashboard_panels(user, scope, period)
    return next(panel for panel in panels if panel.source.key == source_key)


def figures_of(user, source_key: str, **kwargs) -> dict:
    return {figure.measure.key: figure for figure in panel_of(user, source_key, **kwargs).figures}
