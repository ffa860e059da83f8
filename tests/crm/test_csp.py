"""Finding 10.1: every page carries a Content-Security-Policy that runs scripts from our own files only,
so an injected or uploaded script has nothing to run with, and no template needs an inline script."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict_page_policy(response, where: str) -> None:
    assert "Content-Security-Policy" in response, f"{where} has no Content-Security-Policy"
    policy = directives(response)
    assert policy["script-src"] == ["'self'"], where  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"], where
    if where != "/api/docs/":  # its one exception: test_the_api_docs_load_swagger_ui_by_url…
        assert "'unsafe-inline'" not in policy["style-src-elem"], where


def page_paths(resolver=None, prefix: str = ""):
    """Every URL of the site that takes no argument (the admin's lists and add forms included)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from page_paths(pattern, route)
        elif isinstance(pattern, URLPattern) and not re.search(r"[<^$(\\]", route):
            yield "/" + route


def test_finding_10_1_every_html_page_carries_a_csp_without_unsafe_inline_scripts(
    client, group_admin, owner, project
):
    client.force_login(group_admin)
    paths = sorted(set(page_paths())) + [f"/customers/{owner.pk}/", "/api/v1/", "/no-such-page/"]
    html_pages = 0
    for path in paths:
        if path.startswith(("/logout", "/i18n/", "/admin/autocomplete/")):
            continue  # POST-only redirects; a JSON view that needs its parameters
        response = client.get(path, HTTP_ACCEPT="text/html")
        if response.get("Content-Type", "").startswith("text/html"):
            html_pages += 1
            assert_strict_page_policy(response, path)
    assert html_pages > 40  # the staff pages, the public pages, the admin, the API's pages, the 404 page


def test_finding_10_1_anonymous_pages_carry_the_csp_too(client, project):
    for path in ["/login/", "/public/", "/public/track/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict_page_policy(response, path)


def test_the_api_docs_load_swagger_ui_by_url_and_allow_only_its_own_style_element(client, group_admin):
    client.force_login(group_admin)
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert "<script>" not in html and "?script=" in html  # SpectacularSwaggerSplitView
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src-elem"] == ["'self'", "'unsafe-inline'"]  # the sidecar template's <style>
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "<style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
}


def test_finding_10_1_no_template_needs_what_the_csp_refuses():
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 50
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}"
        for path in templates
        for what, pattern in INLINE.items()
        if pattern.search(re.sub(r"<!--.*?-->|{#.*?#}", "", path.read_text(), flags=re.DOTALL))
    ]
    assert not found, found
