"""The value class on the customer pages: a badge on the 360 page and a filter on the list."""

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerValue
from tests.factories import CustomerFactory

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
