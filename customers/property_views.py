"""The property browser: city companies and projects → project → building grid → unit. Scoped; 404 outside.

Its pages show owners and sales (customers' facts), so they are served from here; their URL names stay
`properties:*` (customers/property_urls.py).
"""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from properties import selectors as property_list_selectors
from properties.models import Building, Project, Unit

from . import property_selectors as selectors
from .panels import attach_contract_links, project_links


@login_required
def project_list(request):
    projects = list(property_list_selectors.project_list(user=request.user))
    city_companies = [
        (city_company, list(rows)) for city_company, rows in groupby(projects, key=lambda p: p.city_company)
    ]
    return render(request, "properties/project_list.html", {"city_companies": city_companies})


@login_required
def project_detail(request, pk: int):
    try:
        project = selectors.project_detail(user=request.user, pk=pk)
    except Project.DoesNotExist:
        raise Http404(_("No such project.")) from None
    buildings = list(project.buildings.all())
    totals = {
        "units": sum(b.unit_count for b in buildings),
        "sold": sum(b.sold_count for b in buildings),
    }
    phases = [(phase, [b for b in buildings if b.phase_id == phase.pk]) for phase in project.phases.all()]
    unphased = [b for b in buildings if b.phase_id is None]
    return render(
        request,
        "properties/project_detail.html",
        {
            "project": project,
            "phases": phases,
            "unphased": unphased,
            "totals": totals,
            "page_links": project_links(request.user, project),
        },
    )


def unit_status(unit: Unit) -> str:
    """vacant, sold (active contract, keys not yet handed over) or handed_over."""
    contracts = getattr(unit, "active_contracts", [])
    if not contracts:
        return "vacant"
    return "handed_over" if contracts[0].handed_over_on else "sold"


@login_required
def building_detail(request, pk: int):
    try:
        building = selectors.building_detail(user=request.user, pk=pk)
    except Building.DoesNotExist:
        raise Http404(_("No such building.")) from None
    units = list(building.units.all())
    for unit in units:
        unit.status = unit_status(unit)
        unit.owner = unit.owners[0].customer if unit.owners else None
    # One row per floor, top floor first; a floor without units still shows as an empty row.
    by_floor = {floor: list(rows) for floor, rows in groupby(units, key=lambda u: u.floor)}
    top = max([building.floors, *by_floor.keys()]) if by_floor else building.floors
    low = min([1, *by_floor.keys()])
    floors = [(floor, by_floor.get(floor, [])) for floor in range(top, low - 1, -1) if floor != 0]
    width = max((len(row) for _floor, row in floors), default=0)
    counts = {
        status: sum(1 for u in units if u.status == status) for status in ("vacant", "sold", "handed_over")
    }
    return render(
        request,
        "properties/building_detail.html",
        {
            "building": building,
            "floors": floors,
            "width": width,
            "counts": counts,
            "show_owners": request.user.may_see_customers(),
        },
    )


@login_required
def unit_detail(request, pk: int):
    try:
        unit = selectors.unit_detail(user=request.user, pk=pk)
    except Unit.DoesNotExist:
        raise Http404(_("No such unit.")) from None
    attach_contract_links(request.user, unit.contracts.all())
    return render(
        request,
        "properties/unit_detail.html",
        {"unit": unit, "show_customers": request.user.may_see_customers()},
    )
