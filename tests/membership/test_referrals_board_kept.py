"""The referral board reads the purchases and monthly sums kept at every write (membership.purchases),
not the contracts, and the list behind a figure picks its contracts by their stored purchase: both
must stay those of the old per-contract definition (`board_contracts`, its EXISTS probes) for any period, whole
months or not, after contracts are signed or cancelled, members enrol, referrals are recorded and
removed, and after a rebuild (the bench's load)."""

from __future__ import annotations

import datetime
import importlib
import random

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.roles import Role
from customers import services as customer_services
from customers.models import Contract
from membership.models import ClubMonth
from membership.purchases import club_purchases_rebuild
from membership.selectors.growth import _period_split, board_contracts, board_list, referral_board
from membership.services.enrolment import member_enrol
from membership.services.referrals import referral_create
from tests.dashboards.conftest import at
from tests.factories import ContractFactory, CustomerFactory, CustomerPhoneFactory, UnitFactory, UserFactory
from tests.membership.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db

D = datetime.date
# Whole years and months, part-months at one or both ends, one month's days, one day, a month's edge.
PERIODS = [
    (D(2025, 1, 1), D(2026, 12, 31)),
    (D(2025, 12, 5), D(2026, 12, 5)),
    (D(2025, 6, 10), D(2026, 3, 31)),
    (D(2026, 2, 1), D(2026, 2, 28)),
    (D(2026, 3, 15), D(2026, 3, 20)),
    (D(2026, 2, 28), D(2026, 3, 1)),
    (D(2026, 3, 31), D(2026, 3, 31)),
]


def _live(user, date_from, date_to) -> dict:
    """The figures per project by the old definition: each contract's EXISTS probes."""
    figures: dict[int, list[int]] = {}
    for project, repeat, referred in board_contracts(
        user=user, date_from=date_from, date_to=date_to
    ).values_list("unit__project_id", "is_repeat", "is_referred"):
        cell = figures.setdefault(project, [0, 0, 0, 0])
        cell[0] += 1
        cell[1] += repeat
        cell[2] += referred
        cell[3] += repeat or referred
    return {project: tuple(cell) for project, cell in figures.items()}


def _board(user, date_from, date_to) -> dict:
    rows, total = referral_board(user=user, date_from=date_from, date_to=date_to)
    assert total.buyers == sum(row.buyers for row in rows)
    return {row.project_id: (row.buyers, row.repeat, row.referred, row.club) for row in rows}


LIVE_FIGURES = {
    "buyers": lambda repeat, referred: True,
    "repeat": lambda repeat, referred: repeat,
    "referred": lambda repeat, referred: referred,
    "club": lambda repeat, referred: repeat or referred,
}


def _assert_board_is_live(*users, lists: bool = False) -> None:
    """The board's figures (and with `lists` the contracts listed behind each) are the old definition's."""
    for user in users:
        for date_from, date_to in PERIODS:
            assert _board(user, date_from, date_to) == _live(user, date_from, date_to), (date_from, date_to)
            if not lists:
                continue
            marked = board_contracts(user=user, date_from=date_from, date_to=date_to).values_list(
                "pk", "is_repeat", "is_referred"
            )
            for figure, holds in LIVE_FIGURES.items():
                listed = board_list(
                    user=user, date_from=date_from, date_to=date_to, figure=figure, project_id=None
                )
                expected = {pk for pk, repeat, referred in marked if holds(repeat, referred)}
                assert set(listed.values_list("pk", flat=True)) == expected, (figure, date_from, date_to)


def _buy(project, buyer, signed_on, **kwargs):
    return ContractFactory(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        subscribed_on=None,
        signed_on=signed_on,
        contractual_handover_on=None,
        **kwargs,
    )


def test_the_period_splits_into_whole_months_and_the_days_around_them():
    assert _period_split(D(2025, 12, 5), D(2026, 12, 5)) == (
        (D(2026, 1, 1), D(2026, 12, 1)),
        [(D(2025, 12, 5), D(2025, 12, 31)), (D(2026, 12, 1), D(2026, 12, 5))],
    )
    assert _period_split(D(2026, 1, 1), D(2026, 12, 31)) == ((D(2026, 1, 1), D(2027, 1, 1)), [])
    assert _period_split(D(2026, 2, 1), D(2026, 2, 28)) == ((D(2026, 2, 1), D(2026, 3, 1)), [])
    # No whole month: the days only, however the period lies.
    assert _period_split(D(2026, 3, 15), D(2026, 3, 20))[1] == [(D(2026, 3, 15), D(2026, 3, 20))]
    assert _period_split(D(2026, 2, 28), D(2026, 3, 1))[1] == [(D(2026, 2, 28), D(2026, 3, 1))]
    assert _period_split(D(2026, 3, 1), D(2026, 3, 30))[1] == [(D(2026, 3, 1), D(2026, 3, 30))]


