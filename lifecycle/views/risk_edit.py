"""The writes of a project's risk page: red-line items (add, edit with their version, photos), publishing
a disclosure version, a buyer's signed acknowledgement, risk checkpoints (plan, edit with their
version) and their follow-up actions. Thin: the services check roles, scope and versions; a refused
post shows its form again with the errors (400, or 409 when someone else saved first)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from ..models import RedLineItem, RiskAction, RiskCheckpoint
from ..permissions import may_edit_registers, may_record_acknowledgements
from ..risk_forms import (
    AcknowledgementForm,
    RedLineItemForm,
    RedLinePhotoForm,
    RiskActionForm,
    RiskActionUpdateForm,
    RiskCheckpointForm,
)
from ..services import red_line, risk
from .commitments import project_or_404
from .risk import render_risk_page


def _writer_project(request, pk: int):
    project = project_or_404(request.user, pk)
    if not may_edit_registers(request.user):
        raise PermissionDenied(_("Your role may not change the lifecycle registers."))
    return project


def _to_risk(project, section: str):
    return redirect(f"{reverse('lifecycle:project_risk', args=[project.pk])}#{section}")


def _refused(form, error: ValidationError) -> int:
    """Put the service's refusal on the form; the status to answer with."""
    if isinstance(error, ConcurrentEditError):
        form.add_error(None, error.messages)
        return 409
    add_service_errors(form, error)
    return 400


# --- red-line items ------------------------------------------------------------------------------------


@login_required
@require_POST
def red_line_add(request, pk: int):
    project = _writer_project(request, pk)
    form = RedLineItemForm(request.POST, request.FILES, creating=True, auto_id="red-line-%s")
    status = 400
    if form.is_valid():
        try:
            red_line.red_line_item_create(
                by=request.user, project=project, photo=form.cleaned_data["photo"], **form.item_fields()
            )
        except ValidationError as error:
            status = _refused(form, error)
        else:
            messages.success(request, _("Red-line item recorded."))
            return _to_risk(project, "red-line")
    return render_risk_page(request, project, forms={"red_line_form": form}, status=status)


