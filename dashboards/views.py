"""The home page (the user's work queue) and the dashboards (figures over what the user looks after)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.replica import reading_replica
from core.rows import row_url
from customers.models import Stage
from properties.models import Project

from .queues import OVERSEEING_ROLES, work_queue
from .selectors import dashboard_figures


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "home.html",
        {"queues": work_queue(user), "may_see_dashboards": user.role in OVERSEEING_ROLES},
    )


@login_required
@reading_replica()  # the figures read the replica when there is one (the user and session: the primary)
def dashboards(request):
    """Units and sold units per project, customers per lifecycle stage: counted per scope and kept
    (dashboards.selectors.dashboard_figures)."""
    user = request.user
    projects = list(
        Project.objects.visible_to(user).select_related("city_company").order_by("city_company__name", "name")
    )
    figures = dashboard_figures(
        user=user, project_ids=[p.pk for p in projects], refresh=request.GET.get("refresh") == "1"
    )
    detail_url = row_url("properties:project-detail")
    for project in projects:  # a group admin's table has a row per project: no {% url %} per row
        project.unit_count, project.sold_count = figures.units_and_sold.get(project.pk, (0, 0))
        project.detail_url = detail_url(project.pk)
    stage_counts = None
    if figures.stage_counts is not None:
        stage_counts = [(stage, figures.stage_counts[stage.value]) for stage in Stage]
    return render(
        request,
        "dashboards/figures.html",
        {
            "projects": projects,
            "stage_counts": stage_counts,
            "customer_total": sum(n for _stage, n in stage_counts) if stage_counts else None,
            "counted_at": figures.computed_at,
        },
    )
