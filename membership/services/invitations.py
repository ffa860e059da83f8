"""Inviting members to an event by message (a marketing message: only with marketing consent).

Staff start a **round** with an audience (the member list's filters: city company, project, tier,
value class, RFM segment, interests) inside their scope; a background job (membership.tasks) sends it,
as the survey campaigns' send job does:

1. Selecting, once, in one transaction: the members of the audience who may receive marketing now
   (`marketing_audience`) and hold no live registration for the event become `EventInvitation` rows.
   A member has at most one per event (a unique constraint; a conflict is skipped), so a second
   round, or a rerun, never invites anyone twice. `total` records the number.
2. Sending, batch after batch, each one transaction: the next scheduled invitations (SKIP LOCKED),
   their members' rows locked and their consents read again (a withdrawal recorded since the
   selection counts: not sent), one message each through the outbox, keyed per event and member
   ("club-event-invitation.event-<id>.member-<id>"), the rows marked and `done` moved. A worker
   killed mid-way loses the batch in flight only; the rerun (Celery's redelivery, or the shared
   sweep after STALL_MINUTES without progress) sends it, once.

Each message carries the member's own registration link (signed, per event and member:
`event_invite_url`) and the unsubscribe link. A member linked to a customer is written to on the
customer's preferred channel (customers.messaging.owner_message); otherwise by SMS to their mobile.
"""

from __future__ import annotations

import datetime
import time

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.outbox import OutgoingMessage, messages_enqueue
from customers.messaging import owner_message
from customers.models import CustomerPhone

from ..models import Event, EventInvitation, InvitationRound, Member, Registration
from ..permissions import may_run_club
from ..selectors.members import MemberFilters, marketing_audience, member_list
from .consents import unsubscribe_url
from .events import LIVE, event_invite_url

KIND = "club_event_invitation"
SEND_TASK = "membership.tasks.send_event_invitations"
BATCH = 500
INSERT_BATCH = 2000
STALL_MINUTES = 10
# The member list's filters an audience may use (not the search box, nor members who left).
AUDIENCE_FIELDS = ("city_company", "project", "tier", "value_class", "rfm_segment", "interests")


