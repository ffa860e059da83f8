"""Club events (联谊活动): create and edit, register (by staff or by the member's own link), cancel
with the waitlist promoted automatically, and check in at the door.

Places: a confirmed (or attended) registration takes 1 + its guests. Every change of who holds a
place (register, cancel, capacity raised) locks the event's row first, so concurrent cancellations
and registrations are serialised per event: the places taken never exceed the capacity, and each
waitlisted member is promoted at most once. The waitlist is first come, first served: it is promoted
in registration order, and stops at the first registration that does not fit (no overtaking by a
smaller party). A promoted member is told by SMS through the outbox (a service message: sent
whatever their marketing consent).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import OutgoingMessage, messages_enqueue

from ..models import Event, Member, PointsEntry, Registration
from ..permissions import may_run_club, may_serve_members
from .points import points_earn

MAX_GUESTS = 4
HOLDING = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)
LIVE = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.ATTENDED)
EVENT_FIELDS = (
    "title",
    "kind",
    "description",
    "city_company",
    "project",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_closes_at",
    "attendance_points",
    "status",
)
INVITE_SALT = "membership.event-invite"


class EventChangedError(ValidationError):
    """Someone else saved the event after this editor loaded it."""

    def __init__(self) -> None:
        super().__init__(_("Someone else changed this event meanwhile. Reload the page and try again."))


# --- events ------------------------------------------------------------------------------------------


def _check_event_scope(by, *, city_company_id: int, project_id: int | None) -> None:
    scope = by.scope
    if scope.is_unrestricted or city_company_id in scope.city_company_ids:
        return
    if project_id is not None and project_id in scope.project_ids:
        return
    raise PermissionDenied(_("This event is outside your city companies and projects."))


def _validate_event(event: Event) -> None:
    event.full_clean(exclude=["created_by"], validate_constraints=False)
    errors = {}
    if event.ends_at < event.starts_at:
        errors["ends_at"] = _("The event ends before it starts.")
    if event.registration_closes_at and event.registration_closes_at > event.ends_at:
        errors["registration_closes_at"] = _("Registration closes after the event has ended.")
    if event.project_id and event.project.city_company_id != event.city_company_id:  # type: ignore[union-attr]  # the *_id test beside it: the relation is set
        errors["project"] = _("The project belongs to another city company.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_create(*, by, **fields) -> Event:
    if not may_run_club(by):
        raise PermissionDenied(_("Your role may not organise club events."))
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    event = Event(created_by=by, **fields)
    _check_event_scope(by, city_company_id=event.city_company_id, project_id=event.project_id)
    _validate_event(event)
    event.save()
    return event


@transaction.atomic
def event_update(*, event: Event, by, expected_version: int, **fields) -> Event:
    """Edit an event; a raised capacity promotes the waitlist, a lowered one may not go under the
    places already taken."""
    if not may_run_club(by):
        raise PermissionDenied(_("Your role may not organise club events."))
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    locked = _lock_event(event.pk)
    _check_event_scope(by, city_company_id=locked.city_company_id, project_id=locked.project_id)
    if locked.version != expected_version:
        raise EventChangedError()
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_event_scope(by, city_company_id=locked.city_company_id, project_id=locked.project_id)
    _validate_event(locked)
    taken = places_taken(locked)
    if locked.capacity < taken:
        raise ValidationError(
            {
                "capacity": _("%(taken)d places are already taken: the capacity cannot be lower.")
                % {"taken": taken}
            }
        )
    locked.version = expected_version + 1
    locked.save()
    _promote_waitlist(locked)
    return locked


def _lock_event(pk: int) -> Event:
    """The event's row, locked: the one lock every change of places takes (see the module docstring)."""
    return Event.objects.select_for_update().get(pk=pk)


def places_taken(event: Event) -> int:
    """Places held now: each confirmed or attended registration, with its guests."""
    held = Registration.objects.filter(event=event, status__in=HOLDING).aggregate(
        places=Coalesce(Sum(F("guests") + 1), 0)
    )
    return held["places"]


