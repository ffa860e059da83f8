"""The estate: units, the share sold and the share handed over per project, and customers by lifecycle stage.

These are stocks that move by a handful a day, and counting them over a group's estate (300,000 units,
255,000 contracts, 400,000 customers) takes about 250 ms: they are a summary, counted for the whole
estate at once and kept in the cache for DASHBOARD_CACHE_SECONDS, so that every scope sums its
projects from the same count and the page can say when it was made (`refreshed_at`). The managers'
recount button (`recount`) counts anew; so does the first view after the count expires. A page asking
for figures counted anew (`fresh`) still reads this kept count: its freshness line says how old it is.

Customers by stage are not additive per project (a customer may hold homes in two projects, or be
registered at none): they are counted per scope, with the filter of the customer list that the rows
link to, and kept under the same count's time stamp, so that a recount renews them too.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Contract, Customer, HouseholdMember, Stage
from properties.models import Unit
from properties.selectors import projects_by_id

from .base import (
    Breakdown,
    BreakdownRow,
    DashboardScope,
    Level,
    Measure,
    Period,
    Ratio,
    Source,
    SourceResult,
    register_source,
)
from .base import (
    Unit as MeasureUnit,
)

ESTATE_KEY = "crm:dashboards:estate"
STAGES_KEY = "crm:dashboards:estate-stages"


@dataclass(frozen=True)
class EstateCount:
    per_project: dict[int, tuple[int, int, int]]  # project id → (units, sold, handed over)
    counted_at: datetime.datetime


def count_estate() -> EstateCount:
    """Units per project, and active contracts (a unit has at most one) with and without the keys handed
    over, in two grouped queries over the whole estate; kept until DASHBOARD_CACHE_SECONDS pass."""
    units = dict(
        Unit.objects.order_by().values("project_id").annotate(n=Count("pk")).values_list("project_id", "n")
    )
    contracts = (
        Contract.objects.filter(status=Contract.Status.ACTIVE)
        .order_by()
        .values("unit__project_id")
        .annotate(sold=Count("pk"), handed=Count("pk", filter=Q(handed_over_on__isnull=False)))
        .values_list("unit__project_id", "sold", "handed")
    )
    sold = {project_id: (n, handed) for project_id, n, handed in contracts}
    per_project = {pk: (units[pk], *sold.get(pk, (0, 0))) for pk in units}
    count = EstateCount(per_project=per_project, counted_at=timezone.now())
    cache.set(ESTATE_KEY, count, settings.DASHBOARD_CACHE_SECONDS)
    return count


def kept_estate() -> EstateCount:
    return cache.get(ESTATE_KEY) or count_estate()


def _project_drill(scope: DashboardScope, period: Period) -> str:
    """The property browser: a project's page totals its buildings' units and sold units."""
    if scope.level == Level.PROJECT:
        return reverse("properties:project-detail", args=[scope.project_id])
    return reverse("properties:project-list")


UNITS = Measure(
    key="estate.units",
    label=gettext_lazy("Units"),
    unit=MeasureUnit.COUNT,
    decimals=0,
    better=None,
    snapshot=True,
    help_text=gettext_lazy("Units in the estate now."),
    drill_url=_project_drill,
)
SOLD = Measure(
    key="estate.sold",
    label=gettext_lazy("Units sold"),
    unit=MeasureUnit.PERCENT,
    better=None,
    snapshot=True,
    help_text=gettext_lazy("Units with an active contract, of all units."),
    drill_url=_project_drill,
)
HANDED_OVER = Measure(
    key="estate.handed_over",
    label=gettext_lazy("Units handed over"),
    unit=MeasureUnit.PERCENT,
    better=None,
    snapshot=True,
    help_text=gettext_lazy("Units whose active contract has its keys handed over, of all units."),
    drill_url=None,
)


def compute(project_ids: frozenset[int] | None, periods: list[Period], fresh: bool) -> SourceResult:
    """The kept count, in the current period's cells (these are snapshot measures)."""
    current = len(periods) - 1
    units, sold, handed = {}, {}, {}
    for project_id, (n_units, n_sold, n_handed) in kept_estate().per_project.items():
        if project_ids is not None and project_id not in project_ids:
            continue
        units[(current, project_id)] = Ratio(n_units, 1)
        sold[(current, project_id)] = Ratio(n_sold, n_units)
        handed[(current, project_id)] = Ratio(n_handed, n_units)
    return {UNITS.key: units, SOLD.key: sold, HANDED_OVER.key: handed}


