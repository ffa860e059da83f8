"""The OpenAPI schema generates cleanly and the Swagger UI is served from local files."""

import re

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

V1_PATHS = [
    "city-companies",
    "projects",
    "phases",
    "buildings",
    "units",
    "customers",
    "household-members",
    "contracts",
]


def test_schema_generates_without_warnings_or_errors(tmp_path):
    target = tmp_path / "schema.yaml"

    # --fail-on-warn turns every drf-spectacular warning into an error; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    for name in V1_PATHS:
        assert f"/api/v1/{name}/" in schema["paths"]
        assert f"/api/v1/{name}/{{id}}/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/customers/{id}/reveal/"]
    assert "delete" in schema["paths"]["/api/v1/household-members/{id}/"]
    assert "delete" not in schema["paths"]["/api/v1/customers/{id}/"]


def test_customer_schema_never_exposes_a_clear_id_number(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    components = yaml.safe_load(target.read_text())["components"]["schemas"]

    assert "id_number" not in components["Customer"]["properties"]
    assert "id_number_masked" in components["Customer"]["properties"]
    assert "id_number" in components["CustomerWriteRequest"]["properties"]


def test_schema_endpoint_answers(client):
    client.force_login(UserFactory())

    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/v1/customers/" in response.content


def test_swagger_ui_uses_no_cdn(client):
    client.force_login(UserFactory())

    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets, html
    assert not [url for url in assets if re.match(r"(https?:)?//", url)]
    assert not re.search(r"https?://[^\"'\s]*\.(?:js|css)", html)
    for url in assets:  # and each of them is a file we ship (drf-spectacular-sidecar)
        if url.startswith("/api/docs/?script"):
            continue  # the start-up script, served by the docs view itself (no inline script: the CSP)
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_finding_10_12_the_schema_answers_no_anonymous_request(client):
    response = client.get("/api/schema/")

    assert response.status_code == 401
    assert b"/api/v1/customers/" not in response.content


def test_finding_10_12_the_docs_send_an_anonymous_browser_to_the_login_page(client):
    response = client.get("/api/docs/")

    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/api/docs/")


def test_finding_10_10_the_schema_documents_the_reveal_purpose_and_its_limit(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    reveal = schema["paths"]["/api/v1/customers/{id}/reveal/"]["post"]
    assert "429" in reveal["responses"]
    request = schema["components"]["schemas"]["RevealRequest"]
    assert {"field", "reason_code", "reason"} <= set(request["required"])
    codes = schema["components"]["schemas"][
        request["properties"]["reason_code"]["allOf"][0]["$ref"].split("/")[-1]
    ]
    assert codes["enum"] == ["callback", "complaint", "handover", "identity", "other"]
