"""Finding 10.8: input the CRM cannot read answers 400, never a 500 (a crafted cursor, a NUL byte).

The lists are found from the URL resolver, not from a hand-kept list: a new cursor-paged API list or
page is covered the day it is added.
"""

from base64 import b64encode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.pagination import CursorPagination

from accounts.models import Role
from tests.api import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def b64(text: str) -> str:
    return b64encode(text.encode()).decode()


# What an attacker sends: DRF's own format with a position that is no id, plus the keyset pages'
# format with a Unicode digit, an impossible date, a number beyond a bigint and the wrong width.
CRAFTED_API_CURSORS = [
    "cD1hYmM=",  # base64 of "p=abc"
    b64("p=²"),
    b64("p=" + "9" * 30),
    b64("o=-1&p=5"),
    "!!!",
    "%%%",
]
CRAFTED_PAGE_CURSORS = [
    "cD1hYmM=",
    b64("²"),
    b64("9" * 30),
    b64("2024-13-45T00:00:00|1"),
    b64("2024-01-01|²"),
    b64("1|2|3"),
    "!!!",
]


def _routes(patterns=None, prefix="", namespace=None):
    """Every URL pattern of the project as (route, pattern, namespace), walked from the resolver."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern, namespace


def cursor_paged_api_lists() -> list[str]:
    """The API list endpoints whose viewset pages by cursor (router `-list` routes without arguments)."""
    lists = []
    for route, pattern, _namespace in _routes():
        view_class = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {}
        if view_class is None or actions.get("get") != "list" or pattern.pattern.regex.groups:
            continue
        pagination = getattr(view_class, "pagination_class", None)
        if pagination and issubclass(pagination, CursorPagination):
            lists.append("/" + route.replace("^", "").replace("\\.(?P<format>[a-z0-9]+)/?$", "").rstrip("$"))
    return sorted(set(lists))


def staff_pages_without_arguments() -> list[str]:
    return sorted(
        "/" + route
        for route, pattern, namespace in _routes()
        if namespace not in ("admin", None) or route == ""
        if not pattern.pattern.regex.groups and not route.startswith("api/")
    )


@pytest.fixture
def group_admin(project):
    return UserFactory(username="root", role=Role.GROUP_ADMIN, is_superuser=True, is_staff=True)


def test_the_walk_finds_the_cursor_paged_api_lists():
    lists = cursor_paged_api_lists()
    assert "/api/v1/customers/" in lists and "/api/v1/complaints/" in lists and "/api/v1/defects/" in lists
    assert len(lists) >= 20


def test_finding_10_8_a_crafted_cursor_on_every_cursor_paged_api_list_is_a_400(group_admin):
    api = client_for(group_admin)
    api.raise_request_exception = False
    for url in cursor_paged_api_lists():
        assert api.get(url).status_code == 200, url
        for cursor in CRAFTED_API_CURSORS:
            response = api.get(url, {"cursor": cursor})
            assert response.status_code == 400, (url, cursor, response.status_code)
            assert "cursor" in response.json(), (url, cursor)


def test_a_cursor_the_api_wrote_still_pages(group_admin, project):
    from tests.factories import CustomerFactory

    for n in range(3):
        CustomerFactory(city_company=project.city_company, name=f"业主{n}")
    api = client_for(group_admin)
    first = api.get("/api/v1/customers/", {"page_size": 2}).json()
    second = api.get(first["next"])
    assert second.status_code == 200 and len(second.json()["results"]) == 1
    assert api.get(second.json()["previous"]).status_code == 200


def test_finding_10_8_a_crafted_cursor_on_every_page_that_takes_one_is_a_400(client, group_admin):
    """A page takes a cursor when it hands one to its pager (`next_cursor` in its context)."""
    client.force_login(group_admin)
    client.raise_request_exception = False
    paged = []
    for url in staff_pages_without_arguments():
        response = client.get(url)
        if response.status_code != 200 or response.context is None or "next_cursor" not in response.context:
            continue
        paged.append(url)
        for parameter in ("after", "before"):
            for cursor in CRAFTED_PAGE_CURSORS:
                answer = client.get(url, {parameter: cursor})
                assert answer.status_code == 400, (url, parameter, cursor, answer.status_code)
    # The customer list, the SLA board, the work orders, the improvement items, the batches, the
    # defects and the rectification orders.
    assert {
        "/customers/",
        "/complaints/",
        "/complaints/work-orders/",
        "/complaints/improvements/",
        "/handover/",
        "/handover/defects/",
        "/handover/orders/",
    } <= set(paged), paged


def test_a_broken_page_link_shows_the_400_page(client, group_admin):
    client.force_login(group_admin)
    response = client.get("/customers/", {"after": b64("²")})
    assert response.status_code == 400
    assert "This page link is broken" in response.content.decode()


# --- NUL bytes and control characters -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/search/?q=12%0034",
        "/customers/?stage=%00",
        "/customers/?%00=1",
        "/complaints/?project=%00",
        "/complaints/?status=open%01",
        "/handover/defects/?q=%1f",
        "/public/track/?number=TS%00",
    ],
)
def test_finding_10_8_a_control_character_in_a_query_parameter_is_a_400(client, group_admin, url):
    client.force_login(group_admin)
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400, url
    assert "control character" in response.content.decode()


def test_finding_10_8_a_nul_in_an_api_filter_is_a_400_in_json(group_admin):
    api = client_for(group_admin)
    api.raise_request_exception = False
    for url in ("/api/v1/customers/?name=%00", "/api/v1/complaints/?search=a%00b", "/api/v1/units/?code=%00"):
        response = api.get(url)
        assert response.status_code == 400, url
        assert "control character" in response.json()["detail"]


def test_finding_10_8_a_nul_in_any_posted_form_field_is_a_400(client, group_admin, project):
    from customers.models import Customer

    client.force_login(group_admin)
    client.raise_request_exception = False
    for url, data in (
        ("/search/", {"q": "\x00"}),
        ("/complaints/hotline/", {"q": "1234\x00"}),
        ("/customers/new/", {"name": "张\x00伟", "city_company": project.city_company_id}),
        ("/public/", {"name": "李娜", "phone": "13900001234", "description": "漏水\x00"}),
        ("/public/track/", {"number": "TS-1", "phone_tail": "12\x0034"}),
    ):
        assert client.post(url, data).status_code == 400, url
    assert not Customer.objects.exists()


def test_finding_10_8_a_control_character_in_a_search_box_is_a_form_error(client, group_admin):
    """Past the NUL guard, the single-line fields refuse other control characters themselves."""
    client.force_login(group_admin)
    for url in ("/search/", "/complaints/hotline/"):
        response = client.post(url, {"q": "12\x0b34"})
        assert response.status_code == 400, url
        assert "Use letters, digits and punctuation only." in response.content.decode()


def test_line_breaks_in_a_textarea_are_still_welcome(client, project):
    """Only NUL is refused in a posted body: a description keeps its line breaks and tabs."""
    response = client.post("/public/", {"name": "李娜", "description": "第一行\r\n第二行\t完"})
    assert response.status_code != 400


def test_finding_10_8_a_nul_in_a_json_body_is_a_400_field_message(group_admin, project):
    """JSON bodies skip the middleware (they are no form); DRF's text fields refuse NUL themselves."""
    from customers.models import Customer

    api = client_for(group_admin)
    api.raise_request_exception = False
    response = api.post(
        "/api/v1/customers/",
        {"name": "张\x00伟", "city_company": project.city_company_id, "phones": []},
        format="json",
    )
    assert response.status_code == 400 and "name" in response.json()
    assert not Customer.objects.exists()
