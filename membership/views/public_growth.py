"""The club's public growth pages (no login): the purchase-intention form of an upcoming project, a
member's own event registration link, and their confirmation page with its QR code.

Every POST counts against its page's limit per IP address (django-ratelimit) before the form is
read, failed ones included. The intention form carries a honeypot field: a submission that fills it
is answered like a success and saved nowhere. The invite and confirmation links are unguessable
(a signed token; a random 32-character token), and show nothing but the member's own registration.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from customers.forms import add_service_errors

from ..forms.growth import MemberRegistrationForm, PublicIntentionForm
from ..models import Registration
from ..selectors.growth import projects_taking_intentions
from ..services.events import (
    confirmation_url,
    event_invite_read,
    registration_cancel,
    registration_create,
)
from ..services.intentions import intention_register

SUBMITTED_KEY = "club_intent_submitted"


def _intent_rate(group, request) -> str:
    return settings.CLUB_INTENT_RATE  # read per request, so that a changed setting applies


def _member_link_rate(group, request) -> str:
    return settings.CLUB_MEMBER_LINK_RATE


def _rate_limited(request):
    return render(request, "membership/public/rate_limited.html", status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(group="club-intent", key="ip", rate=_intent_rate, method="POST", block=False)
def intent(request, project_pk: int):
    project = get_object_or_404(projects_taking_intentions().select_related("city_company"), pk=project_pk)
    if getattr(request, "limited", False):
        return _rate_limited(request)
    form = PublicIntentionForm(request.POST or None)
    if request.method == "POST":
        if form.is_bot():
            return redirect("club_public:intent_done", project_pk=project.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                intention_register(
                    project=project,
                    name=data["name"],
                    phone=data["phone"],
                    unit_type=data["unit_type"],
                    budget_10k=data["budget_10k"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("club_public:intent_done", project_pk=project.pk)
    return render(
        request,
        "membership/public/intent.html",
        {"project": project, "form": form},
        status=400 if form.errors else 200,
    )


def intent_done(request, project_pk: int):
    project = get_object_or_404(projects_taking_intentions(), pk=project_pk)
    return render(request, "membership/public/intent_done.html", {"project": project})


@require_http_methods(["GET", "POST"])
@ratelimit(group="club-member-link", key="ip", rate=_member_link_rate, method="POST", block=False)
def invite(request, token: str):
    """A member's own registration link for one event."""
    found = event_invite_read(token)
    if found is None:
        raise Http404(_("This link is not valid."))
    event, member = found
    if getattr(request, "limited", False):
        return _rate_limited(request)
    existing = (
        Registration.objects.filter(event=event, member=member)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    if existing is not None:
        return redirect("club_public:registration", token=existing.token)
    form = MemberRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = registration_create(event=event, member=member, guests=form.cleaned_data["guests"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("club_public:registration", token=registration.token)
    return render(
        request,
        "membership/public/invite.html",
        {"event": event, "member": member, "form": form},
        status=400 if form.errors else 200,
    )


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG markup, made on the server (no script, no outside service)."""
    return segno.make(text, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


@require_http_methods(["GET", "POST"])
@ratelimit(group="club-member-link", key="ip", rate=_member_link_rate, method="POST", block=False)
def registration(request, token: str):
    """The member's confirmation: the event, their place or waitlist spot, the QR code shown at the
    door; and their own cancellation."""
    found = get_object_or_404(Registration.objects.select_related("event", "member"), token=token)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _rate_limited(request)
        try:
            registration_cancel(registration=found)
        except ValidationError as error:
            return render(
                request,
                "membership/public/registration.html",
                {"registration": found, "error": " ".join(error.messages)},
                status=400,
            )
        return redirect("club_public:registration", token=token)
    return render(
        request,
        "membership/public/registration.html",
        {
            "registration": found,
            # segno writes the markup from the token's URL alone: nothing of the request goes into it.
            "qr": mark_safe(qr_svg(confirmation_url(found))),  # nosec B308 B703  # segno's SVG, no input
        },
    )
