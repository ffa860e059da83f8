"""Reads of club events: the list, an event's registrations and waitlist, the door's search."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Event, InvitationRound, Registration

HOLDING = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


def event_list(*, user, when: str = "") -> QuerySet[Event]:
    """Events in scope with their places taken and waitlist length (one query with the page)."""
    events = Event.objects.visible_to(user).select_related("project", "city_company")
    now = timezone.now()
    if when == "upcoming":
        events = events.filter(ends_at__gte=now)
    elif when == "past":
        events = events.filter(ends_at__lt=now)
    return events.annotate(  # type: ignore[return-value]  # the custom QuerySet: the stubs lose its model
        places_taken=Coalesce(Sum("registrations__guests", filter=Q(registrations__status__in=HOLDING)), 0)
        + Count("registrations", filter=Q(registrations__status__in=HOLDING)),
        waitlisted=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
    )


def event_for(*, user, pk: int) -> Event | None:
    return event_list(user=user).filter(pk=pk).first()


def event_registrations(*, event: Event, status: str = "") -> QuerySet[Registration]:
    registrations = Registration.objects.filter(event=event).select_related("member")
    if status == "waitlisted":
        return registrations.filter(status=Registration.Status.WAITLISTED).order_by("registered_at", "id")
    if status == "cancelled":
        return registrations.filter(status=Registration.Status.CANCELLED)
    return registrations.filter(status__in=HOLDING)


def check_in_matches(*, event: Event, phone_tail: str = "", token: str = "") -> list[Registration]:
    """The event's live registrations whose member's phone ends in `phone_tail`, or with `token`."""
    registrations = Registration.objects.filter(event=event).exclude(status=Registration.Status.CANCELLED)
    if token:
        registrations = registrations.filter(token=token)
    else:
        registrations = registrations.filter(member__phone_last4=phone_tail)
    return list(registrations.select_related("member").order_by("member__name", "id")[:20])


def sign_in_sheet(*, event: Event) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(event=event, status__in=HOLDING)
        .select_related("member")
        .order_by("member__name", "id")
    )


def latest_invitation_round(*, event: Event) -> InvitationRound | None:
    """The event's latest invitation round (the page shows its progress)."""
    return InvitationRound.objects.filter(event=event).order_by("-created_at", "-id").first()
