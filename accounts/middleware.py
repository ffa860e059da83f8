"""Two rules on every logged-in staff session: it passed the two-factor code if its user has one, and it
ends after SESSION_IDLE_MINUTES without a request.

Neither adds a query to a request: the user row (loaded anyway) carries `two_factor_enabled`, and the
session's expiry is pushed forward at most once per IDLE_REFRESH_SECONDS, so the session row is not
written on every request as SESSION_SAVE_EVERY_REQUEST would (it is the same built-in expiry: the
session backend refuses a session past it, the cookie's Max-Age follows it).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import User
from .two_factor import confirmed_device, two_factor_required

ACTIVITY_KEY = "_last_activity"
IDLE_REFRESH_SECONDS = 60


def idle_clock_start(request) -> None:
    """At login (accounts.apps connects it to user_logged_in): the session lives SESSION_IDLE_MINUTES."""
    request.session[ACTIVITY_KEY] = int(time.time())
    request.session.set_expiry(settings.SESSION_IDLE_MINUTES * 60)


def _has_session(request) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_session(request) and SESSION_KEY in request.session:
            last = request.session.get(ACTIVITY_KEY)
            if not isinstance(last, int) or time.time() - last >= IDLE_REFRESH_SECONDS:
                idle_clock_start(request)  # modified: saved with a new expiry, the cookie re-sent
        return self.get_response(request)


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware (request.user.is_verified())."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_session(request):
            refused = self._check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check(self, request):
        user = request.user
        if not user.is_authenticated:
            return None
        if user.two_factor_enabled and not user.is_verified():
            if confirmed_device(user) is not None:
                # A session from before the enrolment (or another way in): log in again, with the code.
                logout(request)
                return None
            User.objects.filter(pk=user.pk).update(two_factor_enabled=False)  # its device was deleted
            user.two_factor_enabled = False
        if two_factor_required(user) and not user.two_factor_enabled and not _enrolment_path(request.path):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Turn on two-factor login (your account page) before using the API.")},
                    status=403,
                )
            return redirect("two-factor")
        return None


def _enrolment_path(path: str) -> bool:
    return path in (reverse("two-factor"), reverse("logout")) or path.startswith("/i18n/")
