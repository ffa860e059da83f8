"""The club's measures (万客会): members now, members enrolled in the period, and the club's share of the
buyers (referred buyers, members buying again). Counted live: grouped queries over indexes and over tables kept in the
transaction of every change, so counting anew reads the same rows.

The buyers' figures are the referral board's (`membership.selectors.growth.club_purchases`): each
active contract signed in the period is one purchase, counted in the project of its unit. Whether a
purchase was the club's is stored per contract (membership.models.ClubPurchase, kept by
membership.purchases whenever a contract, membership or referral changes) and summed per month and
project with the members enrolled then (ClubMonth): a period's whole months read the sums, its
part-months (days, weeks, custom ranges) the purchases and members of those days. Members
are counted in the project they registered at: a member registered at a city company only belongs to
no project, so no project's (or city company's) figure counts them; the member list behind a figure
filters on "registered at a project" to agree.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from membership.models import ClubMonth, ClubPurchase, Member

from .base import (
    DashboardScope,
    Level,
    Measure,
    Period,
    Ratio,
    Source,
    SourceResult,
    Unit,
    register_source,
)
from .months import month_split
from .sql import period_bucket


def _member_scope(scope: DashboardScope) -> dict[str, str]:
    if scope.level == Level.PROJECT:
        return {"project": str(scope.project_id)}
    if scope.level == Level.CITY:
        return {"city_company": str(scope.city_company_id)}
    return {}


def _members_drill(scope: DashboardScope, period: Period) -> str:
    return reverse("club:members") + "?" + urlencode({**_member_scope(scope), "at_project": "on"})


def _growth_drill(scope: DashboardScope, period: Period) -> str:
    query = {
        **_member_scope(scope),
        "at_project": "on",
        "left": "on",
        "enrolled_from": period.start.isoformat(),
        "enrolled_to": period.last_day.isoformat(),
    }
    return reverse("club:members") + "?" + urlencode(query)


def _buyers_drill(figure: str):
    def drill(scope: DashboardScope, period: Period) -> str:
        query = {
            **scope.query(),
            "figure": figure,
            "date_from": period.start.isoformat(),
            "date_to": period.last_day.isoformat(),
        }
        return reverse("club:referral_buyers") + "?" + urlencode(query)

    return drill


MEMBERS = Measure(
    key="club.members",
    label=_("Club members"),
    unit=Unit.COUNT,
    decimals=0,
    better="higher",
    snapshot=True,
    help_text=_("Members now (who have not left the club), in the project they registered at."),
    drill_url=_members_drill,
)
GROWTH = Measure(
    key="club.growth",
    label=_("Members enrolled"),
    unit=Unit.COUNT,
    decimals=0,
    better="higher",
    help_text=_("Members enrolled in the period (including those who have left since)."),
    drill_url=_growth_drill,
)
REFERRAL_SHARE = Measure(
    key="club.referral_share",
    label=_("Referred buyers"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the contracts signed in the period, the share whose purchase came through a referral (老带新). "
        "The list behind it holds the referred purchases."
    ),
    drill_url=_buyers_drill("referred"),
)
REPURCHASE_SHARE = Measure(
    key="club.repurchase_share",
    label=_("Members buying again"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the contracts signed in the period, the share whose buyer was buying again (an earlier "
        "contract, or a club member before the signing day). The list behind it holds those purchases."
    ),
    drill_url=_buyers_drill("repeat"),
)
MEASURES = [MEMBERS, GROWTH, REFERRAL_SHARE, REPURCHASE_SHARE]


def _rows(project_ids, periods: list[Period]):
    """(bucket, project, enrolled, buyers, repurchases, referred): the whole months from the monthly
    sums, the rest from the members and purchases of those days."""
    split = month_split(periods)
    rows = []
    if split.months:
        months = ClubMonth.objects.filter(month__in=list(split.months))
        if project_ids is not None:
            months = months.filter(project_id__in=project_ids)
        rows += (
            months.annotate(bucket=period_bucket("month", periods, dates=True))
            .values_list("bucket", "project_id")
            .annotate(Sum("enrolled"), Sum("buyers"), Sum("repurchases"), Sum("referred"))
            .order_by()
        )
    if split.rest:
        days, moments = Q(), Q()
        for start, end in split.rest:
            days |= Q(signed_on__gte=start, signed_on__lt=end)
            moments |= Q(enrolled_at__gte=_midnight(start), enrolled_at__lt=_midnight(end))
        purchases = ClubPurchase.objects.filter(days)
        members = Member.objects.filter(moments, project__isnull=False)
        if project_ids is not None:
            purchases = purchases.filter(project_id__in=project_ids)
            members = members.filter(project_id__in=project_ids)
        rows += (
            (bucket, project, 0, buyers, repurchases, referred)
            for bucket, project, buyers, repurchases, referred in purchases.annotate(
                bucket=period_bucket("signed_on", periods, dates=True)
            )
            .values_list("bucket", "project_id")
            .annotate(
                buyers=Count("pk"),
                repurchases=Count("pk", filter=Q(is_repurchase=True)),
                referred=Count("pk", filter=Q(is_referred=True)),
            )
            .order_by()
        )
        rows += (
            (bucket, project, enrolled, 0, 0, 0)
            for bucket, project, enrolled in members.annotate(bucket=period_bucket("enrolled_at", periods))
            .values_list("bucket", "project_id")
            .annotate(n=Count("*"))
            .order_by()
        )
    return rows


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    """`fresh` changes nothing: every table read is kept in the transaction of the change (see the
    module's doc)."""
    current = len(periods) - 1
    # Members now: an index-only count over the partial index of members at a project not left.
    members = Member.objects.filter(project__isnull=False, left_at__isnull=True)
    if project_ids is not None:
        members = members.filter(project_id__in=project_ids)
    now = {
        (current, project): Ratio(count, 1)
        for project, count in members.values_list("project_id").annotate(n=Count("*")).order_by()
    }
    enrolled: dict[tuple[int, int], Ratio] = {}
    referred: dict[tuple[int, int], Ratio] = {}
    repeat: dict[tuple[int, int], Ratio] = {}
    for bucket, project, enrolments, buyers, repurchases, referrals in _rows(project_ids, periods):
        if bucket is None:
            continue
        key = (bucket, project)
        if enrolments:
            enrolled[key] = enrolled.get(key, Ratio()) + Ratio(enrolments, 1)
        if buyers:
            referred[key] = referred.get(key, Ratio()) + Ratio(referrals, buyers)
            repeat[key] = repeat.get(key, Ratio()) + Ratio(repurchases, buyers)
    return {
        MEMBERS.key: now,
        GROWTH.key: enrolled,
        REFERRAL_SHARE.key: referred,
        REPURCHASE_SHARE.key: repeat,
    }


def is_recording() -> bool:
    """Nothing to show before the first member enrols."""
    return Member.objects.exists()


def register() -> None:
    register_source(
        Source(
            key="club",
            panel_label=_("The club"),
            order=50,
            measures=MEASURES,
            compute=compute,
            is_recording=is_recording,
        )
    )
