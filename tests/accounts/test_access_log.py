# ruff: noqa: F811 - the owner timeline's fixtures (tests/lifecycle/timeline_fixtures.py) are imported by name
"""The auditor role (PIPL): the whole personal-data access log, filtered, keyset-paged and exported, and
its admin; nothing else — no customer, no desk, no figure."""

import datetime
import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import LoggedAccess, PersonalDataAccess, Role
from accounts.services import staff_set_role
from core.menu import menu_for
from dashboards.measures.engine import may_see_dashboards
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory
from tests.lifecycle.timeline_fixtures import complaint, every_kind, leak  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

URL = "/access-log/"


@pytest.fixture
def auditor(db):
    user = UserFactory(username="auditor", role=Role.AUDITOR)
    return staff_set_role(user=user, role=Role.AUDITOR)


def _access(user, customer, *, field="phone", at=None, reason="业主来电核实报修地址"):
    return PersonalDataAccess.objects.create(
        user=user,
        customer=customer,
        field=field,
        reason_code="callback",
        reason=reason,
        accessed_at=at or timezone.now(),
    )


@pytest.fixture
def log(owner, agent, supervisor, other_agent, other_city):
    """Reveals in two city companies, by three staff members, on two days."""
    stranger = CustomerFactory(city_company=other_city, name="李娜")
    yesterday = timezone.now() - datetime.timedelta(days=1)
    return {
        "agent_phone": _access(agent, owner),
        "supervisor_id": _access(supervisor, owner, field="id_number", at=yesterday),
        "other_city": _access(other_agent, stranger),
        "export": _access(supervisor, owner, field=LoggedAccess.SUBJECT_EXPORT),
        "stranger": stranger,
    }


def _rows(response) -> list[int]:
    return [access.pk for access in response.context["rows"]]


def test_the_auditor_reads_every_city_companys_log_newest_first(client, auditor, log):
    client.force_login(auditor)
    response = client.get(URL)
    assert response.status_code == 200
    assert _rows(response) == [
        log["export"].pk,
        log["other_city"].pk,
        log["agent_phone"].pk,
        log["supervisor_id"].pk,
    ]
    html = response.content.decode()
    assert "张伟" not in html and "李娜" not in html  # whose record: a number, never a name
    assert f"#{log['stranger'].pk}" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user": "agent"}, ["agent_phone"]),
        ({"field": "id_number"}, ["supervisor_id"]),
        ({"field": "subject_export"}, ["export"]),
        ({"date_to": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()}, ["supervisor_id"]),
        ({"date_from": timezone.localdate().isoformat(), "user": "supervisor"}, ["export"]),
    ],
)
def test_the_filters(client, auditor, log, params, expected):
    client.force_login(auditor)
    assert _rows(client.get(URL, params)) == [log[name].pk for name in expected]


def test_the_customer_filter(client, auditor, log):
    client.force_login(auditor)
    assert _rows(client.get(URL, {"customer": log["stranger"].pk})) == [log["other_city"].pk]


@pytest.mark.parametrize(
    "params",
    [
        {"customer": "abc"},
        {"field": "name"},
        {"date_from": "2026-13-01"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
    ],
)
def test_bad_filters_are_a_400_with_the_fields_message(client, auditor, log, params):
    client.force_login(auditor)
    response = client.get(URL, params)
    assert response.status_code == 400 and response.context["form"].errors


def test_pages_by_cursor_and_a_broken_cursor_is_a_400(client, auditor, owner, agent):
    now = timezone.now()
    accesses = [_access(agent, owner, at=now - datetime.timedelta(minutes=n)) for n in range(30)]
    client.force_login(auditor)
    first = client.get(URL)
    assert _rows(first) == [access.pk for access in accesses[:25]]
    second = client.get(URL, {"after": first.context["next_cursor"]})
    assert _rows(second) == [access.pk for access in accesses[25:]]
    assert client.get(URL, {"after": "not-a-cursor"}).status_code == 400


@pytest.mark.parametrize("count", [2, 20])
def test_the_page_reads_a_constant_number_of_queries(
    client, auditor, owner, agent, count, django_assert_max_num_queries
):
    for _ in range(count):
        _access(agent, owner)
    client.force_login(auditor)
    client.get(URL)
    # session, user, the rows with their staff member (one join), the notification bell's count: 4.
    with django_assert_max_num_queries(4):
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.CS_AGENT, Role.CS_SUPERVISOR, Role.CITY_HEAD, Role.READONLY_MANAGER])
def test_other_roles_may_not_read_the_log_page_or_export(client, role, project, log):
    client.force_login(UserFactory(role=role, projects=[project]))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("exports:start", args=["access-log"])).status_code == 403


