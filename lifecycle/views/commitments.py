"""The commitments pages: a project's list (keyset, filters) and a contract's register with forms."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.models import Contract
from customers.services import ConcurrentEditError
from properties.models import Project

from ..forms import CommitmentFilterForm, CommitmentForm, CommitmentSettleForm
from ..models import Commitment
from ..permissions import may_edit_registers, may_view_registers
from ..services import commitments as services


def require_viewer(user) -> None:
    if not may_view_registers(user):
        raise PermissionDenied(_("Your role may not see the lifecycle registers."))


def project_or_404(user, pk: int) -> Project:
    require_viewer(user)
    return get_object_or_404(Project.objects.visible_to(user).select_related("city_company"), pk=pk)


@login_required
@require_GET
def project_commitments(request, pk: int):
    project = project_or_404(request.user, pk)
    form = CommitmentFilterForm(request.GET)
    rows = form.filter(
        Commitment.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("contract__unit", "contract__primary_buyer", "promised_by")
    )
    page, pager = newest_first_page(request, rows)
    if page is None:
        return broken_link(request)
    today = timezone.localdate()
    for row in page:
        row.overdue = row.is_overdue(today)
    return render(
        request, "lifecycle/project_commitments.html", {"project": project, "filter_form": form, **pager}
    )


def _contract_or_404(user, pk: int) -> Contract:
    require_viewer(user)
    return get_object_or_404(
        Contract.objects.visible_to(user).select_related("unit__project", "primary_buyer"), pk=pk
    )


def _render_contract(request, contract: Contract, form=None, settle_forms=None, status=200):
    user = request.user
    may_edit = may_edit_registers(user)
    rows = list(
        Commitment.objects.visible_to(user)
        .filter(contract=contract)
        .select_related("promised_by", "settled_by")
        .order_by("status", "due_on", "id")
    )
    today = timezone.localdate()
    settle_forms = settle_forms or {}
    for row in rows:
        row.overdue = row.is_overdue(today)
        if may_edit and row.status == Commitment.Status.OPEN:
            row.settle_form = settle_forms.get(row.pk) or CommitmentSettleForm(
                initial={"version": row.version}, auto_id=f"settle-{row.pk}-%s"
            )
    context = {"contract": contract, "rows": rows, "may_edit": may_edit}
    if may_edit:
        context["form"] = form or CommitmentForm(project=contract.unit.project, auto_id="add-%s")
    return render(request, "lifecycle/contract_commitments.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contract_commitments(request, pk: int):
    contract = _contract_or_404(request.user, pk)
    if request.method == "GET":
        return _render_contract(request, contract)
    if not may_edit_registers(request.user):
        raise PermissionDenied(_("Your role may not change the lifecycle registers."))
    form = CommitmentForm(request.POST, request.FILES, project=contract.unit.project, auto_id="add-%s")
    if form.is_valid():
        try:
            services.commitment_create(by=request.user, contract=contract, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commitment recorded."))
            return redirect("lifecycle:contract_commitments", pk=contract.pk)
    return _render_contract(request, contract, form=form, status=400)


@login_required
@require_POST
def commitment_settle(request, pk: int):
    require_viewer(request.user)
    commitment = get_object_or_404(Commitment.objects.visible_to(request.user), pk=pk)
    contract = _contract_or_404(request.user, commitment.contract_id)
    form = CommitmentSettleForm(request.POST, auto_id=f"settle-{commitment.pk}-%s")
    if form.is_valid():
        try:
            services.commitment_settle(
                by=request.user,
                commitment=commitment,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("lifecycle:contract_commitments", pk=contract.pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commitment settled."))
            return redirect("lifecycle:contract_commitments", pk=contract.pk)
    return _render_contract(request, contract, settle_forms={commitment.pk: form}, status=400)
