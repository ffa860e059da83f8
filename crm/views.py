"""The home page: a dashboard of what the logged-in user looks after."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from customers.models import Customer, Stage
from properties import selectors as property_selectors
from properties.models import Project


@login_required
def home(request):
    user = request.user
    projects = list(
        Project.objects.visible_to(user).select_related("city_company").order_by("city_company__name", "name")
    )
    units_and_sold = property_selectors.unit_counts(by="project_id", ids=[p.pk for p in projects])
    for project in projects:
        project.unit_count, project.sold_count = units_and_sold.get(project.pk, (0, 0))
    stage_counts = None
    if user.may_see_customers():
        counts = Customer.objects.visible_to(user, whole_set=True).count_by_stage()
        stage_counts = [(stage, counts[stage]) for stage in Stage]
    return render(
        request,
        "home.html",
        {
            "projects": projects,
            "stage_counts": stage_counts,
            "customer_total": sum(n for _stage, n in stage_counts) if stage_counts else None,
        },
    )
