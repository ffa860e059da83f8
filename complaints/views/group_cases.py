"""The supervisor view with its group-case (群诉) proposals, group cases, and improvement items (缺陷反馈)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.listing import bounded_count
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors

from .. import forms, selectors, services
from ..models import Complaint, ImprovementItem
from ._common import _board_url, _complaint_ids, _require


@login_required
@require_GET
def supervisor(request):
    user = request.user
    # Read-only managers see it too (the page a manager most needs), without the buttons that create.
    if not services.may_read(user, "supervisor_view"):
        raise PermissionDenied(_("Your role may not see the supervisor view."))
    view = selectors.supervisor_view(user=user)
    proposals = selectors.group_case_proposals(user=user)
    return render(
        request,
        "complaints/supervisor.html",
        {"view": view, "proposals": proposals, "may_group": services.may(user, "group")},
    )


@login_required
@require_POST
def group_case_create(request):
    _require(request.user, "group")
    # From the supervisor view's proposals, or from the rows ticked on the board (which sends "next").
    back = _board_url(request) if "next" in request.POST else reverse("complaints:supervisor")
    form = forms.GroupCaseForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose at least two open complaints you can see."))
        return redirect(back)
    complaints = list(form.cleaned_data["complaints"].select_related("unit"))
    try:
        case = services.group_case_create(
            by=request.user, title=form.cleaned_data["title"], complaints=complaints
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("Group case %(number)s created with %(count)d complaints.")
        % {"number": case.number, "count": len(complaints)},
    )
    return redirect("complaints:group-case", pk=case.pk)


def _numbers_from(request) -> dict:
    """`?from=12,13`: the numbers of those complaints the user may see, for the new item's form."""
    ids = _complaint_ids(request.GET.get("from", "").split(","))
    if not ids:
        return {}
    visible = Complaint.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk")
    numbers = list(visible.values_list("number", flat=True))
    return {"complaint_numbers": " ".join(numbers)} if numbers else {}


def _improvements_visible_to(user):
    return (
        ImprovementItem.objects.visible_to(user)
        .select_related("project", "owner", "created_by")
        .prefetch_related("complaints")
    )


@login_required
@require_http_methods(["GET", "POST"])
def improvements(request):
    user = request.user
    if not services.may_read(user, "improvements"):
        raise PermissionDenied(_("Your role may not see improvement items."))
    may_edit = services.may(user, "improvement")
    form = (
        forms.ImprovementListForm(request.POST or None, initial=_numbers_from(request)) if may_edit else None
    )
    if request.method == "POST":
        _require(user, "improvement")
        if form.is_valid():
            numbers = form.numbers()
            complaints = list(Complaint.objects.visible_to(user).filter(number__in=numbers))
            missing = set(numbers) - {c.number for c in complaints}
            if missing:
                form.add_error(
                    "complaint_numbers", _("Not found: %(numbers)s") % {"numbers": ", ".join(sorted(missing))}
                )
            else:
                try:
                    services.improvement_item_create(
                        by=user,
                        complaints=complaints,
                        title=form.cleaned_data["title"],
                        department=form.cleaned_data["department"],
                        root_cause=form.cleaned_data.get("root_cause") or "",
                        description=form.cleaned_data.get("description") or "",
                        due_on=form.cleaned_data.get("due_on"),
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Improvement item created."))
                    return redirect("complaints:improvements")
    filter_form = forms.ImprovementFilterForm(request.GET, user=user)
    filters_valid = filter_form.is_valid()
    filters = filter_form.cleaned_data if filters_valid else {}
    status = filters.get("status") or ""
    items = (
        selectors.improvement_items_matching(user=user, filters=filters)
        .select_related("project", "owner", "created_by")
        .prefetch_related("complaints")
    )
    page, pager = newest_first_page(request, items)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "complaints/improvements.html",
        {
            **pager,
            "items": page,
            "form": form,
            "may_edit": may_edit,
            "statuses": ImprovementItem.Status.choices,
            "status": status,
            "list_count": bounded_count(items),
        },
        status=400 if request.method == "POST" or not filters_valid else 200,
    )


@login_required
@require_POST
def improvement_status(request, pk: int):
    _require(request.user, "improvement")
    item = get_object_or_404(_improvements_visible_to(request.user), pk=pk)
    form = forms.ImprovementStatusForm(request.POST)
    if form.is_valid():
        services.improvement_item_set_status(item=item, by=request.user, status=form.cleaned_data["status"])
        messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Unknown status."))
    return redirect("complaints:improvements")
