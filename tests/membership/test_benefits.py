"""The benefits catalogue and redemption (membership.services.benefits) and its pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from customers.services import ConcurrentEditError
from membership.models import Benefit, PointsEntry, Redemption
from membership.selectors.ledger import points_panel
from membership.services.benefits import benefit_create, benefit_redeem, benefit_update
from membership.services.points import points_earn
from tests.factories import UserFactory
from tests.membership.factories import BenefitFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(project):
    member = MemberFactory(city_company=project.city_company, project=project)
    points_earn(member=member, kind=PointsEntry.Kind.EVENT, points=300, source="e:1", reason="中秋")
    return member


def test_redeeming_spends_the_points_and_hands_out_a_voucher(member, agent):
    benefit = BenefitFactory(points_cost=100, total_limit=10)
    redemption = benefit_redeem(benefit=benefit, member=member, by=agent)
    member.refresh_from_db()
    benefit.refresh_from_db()
    assert redemption.code.startswith("WK") and len(redemption.code) == 12
    assert (redemption.entry.points, redemption.entry.kind, redemption.entry.actor) == (
        -100,
        "redemption",
        agent,
    )
    assert member.points_balance == 200
    assert benefit.redeemed_count == 1


def test_the_per_member_limit_is_enforced(member):
    benefit = BenefitFactory(points_cost=10, per_member_limit=2)
    benefit_redeem(benefit=benefit, member=member)
    benefit_redeem(benefit=benefit, member=member)
    with pytest.raises(ValidationError, match="the most allowed"):
        benefit_redeem(benefit=benefit, member=member)
    member.refresh_from_db()
    assert member.points_balance == 280


def test_the_total_limit_is_enforced(member, project):
    benefit = BenefitFactory(points_cost=10, total_limit=1)
    benefit_redeem(benefit=benefit, member=member)
    with pytest.raises(ValidationError, match="given out"):
        benefit_redeem(benefit=benefit, member=member)


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"valid_from": timezone.localdate() + datetime.timedelta(days=1)},
        {"valid_until": timezone.localdate() - datetime.timedelta(days=1)},
    ],
)
def test_an_inactive_or_out_of_date_benefit_is_refused_and_spends_nothing(member, fields):
    benefit = BenefitFactory(**fields)
    with pytest.raises(ValidationError):
        benefit_redeem(benefit=benefit, member=member)
    member.refresh_from_db()
    assert member.points_balance == 300
    assert not Redemption.objects.exists()


def test_a_benefit_of_another_city_is_refused(member, other_city):
    with pytest.raises(ValidationError, match="another city"):
        benefit_redeem(benefit=BenefitFactory(city_company=other_city), member=member)


def test_too_few_points_refuses_the_redemption(member):
    with pytest.raises(ValidationError, match="300 points; 500 are needed"):
        benefit_redeem(benefit=BenefitFactory(points_cost=500), member=member)
    assert Benefit.objects.get().redeemed_count == 0


def test_staff_out_of_scope_may_not_redeem(member, other_agent):
    with pytest.raises(PermissionDenied):
        benefit_redeem(benefit=BenefitFactory(), member=member, by=other_agent)


class TestCatalogue:
    def test_a_city_head_creates_and_edits_a_benefit_of_their_city(self, city_head, city):
        benefit = benefit_create(
            by=city_head,
            title="家装八折",
            kind=Benefit.Kind.PARTNER_DISCOUNT,
            city_company=city,
            points_cost=200,
        )
        updated = benefit_update(benefit=benefit, by=city_head, version=1, points_cost=150)
        assert (updated.points_cost, updated.version) == (150, 2)
        with pytest.raises(ConcurrentEditError):
            benefit_update(benefit=benefit, by=city_head, version=1, points_cost=120)

    def test_an_agent_may_not_create_a_benefit(self, agent, city):
        with pytest.raises(PermissionDenied):
            benefit_create(by=agent, title="x", kind="partner", city_company=city, points_cost=1)

    def test_only_the_group_offers_a_benefit_in_every_city(self, city_head, group_admin):
        with pytest.raises(PermissionDenied):
            benefit_create(by=city_head, title="x", kind="partner", city_company=None, points_cost=1)
        assert benefit_create(by=group_admin, title="x", kind="partner", city_company=None, points_cost=1)

    def test_dates_must_be_in_order(self, group_admin):
        with pytest.raises(ValidationError) as error:
            benefit_create(
                by=group_admin,
                title="x",
                kind="partner",
                points_cost=1,
                valid_from=datetime.date(2025, 2, 1),
                valid_until=datetime.date(2025, 1, 1),
            )
        assert "valid_until" in error.value.message_dict


class TestPages:
    def test_the_list_pages_by_keyset_in_constant_queries(self, client, agent, django_assert_max_num_queries):
        BenefitFactory.create_batch(2)
        client.force_login(agent)
        url = reverse("club:benefits")
        # session, user, scope (cities, projects), the page of benefits (+1 look-ahead in the same query)
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
        BenefitFactory.create_batch(30)
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.content.decode().count('data-testid="benefit-row"') == 25
        assert response.context["next_cursor"]
        older = client.get(url, {"after": response.context["next_cursor"]})
        assert older.content.decode().count('data-testid="benefit-row"') == 7
        assert client.get(url, {"after": "!!"}).status_code == 400

    def test_a_benefit_of_another_city_is_a_404(self, client, agent, other_city):
        client.force_login(agent)
        benefit = BenefitFactory(city_company=other_city)
        assert client.get(reverse("club:benefit", args=[benefit.pk])).status_code == 404

    def test_staff_redeem_by_member_number_on_the_benefit_page(self, client, agent, member):
        benefit = BenefitFactory(points_cost=100)
        client.force_login(agent)
        response = client.post(
            reverse("club:benefit_redeem"),
            {"benefit": benefit.pk, "member_number": member.number},
            follow=True,
        )
        assert "Voucher code: WK" in response.content.decode()
        member.refresh_from_db()
        assert member.points_balance == 200

    def test_an_unknown_member_number_is_a_message_not_an_error(self, client, agent):
        benefit = BenefitFactory()
        client.force_login(agent)
        response = client.post(
            reverse("club:benefit_redeem"), {"benefit": benefit.pk, "member_number": "nobody"}, follow=True
        )
        assert response.status_code == 200
        assert "No member with this number in your scope." in response.content.decode()

    def test_readonly_managers_see_but_may_not_redeem(self, client, project, member):
        manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
        benefit = BenefitFactory()
        client.force_login(manager)
        assert client.get(reverse("club:benefit", args=[benefit.pk])).status_code == 200
        response = client.post(reverse("club:benefit_redeem"), {"benefit": benefit.pk, "member": member.pk})
        assert response.status_code == 403

    def test_a_city_head_creates_a_benefit_through_the_form(self, client, city_head, city):
        client.force_login(city_head)
        response = client.post(
            reverse("club:benefit_create"),
            {"title": "购房优惠 1%", "kind": "purchase", "city_company": city.pk, "points_cost": "1000"},
        )
        benefit = Benefit.objects.get()
        assert response.status_code == 302 and response.url == reverse("club:benefit", args=[benefit.pk])

    def test_a_bad_form_shows_field_errors(self, client, city_head, city):
        client.force_login(city_head)
        response = client.post(
            reverse("club:benefit_create"), {"title": "", "kind": "x", "points_cost": "-1"}
        )
        assert response.status_code == 200
        assert set(response.context["form"].errors) >= {"title", "kind", "points_cost"}

    def test_an_agent_may_not_open_the_benefit_form(self, client, agent):
        client.force_login(agent)
        assert client.get(reverse("club:benefit_create")).status_code == 403


def test_the_points_panel_renders_balance_tier_entries_and_redeemable_benefits(member, agent):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    BenefitFactory(title="咖啡券", points_cost=100)
    BenefitFactory(title="太贵了", points_cost=1000)
    panel = points_panel(member=member, user=agent)
    request = RequestFactory().get("/")
    request.user = agent
    html = render_to_string("membership/_points_panel.html", {"panel": panel}, request=request)
    assert 'data-testid="points-balance">300' in html
    assert "中秋" in html and "咖啡券" in html and "太贵了" not in html
    assert 'data-testid="adjust-form"' not in html  # agents do not adjust


def test_a_supervisor_adjusts_points_from_the_member_page(client, supervisor, member):
    client.force_login(supervisor)
    response = client.post(
        reverse("club:points_adjust", args=[member.pk]),
        {"points": "-50", "reason": "重复录入", "key": "0b8e1b7e-7c53-4b0e-9b59-1a7a2f6f8e11"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.points_balance == 250
