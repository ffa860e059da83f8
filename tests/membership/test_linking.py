"""Linking members to customers: by ID number (certain), by phone (one customer: certain; several:
review), when a contract is signed, and the review queue."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.services import contract_create, contract_update
from membership.models import Member
from membership.services.linking import member_link_customer, member_link_review
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    UnitFactory,
    make_resident_id,
)
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db
LinkStatus = Member.LinkStatus


def test_an_id_number_match_is_certain_even_when_the_phone_is_shared(project):
    customer = CustomerFactory(city_company=project.city_company, id_number=make_resident_id(7))
    CustomerPhoneFactory(customer=CustomerFactory(), number="13700000001")
    member = MemberFactory(
        city_company=project.city_company, phone="13700000001", id_number=make_resident_id(7)
    )
    member_link_customer(member=member)
    member.refresh_from_db()
    assert (member.customer, member.link_status) == (customer, LinkStatus.LINKED)


def test_a_phone_of_exactly_one_customer_links(owner, project):
    member = MemberFactory(city_company=project.city_company, phone="13812345678")
    member_link_customer(member=member)
    member.refresh_from_db()
    assert (member.customer, member.link_status) == (owner, LinkStatus.LINKED)


def test_a_phone_of_several_customers_waits_for_review(owner, project):
    CustomerPhoneFactory(customer=CustomerFactory(city_company=project.city_company), number="13812345678")
    member = MemberFactory(city_company=project.city_company, phone="13812345678")
    member_link_customer(member=member)
    member.refresh_from_db()
    assert (member.customer, member.link_status) == (None, LinkStatus.TO_REVIEW)


def test_no_match_stays_not_a_customer(project):
    member = MemberFactory(city_company=project.city_company)
    member_link_customer(member=member)
    member.refresh_from_db()
    assert member.link_status == LinkStatus.NOT_A_CUSTOMER


def test_signing_a_contract_links_the_buyers_membership(agent, project):
    member = MemberFactory(city_company=project.city_company, phone="13700000002")
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerPhoneFactory(customer=buyer, number="13700000002")
    unit = UnitFactory(building__project=project)
    contract_create(
        unit=unit,
        primary_buyer=buyer,
        by=agent,
        number="HT-CLUB-1",
        signed_on=datetime.date(2026, 11, 1),
        price=Decimal("2500000"),
    )
    member.refresh_from_db()
    assert (member.customer, member.link_status) == (buyer, LinkStatus.LINKED)


def test_a_contract_signed_later_links_too_and_an_unsigned_one_does_not(agent, project):
    member = MemberFactory(city_company=project.city_company, phone="13700000003")
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerPhoneFactory(customer=buyer, number="13700000003")
    contract = contract_create(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        by=agent,
        number="HT-CLUB-2",
        subscribed_on=datetime.date(2026, 10, 1),
        price=Decimal("2500000"),
    )
    member.refresh_from_db()
    assert member.customer is None
    contract_update(
        contract=contract, by=agent, expected_version=contract.version, signed_on=datetime.date(2026, 11, 2)
    )
    member.refresh_from_db()
    assert member.customer == buyer


def test_the_contract_signed_signal_carries_the_contract(agent, project):
    from customers.signals import contract_signed

    received = []

    def receiver(sender, contract, **kwargs):
        received.append(contract)

    contract_signed.connect(receiver)
    try:
        buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
        ContractFactory(
            unit=UnitFactory(building__project=project), primary_buyer=buyer
        )  # saved directly: no signal
        assert received == []
        signed = contract_create(
            unit=UnitFactory(building__project=project),
            primary_buyer=buyer,
            by=agent,
            number="HT-CLUB-3",
            signed_on=datetime.date(2026, 11, 1),
            price=Decimal("1"),
        )
    finally:
        contract_signed.disconnect(receiver)
    assert received == [signed]


@pytest.fixture
def ambiguous(owner, project):
    other = CustomerFactory(city_company=project.city_company, registered_project=project, name="张伟同名")
    CustomerPhoneFactory(customer=other, number="13812345678")
    member = MemberFactory(city_company=project.city_company, project=project, phone="13812345678")
    member_link_customer(member=member)
    member.refresh_from_db()
    return member, other


def test_a_reviewer_picks_the_right_customer(ambiguous, supervisor):
    member, other = ambiguous
    member_link_review(member=member, by=supervisor, customer=other, expected_version=member.version)
    member.refresh_from_db()
    assert (member.customer, member.link_status) == (other, LinkStatus.LINKED)


def test_a_reviewer_may_say_none_of_them(ambiguous, supervisor):
    member, _other = ambiguous
    member_link_review(member=member, by=supervisor, customer=None, expected_version=member.version)
    member.refresh_from_db()
    assert (member.customer, member.link_status) == (None, LinkStatus.NOT_A_CUSTOMER)


def test_a_customer_who_is_not_a_candidate_cannot_be_picked(ambiguous, supervisor, project):
    from django.core.exceptions import ValidationError

    member, _other = ambiguous
    with pytest.raises(ValidationError):
        member_link_review(
            member=member,
            by=supervisor,
            customer=CustomerFactory(city_company=project.city_company),
            expected_version=member.version,
        )


def test_a_stale_review_is_refused(ambiguous, supervisor):
    from membership.services.errors import ConcurrentEditError

    member, other = ambiguous
    with pytest.raises(ConcurrentEditError):
        member_link_review(member=member, by=supervisor, customer=other, expected_version=member.version - 1)


def test_the_review_page_lists_the_candidates_and_takes_the_decision(client, ambiguous, supervisor, agent):
    member, other = ambiguous
    client.force_login(agent)
    assert client.get(reverse("club:link_review")).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse("club:link_review"))
    assert page.status_code == 200
    assert f'data-testid="review-{member.pk}"'.encode() in page.content
    assert "138****5678" in page.content.decode() and "13812345678" not in page.content.decode()
    response = client.post(
        reverse("club:link_review_decide", args=[member.pk]),
        {"version": member.version, "customer": other.pk},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.customer == other
