"""A project's risk page: the five pre-control checkpoints with their follow-ups, the red-line items
with how many buyers have acknowledged each, the disclosure versions, and the open commitments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Department

from ..models import Commitment, Disclosure, RiskAction, RiskCheckpoint
from ..permissions import may_edit_registers
from ..selectors import red_line_coverage
from .commitments import project_or_404

OPEN_COMMITMENT_ROWS = 10


@login_required
@require_GET
def project_risk(request, pk: int):
    user = request.user
    project = project_or_404(user, pk)
    planned = {
        checkpoint.kind: checkpoint
        for checkpoint in RiskCheckpoint.objects.filter(project=project)
        .select_related("owner")
        .prefetch_related(Prefetch("actions", queryset=RiskAction.objects.select_related("owner")))
    }
    checkpoints = [(value, label, planned.get(value)) for value, label in RiskCheckpoint.Kind.choices]
    items, contract_count = red_line_coverage(project.pk)
    disclosures = list(
        Disclosure.objects.filter(project=project)
        .annotate(signed=Count("acknowledgements"))
        .select_related("published_by")[:10]
    )
    commitments = Commitment.objects.visible_to(user).filter(project=project).unsettled()
    today = timezone.localdate()
    open_rows = list(
        commitments.select_related("contract__unit").order_by("due_on", "id")[:OPEN_COMMITMENT_ROWS]
    )
    for row in open_rows:
        row.overdue = row.is_overdue(today)
    labels = dict(Department.choices)
    by_department = [
        {"label": labels.get(row["department"], "—"), "n": row["n"]}
        for row in commitments.values("department").annotate(n=Count("pk")).order_by("-n")
    ]
    return render(
        request,
        "lifecycle/project_risk.html",
        {
            "project": project,
            "checkpoints": checkpoints,
            "today": today,
            "items": items,
            "contract_count": contract_count,
            "disclosures": disclosures,
            "open_rows": open_rows,
            "open_total": sum(row["n"] for row in by_department),
            "by_department": by_department,
            "may_edit": may_edit_registers(user),
        },
    )
