"""Sales commitments on the owner timeline: made (when recorded) and settled (fulfilled or waived),
in order with the other kinds, paged without loss, linked to the contract's register for viewers who
see it, and one query per kind however many commitments the customer has."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import Commitment
from lifecycle.timeline import Position, customer_timeline, timeline_kinds
from tests.factories import UserFactory
from tests.lifecycle.factories import CommitmentFactory

NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 12, 0))
DAY = datetime.timedelta(days=1)
KINDS = ["commitment", "commitment_settled"]


def _commitment(contract, *, made, settled=None, status="fulfilled", **fields):
    row = CommitmentFactory(contract=contract, **fields)
    changes = {"created_at": made}
    if settled:
        changes.update(status=status, settled_at=settled, settled_note="已兑现")
    Commitment.objects.filter(pk=row.pk).update(**changes)
    return row


def _all(customer, user, **kwargs):
    entries, before = [], None
    while True:
        page = customer_timeline(customer, user=user, before=before, **kwargs)
        entries.extend(page.entries)
        if not page.next_cursor:
            return entries
        before = Position.decode(page.next_cursor)


def test_both_kinds_are_registered():
    kinds = [kind for kind, _label in timeline_kinds()]
    assert set(KINDS) <= set(kinds)


@pytest.mark.django_db
def test_made_and_settled_commitments_show_newest_first_among_the_other_kinds(owner, agent, owned_unit):
    contract = owned_unit.contracts.get()
    parking = _commitment(contract, made=NOW - 5 * DAY, settled=NOW - DAY, text="车位按原价")
    fees = _commitment(contract, made=NOW - 3 * DAY, text="赠送一年物业费", due_on=datetime.date(2026, 9, 1))
    waived = _commitment(
        contract, made=NOW - 4 * DAY, settled=NOW - 2 * DAY, status="waived", text="赠送花园"
    )
    entries = [e for e in customer_timeline(owner, user=agent, limit=100).entries if e.kind in KINDS]
    assert [(e.kind, e.id) for e in entries] == [
        ("commitment_settled", parking.pk),
        ("commitment_settled", waived.pk),
        ("commitment", fees.pk),
        ("commitment", waived.pk),
        ("commitment", parking.pk),
    ]
    assert "赠送一年物业费" in entries[2].title and entries[2].detail == "due 2026-09-01"
    assert "fulfilled" in entries[0].title and "waived" in entries[1].title
    assert entries[0].url == reverse("lifecycle:contract_commitments", args=[contract.pk])
    # in the whole stream the contract's own signing date (2024) comes after them
    everything = customer_timeline(owner, user=agent, limit=100).entries
    assert [e.at for e in everything] == sorted((e.at for e in everything), reverse=True)


@pytest.mark.django_db
def test_paging_through_commitments_at_one_time_loses_and_repeats_nothing(owner, agent, owned_unit):
    contract = owned_unit.contracts.get()
    rows = [_commitment(contract, made=NOW, settled=NOW) for _ in range(7)]
    entries = _all(owner, agent, kinds=KINDS, limit=3)
    assert sorted((e.kind, e.id) for e in entries) == sorted(
        [("commitment", r.pk) for r in rows] + [("commitment_settled", r.pk) for r in rows]
    )
    # at the same time: kind, then id, descending
    assert [(e.kind, e.id) for e in entries[:2]] == [
        ("commitment_settled", rows[-1].pk),
        ("commitment_settled", rows[-2].pk),
    ]


@pytest.mark.django_db
def test_the_link_is_kept_only_for_viewers_who_see_the_commitment(owner, owned_unit, project):
    from accounts.models import Role

    _commitment(owned_unit.contracts.get(), made=NOW)
    viewer = UserFactory(username="viewer", role=Role.READONLY_MANAGER, projects=[project])
    entry = customer_timeline(owner, user=viewer, kinds=["commitment"]).entries[0]
    assert entry.url  # a read-only manager reads the registers
    other = UserFactory(username="other", role=Role.CS_AGENT)
    other_entry = customer_timeline(owner, user=other, kinds=["commitment"]).entries[0]
    assert other_entry.url is None  # outside their scope: the title only


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 1000])
def test_one_query_per_kind_however_many_commitments(
    owner, agent, owned_unit, count, django_assert_max_num_queries
):
    contract = owned_unit.contracts.get()
    rows = [
        Commitment(
            contract=contract, project=contract.unit.project, text=f"承诺{n}", promised_by_name="王销售"
        )
        for n in range(count)
    ]
    Commitment.objects.bulk_create(rows)
    Commitment.objects.filter(contract=contract, pk__in=[r.pk for r in rows[::2]]).update(
        status="fulfilled", settled_at=NOW
    )
    agent.scope  # noqa: B018 - computed once per request in real use
    # the two sources (2) and the visibility of their one linked model (1)
    with django_assert_max_num_queries(3):
        page = customer_timeline(owner, user=agent, kinds=KINDS, limit=10)
    assert len(page.entries) == 10 and page.next_cursor
    with django_assert_max_num_queries(3):
        customer_timeline(owner, user=agent, kinds=KINDS, before=Position.decode(page.next_cursor), limit=10)
    # and the whole stream: one query per registered kind, one per kind of linked record at most
    with django_assert_max_num_queries(len(timeline_kinds()) + 10):
        customer_timeline(owner, user=agent, limit=25)
