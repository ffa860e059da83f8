"""Reads of the club's growth: the referral board (who of a project's buyers came through the club),
referrals, purchase intentions and which projects take them.

The board counts contracts, not people: each active contract signed in the period is one purchase
(购房). A purchase counts as **the club's** when its buyer was buying again (an earlier active
contract as primary buyer, in any project, or a club member linked to them enrolled before the
signing day) or was referred (the contract attributes a referral). The board reads those facts as
stored at every write (membership.purchases: per contract, and summed per month and project) in one
query; the list behind a figure picks its contracts by the same stored facts and marks them with the
definitions themselves (`club_purchases`), paged; a test holds the stored facts equal to them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from customers.models import Contract
from properties.models import Project
from properties.selectors import projects_by_id

from ..models import ClubMonth, ClubPurchase, Member, PurchaseIntention, Referral

# The figures of the board and the filter of the list behind each.
FIGURES = ("buyers", "repeat", "referred", "club")


def club_purchases(contracts: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    """The active signed contracts (of `contracts`, else all), marked `is_repeat` (the buyer was buying again) and `is_referred`
    (the contract attributes a referral): the board's definitions, unscoped (the dashboards scope and
    bucket it by signing day themselves)."""
    earlier = Contract.objects.filter(
        primary_buyer_id=OuterRef("primary_buyer_id"),
        status=Contract.Status.ACTIVE,
        signed_on__lt=OuterRef("signed_on"),
    )
    member_before = Member.objects.filter(
        customer_id=OuterRef("primary_buyer_id"), enrolled_at__date__lt=OuterRef("signed_on")
    )
    referred = Referral.objects.filter(contract_id=OuterRef("pk"))
    contracts = Contract.objects.all() if contracts is None else contracts
    return contracts.filter(status=Contract.Status.ACTIVE, signed_on__isnull=False).annotate(
        is_repeat=Exists(earlier) | Exists(member_before), is_referred=Exists(referred)
    )


def board_contracts(*, user, date_from: datetime.date, date_to: datetime.date) -> QuerySet[Contract]:
    """The active contracts signed in the period, in scope, each marked `is_repeat` and `is_referred`."""
    return club_purchases(Contract.objects.visible_to(user)).filter(
        signed_on__gte=date_from, signed_on__lte=date_to
    )


STORED_FIGURES = {
    "repeat": Q(is_repurchase=True),
    "referred": Q(is_referred=True),
    "club": Q(is_repurchase=True) | Q(is_referred=True),
}


@dataclass(frozen=True)
class BoardRow:
    project_id: int | None
    project_name: str
    buyers: int
    repeat: int
    referred: int
    club: int

    @property
    def share(self) -> int | None:
        """The club's share of the buyers, in whole per cent (the documents' 40–70 %)."""
        return round(100 * self.club / self.buyers) if self.buyers else None


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _period_split(date_from: datetime.date, date_to: datetime.date):
    """The period as [first, end): the months (their first days) lying wholly inside it (first == end
    if none), and the [start, stop] day ranges around them, at most two."""
    first = date_from if date_from.day == 1 else _next_month(date_from)
    after = date_to + datetime.timedelta(days=1)
    end = after if after.day == 1 else date_to.replace(day=1)
    if end <= first:
        return (first, first), [(date_from, date_to)]
    day = datetime.timedelta(days=1)
    edges = [(date_from, first - day), (end, date_to)]
    return (first, end), [(start, stop) for start, stop in edges if start <= stop]


def _board_groups(*, user, date_from: datetime.date, date_to: datetime.date):
    """(project, buyers, repeat, referred, club) rows, several a project, to be added up: the period's
    whole months from the monthly sums (ClubMonth), its part-months at either end from the stored
    purchases (ClubPurchase, from the index `club_purchase_project_day` alone), both kept in the
    transaction of every change (membership.purchases). One query (UNION ALL). Scoped as
    Contract.visible_to: the contracts of the user's projects."""
    if not user.may_see_customers():
        return []
    projects = None if user.scope.is_unrestricted else user.scope.project_ids
    (first, end), edges = _period_split(date_from, date_to)
    parts: list[QuerySet] = []  # months and edge days: rows of (project, four sums)
    if first < end:
        months = ClubMonth.objects.filter(month__gte=first, month__lt=end, buyers__gt=0)
        if projects is not None:
            months = months.filter(project_id__in=projects)
        parts.append(
            months.values_list("project_id").annotate(
                buyers_=Sum("buyers"),
                repeat_=Sum("repurchases"),
                referred_=Sum("referred"),
                club_=Sum("club"),
            )
        )
    # One part per edge: a single range each, which the index serves (an OR of two it does not).
    for start, stop in edges:
        purchases = ClubPurchase.objects.filter(signed_on__gte=start, signed_on__lte=stop)
        if projects is not None:
            purchases = purchases.filter(project_id__in=projects)
        parts.append(
            purchases.values_list("project_id").annotate(
                buyers_=Count("signed_on"),
                repeat_=Count("signed_on", filter=Q(is_repurchase=True)),
                referred_=Count("signed_on", filter=Q(is_referred=True)),
                club_=Count("signed_on", filter=Q(is_repurchase=True) | Q(is_referred=True)),
            )
        )
    head, *rest = (part.order_by() for part in parts)
    return head.union(*rest, all=True) if rest else head


