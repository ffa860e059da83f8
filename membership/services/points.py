"""The points ledger: every change of a member's points is one appended `PointsEntry`, never updated
or deleted; `Member.points_balance` is their sum, written in the same transaction with the member's
row locked, so concurrent redemptions queue on that lock and the balance never goes negative (the
service refuses first with `InsufficientPoints`; the check constraint is the last guard).

Each entry names its source record ("contract:12", "redemption:WK7H…"); with its kind it is unique,
so a retried earn writes nothing twice. Earned points expire CLUB_POINTS_VALID_MONTHS after they were
earned (`points_expire`, daily): spends are taken from the oldest earnings first, and what is left of
an expired earning goes in one EXPIRY entry per member and day.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Member, PointsEntry
from ..permissions import may_run_club
from ..tiers import member_tier_refresh

logger = logging.getLogger(__name__)

Kind = PointsEntry.Kind
EARNING_KINDS = {Kind.PURCHASE, Kind.REFERRAL, Kind.EVENT, Kind.SURVEY, Kind.ADJUSTMENT}
SPENDING_KINDS = {Kind.REDEMPTION, Kind.EXPIRY, Kind.ADJUSTMENT}
EXPIRY_BATCH = 200


class InsufficientPoints(ValidationError):
    """The member's balance is smaller than the points asked for."""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has no such day: 31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def points_expiry_date(earned_on: datetime.date) -> datetime.date:
    return add_months(earned_on, settings.CLUB_POINTS_VALID_MONTHS)


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().only("id", "points_balance").get(pk=member.pk)


def _append(
    *, member: Member, locked: Member, kind, points: int, source: str, reason: str, actor, expires_on
) -> PointsEntry | None:
    """Write the entry and the new balance; None when (kind, source) is already in the ledger."""
    if PointsEntry.objects.filter(kind=kind, source=source).exists():
        return None
    if locked.points_balance + points < 0:
        raise InsufficientPoints(
            _("%(name)s has %(balance)d points; %(asked)d are needed.")
            % {"name": member.name, "balance": locked.points_balance, "asked": -points},
            code="insufficient_points",
        )
    try:
        with transaction.atomic():  # a savepoint: a racing duplicate leaves the outer transaction usable
            entry = PointsEntry.objects.create(
                member_id=member.pk,
                kind=kind,
                points=points,
                source=source,
                reason=reason,
                actor=actor,
                expires_on=expires_on,
            )
    except IntegrityError:
        if PointsEntry.objects.filter(kind=kind, source=source).exists():
            return None
        raise
    Member.objects.filter(pk=member.pk).update(points_balance=F("points_balance") + points)
    member.points_balance = locked.points_balance + points
    return entry


def _after_entry(member: Member, entry: PointsEntry | None) -> None:
    if entry is not None:
        member_tier_refresh(member)  # a balance past 1,000 or 5,000 moves the tier at once


def _check_text(*, points: int, source: str, reason: str) -> None:
    errors = {}
    if points <= 0:
        errors["points"] = _("Points must be a whole number above zero.")
    if not source.strip():
        errors["source"] = _("Every entry names the record it comes from.")
    if not reason.strip():
        errors["reason"] = _("Give the reason.")
    if errors:
        raise ValidationError(errors)


def points_earn(
    *,
    member: Member,
    kind: str,
    points: int,
    source: str,
    reason: str,
    actor=None,
    expires_on: datetime.date | None = None,
) -> PointsEntry | None:
    """Add `points` for `source`; None when this (kind, source) has already earned (a retry)."""
    if kind not in EARNING_KINDS:
        raise ValueError(f"{kind!r} does not earn points")
    _check_text(points=points, source=source, reason=reason)
    with transaction.atomic():
        locked = _lock(member)
        entry = _append(
            member=member,
            locked=locked,
            kind=kind,
            points=points,
            source=source,
            reason=reason,
            actor=actor,
            expires_on=expires_on or points_expiry_date(timezone.localdate()),
        )
        _after_entry(member, entry)
        return entry


def points_spend(
    *, member: Member, points: int, kind: str, source: str, reason: str, actor=None
) -> PointsEntry:
    """Take `points` off the balance, or raise InsufficientPoints. Spending the same (kind, source)
    again returns the entry already written: a retried redemption never spends twice."""
    if kind not in SPENDING_KINDS:
        raise ValueError(f"{kind!r} does not spend points")
    _check_text(points=points, source=source, reason=reason)
    with transaction.atomic():
        locked = _lock(member)
        entry = _append(
            member=member,
            locked=locked,
            kind=kind,
            points=-points,
            source=source,
            reason=reason,
            actor=actor,
            expires_on=None,
        )
        _after_entry(member, entry)
        if entry is None:
            entry = PointsEntry.objects.filter(kind=kind, source=source, member_id=member.pk).first()
        if entry is None:
            raise ValidationError(_("This source has already spent another member's points."))
        return entry


