"""20 redemptions at once on PostgreSQL: the member's row lock queues them, nothing is spent twice and
the balance stays the sum of the ledger (SQLite serialises writers, so this needs PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from membership.models import Benefit, Member, PointsEntry, Redemption
from membership.services.benefits import benefit_redeem
from membership.services.points import InsufficientPoints, points_earn, points_spend
from tests.membership.factories import BenefitFactory, MemberFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises every writer"
    ),
    pytest.mark.django_db(transaction=True),
]
THREADS = 20


def run_at_once(work) -> tuple[list, list]:
    """Run work(i) in THREADS threads released together; returns (results, errors)."""
    start = threading.Barrier(THREADS)
    results, errors = [], []

    def one(i):
        try:
            start.wait()
            results.append(work(i))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=one, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def ledger_sum(member) -> int:
    return PointsEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"]


def test_20_concurrent_spends_never_spend_more_than_the_balance():
    member = MemberFactory()
    points_earn(member=member, kind=PointsEntry.Kind.EVENT, points=700, source="event:1", reason="活动")

    def spend(i):
        fresh = Member.objects.get(pk=member.pk)  # each request loads its own copy, as views do
        return points_spend(
            member=fresh, points=100, kind=PointsEntry.Kind.REDEMPTION, source=f"redemption:{i}", reason="券"
        )

    results, errors = run_at_once(spend)

    member.refresh_from_db()
    assert len(results) == 7
    assert len(errors) == 13 and all(isinstance(error, InsufficientPoints) for error in errors)
    assert member.points_balance == 0 == ledger_sum(member)


def test_20_concurrent_redemptions_respect_the_balance_and_the_total_limit():
    benefit = BenefitFactory(points_cost=100, total_limit=5)
    members = [MemberFactory() for _ in range(4)]
    for member in members:
        points_earn(
            member=member, kind=PointsEntry.Kind.EVENT, points=250, source=f"e:{member.pk}", reason="x"
        )

    def redeem(i):
        member = Member.objects.get(pk=members[i % 4].pk)
        return benefit_redeem(benefit=Benefit.objects.get(pk=benefit.pk), member=member)

    results, errors = run_at_once(redeem)

    benefit.refresh_from_db()
    assert len(results) == 5 == benefit.redeemed_count == Redemption.objects.count()
    assert len(errors) == 15
    assert len({r.code for r in results}) == 5
    for member in members:
        member.refresh_from_db()
        assert member.points_balance == ledger_sum(member) >= 0
    assert sum(m.points_balance for m in members) == 4 * 250 - 5 * 100


def test_20_concurrent_redemptions_by_one_member_respect_their_limit():
    benefit = BenefitFactory(points_cost=10, per_member_limit=3)
    member = MemberFactory()
    points_earn(member=member, kind=PointsEntry.Kind.EVENT, points=1000, source="e:1", reason="x")

    results, errors = run_at_once(
        lambda i: benefit_redeem(benefit=benefit, member=Member.objects.get(pk=member.pk))
    )

    member.refresh_from_db()
    assert len(results) == 3 and len(errors) == 17
    assert member.points_balance == 970 == ledger_sum(member)
