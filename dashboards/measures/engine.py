"""Which part of the estate a user's dashboard covers, and the figures of every registered source on it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.roles import Role
from properties.selectors import city_companies_by_id, projects_by_id

from .base import DashboardScope, Figure, Level, Panel, Period, Ratio, registered_sources

# The roles that read dashboards (the same as see the dashboards page).
DASHBOARD_ROLES = (Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.READONLY_MANAGER)


def may_see_dashboards(user) -> bool:
    return user.is_authenticated and user.role in DASHBOARD_ROLES


def _visible_project_ids(user) -> frozenset[int] | None:
    scope = user.scope
    return None if scope.is_unrestricted else frozenset(scope.project_ids)


def _city_scope(city_id: int, visible: frozenset[int] | None) -> DashboardScope:
    ids = frozenset(pk for pk, (_name, city) in projects_by_id().items() if city == city_id)
    if visible is not None:
        ids &= visible
    return DashboardScope(
        Level.CITY, city_company_id=city_id, project_ids=ids, label=city_companies_by_id().get(city_id, "")
    )


def _project_scope(project_id: int) -> DashboardScope:
    name, city_id = projects_by_id()[project_id]
    return DashboardScope(
        Level.PROJECT,
        city_company_id=city_id,
        project_id=project_id,
        project_ids=frozenset({project_id}),
        label=name,
    )


def visible_city_ids(user) -> list[int]:
    """The city companies with at least one project the user sees, by name."""
    visible = _visible_project_ids(user)
    cities = {city for pk, (_n, city) in projects_by_id().items() if visible is None or pk in visible}
    return [pk for pk in city_companies_by_id() if pk in cities]


def home_scope(user) -> DashboardScope:
    """The widest level the user sees: the group for the unrestricted, their one city company, or
    their projects together ("my projects") when they span no single city company."""
    if user.scope.is_unrestricted:
        return DashboardScope(Level.GROUP, project_ids=None, label=_("Group"))
    cities = visible_city_ids(user)
    visible = _visible_project_ids(user) or frozenset()
    if len(cities) == 1 and set(user.scope.city_company_ids) == set(cities):
        return _city_scope(cities[0], visible)
    if len(visible) == 1:
        return _project_scope(next(iter(visible)))
    return DashboardScope(Level.GROUP, project_ids=visible, label=_("My projects"))


def scope_from_params(user, params: Mapping[str, str]) -> DashboardScope:
    """?city=<id> or ?project=<id>, inside the user's scope (PermissionDenied otherwise: a city head never
    opens another city's figures); neither: `home_scope`. Unreadable ids raise ValidationError."""
    visible = _visible_project_ids(user)
    for name in ("project", "city"):
        raw = params.get(name)
        if not raw:
            continue
        try:
            pk = int(raw)
        except ValueError:
            raise ValidationError({name: _("Enter a whole number.")}) from None
        if name == "project":
            if pk not in projects_by_id() or (visible is not None and pk not in visible):
                raise PermissionDenied
            return _project_scope(pk)
        if pk not in city_companies_by_id():
            raise PermissionDenied
        scope = _city_scope(pk, visible)
        if not scope.project_ids:
            raise PermissionDenied
        return scope
    return home_scope(user)


def child_scopes(user, scope: DashboardScope) -> list[DashboardScope]:
    """The side-by-side rows: city companies under the group, projects under a city company."""
    visible = _visible_project_ids(user)
    if scope.level == Level.GROUP:
        cities = visible_city_ids(user)
        if scope.project_ids is not None and len(cities) <= 1:
            return [_project_scope(pk) for pk in projects_by_id() if pk in scope.project_ids]
        return [_city_scope(city, visible) for city in cities]
    if scope.level == Level.CITY:
        return [_project_scope(pk) for pk in projects_by_id() if pk in (scope.project_ids or ())]
    return []


