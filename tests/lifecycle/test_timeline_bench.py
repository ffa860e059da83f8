"""The bench's long owner timeline: its builder (small here), and the bench rows that time it."""

import datetime
import random

import pytest
from django.core.management import call_command

from bench import run as bench_run
from complaints.models import ComplaintEvent
from customers.models import Customer
from demo.bench_data import BENCH_360_NAME
from demo.bench_data.timeline import write_timeline_history
from lifecycle.timeline import Position, customer_timeline
from membership.models import PointsEntry, Referral

from .timeline_fixtures import NOW


def test_the_builder_adds_exactly_the_entries_asked(owner, complaint, agent):
    before = len(customer_timeline(owner, user=agent, limit=100).entries)
    counts = write_timeline_history(owner, events=30, rng=random.Random(1), now=NOW)
    assert sum(counts.values()) == 30
    entries, cursor = [], None
    while True:
        page = customer_timeline(owner, user=agent, limit=100, before=cursor and Position.decode(cursor))
        entries.extend(page.entries)
        if not (cursor := page.next_cursor):
            break
    assert len(entries) == before + 30
    assert {e.kind for e in entries} == {"complaint", "complaint_event", "contract"}  # no membership: notes


def test_the_builder_uses_the_membership_and_keeps_its_balance(every_kind, owner, agent):
    member = every_kind["club_enrolment"]
    ledger_before = sum(member.points_entries.values_list("points", flat=True))
    counts = write_timeline_history(owner, events=50, rng=random.Random(2), now=NOW)
    assert sum(counts.values()) == 50
    assert counts["membership_referral"] == 3 and counts["membership_pointsentry"] == 27
    member.refresh_from_db()
    # The fixture's entry was written without its balance; the builder's move both together.
    assert (
        member.points_balance == sum(member.points_entries.values_list("points", flat=True)) - ledger_before
    )


def test_the_builder_spreads_its_rows_over_three_years_before_now(owner, complaint, agent):
    write_timeline_history(owner, events=12, rng=random.Random(7), now=NOW)
    built = [
        e.at for e in customer_timeline(owner, user=agent, limit=100).entries if e.kind == "complaint_event"
    ]
    assert len(built) == 12
    assert all(NOW - datetime.timedelta(days=3 * 365 + 1) <= at <= NOW for at in built)


@pytest.mark.django_db
def test_the_bench_times_the_owner_timeline():
    call_command(
        "bench_data",
        complaints=400,
        units=80,
        customers=120,
        cities=2,
        projects_per_city=2,
        survey_responses=0,
        members=100,
        quiet=True,
    )
    customer = Customer.objects.get(name=BENCH_360_NAME)
    notes = ComplaintEvent.objects.filter(complaint__customer=customer, kind="note").count()
    points = PointsEntry.objects.filter(member__customer=customer).count()
    referrals = Referral.objects.filter(referrer__customer=customer).count()
    assert notes + points + referrals >= 1000
    result = bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, only="owner timeline")
    rows = {row["name"]: row for row in result["rows"] if row["name"].startswith("owner timeline")}
    assert set(rows) == {"owner timeline page (1,000+ events)", "owner timeline API (1,000+ events)"}
    for row in rows.values():
        assert row["note"] == "" and 0 < row["queries"] <= 30, row
