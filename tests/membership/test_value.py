"""Customer value classes on hand-built data (membership.value): ABC by cumulative share, RFM quintiles."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Contract, CustomerValue
from membership import tasks
from membership.models import PointsEntry, Referral, Registration
from membership.value import (
    CustomerFacts,
    abc_classes,
    customer_value,
    customer_values_recompute,
    quintile_scores,
    rfm_segment,
)
from tests.factories import ContractFactory, CustomerFactory
from tests.membership.factories import EventFactory, MemberFactory, PointsEntryFactory

D = Decimal


def test_abc_splits_by_cumulative_share_largest_first():
    # Total 100: 50 (0 before → A), 25 (50 % before → A), 15 (75 % → B), 5 (90 % → B), 3 and 2 (95 %+ → C)
    values = {1: D(50), 2: D(25), 3: D(15), 4: D(5), 5: D(3), 6: D(2), 7: D(0)}
    assert abc_classes(values) == {1: "A", 2: "A", 3: "B", 4: "B", 5: "C", 6: "C", 7: "C"}


def test_a_customer_straddling_the_75_percent_line_is_an_a():
    assert abc_classes({1: D(70), 2: D(20), 3: D(10)}) == {1: "A", 2: "A", 3: "B"}


def test_quintile_scores_run_1_to_5_and_ties_score_alike():
    assert quintile_scores({pk: pk for pk in range(10)}) == {
        0: 1,
        1: 1,
        2: 2,
        3: 2,
        4: 3,
        5: 3,
        6: 4,
        7: 4,
        8: 5,
        9: 5,
    }
    assert set(quintile_scores({1: 7, 2: 7, 3: 7}).values()) == {1}
    assert quintile_scores({1: 10, 2: 20}) == {1: 1, 2: 5}


@pytest.mark.parametrize(
    ("scores", "segment"),
    [
        ((5, 5, 5), "重要价值客户"),
        ((1, 4, 3), "重要保持客户"),
        ((3, 1, 5), "重要发展客户"),
        ((2, 2, 2), "一般挽留客户"),
    ],
)
def test_rfm_segments_by_high_and_low_scores(scores, segment):
    assert rfm_segment(*scores) == segment


def test_value_counts_contracts_repurchases_referrals_and_points():
    facts = CustomerFacts(
        contract_total=D(5_000_000),
        contracts=2,
        prices=[D(3_000_000), D(2_000_000)],
        referral_value=D(1_000_000),
        referrals=1,
        points=500,
    )
    # 5,000,000 + 0.2 × 2,000,000 (the second home) + 0.1 × 1,000,000 + 10 × 500
    assert customer_value(facts) == D("5505000.00")


@pytest.mark.django_db
def test_the_nightly_task_writes_every_valued_customer_and_drops_stale_rows(project):
    big, repeat, small, member_only, gone = (
        CustomerFactory(city_company=project.city_company) for _ in range(5)
    )
    ContractFactory(primary_buyer=big, price=D(6_000_000), unit__building__project=project)
    for price in (D(1_500_000), D(1_000_000)):
        ContractFactory(primary_buyer=repeat, price=price, unit__building__project=project)
    friend_contract = ContractFactory(primary_buyer=small, price=D(500_000), unit__building__project=project)
    referrer = MemberFactory(customer=repeat)
    Referral.objects.create(
        referrer=referrer,
        friend_name="李四",
        friend_phone="13700000001",
        project=project,
        status=Referral.Status.BOUGHT,
        contract=friend_contract,
    )
    attendee = MemberFactory(customer=member_only)
    PointsEntryFactory(member=attendee, kind=PointsEntry.Kind.EVENT, points=100)
    event = EventFactory(starts_at=timezone.now() - datetime.timedelta(days=3))
    Registration.objects.create(
        event=event, member=attendee, status=Registration.Status.ATTENDED, checked_in_at=timezone.now()
    )
    stale = ContractFactory(primary_buyer=gone, price=D(10), unit__building__project=project)
    customer_values_recompute(today=timezone.localdate())
    Contract.objects.filter(pk=stale.pk).update(status=Contract.Status.CANCELLED)

    assert tasks.recompute_customer_value.delay().result == 4

    values = {v.customer_id: v for v in CustomerValue.objects.all()}
    assert set(values) == {big.pk, repeat.pk, small.pk, member_only.pk}
    # Values: big 6,000,000; repeat 2,500,000 + 200,000 + 50,000 = 2,750,000; small 500,000; member 1,000.
    assert values[repeat.pk].value_score == D("2750000.00")
    assert values[member_only.pk].value_score == D("1000.00")
    # Total 9,251,000: big (0 % before) A, repeat (65 % before) A, small (94.6 % before) B, member C.
    assert [values[c.pk].value_class for c in (big, repeat, small, member_only)] == ["A", "A", "B", "C"]
    assert values[repeat.pk].frequency > values[big.pk].frequency  # two contracts against one
    assert values[member_only.pk].recency == 5  # attended this week: the most recent
    assert values[member_only.pk].monetary == 1
    assert "推荐成交 1" in values[repeat.pk].explanation


@pytest.mark.django_db
def test_a_rerun_writes_the_same_classes(project):
    for price in (D(100), D(10)):
        ContractFactory(price=price, unit__building__project=project)
    customer_values_recompute()
    first = sorted(CustomerValue.objects.values_list("customer_id", "value_class", "rfm_segment"))
    customer_values_recompute()
    assert sorted(CustomerValue.objects.values_list("customer_id", "value_class", "rfm_segment")) == first
