"""The access matrix: every route of the URL resolver (pages and the API) × every role, an anonymous
visitor and a user of another city company, each answered as designed (tests/access_expectations.py),
and no response naming a record of a city company outside the user's scope.

The routes are read from the resolver, so a new route is walked without editing this file; until it
has a row in access_expectations.EXPECTED its test fails, naming it and showing what each user got.
One world (tests/access_world.py) is seeded for the module inside a transaction rolled back at its
end; each route's requests run in their own savepoint (the `db` fixture). GET only: a page or an API
list or detail is read, a POST-only route must refuse the GET. Downloads (Excel, PDF) are read as
text too, and every registered Excel export is run for every user.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_issue
from accounts.models import Role
from complaints.selectors import forget_reference_data
from core.exports import EXPORTERS
from tests import access_expectations as expectations
from tests.access_world import ANONYMOUS, OTHER_CITY, USERS, World, reference_records, seed_world

# The API's routes are called with a token (a browser's session works too, but a token is how the API
# is used); the Swagger page under api/docs/ is a page.
API_PREFIXES = ("api/v1/", "api/schema/")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Route:
    key: str  # its URL name (namespaced), or its path when it has none
    shape: str  # the path with each parameter as {name}: "complaints/{pk}/{action}/"
    parameters: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.shape.startswith(API_PREFIXES)


def _shape(pattern: str) -> str:
    pattern = pattern.replace("^", "").replace("$", "")
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)


def _walk(resolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        else:
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else ""


def discover_routes() -> tuple[list[Route], dict[str, str]]:
    """Every route of the resolver, and the skipped ones with their reasons. A DRF router's format
    suffix variant ("complaints.json") is the same view as its route: walked once."""
    routes, skipped = [], {}
    for pattern, name in _walk(get_resolver()):
        shape = _shape(pattern)
        reason = next((why for prefix, why in expectations.SKIPPED.items() if shape.startswith(prefix)), None)
        if reason:
            skipped[shape] = reason
            continue
        if "{format}" in shape:
            continue
        parameters = tuple(re.findall(r"\{(\w+)\}", shape))
        routes.append(Route(key=name or shape, shape=shape, parameters=parameters))
    keys = [route.key for route in routes]
    assert len(keys) == len(set(keys)), (
        f"two routes share a name: {sorted({k for k in keys if keys.count(k) > 1})}"
    )
    return routes, skipped


ROUTES, SKIPPED_ROUTES = discover_routes()


def _parameter_source(route: Route, parameter: str) -> str:
    head = route.shape[: route.shape.index("{" + parameter + "}")] + "{" + parameter + "}"
    source = expectations.PARAMETERS.get(head)
    assert source, (
        f"{route.key}: no way to fill {{{parameter}}}; add {head!r} to access_expectations.PARAMETERS"
    )
    return source


def _value(source: str, world: World, references: dict) -> str:
    """A parameter's value from the first city's records (for every column: the other city's head is
    sent to them too)."""
    city = world.home
    if source.startswith("="):
        return source[1:]
    if source.startswith("token:"):
        return city.tokens[source.removeprefix("token:")]
    if source.startswith("number:"):
        return city.records[source.removeprefix("number:")].number
    return str((city.records.get(source) or references[source]).pk)


def url_for(route: Route, world: World, references: dict) -> str:
    path = route.shape
    for parameter in route.parameters:
        path = path.replace(
            "{" + parameter + "}", _value(_parameter_source(route, parameter), world, references)
        )
    query = {
        name: _value(source, world, references)
        for name, source in expectations.QUERIES.get(route.key, {}).items()
    }
    return "/" + path + (f"?{urlencode(query)}" if query else "")


def response_text(response) -> str:
    """What a response shows: its HTML or JSON, or the cells of a workbook, or the text of a PDF."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith(XLSX):
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if content_type.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", errors="replace")


def outcome(response) -> str:
    if response.status_code == 302:
        return "login" if response["Location"].startswith(resolve_url(settings.LOGIN_URL)) else "302"
    return str(response.status_code)


def _list_kind(route: Route) -> str | None:
    if not route.is_api or route.parameters:
        return None
    return expectations.PARAMETERS.get(route.shape + "{pk}") or expectations.LIST_KINDS.get(route.shape)


def out_of_scope(route: Route | None, world: World, column: str, text: str) -> list[str]:
    """The other city's records a response names: by marker (a number or a name nothing else holds),
    and in an API list by id."""
    found = [f"{kind} {marker!r}" for kind, marker in world.foreign_markers(column).items() if marker in text]
    kind = _list_kind(route) if route else None
    foreign_city = world.foreign_city(column)
    if kind and foreign_city and kind in foreign_city.records:
        foreign_id = foreign_city.records[kind].pk
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        rows = payload.get("results", []) if isinstance(payload, dict) else payload
        if isinstance(rows, list) and any(
            isinstance(row, dict) and row.get("id") == foreign_id for row in rows
        ):
            found.append(f"{kind} id {foreign_id} in the list")
    return found


def _row(outcomes: dict[str, str]) -> str:
    return " ".join(f"{outcomes[column]:<5}" for column in expectations.COLUMNS).rstrip()


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The seeded world, kept for the module and rolled back at its end. The cache is emptied before
    and after: staff scope reads a cached project list, and this module's ids must not outlive it.
    Files (the finished export's workbook) go to a temporary MEDIA_ROOT."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("matrix-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            cache.clear()
            forget_reference_data()
            yield seed_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()
            forget_reference_data()
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\naccess matrix: {len(ROUTES)} routes × {len(USERS)} users = {len(ROUTES) * len(USERS)} "
            f"requests, and {len(EXPORTERS)} exports × {len(USERS)} users "
            f"({len(SKIPPED_ROUTES)} admin and media routes not walked)"
        )