def parent_scopes(user, scope: DashboardScope) -> list[DashboardScope]:
    """The breadcrumb above the scope, within what the user may open."""
    crumbs = [home_scope(user)]
    if scope.level == Level.PROJECT and crumbs[0].level == Level.GROUP and user.scope.is_unrestricted:
        crumbs.append(_city_scope(scope.city_company_id, None))
    return [c for c in crumbs if c != scope]


def _totals_by_scope(
    cells, period_count: int, scope: DashboardScope, children: list[DashboardScope]
) -> tuple[list[Ratio], list[list[Ratio]]]:
    """Per period, the sums over the scope and over each child scope, in one pass over the cells (a
    group administrator's year: 15 measures × 12 periods × 169 projects, summed for every city company)."""
    # Plain numbers while adding (a Ratio per addition cost more than the queries on that page).
    numerators, denominators = [0] * period_count, [0] * period_count
    child_numerators = [[0] * period_count for _child in children]
    child_denominators = [[0] * period_count for _child in children]
    owners: dict[int, list[int]] = {}
    for position, child in enumerate(children):
        for project_id in child.project_ids or ():
            owners.setdefault(project_id, []).append(position)
    covered = scope.project_ids
    for (index, project_id), ratio in cells.items():
        if covered is not None and project_id not in covered:
            continue
        numerator, denominator = ratio.numerator, ratio.denominator
        numerators[index] += numerator
        denominators[index] += denominator
        for position in owners.get(project_id, ()):
            child_numerators[position][index] += numerator
            child_denominators[position][index] += denominator
    totals = [Ratio(n, d) for n, d in zip(numerators, denominators, strict=True)]
    child_totals = [
        [Ratio(n, d) for n, d in zip(nums, dens, strict=True)]
        for nums, dens in zip(child_numerators, child_denominators, strict=True)
    ]
    return totals, child_totals


def dashboard_panels(
    user,
    scope: DashboardScope,
    period: Period,
    *,
    fresh: bool = False,
    with_rows: bool = True,
    sources: Collection[str] | None = None,
) -> list[Panel]:
    """Every registered source's figures on the scope for the period: value, previous, trend, drill-down,
    and per child scope the current values. One `compute` per source whatever the number of rows.
    `sources`: only the panels of these source keys (the metrics API reads one measure's)."""
    periods = period.trend()
    current, previous = len(periods) - 1, len(periods) - 2
    children = child_scopes(user, scope) if with_rows else []
    panels = []
    for source in registered_sources():
        if sources is not None and source.key not in sources:
            continue
        recording = source.is_recording()
        panel = Panel(source=source, recording=recording)
        panels.append(panel)
        if not recording:
            continue
        result = source.compute(scope.project_ids, periods, fresh)
        rows: list[list[Figure]] = [[] for _child in children]
        for measure in source.measures:
            totals, child_totals = _totals_by_scope(
                result.get(measure.key, {}), len(periods), scope, children
            )
            values = [measure.value(total) for total in totals]
            panel.figures.append(
                Figure(
                    measure=measure,
                    value=values[current],
                    previous=None if measure.snapshot else values[previous],
                    trend=[] if measure.snapshot else values,
                    ratio=totals[current],
                    drill_url=measure.drill_url(scope, period) if measure.drill_url else None,
                )
            )
            for position, child in enumerate(children):
                child_total = child_totals[position]
                rows[position].append(
                    Figure(
                        measure=measure,
                        value=measure.value(child_total[current]),
                        previous=None if measure.snapshot else measure.value(child_total[previous]),
                        trend=[],
                        ratio=child_total[current],
                        drill_url=measure.drill_url(child, period) if measure.drill_url else None,
                    )
                )
        panel.rows = list(zip(children, rows, strict=True))
        if source.breakdowns_for is not None:
            panel.breakdowns = source.breakdowns_for(scope, period, fresh)
        elif source.breakdowns is not None:
            panel.breakdowns = source.breakdowns(scope.project_ids, period, fresh)
    return panels