def audience_filters(**fields) -> dict:
    """The round's stored audience: the AUDIENCE_FIELDS given (empty values dropped)."""
    unknown = set(fields) - set(AUDIENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown audience fields: {sorted(unknown)}")
    stored = {name: value for name, value in fields.items() if value not in (None, "", (), [])}
    if "interests" in stored:
        stored["interests"] = list(stored["interests"])
    return stored


def _member_filters(stored: dict) -> MemberFilters:
    fields = {name: stored[name] for name in AUDIENCE_FIELDS if name in stored}
    if "interests" in fields:
        fields["interests"] = tuple(fields["interests"])
    return MemberFilters(**fields)


# --- starting a round ------------------------------------------------------------------------------


@transaction.atomic
def invitation_round_start(
    *, by, event: Event, filters: dict, now: datetime.datetime | None = None
) -> InvitationRound:
    """Start inviting the audience `filters` (audience_filters) to an open event; the job is enqueued
    once this commits. One round of an event at a time."""
    now = now or timezone.now()
    if not may_run_club(by):
        raise PermissionDenied(_("Your role may not invite members to events."))
    locked = Event.objects.visible_to(by).select_for_update().filter(pk=event.pk).first()
    if locked is None:
        raise PermissionDenied(_("This event is outside your city companies and projects."))
    if locked.status != Event.Status.OPEN:
        raise ValidationError(_("Only an event open for registration can be sent invitations."))
    if now >= (locked.registration_closes_at or locked.starts_at):
        raise ValidationError(_("Registration for this event has closed."))
    if InvitationRound.objects.filter(event=locked, status=InvitationRound.Status.SENDING).exists():
        raise ValidationError(_("Invitations to this event are being sent: wait until they are done."))
    invitation_round = InvitationRound.objects.create(
        event=locked, filters=audience_filters(**filters), created_by=by, created_at=now, updated_at=now
    )
    round_id = invitation_round.pk
    # Named, not imported: membership.tasks imports this module.
    transaction.on_commit(lambda: current_app.signature(SEND_TASK, args=(round_id,)).delay(), robust=True)
    return invitation_round


# --- the job ---------------------------------------------------------------------------------------


def invitation_audience(invitation_round: InvitationRound) -> QuerySet[Member]:
    """The round's members now: the audience in the inviter's scope, with marketing consent, not
    registered for the event already."""
    registered = Registration.objects.filter(
        event_id=invitation_round.event_id, member_id=OuterRef("pk"), status__in=LIVE
    )
    members = member_list(user=invitation_round.created_by, filters=_member_filters(invitation_round.filters))
    return marketing_audience(members).filter(~Exists(registered)).order_by("pk")


def invitation_round_select(round_id: int, *, now: datetime.datetime | None = None) -> int:
    """Step 1, once (a round already selected is left as it is): the audience becomes scheduled
    invitations, in one transaction. Returns the round's total."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation_round = (
            InvitationRound.objects.select_for_update().select_related("created_by").get(pk=round_id)
        )
        if invitation_round.selected_at is not None:
            return invitation_round.total
        member_ids = invitation_audience(invitation_round).values_list("pk", flat=True)
        batch: list[EventInvitation] = []
        for member_id in member_ids.iterator(chunk_size=INSERT_BATCH):
            batch.append(
                EventInvitation(
                    event_id=invitation_round.event_id, member_id=member_id, round=invitation_round
                )
            )
            if len(batch) >= INSERT_BATCH:
                EventInvitation.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        EventInvitation.objects.bulk_create(batch, ignore_conflicts=True)
        total = invitation_round.invitations.count()
        fields = {"total": total, "selected_at": now, "updated_at": now}
        if total == 0:
            fields.update(status=InvitationRound.Status.DONE, finished_at=now)
        InvitationRound.objects.filter(pk=round_id).update(**fields)
        return total


def invitation_message(invitation: EventInvitation) -> OutgoingMessage | None:
    """The invitation to the member: on their customer's channel when linked, else SMS; None when
    there is no way to reach them. Needs invitation.event and invitation.member (with customer)."""
    member, event = invitation.member, invitation.event
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "name": member.name,
            "event": event.title,
            "time": f"{timezone.localtime(event.starts_at):%Y-%m-%d %H:%M}",
            "place": event.place,
            "link": event_invite_url(event=event, member=member),
            "unsubscribe": site + unsubscribe_url(member),
        }
        text = (
            _(
                "%(name)s, the club invites you to %(event)s on %(time)s at %(place)s."
                " Register here: %(link)s (no more club news: %(unsubscribe)s)"
            )
            % params
        )
        subject = _("Invitation: %(event)s") % params
    key = f"club-event-invitation.event-{event.pk}.member-{member.pk}"
    if member.customer_id is not None:
        message = owner_message(
            member.customer,  # type: ignore[arg-type]  # the *_id test beside it: the relation is set
            kind=KIND,
            idempotency_key=key,
            subject=subject,
            text=text,
            template_params=params,
        )
        if message is not None:
            return message
    if not member.phone:
        return None
    return OutgoingMessage(
        channel="sms",
        recipient=member.phone,
        kind=KIND,
        idempotency_key=key,
        body=text,
        template_code=KIND,
        template_params=params,
    )


def invitation_round_send_batch(
    round_id: int, *, size: int = BATCH, now: datetime.datetime | None = None
) -> int:
    """Step 2, one batch in one transaction (see the module's docstring). Returns how many
    invitations it settled (0: none left)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            EventInvitation.objects.filter(round_id=round_id, status=EventInvitation.Status.SCHEDULED)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return 0
        invitations = list(
            EventInvitation.objects.filter(pk__in=ids)
            .select_related("event", "member__customer")
            .prefetch_related(
                Prefetch(
                    "member__customer__phones", queryset=CustomerPhone.objects.order_by("-is_primary", "id")
                )
            )
            .order_by("pk")
        )
        member_ids = sorted({invitation.member_id for invitation in invitations})
        # The members' rows, locked as a consent change locks them: a withdrawal either committed
        # before this read (and is honoured) or waits for this batch.
        list(
            Member.objects.filter(pk__in=member_ids)
            .order_by("pk")
            .select_for_update(no_key=True)
            .values("pk")
        )
        consenting = set(
            marketing_audience(Member.objects.filter(pk__in=member_ids)).values_list("pk", flat=True)
        )
        messages, outcome = [], {}
        for invitation in invitations:
            if invitation.member_id not in consenting:
                outcome[invitation.pk] = (EventInvitation.Status.NO_CONSENT, "")
                continue
            message = invitation_message(invitation)
            if message is None:
                outcome[invitation.pk] = (EventInvitation.Status.UNREACHABLE, "")
            else:
                messages.append(message)
                outcome[invitation.pk] = (EventInvitation.Status.SENT, message.channel)
        messages_enqueue(messages, now=now)
        by_outcome: dict[tuple[str, str], list[int]] = {}
        for pk, key in outcome.items():
            by_outcome.setdefault(key, []).append(pk)
        for (status, channel), pks in by_outcome.items():
            EventInvitation.objects.filter(pk__in=pks).update(
                status=status, channel=channel, sent_at=now if status == EventInvitation.Status.SENT else None
            )
        InvitationRound.objects.filter(pk=round_id).update(done=F("done") + len(ids), updated_at=now)
        return len(ids)


def invitation_round_finish(round_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Mark the round sent once nothing is left to send. True when it is (or was) done."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation_round = InvitationRound.objects.select_for_update().get(pk=round_id)
        if invitation_round.status == InvitationRound.Status.DONE:
            return True
        scheduled = invitation_round.invitations.filter(status=EventInvitation.Status.SCHEDULED)
        if invitation_round.selected_at is None or scheduled.exists():
            return False
        done = invitation_round.invitations.count()
        InvitationRound.objects.filter(pk=round_id).update(
            status=InvitationRound.Status.DONE, done=done, finished_at=now, updated_at=now
        )
        return True


def invitation_round_run(round_id: int, *, max_seconds: float | None = None, size: int = BATCH) -> bool:
    """The job: select (once), then batch after batch for up to `max_seconds`. True when the round
    is done; False when time ran out with invitations left (the task hands over)."""
    invitation_round = InvitationRound.objects.filter(pk=round_id).only("status").first()
    if invitation_round is None or invitation_round.status != InvitationRound.Status.SENDING:
        return True
    invitation_round_select(round_id)
    started = time.monotonic()
    while invitation_round_send_batch(round_id, size=size):
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            break
    return invitation_round_finish(round_id)


def stalled_round_ids(*, now: datetime.datetime | None = None) -> list[int]:
    """Rounds still sending without progress for STALL_MINUTES: their job died."""
    now = now or timezone.now()
    quiet_since = now - datetime.timedelta(minutes=STALL_MINUTES)
    return list(
        InvitationRound.objects.filter(status=InvitationRound.Status.SENDING, updated_at__lte=quiet_since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def round_progress(invitation_round: InvitationRound | None) -> dict | None:
    """What the event page shows of a round (and polls while it runs)."""
    if invitation_round is None:
        return None
    total, done = invitation_round.total, invitation_round.done
    running = invitation_round.status == InvitationRound.Status.SENDING
    if running and invitation_round.selected_at is None:
        label = _("Choosing the members…")
    elif running:
        label = _("Sent %(done)s of %(total)s") % {"done": f"{done:,}", "total": f"{total:,}"}
    else:
        label = _("%(total)s invitations settled") % {"total": f"{total:,}"}
    return {
        "running": running,
        "status": invitation_round.status,
        "status_label": label,
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)) if total else (0 if running else 100),
    }
