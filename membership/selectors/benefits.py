"""Reads of the benefits catalogue and its redemptions."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Benefit, Member, Redemption

RECENT_REDEMPTIONS = 20


def benefit_list(*, user, active: bool | None = None, kind: str = "") -> QuerySet[Benefit]:
    benefits = Benefit.objects.visible_to(user).select_related("city_company")
    if active is not None:
        benefits = benefits.filter(is_active=active)
    if kind:
        benefits = benefits.filter(kind=kind)
    return benefits


def benefit_detail(*, user, pk: int) -> Benefit:
    return Benefit.objects.visible_to(user).select_related("city_company").get(pk=pk)


def recent_redemptions(*, benefit: Benefit, user) -> list[Redemption]:
    """The newest redemptions of the benefit by members the user may see (bounded)."""
    return list(
        Redemption.objects.filter(benefit=benefit, member__in=Member.objects.visible_to(user).values("pk"))
        .select_related("member", "redeemed_by")
        .order_by("-redeemed_at", "-id")[:RECENT_REDEMPTIONS]
    )
