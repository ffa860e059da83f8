"""The benefits catalogue: list, page, create/edit (those running the club) and redemption by staff
for a member (from the member page's points panel or the benefit page). Points adjustments too."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.paging import broken_link, newest_first_page

from ..forms.ledger import BenefitFilterForm, BenefitForm, PointsAdjustForm, RedeemForm
from ..models import Benefit, Member
from ..permissions import may_run_club, may_serve_members, may_view_club
from ..selectors import benefits as selectors
from ..services.benefits import benefit_create, benefit_redeem, benefit_unavailable_reason, benefit_update
from ..services.points import points_adjust


def _may_view(user) -> None:
    if not may_view_club(user):
        raise PermissionDenied(_("Your role may not see the club."))


def _benefit(user, pk: int) -> Benefit:
    try:
        return selectors.benefit_detail(user=user, pk=pk)
    except Benefit.DoesNotExist:
        raise Http404(_("No such benefit.")) from None


def member_page_url(member_id: int) -> str:
    """The member's page (club:member); the benefits page while that page is not installed."""
    try:
        return reverse("club:member", args=[member_id])
    except NoReverseMatch:
        return reverse("club:benefits")


@login_required
@require_GET
def benefit_list(request):
    user = request.user
    _may_view(user)
    form = BenefitFilterForm(request.GET or None)
    filters = form.selector_filters() if form.is_valid() else {"active": True}
    page, pager = newest_first_page(request, selectors.benefit_list(user=user, **filters))
    if page is None:
        return broken_link(request)
    return render(
        request, "membership/benefit_list.html", {"form": form, "may_run": may_run_club(user), **pager}
    )


@login_required
@require_GET
def benefit_detail(request, pk: int):
    user = request.user
    _may_view(user)
    benefit = _benefit(user, pk)
    return render(
        request,
        "membership/benefit_detail.html",
        {
            "benefit": benefit,
            "unavailable": benefit_unavailable_reason(benefit, today=timezone.localdate()),
            "redemptions": selectors.recent_redemptions(benefit=benefit, user=user),
            "redeem_form": RedeemForm(initial={"benefit": benefit.pk}, user=user),
            "may_redeem": may_serve_members(user),
            "may_run": may_run_club(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def benefit_edit(request, pk: int | None = None):
    user = request.user
    if not may_run_club(user):
        raise PermissionDenied(_("Your role may not manage the benefits catalogue."))
    benefit = _benefit(user, pk) if pk else None
    form = BenefitForm(
        request.POST or None,
        instance=benefit,
        initial={"version": benefit.version} if benefit else None,
        user=user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if benefit:
                saved = benefit_update(
                    benefit=benefit, by=user, version=form.cleaned_data["version"], **form.service_fields()
                )
            else:
                saved = benefit_create(by=user, **form.service_fields())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("Benefit saved: %(title)s") % {"title": saved.title})
            return redirect("club:benefit", pk=saved.pk)
    return render(request, "membership/benefit_form.html", {"form": form, "benefit": benefit}, status=200)


@login_required
@require_POST
def benefit_redeem_view(request):
    """Redeem a benefit for a member; back to where the form was (the member or the benefit page)."""
    user = request.user
    if not may_serve_members(user):
        raise PermissionDenied(_("Your role may not redeem benefits for members."))
    form = RedeemForm(request.POST, user=user)
    from_member_page = request.POST.get("back") == "member"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        member_id = form.cleaned_data.get("member") if hasattr(form, "cleaned_data") else None
        if from_member_page and member_id:
            return redirect(member_page_url(member_id))
        benefit_id = form.cleaned_data.get("benefit") if hasattr(form, "cleaned_data") else None
        return redirect("club:benefit", pk=benefit_id) if benefit_id else redirect("club:benefits")
    member, benefit = form.cleaned_data["member_row"], form.cleaned_data["benefit_row"]
    try:
        redemption = benefit_redeem(benefit=benefit, member=member, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s redeemed %(title)s. Voucher code: %(code)s")
            % {"name": member.name, "title": benefit.title, "code": redemption.code},
        )
    return redirect(
        member_page_url(member.pk) if from_member_page else reverse("club:benefit", args=[benefit.pk])
    )


@login_required
@require_POST
def points_adjust_view(request, pk: int):
    user = request.user
    if not may_run_club(user):
        raise PermissionDenied(_("Your role may not adjust points."))
    member = Member.objects.visible_to(user).filter(pk=pk).first()
    if member is None:
        raise Http404(_("No such member."))
    form = PointsAdjustForm(request.POST)
    if form.is_valid():
        try:
            points_adjust(
                member=member,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                by=user,
                source=str(form.cleaned_data["key"]),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Points adjusted. Balance: %(balance)d") % {"balance": member.points_balance}
            )
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect(member_page_url(member.pk))
