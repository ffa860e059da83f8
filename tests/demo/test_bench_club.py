"""The bench's club (demo/bench_data/club.py): consistent rows (balances are the ledger's sums, phone
tails and numbers as enrolment writes them, no event over-booked), and bench/run.py measures the
club's lists for real."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Q, Sum

from bench import run as bench_run
from bench.club import NAMES
from membership.models import (
    Benefit,
    Consent,
    Event,
    Member,
    MemberNumberSequence,
    PointsEntry,
    Referral,
    Registration,
)
from membership.services.enrolment import member_number_next

pytestmark = pytest.mark.django_db

TINY = dict(
    complaints=200, units=60, customers=90, cities=2, projects_per_city=2, survey_responses=0, members=300,
    quiet=True,
)  # fmt: skip


@pytest.fixture
def bench_db():
    call_command("bench_data", **TINY)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the size limit applies to SQLite only")
def test_bench_data_refuses_a_large_club_on_sqlite():
    with pytest.raises(CommandError, match="members"):
        call_command("bench_data", **{**TINY, "members": 100_000})
    assert not Member.objects.exists()


def test_members_are_written_as_enrolment_writes_them(bench_db):
    members = list(Member.objects.all())
    assert len(members) == 300
    assert all(m.phone_last4 == m.phone[-4:] and len(m.phone) == 11 for m in members)
    assert len({m.number for m in members}) == 300
    linked = [m for m in members if m.customer_id]
    assert linked and all(m.link_status == "linked" for m in linked)
    assert Consent.objects.filter(kind="club_data", granted=True).count() == 300
    # The counters moved past the copied numbers: the next enrolment's number is fresh.
    sequence = MemberNumberSequence.objects.select_related("city_company").first()
    assert not Member.objects.filter(number=member_number_next(sequence.city_company)).exists()


def test_each_balance_is_the_ledgers_sum_and_never_negative(bench_db):
    sums = dict(PointsEntry.objects.values_list("member").annotate(total=Sum("points")))
    assert sums, "some members earned points"
    for member in Member.objects.all():
        assert member.points_balance == sums.get(member.pk, 0) >= 0, member.pk
    assert not PointsEntry.objects.filter(points__gt=0, expires_on__isnull=True).exists()


def test_no_event_is_over_booked_and_attendance_earned_once(bench_db):
    events = list(Event.objects.all())
    assert events and any(e.status == "open" for e in events)
    for event in events:
        held = Registration.objects.filter(event=event, status__in=("confirmed", "attended"))
        places = held.aggregate(p=Sum(F("guests") + 1))["p"] or 0
        assert places <= event.capacity, event.pk
    attended = Registration.objects.filter(status="attended", event__attendance_points__gt=0)
    earned = PointsEntry.objects.filter(kind="event").count()
    assert earned == attended.count()
    assert Referral.objects.exists() and Benefit.objects.filter(city_company__isnull=True).exists()
    assert (
        not Registration.objects.filter(~Q(status="cancelled"))
        .values("event", "member")
        .annotate(n=Sum(1))
        .filter(n__gt=1)
    )


def test_the_clubs_lists_are_measured(bench_db):
    result = bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, only="club")
    result["rows"] += bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, only="/api/v1/members/")[
        "rows"
    ]
    names = [row["name"] for row in result["rows"]]
    assert names == list(NAMES)
    for row in result["rows"]:
        assert row["note"] == "" and row["queries"] > 0, row


def test_the_dashboards_club_purchases_are_filled_as_the_saves_would_fill_them(bench_db):
    """COPY bypasses the saves that keep them: the load computes them once, from the records."""
    from customers.models import Contract
    from membership.models import ClubMonth, ClubPurchase
    from membership.selectors.growth import club_purchases

    stored = {p.contract_id: (p.is_repurchase, p.is_referred) for p in ClubPurchase.objects.all()}
    assert len(stored) == Contract.objects.filter(status="active", signed_on__isnull=False).count() > 0
    assert stored == {c.pk: (c.is_repeat, c.is_referred) for c in club_purchases()}
    assert any(repurchase for repurchase, _referred in stored.values())
    months = ClubMonth.objects.aggregate(buyers=Sum("buyers"), enrolled=Sum("enrolled"))
    assert months["buyers"] == len(stored)
    assert months["enrolled"] == Member.objects.filter(project__isnull=False).count()
