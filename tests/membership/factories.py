"""Club test data: members (adults, with both consents), events, benefits."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from membership.models import Benefit, EnrolmentChannel, Event, Member
from tests.factories import CityCompanyFactory


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    number = factory.Sequence(lambda n: f"WK{n:08d}")
    city_company = factory.SubFactory(CityCompanyFactory)
    name = factory.Sequence(lambda n: f"会员{n}")
    birth_date = datetime.date(1985, 5, 20)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    channel = EnrolmentChannel.STAFF


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"中秋业主联谊会 {n}")
    kind = Event.Kind.FESTIVAL
    city_company = factory.SubFactory(CityCompanyFactory)
    place = "会所多功能厅"
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    capacity = 2
    status = Event.Status.OPEN
    attendance_points = 50


class BenefitFactory(DjangoModelFactory):
    class Meta:
        model = Benefit

    title = factory.Sequence(lambda n: f"合作商户九折券 {n}")
    kind = Benefit.Kind.PARTNER_DISCOUNT
    points_cost = 100


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = "membership.Referral"

    referrer = factory.SubFactory(MemberFactory)
    friend_name = factory.Sequence(lambda n: f"朋友{n}")
    friend_phone = factory.Sequence(lambda n: f"137{n:08d}")
    project = factory.SubFactory("tests.factories.ProjectFactory")


# --- ledger helper: points entries and care tasks -------------------------------------------------
from membership.models import CareTask, PointsEntry  # noqa: E402


class PointsEntryFactory(DjangoModelFactory):
    """A hand-built ledger row (tests of expiry build histories; the balance is set by the test)."""

    class Meta:
        model = PointsEntry

    member = factory.SubFactory(MemberFactory)
    kind = PointsEntry.Kind.EVENT
    points = 100
    reason = "测试"
    source = factory.Sequence(lambda n: f"test:{n}")


class CareTaskFactory(DjangoModelFactory):
    class Meta:
        model = CareTask

    member = factory.SubFactory(MemberFactory)
    kind = CareTask.Kind.BIRTHDAY
    year = 2025
    due_on = datetime.date(2025, 5, 20)
    city_company = factory.SelfAttribute("member.city_company")
