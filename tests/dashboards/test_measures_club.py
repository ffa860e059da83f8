"""The club's figures on the dashboards: members now, members enrolled, referred and repeat buyers'
shares; boundaries to the day, scoping, drill-down == figure, not recording, query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Contract
from dashboards.measures.base import Period, PeriodKind
from dashboards.measures.club import compute
from dashboards.measures.engine import dashboard_panels, scope_from_params
from membership.models import Member
from membership.selectors.growth import club_purchases
from tests.dashboards.conftest import MARCH, at, figures_of, panel_of
from tests.factories import ContractFactory, CustomerFactory, ProjectFactory, UnitFactory
from tests.membership.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _buy(project, buyer=None, signed_on=datetime.date(2026, 3, 10), **kwargs):
    buyer = buyer or CustomerFactory(city_company=project.city_company, registered_project=project)
    return ContractFactory(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        subscribed_on=None,
        signed_on=signed_on,
        **kwargs,
    )


def _member(project, enrolled, **kwargs):
    return MemberFactory(city_company=project.city_company, project=project, enrolled_at=enrolled, **kwargs)


@pytest.fixture
def club(project, other_project):
    """四季花城: members enrolled on March's first and last minute, one in February, one who left, one
    registered at the city company only; buyers of March (a repeat, a referred, two new) and of
    February and April; and another city's member and referred buyer."""
    _member(project, at("2026-03-01", 0, 0))
    _member(project, at("2026-03-31", 23, 59))
    _member(project, at("2026-02-28", 23, 59))
    _member(project, at("2026-03-15"), left_at=at("2026-03-20"))  # enrolled in March, left since
    MemberFactory(city_company=project.city_company, project=None, enrolled_at=at("2026-03-05"))
    repeat_buyer = CustomerFactory(city_company=project.city_company)
    _buy(project, repeat_buyer, signed_on=datetime.date(2025, 4, 1))
    _buy(project, repeat_buyer, signed_on=datetime.date(2026, 3, 1))
    referred = _buy(project, signed_on=datetime.date(2026, 3, 31))
    ReferralFactory(project=project, contract=referred, status="bought")
    _buy(project, signed_on=datetime.date(2026, 3, 15))
    _buy(project, signed_on=datetime.date(2026, 3, 16), status=Contract.Status.CANCELLED)
    _buy(project, signed_on=datetime.date(2026, 2, 28))
    _buy(project, signed_on=datetime.date(2026, 4, 1))
    _member(other_project, at("2026-03-10"))
    other_referred = _buy(other_project)
    ReferralFactory(project=other_project, contract=other_referred, status="bought")


def test_members_growth_and_buyers_shares_of_a_city(club, city_head):
    figures = figures_of(city_head, "club")
    # Now: the two of March and February's (not who left, nor the city-only member).
    assert figures["club.members"].value == 3
    assert figures["club.members"].previous is None  # a snapshot
    # Enrolled in March at a project: first and last minute, and the one who left since.
    assert figures["club.growth"].value == 3
    assert figures["club.growth"].previous == 1
    referral = figures["club.referral_share"]
    assert (referral.ratio.numerator, referral.ratio.denominator) == (1, 3)
    repurchase = figures["club.repurchase_share"]
    assert (repurchase.ratio.numerator, repurchase.ratio.denominator) == (1, 3)
    assert repurchase.value == pytest.approx(100 / 3)


def test_the_group_counts_every_city_and_its_rows_add_up(club, group_admin):
    panel = panel_of(group_admin, "club")
    figures = {f.measure.key: f for f in panel.figures}
    assert figures["club.members"].value == 4
    assert (
        figures["club.referral_share"].ratio.numerator,
        figures["club.referral_share"].ratio.denominator,
    ) == (
        2,
        4,
    )
    rows = {scope.label: {f.measure.key: f.value for f in row} for scope, row in panel.rows}
    assert rows["深圳公司"]["club.members"] == 3
    assert rows["武汉公司"]["club.members"] == 1


@pytest.mark.parametrize("user_fixture", ["city_head", "group_admin"])
def test_drill_down_lists_count_what_the_figures_count(club, request, client, user_fixture, project):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    for params in ({}, {"project": str(project.pk)}):
        figures = figures_of(user, "club", params=params)
        for key in ("club.members", "club.growth"):
            response = client.get(figures[key].drill_url)
            assert response.status_code == 200
            assert len(response.context["page"]) == figures[key].value, key
        for key in ("club.referral_share", "club.repurchase_share"):
            response = client.get(figures[key].drill_url)
            assert response.status_code == 200
            assert len(response.context["contracts"]) == figures[key].ratio.numerator, key


