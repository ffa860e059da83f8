"""The benefits catalogue (partner discounts, purchase discounts, priority notices of new projects)
and its redemption against points, with a voucher code.

A redemption locks the benefit's row first, then the member's (points_spend): every redemption takes
the locks in that order, so concurrent ones queue instead of deadlocking, and the per-member and total
limits are counted under the benefit's lock. The check constraint on `redeemed_count` is the last
guard of the total limit, the one on the balance of the points.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.services import ConcurrentEditError

from ..models import Benefit, Member, PointsEntry, Redemption
from ..permissions import may_run_club, may_serve_members
from .points import points_spend

BENEFIT_FIELDS = (
    "title",
    "kind",
    "partner",
    "description",
    "city_company",
    "points_cost",
    "per_member_limit",
    "total_limit",
    "valid_from",
    "valid_until",
    "is_active",
)
# No 0/O or 1/I: codes are read out at a merchant's till.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def voucher_code() -> str:
    return "WK" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def _check(benefit: Benefit) -> None:
    errors = {}
    if benefit.valid_from and benefit.valid_until and benefit.valid_from > benefit.valid_until:
        errors["valid_until"] = _("The benefit must be valid until a day after it starts.")
    if benefit.total_limit is not None and benefit.total_limit < benefit.redeemed_count:
        errors["total_limit"] = _("%(count)d have already been redeemed.") % {"count": benefit.redeemed_count}
    if benefit.points_cost < 1:
        errors["points_cost"] = _("A benefit costs at least one point.")
    if errors:
        raise ValidationError(errors)


def _may_run(by, city_company) -> None:
    if not may_run_club(by):
        raise PermissionDenied(_("You may not manage the benefits catalogue."))
    scope = by.scope
    if city_company is None:
        if not scope.is_unrestricted:
            raise PermissionDenied(_("Only the group may offer a benefit in every city."))
    elif not (scope.is_unrestricted or city_company.pk in scope.city_company_ids):
        raise PermissionDenied(_("You may not offer benefits in this city."))


def benefit_create(*, by, **fields) -> Benefit:
    _may_run(by, fields.get("city_company"))
    benefit = Benefit(**{name: value for name, value in fields.items() if name in BENEFIT_FIELDS})
    _check(benefit)
    benefit.save()
    return benefit


def benefit_update(*, benefit: Benefit, by, version: int, **fields) -> Benefit:
    with transaction.atomic():
        locked = Benefit.objects.select_for_update().get(pk=benefit.pk)
        _may_run(by, locked.city_company)
        if locked.version != version:
            raise ConcurrentEditError()
        for name, value in fields.items():
            if name in BENEFIT_FIELDS:
                setattr(locked, name, value)
        _may_run(by, locked.city_company)
        _check(locked)
        locked.version += 1
        locked.save()
    return locked


def benefit_unavailable_reason(benefit: Benefit, *, today: datetime.date) -> str | None:
    """Why the benefit cannot be redeemed today as a whole, or None."""
    if not benefit.is_active:
        return _("This benefit is no longer offered.")
    if benefit.valid_from and today < benefit.valid_from:
        return _("This benefit is valid from %(day)s.") % {"day": benefit.valid_from.isoformat()}
    if benefit.valid_until and today > benefit.valid_until:
        return _("This benefit ended on %(day)s.") % {"day": benefit.valid_until.isoformat()}
    if benefit.total_limit is not None and benefit.redeemed_count >= benefit.total_limit:
        return _("Every voucher of this benefit has been given out.")
    return None


def benefit_redeem(*, benefit: Benefit, member: Member, by=None) -> Redemption:
    """Spend the benefit's points for the member and hand out a voucher code.

    `by` is the staff member redeeming for them (their scope is checked); None for the system."""
    if by is not None:
        if not may_serve_members(by):
            raise PermissionDenied(_("You may not redeem benefits for members."))
        if not Member.objects.visible_to(by).filter(pk=member.pk).exists():
            raise PermissionDenied(_("This member is outside your scope."))
    with transaction.atomic():
        locked = Benefit.objects.select_for_update().get(pk=benefit.pk)
        reason = benefit_unavailable_reason(locked, today=timezone.localdate())
        if reason:
            raise ValidationError(reason, code="unavailable")
        if member.left_at is not None:
            raise ValidationError(_("%(name)s has left the club.") % {"name": member.name})
        if locked.city_company_id is not None and locked.city_company_id != member.city_company_id:
            raise ValidationError(_("This benefit is offered in another city."))
        if locked.per_member_limit is not None:
            taken = Redemption.objects.filter(benefit=locked, member_id=member.pk).count()
            if taken >= locked.per_member_limit:
                raise ValidationError(
                    _("%(name)s has already redeemed this benefit %(count)d times, the most allowed.")
                    % {"name": member.name, "count": taken},
                    code="per_member_limit",
                )
        for _attempt in range(3):
            code = voucher_code()
            if not Redemption.objects.filter(code=code).exists():
                break
        entry = points_spend(
            member=member,
            points=locked.points_cost,
            kind=PointsEntry.Kind.REDEMPTION,
            source=f"redemption:{code}",
            reason=_("Redeemed: %(title)s") % {"title": locked.title},
            actor=by,
        )
        try:
            with transaction.atomic():
                redemption = Redemption.objects.create(
                    benefit=locked, member_id=member.pk, entry=entry, code=code, redeemed_by=by
                )
                Benefit.objects.filter(pk=locked.pk).update(redeemed_count=F("redeemed_count") + 1)
        except IntegrityError as error:  # the total limit's check constraint: the lock makes this rare
            raise ValidationError(_("Every voucher of this benefit has been given out.")) from error
        benefit.redeemed_count = locked.redeemed_count + 1
    return redemption
