"""The public pages of the club (no login): the mobile sign-up page and the unsubscribe link.

Sign-up: every POST counts against the limit per IP address (django-ratelimit) before the form is
read, a valid one against the limit per phone too. A post that looks automated (the honeypot filled,
faster than CLUB_JOIN_MIN_SECONDS, a forged start time) gets the same thank-you page as a real one and
saves nothing; a real one is answered the same whether the phone was new or already a member's
(membership.services.public), so the page does not reveal who is a member.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from customers.forms import add_service_errors
from customers.validators import normalize_mobile

from ..forms.enrolment import PublicJoinForm
from ..services.consents import marketing_unsubscribe, member_from_unsubscribe_token
from ..services.public import member_join_public


def _join_rate(group, request) -> str:
    return settings.CLUB_JOIN_IP_RATE  # read per request, so that a changed setting applies


def _unsubscribe_rate(group, request) -> str:
    return settings.CLUB_UNSUBSCRIBE_RATE


def _posted_phone(group, request) -> str:
    return normalize_mobile(request.POST.get("phone", ""))[:20]


def _rate_limited(request):
    return render(request, "membership/public/rate_limited.html", status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(group="club-join", key="ip", rate=_join_rate, method="POST", block=False)
def join(request):
    if getattr(request, "limited", False):
        return _rate_limited(request)
    if request.method == "POST":
        form = PublicJoinForm(request.POST)
        valid = form.is_valid()
        if form.looks_automated:
            return redirect("club_public:joined")
        if valid:
            usage = get_usage(
                request,
                group="club-join-phone",
                key=_posted_phone,
                rate=settings.CLUB_JOIN_PHONE_RATE,
                method="POST",
                increment=True,
            )
            if usage and usage["should_limit"]:
                return _rate_limited(request)
            try:
                member_join_public(**form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("club_public:joined")
        elif "started" in form.errors:
            # Opened too long ago: the same answers again, with a new start time and the reason on top.
            expired = form.errors["started"]
            form = form.fresh_copy()
            form.is_valid()
            form.add_error(None, expired)
    else:
        form = PublicJoinForm()
    return render(request, "membership/public/join.html", {"form": form}, status=400 if form.errors else 200)


def joined(request):
    return render(request, "membership/public/joined.html")


@require_http_methods(["GET", "POST"])
@ratelimit(group="club-unsubscribe", key="ip", rate=_unsubscribe_rate, method=["GET", "POST"], block=False)
def unsubscribe(request, token: str):
    """GET asks, POST withdraws: mail scanners that open links must not unsubscribe anyone."""
    if getattr(request, "limited", False):
        return _rate_limited(request)
    member = member_from_unsubscribe_token(token)
    if member is None:
        return render(request, "membership/public/unsubscribe.html", {"broken": True}, status=404)
    done = False
    if request.method == "POST":
        marketing_unsubscribe(member=member)
        done = True
    return render(request, "membership/public/unsubscribe.html", {"done": done})