def test_the_member_list_refuses_an_enrolment_period_ending_before_it_starts(club, client, city_head):
    client.force_login(city_head)
    response = client.get("/club/members/?enrolled_from=2026-03-31&enrolled_to=2026-03-01")
    assert response.status_code == 200
    assert "enrolled_to" in response.context["form"].errors


def test_not_recording_before_the_first_member(db, group_admin):
    panel = panel_of(group_admin, "club")
    assert panel.recording is False
    assert panel.figures == []


@pytest.mark.parametrize("extra_projects", [0, 3])
def test_query_count_does_not_grow_with_projects(club, group_admin, city, extra_projects):
    for _ in range(extra_projects):
        extra = ProjectFactory(city_company=city)
        _member(extra, at("2026-03-02"))
        _buy(extra)
    scope = scope_from_params(group_admin, {})
    with CaptureQueriesContext(connection) as queries:
        dashboard_panels(group_admin, scope, MARCH)
    club_queries = [q for q in queries.captured_queries if "membership_" in q["sql"]]
    # is_recording (1), members now (1), the monthly sums of enrolments and purchases (1): March is a
    # whole month, so no member or purchase of a part-month is read.
    assert len(club_queries) == 3


def _board_reading(periods):
    """Per (period, project): the referral board's reading of the contracts and the members' enrolments,
    straight from the records."""
    cells = {}
    for index, period in enumerate(periods):
        for contract in club_purchases().filter(signed_on__gte=period.start, signed_on__lt=period.end):
            cell = cells.setdefault((index, contract.unit.project_id), [0, 0, 0, 0])
            cell[1] += 1
            cell[2] += contract.is_repeat
            cell[3] += contract.is_referred
        for member in Member.objects.filter(
            project__isnull=False, enrolled_at__gte=period.start_at, enrolled_at__lt=period.end_at
        ):
            cells.setdefault((index, member.project_id), [0, 0, 0, 0])[0] += 1
    return {key: tuple(cell) for key, cell in cells.items()}


def _computed(periods, fresh):
    result = compute(None, periods, fresh)
    cells = {}
    for key, ratio in result["club.growth"].items():
        cells.setdefault(key, [0, 0, 0, 0])[0] = ratio.numerator
    for key, ratio in result["club.repurchase_share"].items():
        cell = cells.setdefault(key, [0, 0, 0, 0])
        cell[1], cell[2] = ratio.denominator, ratio.numerator
        cell[3] = result["club.referral_share"][key].numerator
    return {key: tuple(cell) for key, cell in cells.items()}


@pytest.mark.parametrize(
    "period",
    [
        Period.containing(PeriodKind.DAY, datetime.date(2026, 3, 31)),
        Period.containing(PeriodKind.WEEK, datetime.date(2026, 3, 1)),
        Period.containing(PeriodKind.MONTH, datetime.date(2026, 3, 1)),
        Period.containing(PeriodKind.QUARTER, datetime.date(2026, 3, 1)),
        Period.containing(PeriodKind.YEAR, datetime.date(2026, 3, 1)),
        Period.custom(datetime.date(2026, 2, 28), datetime.date(2026, 3, 15)),
        Period.custom(datetime.date(2025, 12, 20), datetime.date(2026, 3, 31)),
    ],
    ids=lambda period: f"{period.kind}-{period.start}",
)
def test_whole_and_part_months_count_what_the_records_say_fresh_or_not(club, period):
    """Whole months come from the monthly sums, part-months from the stored purchases and members:
    either way, counted anew or not, the same cells as reading the contracts and members themselves."""
    periods = period.trend()
    expected = _board_reading(periods)
    assert expected  # the fixture has something in every one of these spans
    assert _computed(periods, True) == _computed(periods, False) == expected
    # The members now do not depend on the period.
    assert sum(r.numerator for r in compute(None, periods, True)["club.members"].values()) == 4


def test_the_panel_is_the_same_counted_anew_or_not(club, group_admin):
    scope = scope_from_params(group_admin, {})
    panels = [
        dashboard_panels(group_admin, scope, MARCH, fresh=fresh, sources={"club"}) for fresh in (True, False)
    ]
    (fresh,), (summary,) = panels
    assert [(f.measure.key, f.value, f.previous, f.trend) for f in fresh.figures] == [
        (f.measure.key, f.value, f.previous, f.trend) for f in summary.figures
    ]
