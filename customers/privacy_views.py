"""The 360 page's privacy section (PIPL) and its three posts: a consent answer, the data-subject export
(a ZIP download), the anonymisation. Thin: the rules are in consents, subject_export and anonymise."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import LoggedAccess
from accounts.services import RevealLimitReached

from .anonymise import customer_anonymise, may_anonymise
from .consent_texts import current_text
from .consents import consents_current, customer_consent_record
from .forms import add_service_errors
from .models import ConsentPurpose, Customer
from .privacy_forms import AnonymiseForm, ConsentForm, SubjectExportForm
from .subject_export import customer_subject_export


def _section_context(request, customer, **forms) -> dict:
    user = request.user
    current = consents_current(customer)
    return {
        "customer": customer,
        "consents": [
            {"purpose": label, "value": value, "row": current[value], "text": current_text(value)}
            for value, label in ConsentPurpose.choices
        ],
        "consent_form": forms.get("consent_form") or (ConsentForm() if user.may_edit_customers() else None),
        "export_form": forms.get("export_form")
        or (SubjectExportForm() if user.may_reveal(LoggedAccess.SUBJECT_EXPORT) else None),
        "anonymise_form": forms.get("anonymise_form")
        or (AnonymiseForm() if may_anonymise(user) and customer.anonymised_at is None else None),
    }


def customer_privacy_panel(request, customer) -> str:
    """The 360 page's section (customers.panels): consents, and the export and anonymisation forms for
    the roles that may. One query (the consents)."""
    if not request.user.may_see_customers():
        return ""
    return render_to_string(
        "customers/_privacy_panel.html", _section_context(request, customer), request=request
    )


def _customer_for(request, pk: int) -> Customer:
    if not request.user.may_see_customers():
        raise PermissionDenied(_("Your role has no access to customer records."))
    return get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)


def _section_page(request, customer, status: int, **forms):
    """A refused post: the section alone, with the form's errors (no script needed)."""
    context = _section_context(request, customer, **forms)
    return render(request, "customers/privacy_page.html", context, status=status)


@login_required
@require_POST
def consent_record(request, pk: int):
    customer = _customer_for(request, pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _section_page(request, customer, 400, consent_form=form)
    try:
        customer_consent_record(
            customer=customer,
            purpose=form.cleaned_data["purpose"],
            granted=form.cleaned_data["granted"],
            by=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _section_page(request, customer, 400, consent_form=form)
    messages.success(request, _("Consent recorded."))
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#privacy")


@login_required
@require_POST
def subject_export(request, pk: int):
    customer = _customer_for(request, pk)
    if not request.user.may_reveal(LoggedAccess.SUBJECT_EXPORT):
        raise PermissionDenied(_("Your role may not export a person's data."))
    form = SubjectExportForm(request.POST)
    if not form.is_valid():
        return _section_page(request, customer, 400, export_form=form)
    try:
        name, content = customer_subject_export(
            customer=customer,
            by=request.user,
            reason_code=form.cleaned_data["reason_code"],
            reason=form.cleaned_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _section_page(request, customer, 400, export_form=form)
    except RevealLimitReached as limit:
        form.add_error(None, str(limit))
        response = _section_page(request, customer, 429, export_form=form)
        response["Retry-After"] = str(int(limit.retry_after.total_seconds()) + 1)
        return response
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def anonymise(request, pk: int):
    customer = _customer_for(request, pk)
    if not may_anonymise(request.user):
        raise PermissionDenied(_("Your role may not anonymise customers."))
    form = AnonymiseForm(request.POST)
    if not form.is_valid():
        return _section_page(request, customer, 400, anonymise_form=form)
    try:
        customer_anonymise(customer=customer, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _section_page(request, customer, 400, anonymise_form=form)
    messages.success(request, _("The customer's personal data are anonymised."))
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#privacy")
