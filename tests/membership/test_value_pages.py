"""The value class on the customer pages (a badge on the 360 page, a filter on the list) and on the
member list and API (ABC class and RFM segment)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerValue, RfmSegment
from membership.models import Member
from tests.factories import CustomerFactory
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db


def value(customer, value_class):
    return CustomerValue.objects.create(
        customer=customer,
        value_class=value_class,
        recency=5,
        frequency=4,
        monetary=5,
        rfm_segment="重要价值客户",
        explanation="2 份合同",
        computed_at=timezone.now(),
    )


def test_the_customer_page_shows_the_value_badge(client, agent, owner):
    value(owner, "A")
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="value-badge"' in html and "Class A · 重要价值客户" in html


def test_a_customer_without_a_value_yet_shows_no_badge(client, agent, owner):
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="value-badge"' not in html


def test_the_customer_list_filters_on_the_value_class(client, agent, project, owner):
    other = CustomerFactory(city_company=project.city_company, registered_project=project, name="李娜")
    value(owner, "A")
    value(other, "C")
    client.force_login(agent)
    response = client.post(reverse("customers:list"), {"value_class": "A"})
    names = [customer.name for customer in response.context["page"]]
    assert names == ["张伟"]


def _valued_member(project, value_class: str, segment: str):
    customer = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerValue.objects.create(
        customer=customer,
        value_class=value_class,
        recency=3,
        frequency=3,
        monetary=3,
        rfm_segment=segment,
        computed_at=timezone.now(),
    )
    return MemberFactory(
        city_company=project.city_company,
        project=project,
        customer=customer,
        link_status=Member.LinkStatus.LINKED,
    )


@pytest.mark.parametrize("rows", [2, 20])
def test_the_member_list_filters_on_the_rfm_segment_with_the_same_queries(
    client, agent, project, rows, django_assert_max_num_queries
):
    keep = [_valued_member(project, "A", RfmSegment.IMPORTANT_KEEP) for _ in range(rows)]
    _valued_member(project, "A", RfmSegment.IMPORTANT_VALUE)
    MemberFactory(city_company=project.city_company, project=project)  # not valued: never matches
    client.force_login(agent)
    client.get(reverse("club:members"))  # warm the reference cache
    # The member list's 6 (tests/membership/test_member_pages.py, LIST_QUERIES): the filter is a WHERE.
    with django_assert_max_num_queries(6):
        response = client.post(
            reverse("club:members"), {"rfm_segment": RfmSegment.IMPORTANT_KEEP, "value_class": "A"}
        )
    assert {member.pk for member in response.context["page"]} == {member.pk for member in keep}


def test_the_member_api_filters_on_the_rfm_segment(api_client, agent, project):
    keep = _valued_member(project, "B", RfmSegment.GENERAL_KEEP)
    _valued_member(project, "B", RfmSegment.GENERAL_VALUE)
    api_client.force_authenticate(agent)
    response = api_client.get("/api/v1/members/", {"rfm_segment": RfmSegment.GENERAL_KEEP})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [keep.pk]
    assert api_client.get("/api/v1/members/", {"rfm_segment": "大客户"}).status_code == 400
