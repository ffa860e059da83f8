"""Referrals (老带新): the board per project, the list behind each figure, the referrals, a new one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core.masking import mask_phone
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors

from ..forms.growth import BoardListForm, BoardPeriodForm, ReferralForm, ReferralListFilterForm
from ..permissions import may_serve_members
from ..selectors.growth import board_list, referral_board, referral_list
from ..services.referrals import referral_create
from ._growth import require_serve, require_view


@login_required
@require_GET
def board(request):
    require_view(request.user)
    form = BoardPeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    else:
        date_from, date_to = BoardPeriodForm.default_period()
    rows, total = referral_board(user=request.user, date_from=date_from, date_to=date_to)
    return render(
        request,
        "membership/referrals/board.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "date_from": date_from,
            "date_to": date_to,
            "may_serve": may_serve_members(request.user),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


FIGURE_TITLES = {
    "buyers": gettext_lazy("Buyers"),
    "repeat": gettext_lazy("Members buying again"),
    "referred": gettext_lazy("Referred buyers"),
    "club": gettext_lazy("Buyers through the club"),
}


@login_required
@require_GET
def board_buyers(request):
    """The contracts behind one figure of the board."""
    require_view(request.user)
    form = BoardListForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"message": " ".join(form.errors.get("date_to", []))}, status=400)
    data = form.cleaned_data
    figure = data["figure"] or "club"
    contracts = board_list(
        user=request.user,
        date_from=data["date_from"],
        date_to=data["date_to"],
        figure=figure,
        project_id=data["project"],
        city_company_id=data["city"],
    )
    page, pager = newest_first_page(request, contracts)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "membership/referrals/buyers.html",
        {
            "contracts": page,
            "figure_title": str(FIGURE_TITLES[figure]),
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            **pager,
        },
    )


@login_required
@require_GET
def referrals(request):
    require_view(request.user)
    form = ReferralListFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = referral_list(
        user=request.user, status=filters.get("status", ""), project_id=filters.get("project")
    )
    page, pager = newest_first_page(request, rows)
    if page is None:
        return broken_link(request)
    for referral in page:
        referral.friend_phone_masked = mask_phone(referral.friend_phone)
    return render(
        request,
        "membership/referrals/list.html",
        {"form": form, "referrals": page, "may_serve": may_serve_members(request.user), **pager},
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request):
    require_serve(request.user)
    form = ReferralForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral_create(
                referrer=data["referrer"],
                friend_name=data["friend_name"],
                friend_phone=data["friend_phone"],
                friend_id_number=data["friend_id_number"],
                project=data["project"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error, {"referrer": "referrer"})
        else:
            messages.success(
                request, _("Referral recorded: it is attributed when the friend signs a contract.")
            )
            return redirect("club:referral_list")
    return render(
        request, "membership/referrals/form.html", {"form": form}, status=400 if form.errors else 200
    )