def referral_board(
    *, user, date_from: datetime.date, date_to: datetime.date
) -> tuple[list[BoardRow], BoardRow]:
    """One row per project with buyers in the period (by name), and the total: one query.

    The figures are the definitions of `club_purchases` (what the list behind a figure reads live),
    stored per contract and month when anything they depend on changes: the board reads a row per
    month and project instead of probing every contract's buyer (150–230 ms of SQL at 2.55M contracts)."""
    per_project: dict[int, dict[str, int]] = {}
    for project_id, *counts in _board_groups(user=user, date_from=date_from, date_to=date_to):
        figures = per_project.setdefault(project_id, dict.fromkeys(FIGURES, 0))
        for name, count in zip(FIGURES, counts, strict=True):
            figures[name] += count or 0
    per_project = {pk: figures for pk, figures in per_project.items() if figures["buyers"]}
    names = projects_by_id()
    rows = [
        BoardRow(project_id=project_id, project_name=names.get(project_id, ("?", None))[0], **figures)
        for project_id, figures in per_project.items()
    ]
    rows.sort(key=lambda row: (row.project_name, row.project_id))
    total = BoardRow(
        project_id=None,
        project_name="",
        buyers=sum(row.buyers for row in rows),
        repeat=sum(row.repeat for row in rows),
        referred=sum(row.referred for row in rows),
        club=sum(row.club for row in rows),
    )
    return rows, total


def board_list(
    *,
    user,
    date_from: datetime.date,
    date_to: datetime.date,
    figure: str,
    project_id: int | None,
    city_company_id: int | None = None,
) -> QuerySet[Contract]:
    """The contracts behind one figure of the board, with what the list shows. A figure's contracts are
    picked by their stored purchase, as the board counts them (the period's purchases in the projects
    asked for, from the index `club_purchase_project_day`): probing every contract's buyer history
    until a page was full took 0.5–1.8 s at 2.55M contracts. The marks shown are read live."""
    contracts = board_contracts(user=user, date_from=date_from, date_to=date_to)
    if figure in STORED_FIGURES:
        purchases = ClubPurchase.objects.filter(
            STORED_FIGURES[figure], signed_on__gte=date_from, signed_on__lte=date_to
        )
        if project_id is not None:
            purchases = purchases.filter(project_id=project_id)
        elif not user.scope.is_unrestricted:
            purchases = purchases.filter(project_id__in=user.scope.project_ids)
        contracts = contracts.filter(pk__in=purchases.values("contract_id"))
    if project_id is not None:
        contracts = contracts.filter(unit__project_id=project_id)
    if city_company_id is not None:
        contracts = contracts.filter(unit__project__city_company_id=city_company_id)
    return contracts.select_related("unit__building", "unit__project", "primary_buyer", "referral__referrer")


def referral_list(*, user, status: str = "", project_id: int | None = None) -> QuerySet[Referral]:
    referrals = Referral.objects.visible_to(user).select_related("referrer", "project", "contract")
    if status:
        referrals = referrals.filter(status=status)
    if project_id is not None:
        referrals = referrals.filter(project_id=project_id)
    return referrals


# --- purchase intentions ----------------------------------------------------------------------------


def projects_taking_intentions(today: datetime.date | None = None) -> QuerySet[Project]:
    """Upcoming projects (意向登记 before the launch): a sales launch date still ahead, or none set and
    no contract signed yet (a project already selling without a recorded launch is not upcoming)."""
    today = today or timezone.localdate()
    sold = Contract.objects.filter(unit__project_id=OuterRef("pk"))
    return Project.objects.filter(Q(launched_on__gt=today) | (Q(launched_on__isnull=True) & ~Exists(sold)))


def intention_list(
    *, user, project_id: int | None = None, unit_type: str = ""
) -> QuerySet[PurchaseIntention]:
    intentions = PurchaseIntention.objects.visible_to(user).select_related("project", "member")
    if project_id is not None:
        intentions = intentions.filter(project_id=project_id)
    if unit_type:
        intentions = intentions.filter(unit_type=unit_type)
    return intentions


@dataclass(frozen=True)
class IntentionCounts:
    project_id: int
    project_name: str
    by_unit_type: dict[str, int]
    total: int


def intention_counts(*, user, project_id: int | None = None) -> list[IntentionCounts]:
    """Registrations per project and unit type: one grouped query."""
    rows = (
        intention_list(user=user, project_id=project_id)
        .order_by()
        .values("project_id", "unit_type")
        .annotate(count=Count("pk"))
    )
    per_project: dict[int, dict[str, int]] = {}
    for row in rows:
        per_project.setdefault(row["project_id"], {})[row["unit_type"]] = row["count"]
    names = projects_by_id()
    counts = [
        IntentionCounts(
            project_id=pk,
            project_name=names.get(pk, ("?", None))[0],
            by_unit_type=types,
            total=sum(types.values()),
        )
        for pk, types in per_project.items()
    ]
    counts.sort(key=lambda c: (c.project_name, c.project_id))
    return counts
