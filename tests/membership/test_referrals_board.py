"""The referral board per project: buyers in the period, members buying again, referred, the club's
share, each computed from contracts; the list behind each figure; scope and query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from membership.selectors.growth import board_list, referral_board
from tests.factories import ContractFactory, CustomerFactory, UnitFactory, UserFactory
from tests.membership.factories import MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": datetime.date(2026, 1, 1), "date_to": datetime.date(2026, 12, 31)}


def _buy(project, buyer=None, signed_on=datetime.date(2026, 5, 1), **kwargs):
    buyer = buyer or CustomerFactory(city_company=project.city_company, registered_project=project)
    return ContractFactory(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        subscribed_on=None,
        signed_on=signed_on,
        **kwargs,
    )


@pytest.fixture
def sales(project):
    """Five buyers of 四季花城 in 2026: one buying again, one member before signing, one referred,
    two new to the club; and one contract of 2025 (the repeat buyer's first)."""
    repeat_buyer = CustomerFactory(city_company=project.city_company, name="二次置业")
    _buy(project, repeat_buyer, signed_on=datetime.date(2025, 4, 1))
    repeat = _buy(project, repeat_buyer)
    member_buyer = CustomerFactory(city_company=project.city_company, name="会员")
    MemberFactory(
        city_company=project.city_company,
        customer=member_buyer,
        enrolled_at=timezone.make_aware(datetime.datetime(2026, 2, 1, 10)),
    )
    member = _buy(project, member_buyer)
    referred = _buy(project)
    ReferralFactory(project=project, contract=referred, status="bought")
    _buy(project)
    # Enrolled the day after signing: not a member before signing.
    late = CustomerFactory(city_company=project.city_company)
    MemberFactory(
        city_company=project.city_company,
        customer=late,
        enrolled_at=timezone.make_aware(datetime.datetime(2026, 5, 2, 10)),
    )
    _buy(project, late)
    return {"repeat": repeat, "member": member, "referred": referred}


def test_the_board_counts_buyers_repeat_and_referred_and_the_share(sales, city_head, project):
    rows, total = referral_board(user=city_head, **PERIOD)
    assert [(r.project_name, r.buyers, r.repeat, r.referred, r.club) for r in rows] == [
        ("四季花城", 5, 2, 1, 3)
    ]
    assert rows[0].share == 60
    assert total.buyers == 5 and total.share == 60


def test_a_buyer_both_repeat_and_referred_counts_once_in_the_share(sales, city_head, project):
    ReferralFactory(project=project, contract=sales["repeat"], status="bought")
    rows, _total = referral_board(user=city_head, **PERIOD)
    assert (rows[0].repeat, rows[0].referred, rows[0].club) == (2, 2, 3)


def test_the_list_behind_a_figure_is_its_contracts(sales, city_head, project):
    club = board_list(user=city_head, figure="club", project_id=project.pk, **PERIOD)
    assert set(club) == set(sales.values())
    assert list(board_list(user=city_head, figure="referred", project_id=None, **PERIOD)) == [
        sales["referred"]
    ]


def test_cancelled_contracts_and_other_periods_do_not_count(sales, city_head, project):
    _buy(project, status="cancelled")
    _buy(project, signed_on=datetime.date(2027, 1, 5), contractual_handover_on=None)
    _rows, total = referral_board(user=city_head, **PERIOD)
    assert total.buyers == 5


def test_a_city_head_sees_only_their_citys_projects(sales, other_project, city_head, other_agent):
    _buy(other_project)
    rows, _total = referral_board(user=city_head, **PERIOD)
    assert [row.project_name for row in rows] == ["四季花城"]
    rows, _total = referral_board(user=other_agent, **PERIOD)
    assert [(row.project_name, row.buyers) for row in rows] == [("金口花园", 1)]


def test_the_board_page_shows_the_share(client, sales, city_head):
    client.force_login(city_head)
    response = client.get(reverse("club:referrals"), {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert response.status_code == 200
    assert "60 %" in response.content.decode()


def test_a_period_ending_before_it_starts_is_a_field_error(client, city_head):
    client.force_login(city_head)
    response = client.get(reverse("club:referrals"), {"date_from": "2026-12-31", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert "The end of the period is before its start." in response.content.decode()


def test_a_role_outside_the_club_may_not_see_the_board(client, project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    client.force_login(engineer)
    assert client.get(reverse("club:referrals")).status_code == 403


@pytest.mark.parametrize("rows", [2, 20])
def test_board_and_buyers_list_queries_do_not_grow_with_rows(
    client, city_head, project, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        contract = _buy(project)
        ReferralFactory(project=project, contract=contract, status="bought")
    client.force_login(city_head)
    period = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    # session + user + scope (2) + the board's one query (monthly sums and the days around them) + the
    # cached project names (≤ 1) + savepoints; whole months or not
    with django_assert_max_num_queries(8):
        assert client.get(reverse("club:referrals"), period).status_code == 200
    with django_assert_max_num_queries(8):
        response = client.get(reverse("club:referrals"), {"date_from": "2025-12-05", "date_to": "2026-12-05"})
    assert response.status_code == 200
    assert (response.context["total"].buyers, response.context["total"].referred) == (rows, rows)
    # + one page of contracts with their unit, project, buyer and referral joined
    with django_assert_max_num_queries(8):
        response = client.get(reverse("club:referral_buyers"), {**period, "figure": "referred"})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="buyer-row"') == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_referral_list_queries_do_not_grow_with_rows(
    client, agent, project, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        ReferralFactory(
            project=project, referrer=MemberFactory(city_company=project.city_company, project=project)
        )
    client.force_login(agent)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("club:referral_list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="referral-row"') == rows


def test_the_referral_list_shows_only_the_city_heads_city(client, city_head, project, other_project):
    ReferralFactory(project=project, friend_name="本市朋友")
    ReferralFactory(project=other_project, friend_name="外地朋友")
    client.force_login(city_head)
    page = client.get(reverse("club:referral_list")).content.decode()
    assert "本市朋友" in page and "外地朋友" not in page


def test_staff_record_a_referral_from_the_form(client, agent, project):
    member = MemberFactory(city_company=project.city_company, project=project, number="WK99990001")
    client.force_login(agent)
    response = client.post(
        reverse("club:referral_new"),
        {
            "referrer": "wk99990001",
            "friend_name": "韩梅梅",
            "friend_phone": "13755556666",
            "project": project.pk,
        },
    )
    assert response.status_code == 302
    assert member.referrals.get().friend_name == "韩梅梅"
    response = client.post(
        reverse("club:referral_new"),
        {"referrer": "WK00000000", "friend_name": "韩梅梅", "friend_phone": "1375555", "project": project.pk},
    )
    assert response.status_code == 400
