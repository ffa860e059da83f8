"""Finding 10.9: the search box and the hotline send the phone or ID number in a POST body, never as
`?q=`, so no web-server or proxy log keeps it; the results come back on the POST's own answer."""

import re

import pytest
from django.urls import reverse

CLEAR_PHONE = "13812345678"


def _forms_posting_q(html: str) -> list[str]:
    """The opening tags of the forms that hold a `q` input."""
    forms = re.findall(r"(<form\b[^>]*>)(.*?)</form>", html, flags=re.S)
    return [tag for tag, body in forms if re.search(r'name="q"', body)]


def test_finding_10_9_the_global_search_box_posts_on_every_page(client, agent, owner):
    client.force_login(agent)
    for url in (reverse("home"), reverse("customers:list"), reverse("customers:detail", args=[owner.pk])):
        tags = _forms_posting_q(client.get(url).content.decode())
        assert tags, url
        for tag in tags:
            assert 'method="post"' in tag and 'method="get"' not in tag, (url, tag)


def test_finding_10_9_the_search_page_and_the_hotline_forms_post(client, agent):
    client.force_login(agent)
    for url in (reverse("customers:search"), reverse("complaints:hotline")):
        html = client.get(url).content.decode()
        tags = _forms_posting_q(html)
        assert tags and all('method="post"' in tag for tag in tags), url
        assert "csrfmiddlewaretoken" in html


def test_finding_10_9_a_posted_search_finds_the_customer_by_phone_and_the_url_carries_no_query(
    client, agent, owner
):
    client.force_login(agent)
    response = client.post(reverse("customers:search"), {"q": CLEAR_PHONE})

    assert response.status_code == 200  # the results themselves, not a redirect to a URL with the query
    assert response.request["PATH_INFO"] == reverse("customers:search")
    assert response.request["QUERY_STRING"] == ""
    html = response.content.decode()
    assert f'href="{reverse("customers:detail", args=[owner.pk])}">张伟</a>' in html
    assert response["Cache-Control"].count("no-store") == 1


def test_finding_10_9_a_posted_hotline_search_lists_the_caller_with_no_query_in_the_url(
    client, agent, owner, owned_unit
):
    client.force_login(agent)
    response = client.post(reverse("complaints:hotline"), {"q": CLEAR_PHONE})

    assert response.status_code == 200
    assert response.request["QUERY_STRING"] == ""
    html = response.content.decode()
    assert owner.name in html and f"?customer={owner.pk}&amp;unit={owned_unit.pk}" in html
    # What the page links to next carries ids only, never the number.
    assert CLEAR_PHONE not in html.replace(f'value="{CLEAR_PHONE}"', "")


@pytest.mark.parametrize("name", ["customers:search", "complaints:hotline"])
def test_finding_10_9_a_get_with_q_no_longer_searches(client, agent, owner, name):
    """The UI never sends `?q=`; a hand-made or bookmarked one shows the empty search and runs nothing,
    so there is no reason to keep sending numbers that way."""
    client.force_login(agent)
    response = client.get(reverse(name), {"q": CLEAR_PHONE})

    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" not in html and CLEAR_PHONE not in html


def test_the_slash_shortcut_still_finds_the_global_search_box(client, agent):
    """crm.js focuses #global-search on "/": the posted form keeps that id."""
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert 'id="global-search"' in html and "js/crm.js" in html


def test_finding_10_9_the_customer_list_searches_by_post_and_pages_by_post(client, agent, project, owner):
    from tests.factories import CustomerFactory, CustomerPhoneFactory

    for n in range(30):
        CustomerPhoneFactory(
            customer=CustomerFactory(
                city_company=project.city_company, registered_project=project, name=f"业主{n}"
            ),
            number=f"1390000{n:04d}",
        )
    client.force_login(agent)
    first = client.post(reverse("customers:list"), {"q": "业主"})
    assert first.status_code == 200 and first.request["QUERY_STRING"] == ""
    assert len(first.context["page"]) == 25
    html = first.content.decode()
    # The pager is a form posting the search and the cursor, not a link carrying them.
    assert 'name="after"' in html and "after=" not in html and "q=%E4%B8%9A" not in html
    second = client.post(reverse("customers:list"), {"q": "业主", "after": first.context["next_cursor"]})
    assert second.status_code == 200 and len(second.context["page"]) == 5
    assert all(customer.name.startswith("业主") for customer in second.context["page"])


def test_finding_10_9_a_q_in_the_customer_list_url_is_ignored(client, agent, owner):
    client.force_login(agent)
    response = client.get(reverse("customers:list"), {"q": CLEAR_PHONE[-4:] + "0000"})
    assert response.status_code == 200
    assert owner in response.context["page"]  # the whole list, not a search on the URL's text
