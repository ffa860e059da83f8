"""Intake (接待): the hotline's caller search, the new-complaint form and its duplicate check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from customers import selectors as customer_selectors
from customers.forms import add_service_errors
from customers.models import Customer

from .. import forms, selectors, services
from ._common import _require


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def hotline(request):
    """热线: find the caller by phone (or its last 4 digits), pick the customer and unit, then record.
    The phone is posted and the callers listed on the POST's answer: never in a URL, so never in an
    access log. A GET shows the empty search, whatever `?q=` it carries."""
    _require(request.user, "create")
    form = forms.HotlineSearchForm(request.POST if request.method == "POST" else None)
    customers, query = [], None
    if form.is_valid():
        query, customers = customer_selectors.customer_search(user=request.user, text=form.cleaned_data["q"])
    return render(
        request,
        "complaints/hotline.html",
        {"form": form, "customers": customers, "searched": form.is_bound and form.is_valid(), "query": query},
        status=400 if form.errors and form.data.get("q", "").strip() else 200,
    )


def _customer_for_intake(user, raw) -> Customer:
    if not raw or not str(raw).isdigit():
        raise Http404(_("Choose the caller first."))
    return get_object_or_404(Customer.objects.visible_to(user).prefetch_related("phones"), pk=raw)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request):
    user = request.user
    _require(user, "create")
    raw_customer = request.POST.get("customer") or request.GET.get("customer")
    if not raw_customer:
        return redirect("complaints:hotline")
    customer = _customer_for_intake(user, raw_customer)
    initial = {}
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    form = forms.ComplaintForm(
        request.POST or None, request.FILES or None, user=user, customer=customer, initial=initial
    )
    if not request.POST and "unit" not in initial and form.fields["unit"].queryset.count() == 1:
        form.initial["unit"] = form.fields["unit"].queryset.first().pk
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = selectors.possible_duplicates(
            user=user,
            customer_id=customer.pk,
            category_id=data["category"].pk,
            unit_id=data["unit"].pk if data.get("unit") else None,
        )
        if duplicates and not data.get("save_anyway"):
            # Show what is already open for this owner and let the agent decide.
            form.data = form.data.copy()
            form.data["save_anyway"] = "1"
            messages.warning(
                request, _("This owner already has open complaints in this category. Check them first.")
            )
        else:
            try:
                complaint = services.complaint_create(by=user, customer=customer, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error, field_aliases={"received_at": "__all__"})
            else:
                messages.success(request, _("Complaint %(number)s recorded.") % {"number": complaint.number})
                return redirect("complaints:detail", pk=complaint.pk)
    return render(
        request,
        "complaints/form.html",
        {
            "form": form,
            "customer": customer,
            "duplicates": duplicates,
            "confirm_duplicates": bool(duplicates),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def duplicates(request):
    """htmx: open complaints of the same owner or unit in the chosen category, shown while typing."""
    customer = _customer_for_intake(request.user, request.GET.get("customer"))
    category = request.GET.get("category", "")
    unit = request.GET.get("unit", "")
    found = selectors.possible_duplicates(
        user=request.user,
        customer_id=customer.pk,
        category_id=int(category) if category.isdigit() else None,
        unit_id=int(unit) if unit.isdigit() else None,
    )
    return render(request, "complaints/_duplicates.html", {"duplicates": found})
