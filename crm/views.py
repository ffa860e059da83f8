"""The home page: a dashboard of what the logged-in user looks after."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from customers.models import Contract, Customer, Stage
from properties.models import Project


@login_required
def home(request):
    user = request.user
    projects = (
        Project.objects.visible_to(user)
        .select_related("city_company")
        .annotate(
            unit_count=Count("units", distinct=True),
            sold_count=Count(
                "units__contracts",
                filter=Q(units__contracts__status=Contract.Status.ACTIVE),
                distinct=True,
            ),
        )
        .order_by("city_company__name", "name")
    )
    stage_counts = None
    if user.may_see_customers():
        counts = Customer.objects.visible_to(user).count_by_stage()
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
