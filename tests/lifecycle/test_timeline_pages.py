"""The timeline's page, the fragment the 360 page loads, the 360 page's section: scope, filter,
pages, links, masking and query counts."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory


def _url(customer, **query):
    url = reverse("lifecycle:customer_timeline", args=[customer.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_360_page_has_the_section_and_no_extra_query(client, agent, every_kind, owner):
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="customer-timeline"' in html
    assert f'hx-get="{_url(owner)}?fragment=1"' in html
    assert f'href="{_url(owner)}"' in html


def test_the_fragment_shows_the_latest_ten(client, agent, every_kind, owner):
    client.force_login(agent)
    response = client.get(_url(owner, fragment=1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.count('data-testid="timeline-entry"') == 10
    assert "李**" in html and "李小红" not in html
    assert reverse("club:member", args=[every_kind["club_enrolment"].pk]) in html


def test_the_page_filters_by_kind_and_pages_older(client, agent, every_kind, long_history, owner):
    long_history(80)
    client.force_login(agent)
    html = client.get(_url(owner, kind="club_points")).content.decode()
    kinds = re.findall(r'data-kind="([a-z_]+)"', html)
    assert kinds and set(kinds) == {"club_points"}
    assert len(kinds) == 25
    older = re.search(r'href="\?([^"]+)" data-testid="timeline-older"', html).group(1).replace("&amp;", "&")
    assert "kind=club_points" in older
    html = client.get(_url(owner) + "?" + older).content.decode()
    assert set(re.findall(r'data-kind="([a-z_]+)"', html)) == {"club_points"}


def test_a_broken_cursor_or_kind_is_a_400(client, agent, owner):
    client.force_login(agent)
    assert client.get(_url(owner, after="!!!")).status_code == 400
    assert client.get(_url(owner, kind="nope")).status_code == 400


def test_out_of_scope_customer_is_a_404_and_no_role_a_403(client, other_agent, owner, project):
    client.force_login(other_agent)
    assert client.get(_url(owner)).status_code == 404
    client.force_login(UserFactory(username="dept", role=Role.CONTRACTOR, projects=[project]))
    assert client.get(_url(owner)).status_code == 403


def test_the_page_needs_a_login(client, owner):
    assert client.get(_url(owner)).status_code == 302


@pytest.mark.parametrize("events", [10, 1000])
def test_page_and_fragment_query_counts_do_not_grow(
    client, agent, every_kind, long_history, owner, events, django_assert_max_num_queries
):
    long_history(events)
    client.force_login(agent)
    # Session, user, scope (3), the customer, 18 kinds, 8 linked models at most, the bell.
    with django_assert_max_num_queries(33):
        assert client.get(_url(owner)).status_code == 200
    with django_assert_max_num_queries(33):
        assert client.get(_url(owner, fragment=1)).status_code == 200
