"""The club's measures (万客会): members now, members enrolled in the period, and the club's share of the
buyers (referred buyers, members buying again). Counted live, one grouped query each.

The buyers' figures are the referral board's (`membership.selectors.growth.club_purchases`): each
active contract signed in the period is one purchase, counted in the project of its unit. Members
are counted in the project they registered at: a member registered at a city company only belongs to
no project, so no project's (or city company's) figure counts them; the member list behind a figure
filters on "registered at a project" to agree.
"""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from membership.models import Member
from membership.selectors.growth import club_purchases, figure_filter

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
from .sql import in_periods, period_bucket


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


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    current = len(periods) - 1
    members = Member.objects.filter(project__isnull=False)
    purchases = club_purchases().filter(in_periods("signed_on", periods, dates=True))
    if project_ids is not None:
        members = members.filter(project_id__in=project_ids)
        purchases = purchases.filter(unit__project_id__in=project_ids)
    in_period = in_periods("enrolled_at", periods)
    member_rows = (
        members.filter(in_period | Q(left_at__isnull=True))
        .annotate(bucket=period_bucket("enrolled_at", periods))
        .values("bucket", "project_id")
        .annotate(now=Count("pk", filter=Q(left_at__isnull=True)), enrolled=Count("pk", filter=in_period))
        .order_by()
    )
    purchase_rows = (
        purchases.annotate(
            bucket=period_bucket("signed_on", periods, dates=True), place=F("unit__project_id")
        )
        .values("bucket", "place")
        .annotate(
            buyers=Count("pk"),
            referred=Count("pk", filter=figure_filter("referred")),
            repeat=Count("pk", filter=figure_filter("repeat")),
        )
        .order_by()
    )
    now: dict[tuple[int, int], Ratio] = {}
    enrolled: dict[tuple[int, int], Ratio] = {}
    for row in member_rows:
        key = (current, row["project_id"])
        now[key] = now.get(key, Ratio()) + Ratio(row["now"], 1)
        if row["bucket"] is not None and row["enrolled"]:
            enrolled[(row["bucket"], row["project_id"])] = Ratio(row["enrolled"], 1)
    referred, repeat = {}, {}
    for row in purchase_rows:
        if row["bucket"] is None:
            continue
        key = (row["bucket"], row["place"])
        referred[key] = Ratio(row["referred"], row["buyers"])
        repeat[key] = Ratio(row["repeat"], row["buyers"])
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
