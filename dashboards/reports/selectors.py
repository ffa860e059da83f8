"""The figures a report holds: a scope and period read from the request's parameters, inside the
user's scope, and every panel of `dashboard_panels` on them (the page's own numbers)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dashboards.measures.base import DashboardScope, Level, Panel, Period, PeriodKind, period_from_params
from dashboards.measures.engine import dashboard_panels, may_see_dashboards, scope_from_params


@dataclass(frozen=True)
class DashboardReport:
    scope: DashboardScope
    period: Period
    panels: list[Panel]
    counted_at: datetime.datetime

    @property
    def recording_panels(self) -> list[Panel]:
        return [panel for panel in self.panels if panel.recording]

    @property
    def idle_panels(self) -> list[Panel]:
        """The panels of apps that have recorded nothing yet: a report names them instead of zeros."""
        return [panel for panel in self.panels if not panel.recording]

    @property
    def child_level(self) -> Level | None:
        """What the side-by-side rows are: city companies under the group, projects under a city."""
        for panel in self.panels:
            if panel.rows:
                return panel.rows[0][0].level
        return None


def last_full_month(today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period.containing(PeriodKind.MONTH, today.replace(day=1) - datetime.timedelta(days=1))


def dashboard_report(
    *, user, params: Mapping[str, str], default_period: Period | None = None, fresh: bool = False
) -> DashboardReport:
    """The dashboard of ?period=…&on=…&city=…|project=… for the user, as a report reads it.

    PermissionDenied for a role without dashboards or a city company or project outside the user's
    scope; ValidationError (a 400 with the field's message) for an unreadable period or id. Without
    any period parameter, `default_period` (the page's default, this month, when None)."""
    if not may_see_dashboards(user):
        raise PermissionDenied
    chooses_period = any(params.get(name) for name in ("period", "on", "start", "end"))
    period = period_from_params(params) if chooses_period or default_period is None else default_period
    scope = scope_from_params(user, params)
    panels = dashboard_panels(user, scope, period, fresh=fresh)
    return DashboardReport(scope=scope, period=period, panels=panels, counted_at=timezone.now())
