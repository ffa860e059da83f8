"""Reads of members: the staff list with its filters, one member's page, the link review queue, the
customer 360 page's member section, and the marketing audience."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from customers.models import ConsentPurpose, Customer, CustomerConsent

from ..models import Consent, Member, Referral, Registration

PHONE_RE = re.compile(r"^1\d{10}$")
TAIL_RE = re.compile(r"^\d{4}$")
NUMBER_RE = re.compile(r"^WK[0-9A-Z]+$", re.IGNORECASE)


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    tier: str | None = None
    city_company: int | None = None
    project: int | None = None
    link_status: str | None = None
    value_class: str | None = None
    rfm_segment: str | None = None
    interests: tuple[str, ...] = field(default_factory=tuple)
    active_only: bool = True
    # The dashboards' drill-down: registered at a project (not at a city company only), enrolled when.
    at_project: bool = False
    enrolled_from: datetime.date | None = None
    enrolled_to: datetime.date | None = None


def _search(queryset: QuerySet, text: str) -> QuerySet:
    """A full mobile number, its last four digits, a member number (WK…), or a part of the name."""
    compact = re.sub(r"[\s\-]", "", text)
    if PHONE_RE.match(compact):
        return queryset.filter(phone=compact)
    if TAIL_RE.match(compact):
        return queryset.filter(phone_last4=compact)
    if NUMBER_RE.match(compact):
        return queryset.filter(Q(number__iexact=compact) | Q(name__contains=text))
    return queryset.filter(name__contains=text)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def member_list(*, user, filters: MemberFilters | None = None) -> QuerySet:
    """The members the user may see under the list's filters, with what a row shows (newest first)."""
    filters = filters or MemberFilters()
    members = Member.objects.visible_to(user).select_related("customer", "customer__value")
    if filters.active_only:
        members = members.active()
    if filters.q:
        members = _search(members, filters.q)  # type: ignore[assignment]  # _search() keeps the MemberQuerySet
    if filters.tier:
        members = members.filter(tier=filters.tier)
    if filters.city_company:
        members = members.filter(city_company_id=filters.city_company)
    if filters.project:
        members = members.filter(project_id=filters.project)
    if filters.at_project:
        members = members.filter(project__isnull=False)
    if filters.enrolled_from:
        members = members.filter(enrolled_at__gte=_day_start(filters.enrolled_from))
    if filters.enrolled_to:
        members = members.filter(enrolled_at__lt=_day_start(filters.enrolled_to + datetime.timedelta(days=1)))
    if filters.link_status:
        members = members.filter(link_status=filters.link_status)
    if filters.value_class:
        members = members.filter(customer__value__value_class=filters.value_class)
    if filters.rfm_segment:
        members = members.filter(customer__value__rfm_segment=filters.rfm_segment)
    for interest in filters.interests:
        # The JSON list's text holds "interest" in quotes: portable (SQLite has no JSON containment).
        members = members.filter(interests__icontains=f'"{interest}"')
    return members.order_by("-id")


def member_detail(*, user, pk: int) -> Member:
    """One member the user may see, with their consents (newest first), referrals and registrations;
    Member.DoesNotExist otherwise."""
    return (
        Member.objects.visible_to(user)
        .select_related(
            "city_company", "project", "customer", "customer__value", "enrolled_by", "referred_by"
        )
        .prefetch_related(
            Prefetch(
                "consents",
                queryset=Consent.objects.select_related("recorded_by").order_by("-recorded_at", "-id"),
                to_attr="consent_history",
            ),
        )
        .get(pk=pk)
    )


def member_referrals(member: Member, limit: int = 10) -> list[Referral]:
    return list(Referral.objects.filter(referrer=member).select_related("project").order_by("-id")[:limit])


def member_registrations(member: Member, limit: int = 10) -> list[Registration]:
    return list(
        Registration.objects.filter(member=member)
        .select_related("event")
        .order_by("-registered_at", "-id")[:limit]
    )


def link_review_queue(*, user) -> QuerySet:
    """Members whose phone matches several customers, waiting for a person to decide."""
    return (
        Member.objects.visible_to(user)
        .active()
        .filter(link_status=Member.LinkStatus.TO_REVIEW)
        .select_related("city_company", "project")
        .order_by("-id")
    )


def review_candidates(*, user, member: Member, candidate_ids: list[int]) -> list[Customer]:
    """The candidate customers the reviewer may see, with their phones."""
    return list(
        Customer.objects.visible_to(user)
        .filter(pk__in=candidate_ids)
        .select_related("city_company", "registered_project")
        .prefetch_related("phones")
        .order_by("pk")
    )


def customer_memberships(*, user, customer: Customer) -> list[Member]:
    """The 360 page's member section: the customer's memberships the viewer may see, with consents."""
    return list(
        Member.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("city_company", "project")
        .prefetch_related(
            Prefetch(
                "consents",
                queryset=Consent.objects.order_by("-recorded_at", "-id"),
                to_attr="consent_history",
            )
        )
        .order_by("-id")
    )


def latest_consent(kind: str) -> Subquery:
    """The member's latest answer of `kind` (True/False/None), for annotating a queryset."""
    return Subquery(
        Consent.objects.filter(member=OuterRef("pk"), kind=kind)
        .order_by("-recorded_at", "-id")
        .values("granted")[:1]
    )


def marketing_audience(members: QuerySet) -> QuerySet:
    """The members of `members` who may receive marketing now (member_may_receive_marketing, for a
    whole queryset in one query): active, both latest consents are yes, and a member who is a customer
    has not withdrawn marketing at the customer's level nor been anonymised."""
    return (
        members.active()  # type: ignore[attr-defined]  # the callers pass a MemberQuerySet
        .annotate(
            club_data_ok=latest_consent(Consent.Kind.CLUB_DATA),
            marketing_ok=latest_consent(Consent.Kind.MARKETING),
            customer_marketing=CustomerConsent.objects.latest_granted(
                ConsentPurpose.MARKETING, customer_ref="customer_id"
            ),
        )
        .filter(club_data_ok=True, marketing_ok=True)
        .filter(Q(customer_marketing__isnull=True) | Q(customer_marketing=True))
        .filter(Q(customer__isnull=True) | Q(customer__anonymised_at__isnull=True))
    )


def current_consents(member: Member) -> dict[str, Consent | None]:
    """Each kind's latest row, from the prefetched history (`consent_history`)."""
    current: dict[str, Consent | None] = dict.fromkeys(Consent.Kind.values)
    for consent in member.consent_history:  # type: ignore[attr-defined]  # Prefetch(to_attr=) by the caller's selector
        if current[consent.kind] is None:
            current[consent.kind] = consent
    return current