def test_random_sales_give_the_same_figures_as_the_contracts(
    project, other_project, city, city_head, group_admin
):
    """Buyers buying once or several times in either project, members enrolled before or after their
    signing (in TIME_ZONE, near midnight too), referrals attributed, contracts cancelled."""
    rng = random.Random(20261205)
    # Signing days where an off-by-one would show: the periods' ends and the days either side, each
    # month's first and last day.
    one = datetime.timedelta(days=1)
    edges = {day + shift for period in PERIODS for day in period for shift in (-one, 0 * one, one)}
    months = [D(2025 + n // 12, n % 12 + 1, 1) for n in range(24)]
    days = sorted(edges | set(months) | {month - one for month in months})
    buyers = [CustomerFactory(city_company=city) for _ in range(40)]
    for buyer in buyers:
        for _ in range(rng.choice([1, 1, 2, 3])):
            contract = _buy(
                rng.choice([project, other_project]),
                buyer,
                rng.choice(days),
                status=rng.choice([Contract.Status.ACTIVE] * 4 + [Contract.Status.CANCELLED]),
            )
            if rng.random() < 0.3:
                ReferralFactory(project=contract.unit.project, contract=contract, status="bought")
        if rng.random() < 0.4:
            MemberFactory(
                city_company=city,
                customer=buyer,
                enrolled_at=at(rng.choice(days), rng.choice([0, 12, 23]), rng.choice([0, 59])),
            )
    _assert_board_is_live(city_head, group_admin, lists=True)
    ClubMonth.objects.update(club=0)  # the bench's load: a rebuild sets every figure again
    club_purchases_rebuild()
    _assert_board_is_live(city_head, group_admin)


def _sign(project, buyer, signed_on, by):
    return customer_services.contract_create(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        by=by,
        number=f"HT-{buyer.pk}-{signed_on:%Y%m%d}",
        price=1_000_000,
        signed_on=signed_on,
    )


def test_the_board_follows_signing_cancelling_enrolling_and_referrals(project, city, city_head):
    """Through the services: each change moves the board as it moves the old definition."""
    staff = UserFactory(role=Role.GROUP_ADMIN)
    today = timezone.localdate()
    buyer = CustomerFactory(city_company=city)
    first = _sign(project, buyer, D(2025, 12, 5), staff)
    _sign(project, buyer, D(2026, 3, 20), staff)
    _assert_board_is_live(city_head)
    assert _board(city_head, D(2026, 3, 15), D(2026, 3, 20)) == {project.pk: (1, 1, 0, 1)}

    # The earlier contract cancelled: the later one is no longer a repurchase.
    customer_services.contract_update(
        contract=first, by=staff, expected_version=first.version, status=Contract.Status.CANCELLED
    )
    _assert_board_is_live(city_head)
    assert _board(city_head, D(2026, 3, 1), D(2026, 3, 31)) == {project.pk: (1, 0, 0, 0)}

    # A member enrols today with the buyer's phone: linked, but not before any signing so far.
    CustomerPhoneFactory(customer=buyer, number="13911112222", is_primary=True)
    referrer = member_enrol(
        channel="staff",
        phone="13911112222",
        club_data_consent=True,
        by=staff,
        project=project,
        name="老业主",
        birth_date=D(1980, 5, 20),
    )
    referrer.refresh_from_db()
    assert referrer.customer_id == buyer.pk
    _assert_board_is_live(city_head)
    assert _board(city_head, today, today) == {}

    # The member refers a friend, who signs today: attributed on signing, so referred.
    referral = referral_create(
        referrer=referrer, friend_name="韩梅梅", friend_phone="13755556666", project=project, by=staff
    )
    friend = CustomerFactory(city_company=city)
    CustomerPhoneFactory(customer=friend, number="13755556666", is_primary=True)
    signed = _sign(project, friend, today, staff)
    referral.refresh_from_db()
    assert referral.contract_id == signed.pk
    _assert_board_is_live(city_head)
    assert _board(city_head, today, today) == {project.pk: (1, 0, 1, 1)}

    # The referral removed: the purchase is no longer the club's.
    referral.delete()
    _assert_board_is_live(city_head)
    assert _board(city_head, today, today) == {project.pk: (1, 0, 0, 0)}


def test_the_migration_backfills_the_months_club_figure(project, city):
    buyer = CustomerFactory(city_company=city)
    _buy(project, buyer, D(2025, 4, 1))
    _buy(project, buyer, D(2026, 3, 10))
    referred = _buy(project, CustomerFactory(city_company=city), D(2026, 3, 12))
    ReferralFactory(project=project, contract=referred, status="bought")
    _buy(project, CustomerFactory(city_company=city), D(2026, 3, 14))
    kept = dict(ClubMonth.objects.values_list("month", "club"))
    assert kept == {D(2025, 4, 1): 0, D(2026, 3, 1): 2}
    ClubMonth.objects.update(club=0)
    importlib.import_module("membership.migrations.0005_club_month_club").backfill(apps, None)
    assert dict(ClubMonth.objects.values_list("month", "club")) == kept
