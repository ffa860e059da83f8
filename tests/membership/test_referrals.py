"""Referrals (老带新): recorded by staff in scope, attributed exactly once when the friend signs a
contract (by phone or ID number), the referrer rewarded once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers.services import contract_create, contract_update
from membership.models import PointsEntry, Referral
from membership.services.referrals import referral_attribute, referral_create
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    ProjectFactory,
    UnitFactory,
    make_resident_id,
)
from tests.membership.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrer(city, project):
    return MemberFactory(city_company=city, project=project, name="老业主王先生", phone="13911110000")


@pytest.fixture
def friend(city):
    customer = CustomerFactory(city_company=city, name="李雷")
    CustomerPhoneFactory(customer=customer, number="13722223333")
    return customer


def _sign(unit, buyer, by, **fields):
    return contract_create(
        unit=unit,
        primary_buyer=buyer,
        by=by,
        number=fields.pop("number", f"HT-R-{unit.pk}"),
        signed_on=fields.pop("signed_on", datetime.date(2026, 3, 1)),
        price=Decimal("2800000"),
        **fields,
    )


def test_staff_record_a_referral_in_their_scope(agent, project, referrer):
    referral = referral_create(
        referrer=referrer, friend_name="李雷", friend_phone="137 2222 3333", project=project, by=agent
    )
    assert referral.friend_phone == "13722223333"
    assert referral.status == Referral.Status.OPEN
    assert referral.created_by == agent


def test_a_referral_outside_the_staff_members_scope_is_refused(other_agent, project, referrer):
    with pytest.raises(PermissionDenied):
        referral_create(
            referrer=referrer, friend_name="李雷", friend_phone="13722223333", project=project, by=other_agent
        )


def test_the_same_friend_referred_twice_by_one_member_to_one_project_is_refused(agent, project, referrer):
    referral_create(
        referrer=referrer, friend_name="李雷", friend_phone="13722223333", project=project, by=agent
    )
    with pytest.raises(ValidationError) as error:
        referral_create(
            referrer=referrer, friend_name="李雷", friend_phone="13722223333", project=project, by=agent
        )
    assert "friend_phone" in error.value.message_dict


def test_bad_phone_and_self_referral_are_field_errors(agent, project, referrer):
    with pytest.raises(ValidationError) as error:
        referral_create(referrer=referrer, friend_name="", friend_phone="12345", project=project, by=agent)
    assert set(error.value.message_dict) == {"friend_phone", "friend_name"}
    with pytest.raises(ValidationError):
        referral_create(
            referrer=referrer, friend_name="我", friend_phone=referrer.phone, project=project, by=agent
        )


def test_signing_attributes_the_referral_and_rewards_the_referrer_once(
    city_head, agent, project, referrer, friend, settings
):
    settings.CLUB_REFERRAL_POINTS = 500
    referral = ReferralFactory(referrer=referrer, friend_phone="13722223333", project=project)
    contract = _sign(UnitFactory(building__project=project), friend, city_head)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.BOUGHT
    assert referral.contract == contract
    assert referral.attributed_at is not None
    entry = PointsEntry.objects.get(member=referrer)
    assert (entry.kind, entry.points, entry.source) == ("referral", 500, f"referral:{referral.pk}")
    referrer.refresh_from_db()
    assert referrer.points_balance == 500

    # The same signal again (a retry, a second save) changes nothing.
    assert referral_attribute(contract=contract) is None
    assert PointsEntry.objects.filter(member=referrer).count() == 1


def test_a_friend_matched_by_id_number_with_another_phone(city_head, agent, project, referrer, city):
    id_number = make_resident_id(4242)
    buyer = CustomerFactory(city_company=city, id_number=id_number)
    CustomerPhoneFactory(customer=buyer, number="13600001111")
    referral = ReferralFactory(
        referrer=referrer, friend_phone="13799998888", friend_id_number=id_number.lower(), project=project
    )
    contract = _sign(UnitFactory(building__project=project), buyer, city_head)
    referral.refresh_from_db()
    assert referral.contract == contract


def test_the_oldest_referral_wins_and_the_others_of_that_friend_lapse(
    city_head, agent, project, friend, city
):
    first = ReferralFactory(
        referrer=MemberFactory(city_company=city), friend_phone="13722223333", project=project
    )
    second = ReferralFactory(
        referrer=MemberFactory(city_company=city), friend_phone="13722223333", project=project
    )
    _sign(UnitFactory(building__project=project), friend, city_head)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Referral.Status.BOUGHT
    assert second.status == Referral.Status.LAPSED
    assert PointsEntry.objects.count() == 1
    # A second home of the same friend rewards nobody again.
    _sign(UnitFactory(building__project=project), friend, city_head, number="HT-R-second")
    assert PointsEntry.objects.count() == 1


def test_a_referral_to_the_contracts_own_project_comes_before_an_older_one_elsewhere(
    city_head, agent, project, friend, city
):
    sister = ProjectFactory(city_company=city, name="金色家园")
    elsewhere = ReferralFactory(
        referrer=MemberFactory(city_company=city), friend_phone="13722223333", project=sister
    )
    here = ReferralFactory(
        referrer=MemberFactory(city_company=city), friend_phone="13722223333", project=project
    )
    contract = _sign(UnitFactory(building__project=project), friend, city_head)
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert here.contract == contract
    assert elsewhere.status == Referral.Status.LAPSED


def test_a_referral_in_another_city_company_is_not_attributed(
    city_head, agent, project, friend, other_project
):
    referral = ReferralFactory(friend_phone="13722223333", project=other_project)
    _sign(UnitFactory(building__project=project), friend, city_head)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN and referral.contract is None


def test_a_member_never_earns_for_referring_themselves(city_head, agent, project, city):
    buyer = CustomerFactory(city_company=city)
    CustomerPhoneFactory(customer=buyer, number="13722223333")
    member = MemberFactory(city_company=city, customer=buyer, phone="13500000001")
    referral = ReferralFactory(referrer=member, friend_phone="13722223333", project=project)
    _sign(UnitFactory(building__project=project), buyer, city_head)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN
    assert not PointsEntry.objects.exists()


def test_an_unsigned_contract_attributes_when_it_is_signed_later(city_head, agent, project, referrer, friend):
    referral = ReferralFactory(referrer=referrer, friend_phone="13722223333", project=project)
    contract = _sign(
        UnitFactory(building__project=project), friend, city_head, signed_on=None, subscribed_on=None
    )
    referral.refresh_from_db()
    assert referral.contract is None

    contract_update(
        contract=contract,
        by=city_head,
        expected_version=contract.version,
        signed_on=datetime.date(2026, 4, 1),
    )
    referral.refresh_from_db()
    assert referral.contract == contract
    assert PointsEntry.objects.filter(source=f"referral:{referral.pk}").count() == 1


def test_a_contract_attributes_at_most_one_referral(project, referrer, friend):
    contract = ContractFactory(unit=UnitFactory(building__project=project), primary_buyer=friend)
    ReferralFactory(referrer=referrer, friend_phone="13722223333", project=project)
    assert referral_attribute(contract=contract) is not None
    ReferralFactory(
        referrer=MemberFactory(city_company=project.city_company), friend_phone="13722223333", project=project
    )
    assert referral_attribute(contract=contract) is None
    assert Referral.objects.filter(contract=contract).count() == 1
