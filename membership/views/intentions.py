"""Purchase intentions (意向登记): counts per project and unit type, the list, a staff registration."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.masking import mask_phone
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors

from ..forms.growth import IntentionFilterForm, StaffIntentionForm
from ..models import PurchaseIntention
from ..permissions import may_serve_members
from ..selectors.growth import intention_counts, intention_list
from ..services.intentions import intention_register
from ._growth import require_serve, require_view


@login_required
@require_GET
def intentions(request):
    require_view(request.user)
    form = IntentionFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    project_id, unit_type = filters.get("project"), filters.get("unit_type", "")
    rows = intention_list(user=request.user, project_id=project_id, unit_type=unit_type)
    page, pager = newest_first_page(request, rows)
    if page is None:
        return broken_link(request)
    for intention in page:
        intention.phone_masked = mask_phone(intention.phone)
    unit_types = PurchaseIntention.UnitType.choices
    counts = intention_counts(user=request.user, project_id=project_id)
    count_rows = [(row, [row.by_unit_type.get(value, 0) for value, _label in unit_types]) for row in counts]
    return render(
        request,
        "membership/intentions/list.html",
        {
            "form": form,
            "intentions": page,
            "count_rows": count_rows,
            "unit_types": unit_types,
            "may_serve": may_serve_members(request.user),
            "export_query": request.GET.urlencode(),
            **pager,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def intention_new(request):
    require_serve(request.user)
    form = StaffIntentionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            intention_register(
                project=data["project"],
                name=data["name"],
                phone=data["phone"],
                unit_type=data["unit_type"],
                budget_10k=data["budget_10k"],
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Purchase intention registered."))
            return redirect("club:intentions")
    return render(
        request, "membership/intentions/form.html", {"form": form}, status=400 if form.errors else 200
    )
