"""The club's tiers (普通 / 银卡 / 金卡): the rules, in one place, and the nightly recomputation.

A member's tier follows from three facts:
- homes owned: the units of the linked customer's active contracts (as primary buyer) and of the
  households where they are the owner or a co-owner, counted once each;
- tenure: whole years since enrolment;
- points: the current balance.
Each member keeps the rule that placed them in `tier_reason` ("Gold (金卡): owns 2 homes"), shown on
the member's page. `tiers_recompute` runs nightly over every member in batches (set-based: three
queries a batch, and one UPDATE per changed member).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.models import Contract, HouseholdMember, HouseholdRole

from .models import Member, Tier

logger = logging.getLogger(__name__)

GOLD_MIN_HOMES = 2
GOLD_MIN_POINTS = 5000
SILVER_MIN_HOMES = 1
SILVER_MIN_YEARS = 3
SILVER_MIN_POINTS = 1000
BATCH_SIZE = 1000


@dataclass(frozen=True)
class MemberFacts:
    homes: int
    years: int
    points: int


def tier_for(facts: MemberFacts) -> tuple[str, str]:
    """The tier and the reason for it: the first rule that holds, best tier first."""
    gold, silver = Tier.GOLD.label, Tier.SILVER.label
    homes = ngettext("owns %(n)d home", "owns %(n)d homes", facts.homes) % {"n": facts.homes}
    points = _("%(n)d points") % {"n": facts.points}
    years = ngettext("%(n)d year in the club", "%(n)d years in the club", facts.years) % {"n": facts.years}
    if facts.homes >= GOLD_MIN_HOMES:
        return Tier.GOLD, f"{gold}: {homes}"
    if facts.points >= GOLD_MIN_POINTS:
        return Tier.GOLD, f"{gold}: {points}"
    if facts.homes >= SILVER_MIN_HOMES:
        return Tier.SILVER, f"{silver}: {homes}"
    if facts.years >= SILVER_MIN_YEARS:
        return Tier.SILVER, f"{silver}: {years}"
    if facts.points >= SILVER_MIN_POINTS:
        return Tier.SILVER, f"{silver}: {points}"
    return Tier.STANDARD, f"{Tier.STANDARD.label}: " + _(
        "fewer than %(points)d points, no home, %(years)s"
    ) % {"points": SILVER_MIN_POINTS, "years": years}


def whole_years(since: datetime.date, today: datetime.date) -> int:
    return today.year - since.year - ((today.month, today.day) < (since.month, since.day))


def homes_by_customer(customer_ids: Iterable[int]) -> dict[int, int]:
    """How many distinct units each customer owns: contracts as primary buyer and owner households."""
    ids = list(set(customer_ids))
    units: dict[int, set[int]] = defaultdict(set)
    contracts = Contract.objects.filter(primary_buyer_id__in=ids, status=Contract.Status.ACTIVE)
    for customer_id, unit_id in contracts.values_list("primary_buyer_id", "unit_id"):
        units[customer_id].add(unit_id)
    households = HouseholdMember.objects.filter(
        customer_id__in=ids, role__in=[HouseholdRole.OWNER, HouseholdRole.CO_OWNER]
    )
    for customer_id, unit_id in households.values_list("customer_id", "unit_id"):
        units[customer_id].add(unit_id)
    return {customer_id: len(held) for customer_id, held in units.items()}


def _recompute(members: list[Member], *, today: datetime.date, now: datetime.datetime) -> int:
    homes = homes_by_customer(m.customer_id for m in members if m.customer_id)
    changed = 0
    for member in members:
        facts = MemberFacts(
            homes=homes.get(member.customer_id, 0),
            years=whole_years(timezone.localdate(member.enrolled_at), today),
            points=member.points_balance,
        )
        tier, reason = tier_for(facts)
        if (tier, reason) != (member.tier, member.tier_reason):
            Member.objects.filter(pk=member.pk).update(tier=tier, tier_reason=reason, tier_computed_at=now)
            member.tier, member.tier_reason, member.tier_computed_at = tier, reason, now
            changed += 1
    return changed


def member_tier_refresh(member: Member, *, today: datetime.date | None = None) -> Member:
    """One member's tier now (after a purchase or an entry that moves the points)."""
    with translation.override(_stored_language()):
        _recompute([member], today=today or timezone.localdate(), now=timezone.now())
    return member


def tiers_recompute(*, today: datetime.date | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Every current member's tier, in batches by id; returns how many changed."""
    today, now = today or timezone.localdate(), timezone.now()
    columns = ("id", "customer_id", "enrolled_at", "points_balance", "tier", "tier_reason")
    changed, last_id, seen = 0, 0, 0
    with translation.override(_stored_language()):
        while True:
            batch = list(
                Member.objects.active().filter(pk__gt=last_id).order_by("pk").only(*columns)[:batch_size]
            )
            if not batch:
                break
            with transaction.atomic():
                changed += _recompute(batch, today=today, now=now)
            last_id, seen = batch[-1].pk, seen + len(batch)
            logger.info("tiers: %s members read, %s changed", seen, changed)
    return changed


def _stored_language() -> str:
    """Reasons are stored text: written in the site's language, whoever's request runs it."""
    return settings.LANGUAGE_CODE