@pytest.fixture(scope="module", autouse=True)
def _schema_generated_once():
    """drf-spectacular serves the schema public (the same for every user) and builds it on each request,
    ~3 s: build it once for the module's users."""
    real_get_schema = SchemaGenerator.get_schema
    built = {}

    def get_schema(self, request=None, public=False):
        if not public:
            return real_get_schema(self, request=request, public=public)
        if "schema" not in built:
            built["schema"] = real_get_schema(self, request=request, public=public)
        return built["schema"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SchemaGenerator, "get_schema", get_schema)
        yield


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    """Per column: a signed-in browser for the pages and a token client for the API (none signed in for
    the anonymous column). A 500 is an answer like any other here, so that a row shows every column."""
    pages, api = {}, {}
    with django_db_blocker.unblock():
        for column in USERS:
            user = world.users[column]
            pages[column] = Client(raise_request_exception=False)
            api[column] = APIClient(raise_request_exception=False)
            if user is not None:
                pages[column].force_login(user)
                issued = api_token_issue(
                    user=user, name="access matrix", expires_at=timezone.now() + datetime.timedelta(days=30)
                )
                api[column].credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    return pages, api


@pytest.fixture(scope="module")
def references(world, django_db_blocker):
    with django_db_blocker.unblock():
        return reference_records()


def test_the_columns_are_every_role_an_anonymous_visitor_and_another_city():
    assert expectations.COLUMNS == USERS
    assert set(USERS) == {role.value for role in Role} | {ANONYMOUS, OTHER_CITY}


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[route.key for route in ROUTES])
def test_route_answers_each_user_as_designed(route, world, clients, references):
    pages, api = clients
    url = url_for(route, world, references)
    outcomes, leaks = {}, {}
    for column in USERS:
        response = (api if route.is_api else pages)[column].get(url)
        outcomes[column] = outcome(response)
        if response.status_code == 200 and route.key not in expectations.PUBLIC:
            found = out_of_scope(route, world, column, response_text(response))
            if found:
                leaks[column] = found
    errors = [column for column, status in outcomes.items() if status.startswith("5")]
    assert not errors, f"{route.key} ({url}) fails for {errors}: {_row(outcomes)}"
    expected = expectations.EXPECTED.get(route.key)
    assert expected is not None, (
        f"{route.key} ({route.shape}) has no row in tests/access_expectations.py EXPECTED. Each user got:\n"
        f"    {route.key!r}: {_row(outcomes)!r},\n"
        "check that every cell is as designed before adding it."
    )
    wanted = dict(zip(expectations.COLUMNS, expected.split(), strict=True))
    wrong = {
        column: f"{wanted[column]} expected, got {outcomes[column]}"
        for column in USERS
        if outcomes[column] != wanted[column]
    }
    assert not wrong, f"{route.key} ({url}): {wrong}\n    got: {_row(outcomes)!r}"
    assert not leaks, f"{route.key} ({url}) shows records out of the user's scope: {leaks}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_every_export_holds_only_the_users_scope(name, world, clients):
    """Each registered Excel export of a list, run by every user: refused (403) or a workbook holding
    nothing of another city company (with the first city's campaign where an export needs one)."""
    pages, _api = clients
    campaign = world.home.records["campaign"].pk
    for column in USERS:
        response = pages[column].get(f"/exports/{name}/", {"campaign": campaign})
        assert outcome(response) in {"200", "302", "403", "404", "login"}, (
            f"{name}: {column} got {outcome(response)}"
        )
        if response.status_code == 200:
            assert response["Content-Type"].startswith(XLSX), f"{name}: {column} got no workbook"
            found = out_of_scope(None, world, column, response_text(response))
            assert not found, f"the {name} export of {column} holds records out of scope: {found}"


@pytest.mark.django_db
def test_dashboard_counts_hold_only_the_users_scope(world, clients):
    """A figure counts the user's scope only: each city company received one complaint this month."""
    _pages, api = clients
    counts = {}
    for column in USERS:
        response = api[column].get("/api/v1/metrics/complaints.received/")
        if response.status_code == 200:
            counts[column] = response.json()["value"]
    assert counts == {
        Role.GROUP_ADMIN: 2,
        Role.CITY_HEAD: 1,
        Role.CS_SUPERVISOR: 1,
        Role.READONLY_MANAGER: 1,
        OTHER_CITY: 1,
    }


def test_every_path_of_the_api_schema_is_walked():
    """The OpenAPI schema (drf-spectacular's generator) names no route the resolver walk missed."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    walked = {re.sub(r"\{\w+\}", "{}", route.shape) for route in ROUTES}
    missed = [path for path in schema["paths"] if re.sub(r"\{\w+\}", "{}", path.lstrip("/")) not in walked]
    assert schema["paths"] and not missed, f"schema paths the matrix does not walk: {missed}"


def test_every_expectation_names_a_route():
    """A row for a route that is gone is stale: remove it with the route."""
    routes = {route.key for route in ROUTES}
    assert not set(expectations.EXPECTED) - routes, (
        f"rows of no route: {sorted(set(expectations.EXPECTED) - routes)}"
    )
    assert not expectations.PUBLIC - routes, (
        f"public routes that are gone: {sorted(expectations.PUBLIC - routes)}"
    )
