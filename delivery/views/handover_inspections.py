"""The list of units by their formal handover inspection (the dashboards' first-time pass drills here).
Thin: reads through delivery.selectors.handover_inspections; who may look is the handover pages' rule."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.listing import bounded_count
from core.paging import broken_link, newest_first_page
from core.rows import local_text, row_url
from properties.selectors import projects_by_id

from ..forms.inspection import FormalInspectionFilterForm
from ..selectors.handover_inspections import FormalInspectionFilters, handover_inspection_list
from ..services.inspection import may_read_handovers

TEMPLATE = "delivery/inspection/formal_inspection_list.html"


def _label_rows(rows) -> None:
    """What a row prints, worked out once per page (core.rows)."""
    projects = projects_by_id()
    detail_url = row_url("delivery:handover-detail")
    for handover in rows:
        handover.detail_url = detail_url(handover.pk)
        handover.project_name = projects.get(handover.project_id, ("", None))[0]
        handover.passed = any(not inspection.found for inspection in handover.formal)
        latest = handover.formal[0] if handover.formal else None
        handover.latest = latest
        handover.completed_text = local_text(latest.completed_at, "%Y-%m-%d %H:%M") if latest else ""


@login_required
@require_GET
def formal_inspection_list(request):
    if not may_read_handovers(request.user):
        raise PermissionDenied(_("Your role may not see unit handovers."))
    form = FormalInspectionFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form, "page": []}, status=400)
    data = form.cleaned_data
    filters = FormalInspectionFilters(
        completed_from=data["completed_from"],
        completed_to=data["completed_to"],
        city_id=data["city"],
        project_id=data["project"],
        passed_first_time=data["passed_first_time"],
    )
    handovers = handover_inspection_list(user=request.user, filters=filters)
    page, pager = newest_first_page(request, handovers)
    if page is None:
        return broken_link(request)
    _label_rows(page)
    return render(request, TEMPLATE, {"form": form, "list_count": bounded_count(handovers), **pager})


urlpatterns = [path("inspections/formal/", formal_inspection_list, name="formal-inspection-list")]
