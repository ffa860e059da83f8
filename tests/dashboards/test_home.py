"""The home dashboard and the base layout (language, navigation)."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import ContractFactory, CustomerFactory, UnitFactory, UserFactory


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_home_counts_the_agents_visible_customers_by_stage(client, agent, project, owner, other_project):
    CustomerFactory(city_company=project.city_company, registered_project=project)  # a prospect
    handed = CustomerFactory(city_company=project.city_company, registered_project=project)
    ContractFactory(
        unit=UnitFactory(building__project=project),
        primary_buyer=handed,
        subscribed_on=datetime.date(2019, 12, 1),
        signed_on=datetime.date(2020, 1, 1),
        contractual_handover_on=datetime.date(2021, 1, 1),
        handed_over_on=datetime.date(2021, 1, 1),
    )
    CustomerFactory(city_company=other_project.city_company, registered_project=other_project)  # not visible
    client.force_login(agent)
    response = client.get(reverse("home"))
    counts = {stage.value: n for stage, n in response.context["stage_counts"]}
    assert counts == {"prospect": 1, "buyer": 1, "settling_in": 0, "stable": 0, "established": 1}
    assert response.context["customer_total"] == 3
    assert [p.name for p in response.context["projects"]] == ["四季花城"]
    assert response.context["projects"][0].unit_count == 2


def test_home_counts_units_and_sold_units_per_project(client, agent, project, owned_unit):
    from customers.models import Contract

    resold = UnitFactory(building__project=project)  # cancelled, then sold again: one sold unit
    ContractFactory(unit=resold, status=Contract.Status.CANCELLED)
    ContractFactory(unit=resold)
    cancelled = UnitFactory(building__project=project)
    ContractFactory(unit=cancelled, status=Contract.Status.CANCELLED)
    UnitFactory(building__project=project)  # never sold
    client.force_login(agent)
    (row,) = client.get(reverse("home")).context["projects"]
    assert (row.unit_count, row.sold_count) == (4, 2)


def test_contractor_home_shows_no_customer_figures(client, project, owner):
    client.force_login(UserFactory(role=Role.CONTRACTOR, projects=[project]))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["stage_counts"] is None
    html = response.content.decode()
    assert reverse("customers:list") not in html
    assert 'id="global-search"' not in html


def test_agent_home_has_the_global_search_and_navigation(client, agent):
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("customers:search")}"' in html
    assert 'id="global-search"' in html
    assert reverse("properties:project-list") in html
    assert reverse("admin:index") not in html


@pytest.mark.parametrize("rows", [2, 20])
def test_home_query_count_is_constant(client, agent, project, rows, django_assert_max_num_queries):
    for _ in range(rows):
        CustomerFactory(city_company=project.city_company, registered_project=project)
    client.force_login(agent)
    # Session + user (2), scope (2), the five stage counts in one query over the customers' own
    # columns (1), projects (1), their unit and sold counts in one grouped query (1), the bell (1) → 8.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("home")).status_code == 200
    # Counted once per scope for DASHBOARD_CACHE_SECONDS: the two counts are not run again.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("home")).status_code == 200


def test_login_page_defaults_to_simplified_chinese(client, db, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_login_with_the_form_lands_on_home(client, agent):
    response = client.post(reverse("login"), {"username": "agent", "password": "pass-1234"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == agent


def test_staff_user_gets_the_admin_link(client, group_admin):
    client.force_login(group_admin)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def external_assets(html: str) -> list[str]:
    """The src/href addresses of a page that point to another host (http://, https:// or //)."""
    addresses = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html, flags=re.IGNORECASE)
    return [url for url in addresses if re.match(r"(?:https?:)?//", url, flags=re.IGNORECASE)]


@pytest.mark.parametrize(
    ("html", "external"),
    [
        ('<input type="hidden" name="csrfmiddlewaretoken" value="x7cdnQ2">', []),  # "cdn" by chance
        ('<link href="/static/vendor/bootstrap/bootstrap.min.css" rel="stylesheet">', []),
        (
            '<script src="https://cdn.jsdelivr.net/npm/htmx.org"></script>',
            ["https://cdn.jsdelivr.net/npm/htmx.org"],
        ),
        ("<link rel=stylesheet href=//fonts.example.com/a.css>", ["//fonts.example.com/a.css"]),
        ('<img SRC="HTTP://img.example.com/x.png">', ["HTTP://img.example.com/x.png"]),
    ],
)
def test_external_assets_are_found_by_address_not_by_a_word(html, external):
    """The old check (`"cdn" not in html`) failed whenever the random CSRF token held those letters."""
    assert external_assets(html) == external


def test_a_csrf_token_that_spells_cdn_is_no_external_asset(client, agent, monkeypatch):
    monkeypatch.setattr(
        "django.template.context_processors.get_token", lambda request: "x7CDNq" * 10 + "abcd"
    )
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert "cdn" in html.lower()  # what the old check tripped over
    assert external_assets(html) == []


def test_base_layout_loads_vendored_assets_without_a_cdn(client, agent):
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert external_assets(html) == []


def test_dashboard_counts_are_kept_per_scope_until_they_expire_or_are_counted_again(
    client, agent, project, other_project, settings
):
    CustomerFactory(city_company=project.city_company, registered_project=project)
    client.force_login(agent)
    first = client.get(reverse("home"))
    assert first.context["customer_total"] == 1
    assert 'data-testid="counted-at"' in first.content.decode()

    CustomerFactory(city_company=project.city_company, registered_project=project)
    assert client.get(reverse("home")).context["customer_total"] == 1  # the kept count
    assert client.get(reverse("home") + "?refresh=1").context["customer_total"] == 2
    assert client.get(reverse("home")).context["customer_total"] == 2

    # Another scope has counts of its own, never the agent's.
    other = UserFactory(role=Role.CS_AGENT, projects=[other_project])
    client.force_login(other)
    assert client.get(reverse("home")).context["customer_total"] == 0

    settings.DASHBOARD_CACHE_SECONDS = 0  # expired at once: every view counts
    client.force_login(agent)
    client.get(reverse("home") + "?refresh=1")
    CustomerFactory(city_company=project.city_company, registered_project=project)
    assert client.get(reverse("home")).context["customer_total"] == 3
