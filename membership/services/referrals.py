"""Referrals (老带新): a member refers a friend; when that friend signs a contract, the referral is
attributed to the contract exactly once and the referrer earns their reward exactly once.

Matching (referral_attribute): the contract's primary buyer is the referred friend when one of the
buyer's phones is the friend's phone, or the buyer's ID number hash is the friend's. Among the open
referrals of the contract's city company (a friend referred to one project who buys another of the
same city company still came through the club), those of the contract's own project come first, then
the oldest. A contract attributes at most one referral (Referral.contract is one-to-one) and a
referral is attributed once (a conditional UPDATE on its open state), so a repeated or concurrent
signal changes nothing; the other open referrals of the same buyer then lapse (one friend, one
reward, to the member who referred them first). Nobody refers themselves: the referrer's own customer or phone never matches.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.encryption import pii_hash_candidates
from customers.models import Contract
from customers.validators import normalize_mobile, validate_mobile

from ..models import Member, PointsEntry, Referral
from ..permissions import may_serve_members
from ..purchases import club_purchases_refresh
from .points import points_earn

logger = logging.getLogger(__name__)


def _check_scope(user, project) -> None:
    if not may_serve_members(user):
        raise PermissionDenied(_("Your role may not record referrals."))
    scope = user.scope
    if not scope.is_unrestricted and not (
        project.pk in scope.project_ids or project.city_company_id in scope.city_company_ids
    ):
        raise PermissionDenied(_("This project is outside your city companies and projects."))


@transaction.atomic
def referral_create(
    *, referrer: Member, friend_name: str, friend_phone: str, project, by, friend_id_number: str = ""
) -> Referral:
    """Record that `referrer` brought `friend_name` to `project`."""
    _check_scope(by, project)
    if not Member.objects.visible_to(by).filter(pk=referrer.pk).exists():
        raise PermissionDenied(_("This member is outside your city companies and projects."))
    errors: dict[str, str] = {}
    if referrer.left_at is not None:
        errors["referrer"] = _("This member has left the club.")
    phone = normalize_mobile(friend_phone or "")
    try:
        validate_mobile(phone)
    except ValidationError as error:
        errors["friend_phone"] = " ".join(error.messages)
    name = (friend_name or "").strip()
    if not name:
        errors["friend_name"] = _("Enter the friend's name.")
    if not errors and phone == referrer.phone:
        errors["friend_phone"] = _("A member cannot refer themselves.")
    if errors:
        raise ValidationError(errors)
    already = Referral.objects.filter(
        referrer=referrer, friend_phone=phone, project=project, status=Referral.Status.OPEN
    )
    if already.exists():
        raise ValidationError(
            {"friend_phone": _("This member has already referred this friend to this project.")}
        )
    referral = Referral(
        referrer=referrer,
        friend_name=name,
        friend_phone=phone,
        friend_id_number=(friend_id_number or "").strip().upper() or None,
        project=project,
        created_by=by,
    )
    referral.full_clean(exclude=["contract"])
    referral.save()
    return referral


def _matching_open_referrals(contract: Contract):
    buyer = contract.primary_buyer
    phones = list(buyer.phones.values_list("number", flat=True))
    matches = Q(friend_phone__in=phones) if phones else Q(pk__in=[])
    if buyer.id_number:
        matches |= Q(friend_id_number_hash__in=pii_hash_candidates(buyer.id_number))
    project = contract.unit.project
    project_id, city_company_id = project.pk, project.city_company_id
    referrals = Referral.objects.filter(
        matches, status=Referral.Status.OPEN, contract__isnull=True, project__city_company_id=city_company_id
    )
    # Nobody refers themselves into a reward.
    referrals = referrals.exclude(referrer__customer_id=buyer.pk)
    if phones:
        referrals = referrals.exclude(referrer__phone__in=phones)
    return referrals.annotate(
        other_project=Case(
            When(project_id=project_id, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("other_project", "created_at", "id")


@transaction.atomic
def referral_attribute(*, contract: Contract, now=None) -> Referral | None:
    """Attribute the oldest matching open referral to this newly signed contract and reward its
    referrer; None when nothing matches or the contract already attributes one. Idempotent."""
    if contract.signed_on is None or contract.status != Contract.Status.ACTIVE:
        return None
    if Referral.objects.filter(contract=contract).exists():
        return None
    now = now or timezone.now()
    matching = _matching_open_referrals(contract)
    for referral in matching.select_related("referrer")[:5]:
        try:
            with transaction.atomic():
                claimed = Referral.objects.filter(
                    pk=referral.pk, status=Referral.Status.OPEN, contract__isnull=True
                ).update(
                    status=Referral.Status.BOUGHT,
                    contract=contract,
                    attributed_at=now,
                    version=F("version") + 1,
                    updated_at=now,
                )
        except IntegrityError:
            return None  # another worker attributed this contract at the same moment
        if not claimed:
            continue  # attributed to another contract meanwhile: try the next
        referral.refresh_from_db()
        club_purchases_refresh(contract_ids=[contract.pk])
        # One friend, one reward: the other members' referrals of this buyer lapse.
        others = list(matching.exclude(pk=referral.pk).values_list("pk", flat=True))
        Referral.objects.filter(pk__in=others, status=Referral.Status.OPEN).update(
            status=Referral.Status.LAPSED, updated_at=now
        )
        _reward_referrer(referral)
        return referral
    return None


def _reward_referrer(referral: Referral) -> None:
    points = settings.CLUB_REFERRAL_POINTS
    if points <= 0 or referral.referrer.left_at is not None:
        return
    points_earn(
        member=referral.referrer,
        kind=PointsEntry.Kind.REFERRAL,
        points=points,
        source=f"referral:{referral.pk}",
        reason=_("Referred %(name)s, who signed contract %(number)s")
        % {"name": referral.friend_name, "number": referral.contract.number},  # type: ignore[union-attr]  # a referral is rewarded once its contract is set
    )


def on_contract_signed(sender, *, contract: Contract, **kwargs) -> None:
    """customers.signals.contract_signed's receiver (connected in MembershipConfig.ready)."""
    referral_attribute(contract=contract)