# --- registration ------------------------------------------------------------------------------------


def _check_registering(event: Event, member: Member, guests: int, now: datetime.datetime) -> None:
    if event.status != Event.Status.OPEN:
        raise ValidationError(_("This event is not open for registration."))
    closes_at = event.registration_closes_at or event.starts_at
    if now >= closes_at:
        raise ValidationError(_("Registration for this event has closed."))
    if member.left_at is not None:
        raise ValidationError(_("This member has left the club."))
    if not 0 <= guests <= MAX_GUESTS:
        raise ValidationError({"guests": _("Up to %(count)d guests.") % {"count": MAX_GUESTS}})
    if Registration.objects.filter(event=event, member=member, status__in=LIVE).exists():
        raise ValidationError(_("This member is already registered for this event."))


@transaction.atomic
def registration_create(
    *, event: Event, member: Member, guests: int = 0, by=None, now: datetime.datetime | None = None
) -> Registration:
    """Register a member: confirmed when their party fits, else on the waitlist. `by` is the staff
    member, None when the member registers through their own link."""
    now = now or timezone.now()
    if by is not None:
        if not may_serve_members(by):
            raise PermissionDenied(_("Your role may not register members for events."))
        if not Event.objects.visible_to(by).filter(pk=event.pk).exists():
            raise PermissionDenied(_("This event is outside your city companies and projects."))
        if not Member.objects.visible_to(by).filter(pk=member.pk).exists():
            raise PermissionDenied(_("This member is outside your city companies and projects."))
    locked = _lock_event(event.pk)
    _check_registering(locked, member, guests, now)
    waiting = Registration.objects.filter(event=locked, status=Registration.Status.WAITLISTED).exists()
    fits = places_taken(locked) + 1 + guests <= locked.capacity
    # Nobody overtakes the waitlist: with people waiting, a newcomer waits behind them.
    status = Registration.Status.CONFIRMED if fits and not waiting else Registration.Status.WAITLISTED
    return Registration.objects.create(
        event=locked, member=member, status=status, guests=guests, registered_at=now, registered_by=by
    )


