"""The laptop demo (run.py demo sets DEMO=1) runs with DEBUG off: the CRM's own error pages, never
Django's debug page listing every URL, yet with zero configuration (development keys, plain http,
static files from the source folders). Run in a fresh interpreter with a bare environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Requests the demo's settings serve without a database: an unknown URL, a view that fails, a view
# that refuses, a static file, the favicon.
REQUESTS = """
import json, sys, types
import django
django.setup()
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path
import crm.urls

def boom(request):
    raise RuntimeError("a bug")

def refuse(request):
    raise PermissionDenied

urls = types.ModuleType("demo_mode_urls")
urls.urlpatterns = [path("boom", boom), path("refuse", refuse), *crm.urls.urlpatterns]
sys.modules["demo_mode_urls"] = urls
with override_settings(ROOT_URLCONF="demo_mode_urls"):
    client = Client(raise_request_exception=False)
    pages = {name: client.get(url) for name, url in [
        ("missing", "/no-such-page/"), ("failing", "/boom"), ("refused", "/refuse"),
        ("css", "/static/css/crm.css"), ("favicon", "/favicon.ico"),
    ]}
sys.stderr.flush()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "pages": {
        name: {"status": r.status_code, "type": r.get("Content-Type", ""),
               "body": b"".join(r).decode("utf-8", "replace") if name in ("missing", "failing", "refused") else ""}
        for name, r in pages.items()
    },
}))
"""


@pytest.fixture(scope="module")
def demo_run():
    bare = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    bare.update({"DJANGO_SETTINGS_MODULE": "crm.settings", "DEMO": "1", "LANGUAGE_CODE": "zh-hans"})
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS], cwd=ROOT, env=bare, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env may set DEBUG")
def test_the_demo_starts_with_debug_off_and_no_configuration(demo_run):
    loaded, _ = demo_run
    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is False and loaded["SESSION_COOKIE_SECURE"] is False


def test_the_demo_answers_404_and_500_with_the_crms_own_pages(demo_run):
    pages = demo_run[0]["pages"]
    missing, failing = pages["missing"], pages["failing"]
    assert missing["status"] == 404 and failing["status"] == 500
    for page in (missing, failing):
        assert "客户关系中心" in page["body"]
        # Django's debug pages list the URL patterns or the traceback.
        assert "URLconf" not in page["body"] and "Traceback" not in page["body"]


def test_a_refusal_is_a_log_line_without_a_traceback(demo_run):
    loaded, stderr = demo_run
    assert loaded["pages"]["refused"]["status"] == 403
    assert "Forbidden (Permission denied): /refuse" in stderr
    assert stderr.count("Traceback") == 1  # the failing view's, not the refusal's
    assert "PermissionDenied" not in stderr


def test_the_demo_serves_static_files_and_a_favicon_without_collectstatic(demo_run):
    pages = demo_run[0]["pages"]
    assert pages["css"]["status"] == 200
    assert pages["favicon"]["status"] == 200
    assert pages["favicon"]["type"] in ("image/x-icon", "image/vnd.microsoft.icon")


@pytest.mark.django_db
def test_every_page_links_the_favicon_served_at_the_root(client, agent):
    assert client.get("/favicon.ico").status_code == 200
    client.force_login(agent)
    assert '<link rel="icon" href="/favicon.ico"' in client.get("/").content.decode()
