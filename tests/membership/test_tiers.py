"""Tier rules at each boundary, and the nightly recomputation (membership.tiers)."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Contract, HouseholdRole
from membership import tasks
from membership.models import Member, Tier
from membership.tiers import MemberFacts, homes_by_customer, tier_for, tiers_recompute, whole_years
from tests.factories import ContractFactory, CustomerFactory, HouseholdMemberFactory, UnitFactory
from tests.membership.factories import MemberFactory


@pytest.mark.parametrize(
    ("homes", "years", "points", "tier", "reason"),
    [
        (2, 0, 0, Tier.GOLD, "Gold (金卡): owns 2 homes"),
        (1, 0, 5000, Tier.GOLD, "Gold (金卡): 5000 points"),
        (1, 10, 4999, Tier.SILVER, "Silver (银卡): owns 1 home"),
        (0, 3, 0, Tier.SILVER, "Silver (银卡): 3 years in the club"),
        (0, 2, 1000, Tier.SILVER, "Silver (银卡): 1000 points"),
        (0, 2, 999, Tier.STANDARD, "Standard (普通): fewer than 1000 points, no home, 2 years in the club"),
        (0, 0, 0, Tier.STANDARD, "Standard (普通): fewer than 1000 points, no home, 0 years in the club"),
    ],
)
def test_the_first_rule_that_holds_gives_the_tier_and_its_reason(homes, years, points, tier, reason):
    assert tier_for(MemberFacts(homes=homes, years=years, points=points)) == (tier, reason)


def test_tenure_counts_whole_years_to_the_day():
    enrolled = datetime.date(2022, 6, 2)
    assert whole_years(enrolled, datetime.date(2025, 6, 1)) == 2
    assert whole_years(enrolled, datetime.date(2025, 6, 2)) == 3


@pytest.mark.django_db
def test_homes_count_contracts_and_owner_households_once_each(project):
    customer = CustomerFactory(city_company=project.city_company)
    first, second, rented, cancelled = (UnitFactory(building__project=project) for _ in range(4))
    ContractFactory(unit=first, primary_buyer=customer)
    HouseholdMemberFactory(unit=first, customer=customer, role=HouseholdRole.OWNER)  # the same home
    HouseholdMemberFactory(unit=second, customer=customer, role=HouseholdRole.CO_OWNER)
    HouseholdMemberFactory(unit=rented, customer=customer, role=HouseholdRole.TENANT)
    ContractFactory(unit=cancelled, primary_buyer=customer, status=Contract.Status.CANCELLED)
    assert homes_by_customer([customer.pk]) == {customer.pk: 2}


@pytest.mark.django_db
class TestNightly:
    def test_recomputes_every_member_in_batches_and_counts_changes(self, owned_unit, owner):
        today = timezone.localdate()
        homeowner = MemberFactory(customer=owner)
        veteran = MemberFactory(enrolled_at=timezone.now() - datetime.timedelta(days=3 * 366))
        newcomer = MemberFactory()
        left = MemberFactory(
            enrolled_at=timezone.now() - datetime.timedelta(days=4 * 366), left_at=timezone.now()
        )

        assert tiers_recompute(today=today, batch_size=2) == 3  # the newcomer gains a reason too

        tiers = dict(Member.objects.values_list("pk", "tier"))
        assert tiers[homeowner.pk] == Tier.SILVER
        assert Member.objects.get(pk=homeowner.pk).tier_reason == "Silver (银卡): owns 1 home"
        assert tiers[veteran.pk] == Tier.SILVER
        assert tiers[newcomer.pk] == Tier.STANDARD
        assert tiers[left.pk] == Tier.STANDARD  # members who left are not recomputed

    def test_a_second_run_changes_nothing(self):
        MemberFactory(enrolled_at=timezone.now() - datetime.timedelta(days=4 * 366))
        assert tiers_recompute() == 1
        assert tiers_recompute() == 0

    def test_a_second_home_makes_gold(self, owned_unit, owner, project):
        member = MemberFactory(customer=owner)
        ContractFactory(unit=UnitFactory(building__project=project), primary_buyer=owner)
        tasks.recompute_tiers.delay()
        member.refresh_from_db()
        assert (member.tier, member.tier_reason) == (Tier.GOLD, "Gold (金卡): owns 2 homes")
        assert member.tier_computed_at is not None

    def test_reads_a_constant_number_of_queries_per_batch(self, django_assert_max_num_queries, owner):
        MemberFactory.create_batch(5, customer=owner)
        tiers_recompute()
        # Per batch: members, contracts, households (+ the empty next batch); no update as nothing changed.
        with django_assert_max_num_queries(4 + 2):
            assert tiers_recompute() == 0
