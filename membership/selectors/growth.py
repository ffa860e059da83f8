"""Reads of the club's growth: the referral board (who of a project's buyers came through the club),
referrals, purchase intentions and which projects take them.

The board counts contracts, not people: each active contract signed in the period is one purchase
(购房). A purchase counts as **the club's** when its buyer was buying again (an earlier active
contract as primary buyer, in any project, or a club member linked to them enrolled before the
signing day) or was referred (the contract attributes a referral). Every figure is one grouped query
over the contracts in the user's scope; the list behind a figure is the same filter, paged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import Contract
from properties.models import Project
from properties.selectors import projects_by_id

from ..models import Member, PurchaseIntention, Referral

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


def figure_filter(figure: str) -> Q:
    return {
        "buyers": Q(),
        "repeat": Q(is_repeat=True),
        "referred": Q(is_referred=True),
        "club": Q(is_repeat=True) | Q(is_referred=True),
    }[figure]


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


def referral_board(
    *, user, date_from: datetime.date, date_to: datetime.date
) -> tuple[list[BoardRow], BoardRow]:
    """One row per project with buyers in the period (by name), and the total: one grouped query.

    Grouped by (project, is_repeat, is_referred), at most four rows a project, summed here: each
    contract's EXISTS probes then run once, where a COUNT … FILTER per figure ran them once per figure."""
    groups = (
        board_contracts(user=user, date_from=date_from, date_to=date_to)  # type: ignore[misc]  # board_contracts() annotates it
        .order_by()
        .values("unit__project_id", "is_repeat", "is_referred")
        .annotate(count=Count("pk"))
    )
    per_project: dict[int, dict[str, int]] = {}
    for group in groups:
        figures = per_project.setdefault(group["unit__project_id"], dict.fromkeys(FIGURES, 0))
        figures["buyers"] += group["count"]
        figures["repeat"] += group["count"] if group["is_repeat"] else 0
        figures["referred"] += group["count"] if group["is_referred"] else 0
        figures["club"] += group["count"] if group["is_repeat"] or group["is_referred"] else 0
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
    """The contracts behind one figure of the board, with what the list shows."""
    contracts = board_contracts(user=user, date_from=date_from, date_to=date_to).filter(figure_filter(figure))
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
