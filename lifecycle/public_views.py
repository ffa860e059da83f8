"""The owners' representatives' read-only page of a project's four-year renovation items,
/four-year/<token>/ (no login): the link is the credential. It shows the project's name and the
public-area items (category, title, status, due and done dates, the progress note), never a person:
no owner, no complaint or survey, no staff name. Every request counts against a per-IP limit."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_ratelimit.core import get_usage

from .models import RenovationItem, RepresentativeLink

MAX_ITEMS = 200


@require_GET
def representative_page(request, token: str):
    usage = get_usage(
        request,
        group="lifecycle-representative",
        key="ip",
        rate=settings.LIFECYCLE_REPRESENTATIVE_RATE,
        increment=True,
    )
    if usage and usage["should_limit"]:
        return render(request, "lifecycle/public/rate_limited.html", status=429)
    link = (
        RepresentativeLink.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("project")
        .first()
        if len(token) <= 64
        else None
    )
    if link is None:
        return render(request, "lifecycle/public/unknown.html", status=404)
    items = list(
        RenovationItem.objects.filter(project=link.project_id)
        .only("category", "title", "status", "due_on", "done_on", "note", "updated_at")
        .order_by("status", "due_on", "-id")[:MAX_ITEMS]
    )
    response = render(request, "lifecycle/public/renovation.html", {"project": link.project, "items": items})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
