"""The home page (the user's work queue) and the dashboards (figures over what the user looks after)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.replica import reading_replica

from .measures.base import period_from_params, registered_sources
from .measures.engine import dashboard_panels, may_see_dashboards, parent_scopes, scope_from_params
from .page import freshness_lines, page_url, panel_views, period_nav
from .queues import OVERSEEING_ROLES, work_queue


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "home.html",
        {"queues": work_queue(user), "may_see_dashboards": user.role in OVERSEEING_ROLES},
    )


def _bad_request(request, error: ValidationError):
    fields = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    return render(request, "dashboards/bad_request.html", {"errors": fields}, status=400)


@login_required
@require_GET
@reading_replica()  # the figures read the replica when there is one (the user and session: the primary)
def dashboards(request):
    """The figures of every registered source on the user's scope (or a city company or project inside
    it) for a period, with change, trend, side-by-side rows and breakdowns (dashboards.measures)."""
    user = request.user
    if not may_see_dashboards(user):
        raise PermissionDenied
    try:
        period = period_from_params(request.GET)
        scope = scope_from_params(user, request.GET)
    except ValidationError as error:
        return _bad_request(request, error)
    panels = dashboard_panels(user, scope, period, fresh=request.GET.get("fresh") == "1")
    views, charts = panel_views(panels, period)
    return render(
        request,
        "dashboards/page.html",
        {
            "scope": scope,
            "period": period,
            "crumbs": [(crumb, page_url(crumb, period)) for crumb in parent_scopes(user, scope)],
            "nav": period_nav(scope, period, timezone.localdate()),
            "panels": views,
            "charts": charts,
            "freshness": freshness_lines(panels),
            "may_recount": any(source.recount for source in registered_sources()),
            "fresh": request.GET.get("fresh") == "1",
        },
    )


@login_required
@require_POST
def recount(request):
    """The managers' recount: every source that keeps a summary counts its figures for the scope anew;
    then back to the same dashboard."""
    user = request.user
    if not may_see_dashboards(user):
        raise PermissionDenied
    try:
        scope = scope_from_params(user, request.POST)
        period = period_from_params(request.POST)
    except ValidationError as error:
        return _bad_request(request, error)
    queued = [
        source.recount(scope.project_ids)
        for source in registered_sources()
        if source.recount is not None and source.is_recording()
    ]
    if False in queued:
        messages.error(
            request, _("The recount could not be started just now (the task queue is down). Try again later.")
        )
    else:
        messages.success(request, _("The figures were counted anew."))
    return redirect(page_url(scope, period if request.POST.get("period") else None))
