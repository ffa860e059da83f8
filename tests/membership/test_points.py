"""The points ledger: earn, spend, adjust and expire (membership.services.points)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Role
from membership.models import Member, PointsEntry, Tier
from membership.services.points import (
    InsufficientPoints,
    add_months,
    points_adjust,
    points_earn,
    points_expire,
    points_spend,
)
from tests.factories import UserFactory
from tests.membership.factories import MemberFactory, PointsEntryFactory

pytestmark = pytest.mark.django_db
Kind = PointsEntry.Kind


def ledger_sum(member) -> int:
    return PointsEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"] or 0


def test_earning_appends_an_entry_and_keeps_the_balance_on_the_member():
    member = MemberFactory()
    entry = points_earn(
        member=member, kind=Kind.EVENT, points=50, source="event_registration:1", reason="中秋"
    )
    member.refresh_from_db()
    assert (entry.points, entry.reason, entry.source) == (50, "中秋", "event_registration:1")
    assert member.points_balance == 50 == ledger_sum(member)


def test_earned_points_expire_after_the_configured_months(settings):
    settings.CLUB_POINTS_VALID_MONTHS = 12
    member = MemberFactory()
    entry = points_earn(member=member, kind=Kind.SURVEY, points=10, source="survey:1", reason="问卷")
    assert entry.expires_on == add_months(timezone.localdate(entry.created_at), 12)


def test_earning_twice_for_the_same_source_returns_none_and_adds_nothing():
    member = MemberFactory()
    points_earn(member=member, kind=Kind.REFERRAL, points=200, source="referral:5", reason="老带新")
    again = points_earn(member=member, kind=Kind.REFERRAL, points=200, source="referral:5", reason="老带新")
    member.refresh_from_db()
    assert again is None
    assert member.points_balance == 200
    assert PointsEntry.objects.filter(member=member).count() == 1


def test_spending_more_than_the_balance_raises_and_writes_nothing():
    member = MemberFactory()
    points_earn(member=member, kind=Kind.EVENT, points=80, source="e:1", reason="活动")
    with pytest.raises(InsufficientPoints):
        points_spend(member=member, points=100, kind=Kind.REDEMPTION, source="redemption:X", reason="券")
    member.refresh_from_db()
    assert member.points_balance == 80
    assert not PointsEntry.objects.filter(kind=Kind.REDEMPTION).exists()
    assert issubclass(InsufficientPoints, ValidationError)


def test_spending_the_same_source_twice_spends_once():
    member = MemberFactory()
    points_earn(member=member, kind=Kind.EVENT, points=300, source="e:1", reason="活动")
    first = points_spend(member=member, points=100, kind=Kind.REDEMPTION, source="redemption:A", reason="券")
    second = points_spend(member=member, points=100, kind=Kind.REDEMPTION, source="redemption:A", reason="券")
    member.refresh_from_db()
    assert first == second
    assert member.points_balance == 200 == ledger_sum(member)


def test_the_database_refuses_a_negative_balance_even_past_the_service():
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(points_balance=-1)


def test_an_entry_needs_a_reason_and_positive_points():
    member = MemberFactory()
    with pytest.raises(ValidationError) as error:
        points_earn(member=member, kind=Kind.EVENT, points=0, source="e:1", reason=" ")
    assert set(error.value.message_dict) == {"points", "reason"}
    with pytest.raises(ValueError):
        points_earn(member=member, kind=Kind.REDEMPTION, points=5, source="e:2", reason="x")


def test_points_past_a_threshold_move_the_tier_at_once():
    member = MemberFactory()
    points_earn(member=member, kind=Kind.PURCHASE, points=1000, source="contract:1", reason="购房")
    member.refresh_from_db()
    assert member.tier == Tier.SILVER
    assert member.tier_reason == "Silver (银卡): 1000 points"


class TestAdjustments:
    def test_someone_running_the_club_adjusts_both_ways_with_a_reason(self, supervisor, project):
        member = MemberFactory(city_company=project.city_company, project=project)
        points_adjust(member=member, points=120, reason="补录活动积分", by=supervisor, source="form-1")
        entry = points_adjust(member=member, points=-20, reason="误录", by=supervisor, source="form-2")
        member.refresh_from_db()
        assert (entry.kind, entry.points, entry.actor) == (Kind.ADJUSTMENT, -20, supervisor)
        assert member.points_balance == 100

    def test_a_resubmitted_adjustment_form_adjusts_once(self, supervisor, project):
        member = MemberFactory(city_company=project.city_company, project=project)
        for _ in range(2):
            points_adjust(member=member, points=50, reason="补录", by=supervisor, source="form-1")
        member.refresh_from_db()
        assert member.points_balance == 50

    def test_an_agent_may_not_adjust(self, agent, project):
        member = MemberFactory(city_company=project.city_company, project=project)
        with pytest.raises(PermissionDenied):
            points_adjust(member=member, points=50, reason="x", by=agent, source="f")

    def test_a_supervisor_may_not_adjust_a_member_outside_their_scope(self, supervisor, other_city):
        member = MemberFactory(city_company=other_city)
        with pytest.raises(PermissionDenied):
            points_adjust(member=member, points=50, reason="x", by=supervisor, source="f")

    def test_a_negative_adjustment_cannot_take_the_balance_below_zero(self, project):
        head = UserFactory(role=Role.CITY_HEAD, city_companies=[project.city_company])
        member = MemberFactory(city_company=project.city_company)
        with pytest.raises(InsufficientPoints):
            points_adjust(member=member, points=-1, reason="x", by=head, source="f")


# --- expiry, on hand-built histories -------------------------------------------------------------

TODAY = datetime.date(2025, 6, 1)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def history(*rows) -> Member:
    """A member with the given entries (day, points, expires_on, kind) and the matching balance."""
    member = MemberFactory()
    for day, points, expires_on, kind in rows:
        PointsEntryFactory(member=member, points=points, kind=kind, created_at=at(day), expires_on=expires_on)
    Member.objects.filter(pk=member.pk).update(points_balance=ledger_sum(member))
    return member


def expiry_entries(member):
    return list(PointsEntry.objects.filter(member=member, kind=Kind.EXPIRY).values_list("points", flat=True))


def test_an_unspent_expired_earning_expires_whole():
    member = history((datetime.date(2023, 5, 1), 100, datetime.date(2025, 5, 1), Kind.EVENT))
    assert points_expire(today=TODAY) == 1
    member.refresh_from_db()
    assert expiry_entries(member) == [-100]
    assert member.points_balance == 0 == ledger_sum(member)


def test_spends_come_out_of_the_oldest_earnings_first():
    # 100 (expired) and 100 (still valid) earned, 150 spent: the first 100 and 50 of the second are
    # gone, so nothing of the expired earning is left to expire.
    member = history(
        (datetime.date(2023, 5, 1), 100, datetime.date(2025, 5, 1), Kind.EVENT),
        (datetime.date(2024, 1, 1), 100, datetime.date(2026, 1, 1), Kind.EVENT),
        (datetime.date(2024, 2, 1), -150, None, Kind.REDEMPTION),
    )
    assert points_expire(today=TODAY) == 0
    member.refresh_from_db()
    assert member.points_balance == 50


def test_only_what_is_left_of_a_partly_spent_earning_expires():
    member = history(
        (datetime.date(2023, 5, 1), 100, datetime.date(2025, 5, 1), Kind.EVENT),
        (datetime.date(2023, 6, 1), -30, None, Kind.REDEMPTION),
        (datetime.date(2024, 1, 1), 200, datetime.date(2026, 1, 1), Kind.PURCHASE),
        (datetime.date(2023, 7, 1), 50, datetime.date(2025, 5, 31), Kind.SURVEY),
    )
    points_expire(today=TODAY)
    member.refresh_from_db()
    # One entry for both expired earnings: 70 left of the first, 50 of the survey.
    assert expiry_entries(member) == [-120]
    assert member.points_balance == 200 == ledger_sum(member)


def test_an_earning_expiring_tomorrow_stays():
    member = history((datetime.date(2023, 6, 2), 100, datetime.date(2025, 6, 2), Kind.EVENT))
    assert points_expire(today=TODAY) == 0
    member.refresh_from_db()
    assert member.points_balance == 100


def test_a_rerun_the_same_day_and_the_next_day_expires_nothing_more():
    member = history(
        (datetime.date(2023, 5, 1), 100, datetime.date(2025, 5, 1), Kind.EVENT),
        (datetime.date(2024, 1, 1), 40, datetime.date(2026, 1, 1), Kind.EVENT),
    )
    assert points_expire(today=TODAY) == 1
    assert points_expire(today=TODAY) == 0
    assert points_expire(today=TODAY + datetime.timedelta(days=1)) == 0
    member.refresh_from_db()
    assert expiry_entries(member) == [-100]
    assert member.points_balance == 40


def test_a_later_run_expires_the_next_earning_after_an_earlier_expiry():
    member = history(
        (datetime.date(2023, 5, 1), 100, datetime.date(2025, 5, 1), Kind.EVENT),
        (datetime.date(2023, 8, 1), 60, datetime.date(2025, 8, 1), Kind.EVENT),
        (datetime.date(2024, 3, 1), -20, None, Kind.REDEMPTION),
    )
    points_expire(today=TODAY)  # the first 100, less the 20 spent from it: 80
    points_expire(today=datetime.date(2025, 8, 1))  # then the 60
    member.refresh_from_db()
    assert sorted(expiry_entries(member)) == [-80, -60]
    assert member.points_balance == 0 == ledger_sum(member)


def test_the_expiry_task_runs_the_service():
    from membership import tasks

    member = history((datetime.date(2020, 1, 1), 100, datetime.date(2022, 1, 1), Kind.EVENT))
    assert tasks.expire_points.delay().result == 1
    member.refresh_from_db()
    assert member.points_balance == 0


def test_entries_are_read_only_in_the_admin(admin_client):
    from django.contrib import admin

    entry = PointsEntryFactory()
    model_admin = admin.site._registry[PointsEntry]
    request = type("Request", (), {"user": UserFactory(is_superuser=True, is_staff=True)})()
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert not model_admin.has_add_permission(request)
