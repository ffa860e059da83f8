"""The +2 four-year page of a project: its renovation items (keyset), raising one, moving it on, and
the owners' representatives' read-only links."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints.models import Complaint
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from ..forms import RenovationItemForm, RenovationUpdateForm
from ..models import RenovationItem, RepresentativeLink
from ..permissions import may_edit_registers
from ..services import renovation as services
from .commitments import project_or_404


def _render(request, project, form=None, status=200):
    user = request.user
    page, pager = newest_first_page(request, RenovationItem.objects.visible_to(user).filter(project=project))
    if page is None:
        return broken_link(request)
    may_edit = may_edit_registers(user)
    if may_edit:
        for item in page:
            item.form = RenovationUpdateForm(
                initial={"status": item.status, "note": item.note, "version": item.version},
                auto_id=f"item-{item.pk}-%s",
            )
    links = (
        list(RepresentativeLink.objects.filter(project=project, revoked_at__isnull=True)[:10])
        if may_edit
        else []
    )
    context = {
        "project": project,
        "may_edit": may_edit,
        "form": form or (RenovationItemForm(auto_id="add-%s") if may_edit else None),
        "links": links,
        **pager,
    }
    return render(request, "lifecycle/project_renovation.html", context, status=status)


@login_required
@require_GET
def project_renovation(request, pk: int):
    return _render(request, project_or_404(request.user, pk))


def _writer_project(request, pk: int):
    project = project_or_404(request.user, pk)
    if not may_edit_registers(request.user):
        raise PermissionDenied(_("Your role may not change the lifecycle registers."))
    return project


@login_required
@require_POST
def renovation_add(request, pk: int):
    project = _writer_project(request, pk)
    form = RenovationItemForm(request.POST, auto_id="add-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        complaint_id = data.pop("complaint")
        complaint = None
        if complaint_id:
            complaint = Complaint.objects.visible_to(request.user).filter(pk=complaint_id).first()
            if complaint is None:
                form.add_error("complaint", _("No such complaint within your scope."))
        if form.is_valid():
            try:
                services.renovation_item_create(by=request.user, project=project, complaint=complaint, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Renovation item raised."))
                return redirect("lifecycle:project_renovation", pk=project.pk)
    return _render(request, project, form=form, status=400)


@login_required
@require_POST
def renovation_update(request, pk: int, item_pk: int):
    project = _writer_project(request, pk)
    item = get_object_or_404(RenovationItem.objects.filter(project=project), pk=item_pk)
    form = RenovationUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("lifecycle:project_renovation", pk=project.pk)
    try:
        services.renovation_item_update(
            by=request.user,
            item=item,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except (ConcurrentEditError, ValidationError) as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Renovation item updated."))
    return redirect("lifecycle:project_renovation", pk=project.pk)


@login_required
@require_POST
def representative_link_add(request, pk: int):
    project = _writer_project(request, pk)
    services.representative_link_create(by=request.user, project=project, label=request.POST.get("label", ""))
    messages.success(request, _("Read-only link created: share it with the owners' representatives."))
    return redirect("lifecycle:project_renovation", pk=project.pk)


@login_required
@require_POST
def representative_link_revoke(request, pk: int, link_pk: int):
    project = _writer_project(request, pk)
    link = get_object_or_404(RepresentativeLink.objects.filter(project=project), pk=link_pk)
    services.representative_link_revoke(by=request.user, link=link)
    messages.success(request, _("Link withdrawn."))
    return redirect("lifecycle:project_renovation", pk=project.pk)