def test_the_group_admin_reads_it_too(client, group_admin, log):
    client.force_login(group_admin)
    assert len(_rows(client.get(URL))) == 4


def test_the_export_has_the_pages_filters_and_no_names(client, auditor, log, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(auditor)
    response = client.get(reverse("exports:start", args=["access-log"]), {"user": "supervisor"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    header, *rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert header[3] == "Customer number"
    assert [row[2] for row in rows] == ["supervisor", "supervisor"]
    assert {row[3] for row in rows} == {log["export"].customer_id}
    assert not any("张伟" in str(cell) for row in rows for cell in row)


def test_the_admin_shows_the_auditor_the_whole_log_by_customer_number(client, auditor, log):
    client.force_login(auditor)
    changelist = client.get(reverse("admin:accounts_personaldataaccess_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert f"#{log['stranger'].pk}" in html and "张伟" not in html and "李娜" not in html
    detail = client.get(reverse("admin:accounts_personaldataaccess_change", args=[log["other_city"].pk]))
    assert detail.status_code == 200 and "李娜" not in detail.content.decode()
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 403


# --- the auditor sees nothing else ---------------------------------------------------------------------


def test_the_auditors_menu_is_the_access_log_and_no_dashboards(auditor):
    assert [entry.url_name for entry in menu_for(auditor)] == ["accounts:access-log"]
    assert not may_see_dashboards(auditor)


def _routes_without_arguments(resolver=None, prefix=""):
    """Every URL of the project that takes no argument (pages and API lists), by walking the resolver."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).removeprefix("^").removesuffix("$")  # the API router's regexes
        if isinstance(pattern, URLResolver):
            yield from _routes_without_arguments(pattern, route)
        elif isinstance(pattern, URLPattern) and not any(mark in route for mark in ("<", "(?P", "\\", "[")):
            yield "/" + route


SKIPPED = ("/accounts/logout/", "/logout/", "/i18n/setlang/", "/admin/logout/")
# Reference data every logged-in user reads (no person in it).
REFERENCE_LISTS = {"/api/v1/complaint-categories/", "/api/v1/sla-policies/"}


def test_the_auditor_sees_no_customer_anywhere(client, auditor, owner, log, every_kind):
    """Every page and API list without an argument, and the customer's own pages: never a name or a
    phone, and every API list refused or empty (a record of every kind exists: the timeline's fixture)."""
    CustomerPhoneFactory(customer=log["stranger"], number="13987654321")
    client.force_login(auditor)
    routes = sorted(set(_routes_without_arguments())) + [
        reverse("customers:detail", args=[owner.pk]),
        reverse("customer-detail", args=[owner.pk]),
    ]
    seen = []
    for route in routes:
        if route in SKIPPED or "logout" in route:
            continue
        response = client.get(route)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="ignore")
        assert not any(secret in text for secret in ("张伟", "李娜", "13812345678", "13987654321")), route
        assert response.status_code in (200, 301, 302, 400, 403, 404, 405), (route, response.status_code)
        if route.startswith("/api/v1/") and response.status_code == 200 and route not in REFERENCE_LISTS:
            data = response.json()
            assert not (data.get("results") if isinstance(data, dict) else data), route
        seen.append(route)
    assert URL in seen and "/api/v1/customers/" in seen and len(seen) > 100
