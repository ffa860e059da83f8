"""GET /api/v1/customers/{id}/timeline/: cursor pages, the kind filter, scope, bad input."""

import pytest


def _url(customer):
    return f"/api/v1/customers/{customer.pk}/timeline/"


def test_pages_follow_next_to_the_end(api_client, agent, every_kind, owner):
    api_client.force_authenticate(agent)
    seen, url = [], _url(owner) + "?page_size=4"
    while url:
        body = api_client.get(url).json()
        seen.extend((row["kind"], row["id"]) for row in body["results"])
        url = body["next"]
    assert len(seen) == len(set(seen)) == 15
    first = api_client.get(_url(owner)).json()["results"][0]
    assert first["kind"] == "club_referral" and first["kind_label"] == "Referrals"
    assert "李**" in first["title"]
    assert first["link"].startswith("http://testserver/club/members/")


def test_kind_filter(api_client, agent, every_kind, owner):
    api_client.force_authenticate(agent)
    body = api_client.get(_url(owner) + "?kind=defect&kind=contract").json()
    assert {row["kind"] for row in body["results"]} == {"defect", "contract"}


@pytest.mark.parametrize(
    "query,field", [("?kind=nope", "kind"), ("?cursor=!!!", "cursor"), ("?page_size=0", "page_size")]
)
def test_bad_input_is_a_400_with_the_field(api_client, agent, owner, query, field):
    api_client.force_authenticate(agent)
    response = api_client.get(_url(owner) + query)
    assert response.status_code == 400
    assert field in str(response.json())


def test_scope(api_client, other_agent, owner):
    api_client.force_authenticate(other_agent)
    assert api_client.get(_url(owner)).status_code == 404


def test_anonymous_is_refused(api_client, owner):
    assert api_client.get(_url(owner)).status_code in (401, 403)


@pytest.mark.parametrize("events", [10, 1000])
def test_query_count_does_not_grow(
    api_client, agent, every_kind, long_history, owner, events, django_assert_max_num_queries
):
    long_history(events)
    api_client.force_authenticate(agent)
    with django_assert_max_num_queries(26):
        body = api_client.get(_url(owner) + "?page_size=10").json()
    assert len(body["results"]) == 10 and body["next"]


def test_an_empty_kind_means_every_kind(api_client, agent, every_kind, owner):
    api_client.force_authenticate(agent)
    body = api_client.get(_url(owner) + "?kind=&page_size=100").json()
    assert len(body["results"]) == 15
