import pytest
from django.db import IntegrityError, transaction

from membership.models import Registration
from tests.membership.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_one_active_membership_per_phone():
    MemberFactory(phone="13900000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(phone="13900000001")


def test_points_balance_can_never_go_negative_in_the_database():
    member = MemberFactory()
    member.points_balance = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()


def test_a_member_holds_one_live_place_per_event_but_may_register_again_after_cancelling():
    event, member = EventFactory(), MemberFactory()
    Registration.objects.create(event=event, member=member, status=Registration.Status.CANCELLED)
    Registration.objects.create(event=event, member=member, status=Registration.Status.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(event=event, member=member, status=Registration.Status.WAITLISTED)


def test_member_keeps_the_last_four_digits_for_the_check_in_desk():
    assert MemberFactory(phone="13912345678").phone_last4 == "5678"