def _render_item(request, project, item, *, form=None, photo_form=None, status=200):
    return render(
        request,
        "lifecycle/red_line_item.html",
        {
            "project": project,
            "item": item,
            "photos": list(item.photos.all()),
            "form": form
            or RedLineItemForm(
                initial={
                    "side": item.side,
                    "kind": item.kind,
                    "location": item.location,
                    "distance_m": item.distance_m,
                    "description": item.description,
                    "material": item.material,
                    "version": item.version,
                }
            ),
            "photo_form": photo_form or RedLinePhotoForm(auto_id="photo-%s"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def red_line_edit(request, pk: int, item_pk: int):
    project = _writer_project(request, pk)
    item = get_object_or_404(RedLineItem.objects.filter(project=project), pk=item_pk)
    if request.method == "GET":
        return _render_item(request, project, item)
    form = RedLineItemForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            red_line.red_line_item_update(
                by=request.user, item=item, version=form.cleaned_data["version"], **form.item_fields()
            )
        except ValidationError as error:
            status = _refused(form, error)
        else:
            messages.success(request, _("Red-line item saved."))
            return _to_risk(project, "red-line")
    return _render_item(request, project, item, form=form, status=status)


@login_required
@require_POST
def red_line_photo_add(request, pk: int, item_pk: int):
    project = _writer_project(request, pk)
    item = get_object_or_404(RedLineItem.objects.filter(project=project), pk=item_pk)
    form = RedLinePhotoForm(request.POST, request.FILES, auto_id="photo-%s")
    if form.is_valid():
        try:
            red_line.red_line_photo_add(by=request.user, item=item, upload=form.cleaned_data["photo"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Photo added."))
            return redirect("lifecycle:red_line_edit", pk=project.pk, item_pk=item.pk)
    return _render_item(request, project, item, photo_form=form, status=400)


# --- disclosures and acknowledgements -------------------------------------------------------------------


@login_required
@require_POST
def disclosure_publish(request, pk: int):
    project = _writer_project(request, pk)
    try:
        disclosure = red_line.disclosure_publish(by=request.user, project=project)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s published: buyers now acknowledge it.") % {"number": disclosure.number},
        )
    return _to_risk(project, "red-line")


@login_required
@require_POST
def acknowledgement_add(request, pk: int):
    project = project_or_404(request.user, pk)
    if not may_record_acknowledgements(request.user):
        raise PermissionDenied(_("Your role may not record disclosure acknowledgements."))
    form = AcknowledgementForm(
        request.POST, request.FILES, project=project, user=request.user, auto_id="ack-%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            red_line.acknowledgement_record(
                by=request.user,
                contract=data["contract_number"],
                disclosure=data["disclosure"],
                signed_by_name=data["signed_by_name"],
                signed_on=data["signed_on"],
                signed_file=data["signed_file"],
            )
        except ValidationError as error:
            add_service_errors(form, error, field_aliases={"contract": "contract_number"})
        else:
            messages.success(request, _("Acknowledgement recorded."))
            return _to_risk(project, "red-line")
    return render_risk_page(request, project, forms={"acknowledgement_form": form}, status=400)


# --- risk checkpoints and their follow-up actions -------------------------------------------------------


@login_required
@require_POST
def checkpoint_add(request, pk: int):
    project = _writer_project(request, pk)
    form = RiskCheckpointForm(request.POST, project=project, creating=True, auto_id="checkpoint-%s")
    status = 400
    if form.is_valid():
        try:
            risk.risk_checkpoint_create(
                by=request.user, project=project, kind=form.cleaned_data["kind"], **form.checkpoint_fields()
            )
        except ValidationError as error:
            status = _refused(form, error)
        else:
            messages.success(request, _("Checkpoint planned."))
            return _to_risk(project, "checkpoints")
    return render_risk_page(request, project, forms={"checkpoint_form": form}, status=status)


def _checkpoint_or_404(project, checkpoint_pk: int) -> RiskCheckpoint:
    return get_object_or_404(
        RiskCheckpoint.objects.filter(project=project).prefetch_related(
            Prefetch("actions", queryset=RiskAction.objects.select_related("owner").order_by("id"))
        ),
        pk=checkpoint_pk,
    )


def _render_checkpoint(request, project, checkpoint, *, form=None, action_form=None, status=200):
    actions = list(checkpoint.actions.all())
    for action in actions:
        action.form = RiskActionUpdateForm(
            initial={"status": action.status, "note": action.note, "version": action.version},
            auto_id=f"action-{action.pk}-%s",
        )
    return render(
        request,
        "lifecycle/risk_checkpoint.html",
        {
            "project": project,
            "checkpoint": checkpoint,
            "actions": actions,
            "form": form
            or RiskCheckpointForm(
                project=project,
                initial={
                    "owner": checkpoint.owner_id,
                    "planned_on": checkpoint.planned_on,
                    "done_on": checkpoint.done_on,
                    "findings": checkpoint.findings,
                    "version": checkpoint.version,
                },
            ),
            "action_form": action_form or RiskActionForm(project=project, auto_id="new-action-%s"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_edit(request, pk: int, checkpoint_pk: int):
    project = _writer_project(request, pk)
    checkpoint = _checkpoint_or_404(project, checkpoint_pk)
    if request.method == "GET":
        return _render_checkpoint(request, project, checkpoint)
    form = RiskCheckpointForm(request.POST, project=project)
    status = 400
    if form.is_valid():
        try:
            risk.risk_checkpoint_update(
                by=request.user,
                checkpoint=checkpoint,
                version=form.cleaned_data["version"],
                **form.checkpoint_fields(),
            )
        except ValidationError as error:
            status = _refused(form, error)
        else:
            messages.success(request, _("Checkpoint saved."))
            return _to_risk(project, "checkpoints")
    return _render_checkpoint(request, project, checkpoint, form=form, status=status)


@login_required
@require_POST
def action_add(request, pk: int, checkpoint_pk: int):
    project = _writer_project(request, pk)
    checkpoint = _checkpoint_or_404(project, checkpoint_pk)
    form = RiskActionForm(request.POST, project=project, auto_id="new-action-%s")
    if form.is_valid():
        try:
            risk.risk_action_create(by=request.user, checkpoint=checkpoint, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up action added."))
            return redirect("lifecycle:checkpoint_edit", pk=project.pk, checkpoint_pk=checkpoint.pk)
    return _render_checkpoint(request, project, checkpoint, action_form=form, status=400)


@login_required
@require_POST
def action_update(request, pk: int, action_pk: int):
    project = _writer_project(request, pk)
    action = get_object_or_404(
        RiskAction.objects.filter(checkpoint__project=project).select_related("checkpoint"), pk=action_pk
    )
    form = RiskActionUpdateForm(request.POST)
    back = redirect("lifecycle:checkpoint_edit", pk=project.pk, checkpoint_pk=action.checkpoint_id)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back
    try:
        risk.risk_action_update(
            by=request.user,
            action=action,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Follow-up action saved."))
    return back
