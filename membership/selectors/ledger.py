"""Reads of the points ledger: the member page's points panel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone

from ..models import Benefit, Member, PointsEntry
from ..permissions import may_run_club, may_serve_members

PANEL_ENTRIES = 10


@dataclass
class PointsPanel:
    member: Member
    entries: list[PointsEntry]
    benefits: list[Benefit]  # what the member could redeem now (empty when the user may not redeem)
    may_redeem: bool
    may_adjust: bool
    adjust_key: str = field(default_factory=lambda: str(uuid.uuid4()))  # one adjustment per form shown


def redeemable_benefits(member: Member) -> list[Benefit]:
    """Active benefits of the member's city, valid today, not given out, within the balance."""
    today = timezone.localdate()
    return list(
        Benefit.objects.filter(Q(city_company__isnull=True) | Q(city_company_id=member.city_company_id))
        .filter(is_active=True, points_cost__lte=member.points_balance)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(total_limit__isnull=False, redeemed_count__gte=F("total_limit"))
        .only("id", "title", "points_cost", "partner")
        .order_by("points_cost", "id")[:50]
    )


def points_panel(*, member: Member, user) -> PointsPanel:
    """What templates/membership/_points_panel.html shows: two queries (entries, benefits). The
    caller has already read `member` through Member.objects.visible_to(user)."""
    entries = list(
        PointsEntry.objects.filter(member=member)
        .select_related("actor")
        .order_by("-created_at", "-id")[:PANEL_ENTRIES]
    )
    may_redeem = may_serve_members(user) and member.left_at is None
    return PointsPanel(
        member=member,
        entries=entries,
        benefits=redeemable_benefits(member) if may_redeem else [],
        may_redeem=may_redeem,
        may_adjust=may_run_club(user),
    )
