"""The dashboards' club purchases and monthly sums follow every change they are computed from (a
contract signed, cancelled, moved to another buyer or deleted; a member enrolled, linked later, moved or
deleted; a referral attributed; two customers merged) and always equal a rebuild from the records, which
the command runs with its report."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.roles import Role
from customers import services as customer_services
from customers.models import Contract
from membership.models import ClubMonth, ClubPurchase, Member
from membership.purchases import club_purchases_rebuild
from membership.selectors.growth import club_purchases
from membership.services.linking import member_link_review
from membership.services.referrals import referral_attribute
from tests.dashboards.conftest import at
from tests.factories import ContractFactory, CustomerFactory, CustomerPhoneFactory, UnitFactory, UserFactory
from tests.membership.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _purchases() -> dict:
    return {
        p.contract_id: (p.buyer_id, p.project_id, p.signed_on, p.is_repurchase, p.is_referred)
        for p in ClubPurchase.objects.all()
    }


def _months() -> dict:
    return {
        (m.month, m.project_id): (m.enrolled, m.buyers, m.repurchases, m.referred)
        for m in ClubMonth.objects.all()
        if (m.enrolled, m.buyers, m.repurchases, m.referred) != (0, 0, 0, 0)
    }


def _clubs() -> dict:
    """Each month's purchases that were the club's (the referral board's share)."""
    return {(m.month, m.project_id): m.club for m in ClubMonth.objects.all() if m.club}


def _assert_same_as_a_rebuild() -> tuple[dict, dict]:
    kept = _purchases(), _months()
    clubs = _clubs()
    either: dict = {}
    for _buyer, project, signed_on, repeat, referred in kept[0].values():
        if repeat or referred:
            key = (signed_on.replace(day=1), project)
            either[key] = either.get(key, 0) + 1
    assert clubs == either
    # The board's own reading of the contracts agrees with the stored flags.
    live = {
        c.pk: (c.is_repeat, c.is_referred)
        for c in club_purchases().annotate().only("pk", "signed_on", "status")
    }
    assert {pk: (row[3], row[4]) for pk, row in kept[0].items()} == live
    club_purchases_rebuild()
    assert (_purchases(), _months(), _clubs()) == (*kept, clubs)
    return kept


def _buy(project, buyer, signed_on, **kwargs):
    return ContractFactory(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        subscribed_on=None,
        signed_on=signed_on,
        **kwargs,
    )


def test_a_cancelled_earlier_contract_no_longer_makes_a_repurchase(project):
    buyer = CustomerFactory(city_company=project.city_company)
    first = _buy(project, buyer, datetime.date(2025, 4, 1))
    second = _buy(project, buyer, datetime.date(2026, 3, 10))
    purchases, months = _assert_same_as_a_rebuild()
    assert purchases[second.pk][3] is True and purchases[first.pk][3] is False
    assert months[(datetime.date(2026, 3, 1), project.pk)] == (0, 1, 1, 0)
    first.status = Contract.Status.CANCELLED
    first.save()
    purchases, months = _assert_same_as_a_rebuild()
    assert first.pk not in purchases and purchases[second.pk][3] is False
    assert (datetime.date(2025, 4, 1), project.pk) not in months
    assert months[(datetime.date(2026, 3, 1), project.pk)] == (0, 1, 0, 0)
    second.delete()
    assert _assert_same_as_a_rebuild() == ({}, {})


def test_a_member_linked_after_the_signing_makes_it_the_clubs(project, city):
    buyer = CustomerFactory(city_company=city)
    CustomerPhoneFactory(customer=buyer, number="13912345678", is_primary=True)
    other = CustomerFactory(city_company=city)
    CustomerPhoneFactory(customer=other, number="13912345678", is_primary=True)
    member = MemberFactory(
        city_company=city, project=project, phone="13912345678", enrolled_at=at("2026-01-05")
    )
    contract = _buy(project, buyer, datetime.date(2026, 3, 10))
    purchases, months = _assert_same_as_a_rebuild()
    assert purchases[contract.pk][3] is False  # two customers share the phone: a reviewer decides
    assert months[(datetime.date(2026, 1, 1), project.pk)] == (1, 0, 0, 0)
    Member.objects.filter(pk=member.pk).update(link_status=Member.LinkStatus.TO_REVIEW)
    member.refresh_from_db()
    reviewer = UserFactory(role=Role.GROUP_ADMIN)
    member_link_review(member=member, by=reviewer, customer=buyer, expected_version=member.version)
    purchases, _months_now = _assert_same_as_a_rebuild()
    assert purchases[contract.pk][3] is True


def test_a_referral_attributed_and_a_member_moved_or_deleted(project, other_project, city):
    buyer = CustomerFactory(city_company=city)
    CustomerPhoneFactory(customer=buyer, number="13700001111", is_primary=True)
    referrer = MemberFactory(city_company=city, project=project, enrolled_at=at("2026-02-27", 23, 59))
    ReferralFactory(referrer=referrer, project=project, friend_phone="13700001111")
    contract = _buy(project, buyer, datetime.date(2026, 3, 31))
    assert referral_attribute(contract=contract) is not None
    purchases, months = _assert_same_as_a_rebuild()
    assert purchases[contract.pk][4] is True
    assert months[(datetime.date(2026, 3, 1), project.pk)] == (0, 1, 0, 1)
    assert months[(datetime.date(2026, 2, 1), project.pk)] == (1, 0, 0, 0)
    referrer.refresh_from_db()
    referrer.project = other_project
    referrer.enrolled_at = at("2026-03-01", 0, 0)
    referrer.save()
    _purchases_now, months = _assert_same_as_a_rebuild()
    assert months[(datetime.date(2026, 3, 1), other_project.pk)] == (1, 0, 0, 0)
    assert (datetime.date(2026, 2, 1), project.pk) not in months
    stranger = MemberFactory(city_company=city, project=project, enrolled_at=at("2026-03-02"))
    stranger.delete()
    _assert_same_as_a_rebuild()


def test_a_merge_brings_the_duplicates_earlier_purchase(project, city):
    survivor = CustomerFactory(city_company=city)
    duplicate = CustomerFactory(city_company=city, id_number=None)  # recorded again without the ID number
    _buy(project, duplicate, datetime.date(2024, 6, 1))
    later = _buy(project, survivor, datetime.date(2026, 3, 10))
    assert _purchases()[later.pk][3] is False
    customer_services.customer_merge(
        survivor=survivor, duplicate=duplicate, by=UserFactory(role=Role.GROUP_ADMIN)
    )
    purchases, _months_now = _assert_same_as_a_rebuild()
    assert purchases[later.pk][0] == survivor.pk and purchases[later.pk][3] is True


def test_the_rebuild_command_reports_and_replaces_everything(project, city):
    buyer = CustomerFactory(city_company=city)
    _buy(project, buyer, datetime.date(2026, 3, 10))
    MemberFactory(city_company=city, project=project, enrolled_at=at("2026-03-01"))
    kept = _purchases(), _months()
    ClubPurchase.objects.update(is_repurchase=True)
    ClubMonth.objects.update(buyers=7)
    out = StringIO()
    call_command("club_purchases_rebuild", verbosity=0, stdout=out)
    assert "1 club purchases written" in out.getvalue()
    assert (_purchases(), _months()) == kept


def test_the_excel_import_keeps_the_purchases_in_step(project, city, city_head):
    """The import writes contracts in bulk (no save()): it tells the club, which recomputes the buyers'
    purchases in the import's transaction; 张伟 already bought here, so the imported contract is a
    repurchase."""
    from customers.importing import customer_workbook_import
    from tests.customers.test_import import valid_rows, workbook
    from tests.factories import make_resident_id

    zhang = CustomerFactory(city_company=city, name="张伟", id_number=make_resident_id(1))
    earlier = _buy(project, zhang, datetime.date(2020, 5, 1))
    assert set(_purchases()) == {earlier.pk}

    result = customer_workbook_import(by=city_head, source=workbook(valid_rows()), dry_run=False)

    assert result.written, result.errors
    imported = Contract.objects.exclude(pk=earlier.pk)
    assert imported.count() == 2
    purchases = _purchases()
    assert set(purchases) == {earlier.pk, *imported.values_list("pk", flat=True)}
    again = imported.get(number="HT-SJHC-0001")
    assert again.primary_buyer_id == zhang.pk
    assert purchases[again.pk][3] is True  # a repurchase
    assert purchases[imported.get(number="HT-SJHC-0002").pk][3] is False
    _assert_same_as_a_rebuild()