def points_adjust(*, member: Member, points: int, reason: str, by, source: str) -> PointsEntry:
    """A correction by someone who runs the club: positive adds (expiring as earned points do),
    negative takes off. `source` is the form's one-time key, so a resubmitted form adjusts once."""
    if not may_run_club(by) or not Member.objects.visible_to(by).filter(pk=member.pk).exists():
        raise PermissionDenied(_("You may not adjust this member's points."))
    if not points:
        raise ValidationError({"points": _("An adjustment is a number of points other than zero.")})
    source = f"adjustment:{source}"
    if points > 0:
        entry = points_earn(
            member=member, kind=Kind.ADJUSTMENT, points=points, source=source, reason=reason, actor=by
        )
        return entry or PointsEntry.objects.get(kind=Kind.ADJUSTMENT, source=source)
    return points_spend(
        member=member, points=-points, kind=Kind.ADJUSTMENT, source=source, reason=reason, actor=by
    )


# --- expiry ---------------------------------------------------------------------------------------


@dataclass
class _Lot:
    """What is left of one earning."""

    expires_on: datetime.date | None
    left: int


def points_expiring(entries: list[PointsEntry], *, today: datetime.date) -> int:
    """The points of `entries` (one member's ledger, oldest first) that have expired by `today` and
    are still unspent: each spend takes from the oldest earnings first; an earlier expiry entry took
    what was left of the earnings expired when it ran."""
    lots: list[_Lot] = []
    for entry in entries:
        if entry.points > 0:
            lots.append(_Lot(entry.expires_on, entry.points))
            continue
        owed = -entry.points
        if entry.kind == Kind.EXPIRY:
            ran_on = datetime.date.fromisoformat(entry.source.rpartition(":")[2])
            owed = _take(
                lots, owed, lambda lot, day=ran_on: lot.expires_on is not None and lot.expires_on <= day
            )
        _take(lots, owed, lambda lot: True)
    return sum(lot.left for lot in lots if lot.expires_on is not None and lot.expires_on <= today)


def _take(lots: list[_Lot], owed: int, eligible) -> int:
    """Take `owed` points from the eligible lots, oldest first; returns what could not be taken."""
    for lot in lots:
        if owed == 0:
            break
        if lot.left and eligible(lot):
            taken = min(lot.left, owed)
            lot.left -= taken
            owed -= taken
    return owed


def points_expire(*, today: datetime.date | None = None, batch_size: int = EXPIRY_BATCH) -> int:
    """Write one EXPIRY entry per member whose expired earnings are not all spent; returns the
    number of entries written. Its source names the member and the day: a rerun writes nothing."""
    today = today or timezone.localdate()
    expired_earning = PointsEntry.objects.filter(
        member_id=OuterRef("pk"), points__gt=0, expires_on__lte=today
    )
    candidates = Member.objects.filter(Exists(expired_earning), points_balance__gt=0).order_by("pk")
    written, last_id = 0, 0
    while True:
        ids = list(candidates.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        last_id = ids[-1]
        written += _expire_batch(ids, today)
        logger.info("points expiry: up to member %s, %s entries written", last_id, written)
    return written


def _expire_batch(member_ids: list[int], today: datetime.date) -> int:
    written = 0
    with transaction.atomic():
        # Locked in id order, as every other writer locks one member: no deadlock with redemptions.
        members = {
            m.pk: m for m in Member.objects.select_for_update().filter(pk__in=member_ids).order_by("pk")
        }
        ledgers: dict[int, list[PointsEntry]] = {pk: [] for pk in members}
        for entry in PointsEntry.objects.filter(member_id__in=member_ids).order_by("created_at", "id"):
            ledgers[entry.member_id].append(entry)
        for pk, member in members.items():
            points = min(points_expiring(ledgers[pk], today=today), member.points_balance)
            if points <= 0:
                continue
            expired = _append(
                member=member,
                locked=member,
                kind=Kind.EXPIRY,
                points=-points,
                source=f"expiry:{pk}:{today.isoformat()}",
                reason=_("Points earned more than %(months)d months ago expired.")
                % {"months": settings.CLUB_POINTS_VALID_MONTHS},
                actor=None,
                expires_on=None,
            )
            written += expired is not None
    return written
