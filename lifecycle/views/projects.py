"""/lifecycle/projects/: each project the user sees, with links to its risk, commitments and four-year
pages and its open and overdue commitments. The estate's projects are a few hundred at most (the
cached reference list, as the property browser's list): no paging; one grouped query for the counts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from properties import selectors as property_selectors

from ..models import Commitment
from .commitments import require_viewer


@login_required
@require_GET
def project_index(request):
    user = request.user
    require_viewer(user)
    today = timezone.localdate()
    counts = {
        row["project_id"]: row
        for row in Commitment.objects.visible_to(user)
        .unsettled()
        .values("project_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    }
    cities = dict(property_selectors.city_companies_by_id())
    by_id = property_selectors.projects_by_id()
    projects = [
        {
            "pk": pk,
            "name": name,
            "city": cities.get(by_id[pk][1], ""),
            "open": counts.get(pk, {}).get("open", 0),
            "overdue": counts.get(pk, {}).get("overdue", 0),
        }
        for pk, name in property_selectors.visible_projects(user)
    ]
    projects.sort(key=lambda project: (project["city"], project["name"]))
    return render(request, "lifecycle/projects.html", {"projects": projects})
