"""Club events: the list, an event with its registrations and waitlist, create and edit, staff
registration and cancellation, a member's own link, the check-in desk and the printable sign-in sheet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.masking import mask_phone
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors

from ..forms.growth import (
    CheckInSearchForm,
    EventForm,
    InvitationAudienceForm,
    InviteLinkForm,
    StaffRegistrationForm,
)
from ..models import Event, Registration
from ..permissions import may_run_club, may_serve_members
from ..selectors.events import (
    check_in_matches,
    event_for,
    event_list,
    event_registrations,
    latest_invitation_round,
    sign_in_sheet,
)
from ..services.events import (
    EventChangedError,
    event_create,
    event_invite_url,
    event_update,
    registration_cancel,
    registration_check_in,
    registration_create,
)
from ..services.invitations import round_progress
from ._growth import require_run, require_serve, require_view

WAITLIST_SHOWN = 100


def _event_or_404(user, pk: int) -> Event:
    event = event_for(user=user, pk=pk)
    if event is None:
        raise Http404(_("No such event."))
    return event


def _mask(registrations) -> None:
    for registration in registrations:
        registration.phone_masked = mask_phone(registration.member.phone)


@login_required
@require_GET
def events(request):
    require_view(request.user)
    when = request.GET.get("when", "")
    when = when if when in ("upcoming", "past") else ""
    page, pager = newest_first_page(request, event_list(user=request.user, when=when))
    if page is None:
        return broken_link(request)
    return render(
        request,
        "membership/events/list.html",
        {"events": page, "when": when, "may_run": may_run_club(request.user), **pager},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request):
    require_run(request.user)
    form = EventForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = event_create(by=request.user, **form.event_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Event created."))
            return redirect("club:event", pk=event.pk)
    return render(request, "membership/events/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int):
    require_run(request.user)
    event = _event_or_404(request.user, pk)
    form = EventForm(
        request.POST or None, instance=event, initial={"version": event.version}, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            event_update(
                event=event,
                by=request.user,
                expected_version=form.cleaned_data["version"] or 0,
                **form.event_fields(),
            )
        except EventChangedError as error:
            form.add_error(None, error.messages)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Event saved."))
            return redirect("club:event", pk=pk)
    return render(
        request,
        "membership/events/form.html",
        {"form": form, "event": event},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def event_detail(request, pk: int):
    require_view(request.user)
    event = _event_or_404(request.user, pk)
    page, pager = newest_first_page(request, event_registrations(event=event))
    if page is None:
        return broken_link(request)
    waitlist = list(event_registrations(event=event, status="waitlisted")[:WAITLIST_SHOWN])
    _mask(page)
    _mask(waitlist)
    may_serve = may_serve_members(request.user)
    may_run = may_run_club(request.user)
    return render(
        request,
        "membership/events/detail.html",
        {
            "event": event,
            "registrations": page,
            "waitlist": waitlist,
            "free": max(event.capacity - event.places_taken, 0),
            "may_serve": may_serve,
            "may_run": may_run,
            "invitations": round_progress(latest_invitation_round(event=event)),
            "audience_form": InvitationAudienceForm(user=request.user) if may_run else None,
            "register_form": StaffRegistrationForm(user=request.user) if may_serve else None,
            "invite_form": InviteLinkForm(user=request.user) if may_serve else None,
            **pager,
        },
    )


@login_required
@require_POST
def event_register(request, pk: int):
    require_serve(request.user)
    event = _event_or_404(request.user, pk)
    form = StaffRegistrationForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            registration = registration_create(
                event=event,
                member=form.cleaned_data["member"],
                guests=form.cleaned_data["guests"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if registration.status == Registration.Status.CONFIRMED:
                messages.success(request, _("%(name)s is registered.") % {"name": registration.member.name})
            else:
                messages.warning(
                    request,
                    _("The event is full: %(name)s is on the waitlist.") % {"name": registration.member.name},
                )
    else:
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return redirect("club:event", pk=pk)


@login_required
@require_POST
def event_invite(request, pk: int):
    """Show the member's own registration link, to send or read out to them."""
    require_serve(request.user)
    event = _event_or_404(request.user, pk)
    form = InviteLinkForm(request.POST, user=request.user)
    if form.is_valid():
        member = form.cleaned_data["member"]
        messages.info(
            request,
            _("%(name)s's own registration link: %(link)s")
            % {"name": member.name, "link": event_invite_url(event=event, member=member)},
        )
    else:
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return redirect("club:event", pk=pk)


@login_required
@require_POST
def registration_cancel_view(request, pk: int, registration_pk: int):
    require_serve(request.user)
    event = _event_or_404(request.user, pk)
    registration = get_object_or_404(Registration, pk=registration_pk, event=event)
    try:
        registration_cancel(registration=registration, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Registration cancelled; the waitlist moves up."))
    return redirect("club:event", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, pk: int):
    """The door: find a registration by the phone's last 4 digits or the confirmation's QR code (POST
    with `q`), then check it in (POST with `registration`)."""
    require_serve(request.user)
    event = _event_or_404(request.user, pk)
    if request.method == "POST" and "registration" in request.POST:
        registration_pk = request.POST["registration"]
        if not registration_pk.isdigit():
            return render(request, "400.html", {"message": _("Choose a registration.")}, status=400)
        registration = get_object_or_404(Registration, pk=int(registration_pk), event=event)
        try:
            registration = registration_check_in(registration=registration, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s checked in (party of %(party)d).")
                % {"name": registration.member.name, "party": 1 + registration.guests},
            )
        return redirect("club:check_in", pk=pk)
    # Searched by POST: a phone's digits or a token stay out of the URL (and the access logs).
    form = CheckInSearchForm(request.POST if request.method == "POST" else None)
    matches = None
    if form.is_bound and form.is_valid():
        matches = check_in_matches(event=event, **form.cleaned_data["q"])
        _mask(matches)
    return render(
        request,
        "membership/events/check_in.html",
        {"event": event, "form": form, "matches": matches},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_GET
def event_sign_in_sheet(request, pk: int):
    require_view(request.user)
    event = _event_or_404(request.user, pk)
    rows = list(sign_in_sheet(event=event))
    _mask(rows)
    return render(request, "membership/events/sign_in_sheet.html", {"event": event, "registrations": rows})
