"""Staff pages of members: the list, a member's page (with consents, reveal, edit) and enrolment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import PersonalField
from accounts.services import RevealLimitReached
from core.masking import mask_id_number, mask_phone
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.models import Customer
from properties import selectors as property_selectors

from ..consent_texts import text_of_version
from ..forms.enrolment import StaffEnrolmentForm
from ..forms.members import ConsentChangeForm, MemberEditForm, MemberListFilterForm, MemberRevealForm
from ..models import Member
from ..permissions import may_run_club, may_serve_members, may_view_club
from ..selectors import members as selectors
from ..services.consents import consent_grant, consent_withdraw
from ..services.enrolment import AlreadyAMember, interests_labels, member_enrol, member_update
from ..services.errors import ConcurrentEditError
from ..services.reveal import member_data_reveal

POINTS_PANEL = "membership/_points_panel.html"  # the ledger's panel, when that part of the club is there


def require_club_view(user) -> None:
    if not may_view_club(user):
        raise PermissionDenied(_("Your role has no access to the club."))


def _require_serving(user) -> None:
    if not may_serve_members(user):
        raise PermissionDenied(_("Your role may not enrol or edit members."))


def _label_rows(members) -> None:
    projects = property_selectors.projects_by_id()
    cities = property_selectors.city_companies_by_id()
    for member in members:
        member.phone_masked = mask_phone(member.phone)
        member.place = projects.get(member.project_id, ("",))[0] or cities.get(member.city_company_id, "")
        value = getattr(member.customer, "value", None) if member.customer_id else None
        member.value_class = value.value_class if value else ""


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request):
    """Searched by POST (a phone number stays out of URLs); plain filters work in a link too."""
    require_club_view(request.user)
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET.copy()
        data.pop("q", None)
    form = MemberListFilterForm(data or None, user=request.user)
    members = selectors.member_list(user=request.user, filters=form.filters())
    page, pager = newest_first_page(request, members)
    if page is None:
        return broken_link(request)
    _label_rows(page)
    return render(
        request,
        "membership/member_list.html",
        {
            "form": form,
            "may_serve": may_serve_members(request.user),
            "may_review": may_run_club(request.user),
            **pager,
        },
    )


def _member_or_404(user, pk: int) -> Member:
    try:
        return selectors.member_detail(user=user, pk=pk)
    except Member.DoesNotExist:
        raise Http404(_("No such member.")) from None


def _points_panel() -> str | None:
    try:
        get_template(POINTS_PANEL)
    except TemplateDoesNotExist:
        return None
    return POINTS_PANEL


def _render_detail(request, member: Member, *, edit_form=None, status: int = 200):
    user = request.user
    history = [
        {"consent": consent, "text": text_of_version(consent.text_version)}
        for consent in member.consent_history
    ]
    linked_customer = None
    if member.customer_id and Customer.objects.visible_to(user).filter(pk=member.customer_id).exists():
        linked_customer = member.customer
    return render(
        request,
        "membership/member_detail.html",
        {
            "member": member,
            "phone_masked": mask_phone(member.phone),
            "id_number_masked": mask_id_number(member.id_number or ""),
            "interests": interests_labels(member.interests),
            "current": selectors.current_consents(member),
            "history": history,
            "linked_customer": linked_customer,
            "referrals": selectors.member_referrals(member),
            "registrations": selectors.member_registrations(member),
            "points_panel": _points_panel(),
            "may_serve": may_serve_members(user),
            "reveal_forms": {
                field: MemberRevealForm(initial={"field": field}, auto_id=f"id_{field}_%s")
                for field in PersonalField.values
                if user.may_reveal(field)
            },
            "edit_form": edit_form,
        },
        status=status,
    )


@login_required
@never_cache
def member_detail(request, pk: int):
    require_club_view(request.user)
    return _render_detail(request, _member_or_404(request.user, pk))


def _edit_form(member: Member, data=None) -> MemberEditForm:
    initial = {
        name: getattr(member, name)
        for name in (
            "name",
            "gender",
            "birth_date",
            "nationality",
            "employer",
            "education",
            "email",
            "interests",
            "care_wish",
        )
    }
    initial["version"] = member.version
    return MemberEditForm(data, initial=initial, id_number_masked=mask_id_number(member.id_number or ""))


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    _require_serving(request.user)
    member = _member_or_404(request.user, pk)
    form = _edit_form(member, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                member_update(
                    member=member,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.service_fields(),
                )
            except ConcurrentEditError as error:
                form.add_error(None, error.messages)
                status = 409
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("club:member", pk=member.pk)
    return render(request, "membership/member_edit.html", {"member": member, "form": form}, status=status)


@login_required
@require_POST
def member_consent(request, pk: int):
    """Record an answer given on the phone or in person: a withdrawal is honoured at once."""
    _require_serving(request.user)
    member = _member_or_404(request.user, pk)
    form = ConsentChangeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown consent."))
    kind, granted = form.cleaned_data["kind"], form.cleaned_data["granted"]
    try:
        if granted:
            consent_grant(member=member, kind=kind, by=request.user)
        else:
            consent_withdraw(member=member, kind=kind, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Consent recorded."))
    return redirect(reverse("club:member", args=[member.pk]) + "#consents")


@login_required
@require_POST
def member_reveal(request, pk: int):
    require_club_view(request.user)
    member = _member_or_404(request.user, pk)
    form = MemberRevealForm(request.POST, auto_id=f"id_{request.POST.get('field', '')[:20]}_%s")
    if not form.is_valid() and "field" in form.errors:
        return HttpResponseBadRequest(_("Unknown field."))
    context = {"member": member, "form": form, "field": form.data.get("field")}
    htmx = request.headers.get("HX-Request") == "true"
    template = "membership/member_reveal_fragment.html" if htmx else "membership/member_reveal.html"
    if form.is_valid():
        try:
            context["value"] = member_data_reveal(
                user=request.user,
                member=member,
                field=form.cleaned_data["field"],
                reason_code=form.cleaned_data["reason_code"],
                reason=form.cleaned_data["reason"],
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except RevealLimitReached as limit:
            form.add_error(None, str(limit))
            # htmx swaps only 2xx answers into the page: the fragment says it; a full page answers 429.
            return render(request, template, context, status=200 if htmx else 429)
    status = 200 if "value" in context or htmx else 400
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_enrol_page(request):
    _require_serving(request.user)
    form = StaffEnrolmentForm(request.POST or None, user=request.user)
    existing = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                member = member_enrol(channel="staff", by=request.user, **form.service_fields())
            except AlreadyAMember as duplicate:
                add_service_errors(form, duplicate)
                existing = duplicate.member
                if existing and not Member.objects.visible_to(request.user).filter(pk=existing.pk).exists():
                    existing.outside_scope = True
            except ValidationError as error:
                add_service_errors(form, error, field_aliases={"city_company": "project"})
            except PermissionDenied as error:
                form.add_error("project", str(error))
            else:
                messages.success(
                    request,
                    _("%(name)s joined the club: member no. %(number)s.")
                    % {"name": member.name, "number": member.number},
                )
                return redirect("club:member", pk=member.pk)
    return render(request, "membership/enrol.html", {"form": form, "existing": existing}, status=status)