@transaction.atomic
def registration_cancel(
    *, registration: Registration, by=None, now: datetime.datetime | None = None
) -> Registration:
    """Cancel a place or a waitlist spot (staff, or the member on their confirmation page: by=None);
    the places it frees go to the waitlist at once."""
    now = now or timezone.now()
    if by is not None:
        if not may_serve_members(by):
            raise PermissionDenied(_("Your role may not cancel registrations."))
        if not Event.objects.visible_to(by).filter(pk=registration.event_id).exists():
            raise PermissionDenied(_("This event is outside your city companies and projects."))
    event = _lock_event(registration.event_id)
    cancelled = Registration.objects.filter(
        pk=registration.pk, status__in=(Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
    ).update(status=Registration.Status.CANCELLED, cancelled_at=now)
    if not cancelled:
        raise ValidationError(_("Only a confirmed or waitlisted registration can be cancelled."))
    _promote_waitlist(event, now=now)
    registration.refresh_from_db()
    return registration


def _promote_waitlist(event: Event, now: datetime.datetime | None = None) -> list[Registration]:
    """With the event's row locked: move waitlisted registrations, oldest first, into the free places,
    stopping at the first that does not fit; tell each promoted member. Returns the promoted."""
    if event.status not in (Event.Status.OPEN, Event.Status.CLOSED):
        return []
    now = now or timezone.now()
    free = event.capacity - places_taken(event)
    promoted = []
    queue = (
        Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
        .select_related("member")
        .order_by("registered_at", "id")
    )
    for registration in queue:
        needed = 1 + registration.guests
        if needed > free:
            break
        claimed = Registration.objects.filter(
            pk=registration.pk, status=Registration.Status.WAITLISTED
        ).update(status=Registration.Status.CONFIRMED, promoted_at=now)
        if claimed:
            free -= needed
            registration.status, registration.promoted_at = Registration.Status.CONFIRMED, now
            promoted.append(registration)
    if promoted:
        messages_enqueue([_promotion_message(event, registration) for registration in promoted], now=now)
    return promoted


def confirmation_url(registration: Registration) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("club_public:registration", args=[registration.token])


def _promotion_message(event: Event, registration: Registration) -> OutgoingMessage:
    starts = timezone.localtime(event.starts_at)
    params = {
        "name": registration.member.name,
        "event": event.title,
        "time": f"{starts:%Y-%m-%d %H:%M}",
        "place": event.place,
        "link": confirmation_url(registration),
    }
    text = (
        _(
            "%(name)s, a place has become free: you are now registered for %(event)s on %(time)s at %(place)s."
            " Your confirmation and check-in code: %(link)s"
        )
        % params
    )
    return OutgoingMessage(
        channel="sms",
        recipient=registration.member.phone,
        kind="club_waitlist_promoted",
        idempotency_key=f"club-waitlist-promoted.registration-{registration.pk}",
        body=text,
        template_code="club_waitlist_promoted",
        template_params=params,
    )


# --- check-in at the door ----------------------------------------------------------------------------


@transaction.atomic
def registration_check_in(
    *, registration: Registration, by, now: datetime.datetime | None = None
) -> Registration:
    """Mark a confirmed registration attended and credit the event's attendance points (once)."""
    now = now or timezone.now()
    if not may_serve_members(by):
        raise PermissionDenied(_("Your role may not check members in."))
    if not Event.objects.visible_to(by).filter(pk=registration.event_id).exists():
        raise PermissionDenied(_("This event is outside your city companies and projects."))
    current = (
        Registration.objects.select_for_update().select_related("event", "member").get(pk=registration.pk)
    )
    if current.event.status == Event.Status.CANCELLED:
        raise ValidationError(_("This event has been cancelled."))
    if current.status == Registration.Status.ATTENDED:
        raise ValidationError(
            _("Already checked in at %(time)s.")
            % {"time": f"{timezone.localtime(current.checked_in_at):%H:%M}"}
        )
    if current.status == Registration.Status.WAITLISTED:
        raise ValidationError(_("This member is on the waitlist, without a place."))
    if current.status != Registration.Status.CONFIRMED:
        raise ValidationError(_("This registration was cancelled."))
    current.status, current.checked_in_at, current.checked_in_by = Registration.Status.ATTENDED, now, by
    current.save(update_fields=["status", "checked_in_at", "checked_in_by"])
    points = current.event.attendance_points
    if points and current.member.left_at is None:
        points_earn(
            member=current.member,
            kind=PointsEntry.Kind.EVENT,
            points=points,
            source=f"registration:{current.pk}",
            reason=_("Attended %(event)s") % {"event": current.event.title},
            actor=by,
        )
    return current


# --- the member's own link ---------------------------------------------------------------------------


def event_invite_token(*, event: Event, member: Member) -> str:
    """The signed token of a member's own registration link for an event (/club/e/<token>/)."""
    return signing.dumps({"event": event.pk, "member": member.pk}, salt=INVITE_SALT, compress=True)


def event_invite_url(*, event: Event, member: Member) -> str:
    token = event_invite_token(event=event, member=member)
    return settings.SITE_URL.rstrip("/") + reverse("club_public:invite", args=[token])


def event_invite_read(token: str) -> tuple[Event, Member] | None:
    """The event and member a link was made for; None when it is forged, or either is gone."""
    try:
        data = signing.loads(token, salt=INVITE_SALT)
        event_id, member_id = int(data["event"]), int(data["member"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    event = Event.objects.select_related("project").filter(pk=event_id).first()
    member = Member.objects.filter(pk=member_id).first()
    if event is None or member is None:
        return None
    return event, member