def _customers_filter(project_ids: frozenset[int] | None) -> tuple[Q, dict[str, int]]:
    """The customers of a scope and the customer list's filter that lists the same ones: everyone (the
    group); a project's registered customers and household members; a city company's own customers;
    otherwise (a user's projects across cities) those registered at or living in the projects."""
    if project_ids is None:
        return Q(), {}
    if len(project_ids) == 1:
        (project_id,) = project_ids
        holders = HouseholdMember.objects.filter(project_id=project_id).values("customer_id")
        return Q(registered_project_id=project_id) | Q(pk__in=holders), {"project": project_id}
    projects = projects_by_id()
    cities = {projects[pk][1] for pk in project_ids if pk in projects}
    if len(cities) == 1:
        (city,) = cities
        if all(pk in project_ids for pk, (_name, of) in projects.items() if of == city):
            return Q(city_company_id=city), {"city_company": city}
    holders = HouseholdMember.objects.filter(project_id__in=project_ids).values("customer_id")
    return Q(registered_project_id__in=project_ids) | Q(pk__in=holders), {}


def _stage_counts(project_ids: frozenset[int] | None) -> tuple[dict[Stage, int], dict[str, int]]:
    condition, drill = _customers_filter(project_ids)
    stamp = kept_estate().counted_at.timestamp()
    part = "all" if project_ids is None else ",".join(map(str, sorted(project_ids)))
    digest = hashlib.sha1(part.encode(), usedforsecurity=False).hexdigest()
    key = f"{STAGES_KEY}:{stamp}:{digest}:{timezone.localdate().isoformat()}"
    counts = cache.get(key)
    if counts is None:
        counts = Customer.objects.filter(condition).count_by_stage()
        cache.set(key, counts, settings.DASHBOARD_CACHE_SECONDS)
    return counts, drill


def breakdowns(project_ids: frozenset[int] | None, period: Period, fresh: bool) -> list[Breakdown]:
    counts, drill = _stage_counts(project_ids)
    customers_url = reverse("customers:list")
    rows = tuple(
        BreakdownRow(
            label=str(stage.label),
            values=(counts[stage],),
            drill_url=f"{customers_url}?{urlencode({**drill, 'stage': stage.value})}",
        )
        for stage in Stage
    )
    total = BreakdownRow(label=_("All customers"), values=(sum(counts.values()),))
    return [
        Breakdown(
            key="estate.customers_by_stage",
            title=_("Customers by stage"),
            columns=(_("Stage"), _("Customers")),
            rows=(*rows, total),
        )
    ]


def recount(project_ids: frozenset[int] | None) -> None:
    """Counts the whole estate anew (every scope shares the count); the stages follow its new stamp."""
    count_estate()


def refreshed_at() -> datetime.datetime | None:
    count = cache.get(ESTATE_KEY)
    return count.counted_at if count else None


def register() -> None:
    register_source(
        Source(
            key="estate",
            panel_label=gettext_lazy("Estate and customers"),
            order=90,
            measures=[UNITS, SOLD, HANDED_OVER],
            compute=compute,
            is_recording=lambda: bool(kept_estate().per_project),
            freshness="summary",
            refreshed_at=refreshed_at,
            recount=recount,
            breakdowns=breakdowns,
        )
    )
