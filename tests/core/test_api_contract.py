"""The API keeps its own schema (issue 18): what schemathesis checks, one case per class of fix.

Filters and `page_size` refuse what they cannot read (400 with field messages), JSON text with a
control character is refused, and the schema lists the error answers, If-Match as the server reads it, blank
choices where answers may be blank, and times Django writes. .ci/schemathesis.sh runs the whole
schema against a seeded database.
"""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from core.openapi import TIME_PATTERN
from properties.models import Unit
from tests.api import client_for

API = "/api/v1"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operation(schema, path, method):
    return schema["paths"][path][method]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ("is_active=1896", "is_active"),
        ("is_active=null", "is_active"),
        ("floor=0.5", "floor"),
        ("finish_standard=", "finish_standard"),
        ("page_size=null", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
    ],
)
def test_a_filter_or_page_size_it_cannot_read_is_refused_with_a_field_message(group_admin, query, field):
    path = f"{API}/units/" if field in ("floor", "finish_standard") else f"{API}/city-companies/"
    if field == "is_active":
        path = f"{API}/complaint-categories/"
    response = client_for(group_admin).get(f"{path}?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db
def test_valid_filters_and_page_size_still_filter(group_admin, owned_unit):
    client = client_for(group_admin)
    assert client.get(f"{API}/units/?floor={owned_unit.floor}&page_size=200").status_code == 200
    assert client.get(f"{API}/complaint-categories/?is_active=true").status_code == 200
    assert client.get(f"{API}/units/?code=").status_code == 200  # a text filter may be empty
    other_floor = Unit.objects.exclude(floor=owned_unit.floor).count()
    results = client.get(f"{API}/units/?floor={owned_unit.floor + 1}").json()["results"]
    assert len(results) == other_floor == 0


@pytest.mark.django_db
def test_json_text_with_a_control_character_is_refused_with_a_field_message(group_admin):
    response = client_for(group_admin).post(
        f"{API}/city-companies/", {"code": "bj", "name": "北京\u0007公司", "city": "北京"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    ok = client_for(group_admin).post(
        f"{API}/city-companies/", {"code": "bj", "name": "北京公司", "city": "北京"}, format="json"
    )
    assert ok.status_code == 201, ok.content


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_404(group_admin):
    response = client_for(group_admin).get(f"{API}/units/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_the_schema_lists_the_error_answers_in_the_error_format(schema):
    responses = _operation(schema, "/api/v1/customers/{id}/", "put")["responses"]
    assert {"200", "400", "401", "403", "404", "409", "415", "428"} <= set(responses)
    assert responses["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    listing = _operation(schema, "/api/v1/units/", "get")["responses"]
    assert {"200", "400", "401", "403", "414"} <= set(listing)
    assert "content" not in listing["414"]  # gunicorn's answer to a URL too long, not the API's


def test_the_schema_keeps_if_match_optional_as_the_body_version_is_its_alternative(schema):
    operation = _operation(schema, "/api/v1/customers/{id}/", "patch")
    (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
    assert if_match["in"] == "header"
    assert not if_match.get("required")  # the server takes the body's `version` instead
    assert if_match["schema"]["pattern"].startswith("^(W/)?")
    assert "428" in operation["responses"]


def test_the_schema_documents_strict_filters_and_request_text(schema):
    parameters = {p["name"]: p["schema"] for p in _operation(schema, "/api/v1/units/", "get")["parameters"]}
    assert parameters["page_size"]["minimum"] == 1 and parameters["page_size"]["maximum"] == 200
    assert parameters["project"]["minimum"] == 1
    assert parameters["finish_standard"].get("minLength", 1) >= 1 or "enum" in parameters["finish_standard"]
    name = schema["components"]["schemas"]["CityCompanyRequest"]["properties"]["name"]
    assert "\\x00" in name["pattern"]
    body = _operation(schema, "/api/v1/city-companies/", "post")["requestBody"]["content"]
    assert list(body) == ["application/json"]


def test_the_schema_tells_blank_choices_nulls_and_times_as_answered(schema):
    components = schema["components"]["schemas"]
    id_type = components["Customer"]["properties"]["id_type"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in id_type["oneOf"]
    email = components["Customer"]["properties"]["email"]
    assert "format" not in email and {"maxLength": 0} in email["anyOf"]
    assert components["SignOff"]["properties"]["override_by_name"]["nullable"] is True
    starts_at = components["AppointmentSlot"]["properties"]["starts_at"]
    assert starts_at["pattern"] == TIME_PATTERN and "format" not in starts_at


def test_the_schema_endpoint_still_serves(client, group_admin):
    client.force_login(group_admin)
    assert client.get(reverse("api-schema")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [("kind=", "kind"), ("member=", "member"), ("kind=nonsense", "kind")],
)
def test_an_empty_query_parameter_read_by_a_serializer_is_refused(agent, query, field):
    response = client_for(agent).get(f"{API}/points-entries/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert client_for(agent).get(f"{API}/points-entries/?kind=event").status_code == 200


@pytest.mark.django_db
def test_a_query_boolean_read_by_a_serializer_is_true_or_false(agent):
    assert client_for(agent).get(f"{API}/members/?include_left=true").status_code == 200
    for value in ("", "1", "yes"):
        response = client_for(agent).get(f"{API}/members/?include_left={value}")
        assert response.status_code == 400, value
        assert "include_left" in response.json()


SLA_POLICY = {"name": "渗漏", "first_response_minutes": 120, "plan_minutes": 600, "resolution_minutes": 6000}


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["true", 1, "yes"])
def test_a_json_boolean_is_json_true_or_false(group_admin, value):
    client = client_for(group_admin)
    response = client.post(f"{API}/sla-policies/", {**SLA_POLICY, "is_active": value}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["is_active"]
    ok = client.post(f"{API}/sla-policies/", {**SLA_POLICY, "is_active": False}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["is_active"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("complaints", [{"1": 1, "2": 2}, 7, ["7"], [True]])
def test_a_list_of_ids_in_json_is_a_list_of_numbers(supervisor, complaints):
    response = client_for(supervisor).post(
        f"{API}/improvement-items/",
        {"title": "地库防水", "department": "design", "complaints": complaints},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "complaints" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [("name", 0), ("first_response_minutes", "120"), ("first_response_minutes", True), ("name", None)],
)
def test_a_json_value_of_another_type_is_refused_not_converted(group_admin, field, value):
    response = client_for(group_admin).post(
        f"{API}/sla-policies/", {**SLA_POLICY, field: value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


@pytest.mark.django_db
def test_a_form_still_sends_numbers_and_booleans_as_text(group_admin):
    response = client_for(group_admin).post(
        f"{API}/sla-policies/", {**SLA_POLICY, "is_active": "false", "plan_minutes": "600"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_active"] is False


def test_blank_text_with_a_pattern_is_answered_as_blank(schema):
    show_if = schema["components"]["schemas"]["Question"]["properties"]["show_if_question"]
    assert {"maxLength": 0} in show_if["anyOf"] and "pattern" not in show_if
