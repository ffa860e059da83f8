"""The staff member's own account: password, two-factor login, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from core.paging import broken_link, newest_first_page

from . import api_tokens, two_factor
from .forms import ApiTokenForm, CodeForm, StaffPasswordChangeForm
from .models import ApiToken


@login_required
@require_GET
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "may_use_two_factor": two_factor.may_use_two_factor(user),
            "two_factor_required": two_factor.two_factor_required(user),
            "usable_tokens": ApiToken.objects.filter(user=user).usable().count(),
            "idle_minutes": settings.SESSION_IDLE_MINUTES,
        },
    )


class StaffPasswordChangeView(PasswordChangeView):
    """Django's: the old password, the new one checked by AUTH_PASSWORD_VALIDATORS; the session stays."""

    form_class = StaffPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


# --- API tokens ------------------------------------------------------------------------------------


@never_cache  # the page that shows a new key must not be kept by any cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_tokens.api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    page, pager = newest_first_page(request, api_tokens.user_api_tokens(request.user))
    if page is None:
        return broken_link(request)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "issued": issued, "tokens": page, **pager},
    )


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    api_tokens.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api-tokens")


# --- two-factor login ------------------------------------------------------------------------------


@never_cache  # the page shows the secret key
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if not two_factor.may_use_two_factor(user):
        raise PermissionDenied(_("Two-factor login is not offered to your role."))
    context = {"two_factor_required": two_factor.two_factor_required(user)}
    if user.two_factor_enabled:
        return render(request, "accounts/two_factor.html", context)
    device = two_factor.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.two_factor_confirm(user=user, device=device, code=form.cleaned_data["code"]):
            otp_login(request, device)  # this session has just given a code
            messages.success(request, _("Two-factor login is on: the login will ask for a code."))
            return redirect("account")
        form.add_error(
            "code", _("That code is not right. Check the phone's clock, and type the code shown now.")
        )
    context.update(
        form=form,
        qr_code=two_factor.qr_code_data_uri(device),
        secret=two_factor.secret_for_typing(device),
    )
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def two_factor_turn_off(request):
    two_factor.two_factor_disable(user=request.user, by=request.user)
    messages.success(request, _("Two-factor login is off."))
    return redirect("account")
