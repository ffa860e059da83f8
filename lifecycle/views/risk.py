"""A project's risk page: the five pre-control checkpoints with their follow-ups, the red-line items
with how many buyers have acknowledged each, the disclosure versions, and the open commitments; for
those who keep the registers, the forms that add to them (views/risk_edit.py receives them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Department

from ..models import Commitment, Disclosure, RiskAction, RiskCheckpoint
from ..permissions import may_edit_registers, may_record_acknowledgements
from ..risk_forms import AcknowledgementForm, RedLineItemForm, RiskCheckpointForm
from ..selectors import red_line_coverage
from .commitments import project_or_404

OPEN_COMMITMENT_ROWS = 10


@login_required
@require_GET
def project_risk(request, pk: int):
    return render_risk_page(request, project_or_404(request.user, pk))


def render_risk_page(request, project, *, forms: dict | None = None, status: int = 200):
    """The page; `forms` are the bound forms of a refused post, shown with their errors."""
    user = request.user
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
    may_edit = may_edit_registers(user)
    forms = forms or {}
    if may_edit:
        forms.setdefault("red_line_form", RedLineItemForm(creating=True, auto_id="red-line-%s"))
        forms.setdefault(
            "checkpoint_form", RiskCheckpointForm(project=project, creating=True, auto_id="checkpoint-%s")
        )
    if may_record_acknowledgements(user) and disclosures:
        forms.setdefault(
            "acknowledgement_form", AcknowledgementForm(project=project, user=user, auto_id="ack-%s")
        )
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
            "may_edit": may_edit,
            **forms,
        },
        status=status,
    )
