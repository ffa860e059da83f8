"""Logging in: the password, then the two-factor code for those who turned it on; the lockout page."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from . import two_factor
from .forms import CodeForm


class StaffLoginView(LoginView):
    """Django's login; a user with a confirmed authenticator is not logged in yet but asked for a code."""

    def form_valid(self, form):
        user = form.get_user()
        two_factor.pending_login_clear(self.request)  # an earlier, abandoned code step
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        two_factor.pending_login_start(self.request, user=user, redirect_to=self.get_success_url())
        return redirect("login-code")


@sensitive_post_parameters("code")
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step: the code from the authenticator app; then the login happens."""
    pending = two_factor.pending_login(request)
    if pending is None:
        two_factor.pending_login_clear(request)
        return redirect("login")
    user, backend, next_url = pending
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.login_code_verify(request, user=user, code=form.cleaned_data["code"])
        if device is not None:
            two_factor.pending_login_clear(request)
            auth_login(request, user, backend=backend)
            otp_login(request, device)
            return redirect(next_url)
        if getattr(request, "axes_locked_out", False):
            two_factor.pending_login_clear(request)  # axes answers with the lockout page
        form.add_error(
            "code",
            _(
                "That code is not right. Type the code the app shows now; after several wrong ones, wait a minute."
            ),
        )
    return render(request, "registration/login_code.html", {"form": form})


def login_locked_out(request, original_response=None, credentials=None):
    """Too many failed logins: say so, for how long, and who can unlock, on the login card.
    django-axes calls it (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    return render(
        request,
        "registration/locked_out.html",
        {"cool_off": timeuntil(now + cool_off, now) if cool_off else None},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
