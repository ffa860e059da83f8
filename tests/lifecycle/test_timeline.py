"""The owner timeline's selector: every kind, the order, keyset pages, the kind filter, the registry
and a query count that does not grow with the history."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.paging import BrokenCursor
from lifecycle import timeline
from lifecycle.timeline import (
    Position,
    TimelineEntry,
    customer_timeline,
    register_timeline_source,
    timeline_kinds,
)

BUILTIN_KINDS = [
    "contract",
    "complaint",
    "complaint_event",
    "work_order",
    "return_visit",
    "handover_appointment",
    "inspection",
    "defect",
    "survey_invitation",
    "survey_answer",
    "club_enrolment",
    "club_registration",
    "club_points",
    "club_referral",
]


def _all_pages(customer, user, **kwargs):
    entries, before = [], None
    while True:
        page = customer_timeline(customer, user=user, before=before, **kwargs)
        entries.extend(page.entries)
        if not page.next_cursor:
            return entries
        before = Position.decode(page.next_cursor)


def test_the_builtin_kinds_are_registered():
    kinds = [kind for kind, _label in timeline_kinds()]
    assert kinds[: len(BUILTIN_KINDS) + 1] == [*BUILTIN_KINDS, "touchpoint"]


def test_worked_touchpoints_show_open_ones_do_not(owner, owned_unit, agent):
    from lifecycle.models import Touchpoint
    from tests.lifecycle.factories import TouchpointFactory

    contract = owned_unit.contracts.get()
    worked = TouchpointFactory(contract=contract, status=Touchpoint.Status.REACHED, outcome_note="业主很满意")
    Touchpoint.objects.filter(pk=worked.pk).update(done_at=timezone.now())
    TouchpointFactory(contract=contract, occurrence=1)  # still open: nothing happened yet
    entries = customer_timeline(owner, user=agent, kinds=["touchpoint"]).entries
    assert [(e.id, e.detail) for e in entries] == [(worked.pk, "业主很满意")]


def test_every_kind_shows_newest_first(every_kind, owner, agent):
    entries = customer_timeline(owner, user=agent, limit=100).entries
    kinds = [entry.kind for entry in entries]
    assert set(kinds) == set(BUILTIN_KINDS)
    assert [entry.at for entry in entries] == sorted((entry.at for entry in entries), reverse=True)
    # The fixture's records a day apart, the referral newest; the contract's two dates are in 2024.
    assert kinds[0] == "club_referral"
    assert kinds[-2:] == ["contract", "contract"]
    titles = " ".join(entry.title for entry in entries)
    assert "李**" in titles and "李小红" not in titles  # the referred friend is masked
    # The complaint's own "received" event is the complaint entry, not a second one.
    assert kinds.count("complaint_event") == 1


def test_contract_dates_make_three_entries_at_the_day_start(owner, agent, owned_unit):
    contract = owned_unit.contracts.get()
    contract.handed_over_on = datetime.date(2025, 1, 10)
    contract.save()
    entries = customer_timeline(owner, user=agent, kinds=["contract"]).entries
    assert [timezone.localtime(e.at).date() for e in entries] == [
        datetime.date(2025, 1, 10),
        datetime.date(2024, 3, 15),
        datetime.date(2024, 3, 1),
    ]
    assert all(timezone.localtime(e.at).time() == datetime.time(0) for e in entries)
    assert len({e.id for e in entries}) == 3


def test_pages_cover_the_history_once_in_order(every_kind, long_history, owner, agent):
    long_history(60)
    whole = customer_timeline(owner, user=agent, limit=100).entries
    paged = _all_pages(owner, agent, limit=7)
    assert [(e.kind, e.id) for e in paged] == [(e.kind, e.id) for e in whole]
    assert len(paged) == len({(e.kind, e.id) for e in paged})


def test_ties_in_time_page_by_kind_then_id(owner, agent, every_kind):
    from membership.models import PointsEntry

    member = every_kind["club_enrolment"]
    tie = timezone.make_aware(datetime.datetime(2026, 7, 1, 9))
    for k in range(5):
        PointsEntry.objects.create(
            member=member, kind="adjustment", points=1, reason="x", source=f"t{k}", created_at=tie
        )
    every_kind["complaint"].events.update(created_at=tie)  # the complaint's events, same second
    paged = _all_pages(owner, agent, limit=2)
    at_tie = [(e.kind, e.id) for e in paged if e.at == tie]
    assert len(at_tie) == 5 + 1
    assert at_tie == sorted(at_tie, reverse=True)


def test_filter_by_kind(every_kind, owner, agent):
    entries = customer_timeline(owner, user=agent, kinds=["defect", "club_points"]).entries
    assert {entry.kind for entry in entries} == {"defect", "club_points"}


def test_links_only_to_records_the_user_sees(every_kind, owner, agent, other_project):
    by_kind = {e.kind: e for e in customer_timeline(owner, user=agent, limit=100).entries}
    assert by_kind["complaint"].url.endswith(f"/complaints/{every_kind['complaint'].pk}/")
    assert by_kind["complaint_event"].detail == "已电话回复业主"
    assert by_kind["contract"].url is None
    every_kind["complaint"].project = other_project
    every_kind["complaint"].save(update_fields=["project"])
    by_kind = {e.kind: e for e in customer_timeline(owner, user=agent, limit=100).entries}
    # Outside the agent's projects: the title stays, the link and the note go.
    assert by_kind["complaint"].url is None
    assert by_kind["complaint_event"].url is None and by_kind["complaint_event"].detail == ""
    assert by_kind["club_points"].url  # the club member is in scope


@pytest.mark.parametrize("events", [10, 1000])
def test_query_count_does_not_grow_with_the_history(
    every_kind, long_history, owner, agent, events, django_assert_max_num_queries
):
    long_history(events)
    agent.scope  # noqa: B018 - computed once per request in real use
    # One query per kind (18) and one per kind of linked record (8 models at most).
    with django_assert_max_num_queries(26):
        page = customer_timeline(owner, user=agent, limit=10)
    assert len(page.entries) == 10 and page.next_cursor
    with django_assert_max_num_queries(26):
        customer_timeline(owner, user=agent, before=Position.decode(page.next_cursor), limit=10)


def test_registered_sources_are_merged(owner, agent, monkeypatch):
    monkeypatch.setattr(timeline, "_SOURCES", dict(timeline._SOURCES))
    at = timezone.now()

    def news(customer, *, before, limit):
        rows = [
            TimelineEntry(at=at - datetime.timedelta(minutes=k), kind="news", id=k + 1, title=f"n{k}")
            for k in range(5)
        ]
        return [row for row in rows if timeline.is_older(row, before)][: limit + 1]

    register_timeline_source("news", "News", news)
    register_timeline_source("news", "News", news)  # idempotent
    with pytest.raises(ImproperlyConfigured):
        register_timeline_source("news", "News", lambda customer, *, before, limit: [])
    paged = _all_pages(owner, agent, kinds=["news"], limit=2)
    assert [e.title for e in paged] == ["n0", "n1", "n2", "n3", "n4"]


@pytest.mark.parametrize("cursor", ["", "!!!", "YWJj", "MjAyNi0wMS0wMXxub3BlfDE=", "eHx4fHg="])
def test_broken_cursors_are_refused(cursor):
    with pytest.raises(BrokenCursor):
        Position.decode(cursor)


def test_a_cursor_round_trips():
    position = Position(timezone.now().replace(microsecond=123), "defect", 42)
    assert Position.decode(position.encode()) == position


def test_many_contracts_page_in_order(owner, agent, project):
    from tests.factories import ContractFactory, UnitFactory

    for k in range(12):
        day = datetime.date(2020, 1, 1) + datetime.timedelta(days=40 * k)
        ContractFactory(
            unit=UnitFactory(building__project=project),
            primary_buyer=owner,
            subscribed_on=day,
            signed_on=day + datetime.timedelta(days=10),
            handed_over_on=day + datetime.timedelta(days=20),
            contractual_handover_on=day + datetime.timedelta(days=30),
        )
    paged = _all_pages(owner, agent, kinds=["contract"], limit=5)
    assert len(paged) == 12 * 3 + 2
    assert [e.at for e in paged] == sorted((e.at for e in paged), reverse=True)
