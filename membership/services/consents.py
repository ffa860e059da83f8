"""Consents (PIPL): the club's use of a member's personal data, and marketing messages.

Append-only: every grant and withdrawal is a Consent row with the text version it answered, the
channel, the time and the staff member who recorded it. The current consent of a kind is the latest
row of that kind; a withdrawal counts from the moment it is written (every sender asks
`member_may_receive_marketing` when it builds a message). Withdrawing the club-data consent is
leaving the club: the member is marked as left and marketing is withdrawn with it.

A marketing message carries an unsubscribe link (`unsubscribe_url`): a signed token naming the member,
which withdraws marketing without a login (`marketing_unsubscribe`).
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log
from customers.consents import customers_withdrawn
from customers.models import ConsentPurpose

from ..consent_texts import current_text
from ..models import Consent, EnrolmentChannel, Member
from ..permissions import may_serve_members

UNSUBSCRIBE_SALT = "membership.unsubscribe"


def _latest(member: Member, kind: str) -> Consent | None:
    return Consent.objects.filter(member=member, kind=kind).order_by("-recorded_at", "-id").first()


def consents_current(member: Member) -> dict[str, Consent | None]:
    """Each kind's latest row (None: never answered), in one query."""
    current: dict[str, Consent | None] = dict.fromkeys(Consent.Kind.values)
    for consent in Consent.objects.filter(member=member).order_by("kind", "-recorded_at", "-id"):
        if current[consent.kind] is None:
            current[consent.kind] = consent
    return current


def member_may_receive_marketing(member: Member) -> bool:
    """The one question every marketing message asks: an active member whose latest answers to both
    consents are yes. Service messages (a waitlist place, a redemption code) do not ask it."""
    if member.left_at is not None:
        return False
    # A member who is a customer and withdrew marketing at the customer's level (on the hotline, say)
    # is not marketed to by the club either: one answer for the person.
    if member.customer_id and (
        member.customer.anonymised_at is not None  # type: ignore[union-attr]  # the *_id test beside it: the relation is set
        or customers_withdrawn([member.customer_id], ConsentPurpose.MARKETING)
    ):
        return False
    current = consents_current(member)
    latest = (current[kind] for kind in (Consent.Kind.CLUB_DATA, Consent.Kind.MARKETING))
    return all(consent is not None and consent.granted for consent in latest)


def _check_staff(by, member: Member) -> None:
    if by is None:
        return
    if not may_serve_members(by):
        raise PermissionDenied(_("Your role may not record a member's consents."))
    if not Member.objects.visible_to(by).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This member is outside your city companies and projects."))


def consent_record(
    *,
    member: Member,
    kind: str,
    granted: bool,
    channel: str,
    by=None,
    now: datetime.datetime | None = None,
) -> Consent:
    """Append one answer to the current text of `kind`. Called inside the enrolment's transaction
    too; `by` is the staff member recording it (None: the person themselves, on a public page)."""
    if kind not in Consent.Kind.values:
        raise ValidationError({"kind": _("Unknown consent.")})
    if channel not in EnrolmentChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    return Consent.objects.create(
        member=member,
        kind=kind,
        granted=granted,
        text_version=current_text(kind).version,
        channel=channel,
        recorded_at=now or timezone.now(),
        recorded_by=by,
    )


def _locked(member: Member) -> Member:
    # One member's consent changes queue behind this lock, so "the latest row" is well defined.
    return Member.objects.select_for_update().get(pk=member.pk)


@transaction.atomic
def consent_grant(*, member: Member, kind: str, by, channel: str = EnrolmentChannel.STAFF) -> Consent:
    """A member agrees again (e.g. to marketing, on the phone with an agent)."""
    _check_staff(by, member)
    locked = _locked(member)
    if locked.left_at is not None:
        raise ValidationError(_("This member has left the club: enrol them again instead."))
    return consent_record(member=locked, kind=kind, granted=True, channel=channel, by=by)


@transaction.atomic
def consent_withdraw(
    *, member: Member, kind: str, by, channel: str = EnrolmentChannel.STAFF, now=None
) -> Consent:
    """Record a withdrawal (a phone call, a letter, the unsubscribe link). Honoured at once. The
    club-data consent withdrawn means leaving the club: marketing goes with it."""
    _check_staff(by, member)
    now = now or timezone.now()
    locked = _locked(member)
    consent = consent_record(member=locked, kind=kind, granted=False, channel=channel, by=by, now=now)
    if kind == Consent.Kind.CLUB_DATA:
        marketing = _latest(locked, Consent.Kind.MARKETING)
        if marketing is not None and marketing.granted:
            consent_record(
                member=locked, kind=Consent.Kind.MARKETING, granted=False, channel=channel, by=by, now=now
            )
        if locked.left_at is None:
            Member.objects.filter(pk=locked.pk).update(left_at=now, updated_at=now)
            audit_log(locked, by=by, changes={"left_at": (None, now)})
            member.left_at = now
    return consent


# --- the unsubscribe link --------------------------------------------------------------------------


def unsubscribe_token(member: Member) -> str:
    return signing.dumps({"member": member.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(member: Member) -> str:
    """The path for a marketing message's unsubscribe link (prefix the site's address)."""
    return reverse("club_public:unsubscribe", args=[unsubscribe_token(member)])


def member_from_unsubscribe_token(token: str) -> Member | None:
    """The member the link names, or None for a link this server did not sign. Links do not expire:
    an old message's link must keep working."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    member_id = payload.get("member") if isinstance(payload, dict) else None
    if not isinstance(member_id, int):
        return None
    return Member.objects.filter(pk=member_id).first()


@transaction.atomic
def marketing_unsubscribe(*, member: Member) -> bool:
    """The member withdraws marketing from a message's link. Idempotent: a second click records
    nothing more. Returns whether a withdrawal was recorded."""
    locked = _locked(member)
    latest = _latest(locked, Consent.Kind.MARKETING)
    if latest is not None and not latest.granted:
        return False
    consent_record(member=locked, kind=Consent.Kind.MARKETING, granted=False, channel=EnrolmentChannel.PUBLIC)
    return True
