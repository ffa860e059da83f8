"""The page a locked-out login gets (django-axes calls it: AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil


def login_locked_out(request, original_response=None, credentials=None):
    """Too many failed logins: say so, for how long, and who can unlock, on the login card."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    return render(
        request,
        "registration/locked_out.html",
        {"cool_off": timeuntil(now + cool_off, now) if cool_off else None},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
